//! Every emit from the server to clients, and the socket.io rooms ("channels") they go to: one
//! per chat room (its open pages), one per person (all their tabs), one per session (signed out
//! together). Delivery is best-effort: a client whose queue is full misses the packet and
//! notices the gap by position (see PROTOCOL.md, *Sync*). In busy rooms, arrivals, departures
//! and membership changes are collected and sent in batches ([`batch`]).

mod batch;

pub use batch::Batches;

use crate::protocol::{Broadcast, Change, Event};
use socketioxide::extract::SocketRef;
use socketioxide::operators::BroadcastOperators;
use socketioxide::{BroadcastError, SocketError, SocketIo};

/// The channel of a chat room's open pages.
pub fn room_channel(room: &str) -> String {
    format!("room:{room}")
}

/// The channel of every socket of a person: a ban takes them out of a room.
pub fn user_channel(name: &str) -> String {
    format!("user:{name}")
}

/// The channel of every socket of a session: sign-out disconnects it.
pub fn session_channel(id: &str) -> String {
    format!("session:{id}")
}

/// Every connection, to narrow down. `None` once the server has closed its namespace while
/// shutting down (socketioxide's `io.to` panics then): work still finishing tells nobody.
fn everyone(io: &SocketIo) -> Option<BroadcastOperators> {
    io.of("/")
}

/// Sends an event to the connections `to` selects (none, when `to` is `None`). Receivers that
/// were closing or had a full queue miss it; nothing is lost, since they notice the gap in
/// positions (or rejoin) and fetch what they missed.
async fn emit<B: Broadcast>(to: Option<BroadcastOperators>, event: &B) {
    let Some(to) = to else { return };
    match to.emit(B::NAME, event).await {
        Ok(()) => {}
        Err(BroadcastError::Socket(failures)) => {
            let full =
                failures.iter().filter(|f| matches!(f, SocketError::InternalChannelFull)).count();
            if full > 0 {
                tracing::warn!(
                    "{}: {full} receiver queue(s) full, broadcast dropped for them",
                    B::NAME
                );
            }
        }
        Err(error) => tracing::error!("broadcast of {} failed: {error}", B::NAME),
    }
}

/// A change in a room's log, to the room's open pages (`room:changed`): a membership change
/// through the room's batch, anything else at once, after the batch collected before it.
pub async fn change(io: &SocketIo, batches: &Batches, room: &str, pos: i64, event: Event) {
    let membership = matches!(event, Event::Joined { .. } | Event::Left { .. });
    let change = Change { room: room.to_owned(), pos, event };
    if membership {
        batches.membership(io, change).await;
    } else {
        batches.before_change(io, room).await;
        to_room(io, room, &change).await;
    }
}

/// To every open page of a room.
pub async fn to_room<B: Broadcast>(io: &SocketIo, room: &str, event: &B) {
    emit(everyone(io).map(|all| all.to(room_channel(room))), event).await;
}

/// To every open page of a room but `socket`'s.
pub async fn to_room_but<B: Broadcast>(socket: &SocketRef, room: &str, event: &B) {
    emit(Some(socket.to(room_channel(room))), event).await;
}

/// To every connection.
pub async fn to_all<B: Broadcast>(io: &SocketIo, event: &B) {
    emit(everyone(io), event).await;
}

/// To every connection that does not have `room` open.
pub async fn to_all_but_room<B: Broadcast>(io: &SocketIo, room: &str, event: &B) {
    emit(everyone(io).map(|all| all.except(room_channel(room))), event).await;
}

/// To every connection of one person.
pub async fn to_person<B: Broadcast>(io: &SocketIo, name: &str, event: &B) {
    emit(everyone(io).map(|all| all.to(user_channel(name))), event).await;
}

/// To every connection of these people that does not have `room` open.
pub async fn to_people_but_room<'a, B: Broadcast>(
    io: &SocketIo,
    names: impl Iterator<Item = &'a str>,
    room: &str,
    event: &B,
) {
    let to: Vec<String> = names.map(user_channel).collect();
    emit(everyone(io).map(|all| all.to(to).except(room_channel(room))), event).await;
}

/// Takes every socket of a person out of a room's channel (a kick or a ban).
pub async fn unsubscribe_person(io: &SocketIo, name: &str, room: &str) {
    if let Some(all) = everyone(io) {
        all.to(user_channel(name)).leave(room_channel(room)).await;
    }
}

/// Disconnects every socket of a session (sign-out).
pub async fn disconnect_session(io: &SocketIo, id: &str) {
    if let Some(all) = everyone(io) {
        if let Err(error) = all.to(session_channel(id)).disconnect().await {
            tracing::warn!("disconnecting a signed-out session's sockets: {error}");
        }
    }
}
