//! Every emit from the server to clients, and the socket.io rooms ("channels") they go to: one
//! per chat room (its open pages), one per person (all their tabs), one per session (signed out
//! together). Delivery is best-effort: a client whose queue is full misses the packet and
//! notices the gap by position (see PROTOCOL.md, *Sync*). In busy rooms, arrivals, departures
//! and membership changes are collected and sent in batches ([`batch`]).

/// Runs `$body` with `$all` bound to every connection of `$io` (of either adapter), narrowed
/// down by the body. `$all` is `None` once the server has closed its namespace while shutting
/// down (socketioxide's `io.to` panics then): work still finishing tells nobody.
macro_rules! on_wire {
    ($io:expr, $all:ident => $body:expr) => {
        match $io {
            Io::Alone(io) => {
                let $all = io.of("/");
                $body
            }
            Io::Cluster(io, redis) => {
                use fred::interfaces::ClientLike;
                let connected = redis.is_connected();
                let $all = io.of("/").map(|all| if connected { all } else { all.local() });
                $body
            }
        }
    };
}

mod batch;
mod wire;

pub use batch::Batches;
pub use wire::{ClusterAdapter, Conn, Io, Wire};

use crate::protocol::{Broadcast, Change, Event};
use socketioxide::adapter::Adapter;
use socketioxide::operators::BroadcastOperators;
use socketioxide::{BroadcastError, SocketError};

/// The channel of a chat room's open pages.
pub fn room_channel(room: &str) -> String {
    format!("{ROOM_PREFIX}{room}")
}

/// What every chat room's channel name starts with.
const ROOM_PREFIX: &str = "room:";

/// The channel of every socket of a room's members: their sidebars count the room's unread
/// messages. A socket joins the channels of its person's rooms as it connects ([`follow`] for
/// a membership that begins later, [`unfollow`] for one that ends).
pub fn follow_channel(room: &str) -> String {
    format!("follow:{room}")
}

/// The channel of every socket of a person: a ban takes them out of a room.
pub fn user_channel(name: &str) -> String {
    format!("user:{name}")
}

/// The channel of every socket of a session: sign-out disconnects it.
pub fn session_channel(id: &str) -> String {
    format!("session:{id}")
}

/// Sends an event to the connections `to` selects (none, when `to` is `None`). Receivers that
/// were closing or had a full queue miss it; nothing is lost, since they notice the gap in
/// positions (or rejoin) and fetch what they missed.
async fn emit<A: Adapter, B: Broadcast>(to: Option<BroadcastOperators<A>>, event: &B) {
    let Some(to) = to else { return };
    match to.clone().emit(B::NAME, event).await {
        Ok(()) => {}
        // Redis failed to take it: this node's own sockets still get it (the others are told
        // to catch up when Redis is back).
        Err(BroadcastError::Adapter(error)) => {
            tracing::warn!("{}: not sent to other nodes ({error}); sent on this node", B::NAME);
            if let Err(error) = to.local().emit(B::NAME, event).await {
                tracing::warn!("{}: {error}", B::NAME);
            }
        }
        Err(BroadcastError::Socket(failures)) => {
            let full =
                failures.iter().filter(|f| matches!(f, SocketError::InternalChannelFull)).count();
            if full > 0 {
                super::metrics::broadcast_dropped(full);
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
pub async fn change(io: &Io, batches: &Batches, room: &str, pos: i64, event: Event) {
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
pub async fn to_room<B: Broadcast>(io: &Io, room: &str, event: &B) {
    on_wire!(io, all => emit(all.map(|all| all.to(room_channel(room))), event).await);
}

/// To every open page of a room but `socket`'s.
pub async fn to_room_but<B: Broadcast>(socket: &Conn, room: &str, event: &B) {
    match socket {
        Conn::Alone(socket) => emit(Some(socket.to(room_channel(room))), event).await,
        Conn::Cluster(socket) => emit(Some(socket.to(room_channel(room))), event).await,
    }
}

/// To every connection.
pub async fn to_all<B: Broadcast>(io: &Io, event: &B) {
    on_wire!(io, all => emit(all, event).await);
}

/// To every connection of a room's members that does not have the room open.
pub async fn to_followers_but_room<B: Broadcast>(io: &Io, room: &str, event: &B) {
    let (followers, open) = (follow_channel(room), room_channel(room));
    on_wire!(io, all => emit(all.map(|all| all.to(followers).except(open)), event).await);
}

/// To every connection of one person.
pub async fn to_person<B: Broadcast>(io: &Io, name: &str, event: &B) {
    on_wire!(io, all => emit(all.map(|all| all.to(user_channel(name))), event).await);
}

/// To every connection of these people.
pub async fn to_people<'a, B: Broadcast>(io: &Io, names: impl Iterator<Item = &'a str>, event: &B) {
    let to: Vec<String> = names.map(user_channel).collect();
    on_wire!(io, all => emit(all.map(|all| all.to(to)), event).await);
}

/// Adds every socket of a person, on every node, to a room's followers (they became a member).
pub async fn follow(io: &Io, name: &str, room: &str) {
    on_wire!(io, all => if let Some(all) = all {
        if let Err(error) = all.to(user_channel(name)).join(follow_channel(room)).await {
            tracing::warn!("adding {name}'s sockets to {room}'s followers: {error}");
        }
    });
}

/// Takes every socket of a person, on every node, out of a room's followers (they are no longer
/// a member).
pub async fn unfollow(io: &Io, name: &str, room: &str) {
    on_wire!(io, all => if let Some(all) = all {
        if let Err(error) = all.to(user_channel(name)).leave(follow_channel(room)).await {
            tracing::warn!("taking {name}'s sockets out of {room}'s followers: {error}");
        }
    });
}

/// Takes every socket of a person out of a room's channel (a kick or a ban).
pub async fn unsubscribe_person(io: &Io, name: &str, room: &str) {
    on_wire!(io, all => if let Some(all) = all {
        if let Err(error) = all.to(user_channel(name)).leave(room_channel(room)).await {
            tracing::warn!("taking {name}'s sockets out of {room}: {error}");
        }
    });
}

/// Disconnects every socket of a person, on every node (a closed account).
pub async fn disconnect_person(io: &Io, name: &str) {
    on_wire!(io, all => if let Some(all) = all {
        if let Err(error) = all.to(user_channel(name)).disconnect().await {
            tracing::warn!("disconnecting a closed account's sockets: {error}");
        }
    });
    io.disconnect_admins(user_channel(name)).await;
}

/// Disconnects every socket of a session (sign-out).
pub async fn disconnect_session(io: &Io, id: &str) {
    on_wire!(io, all => if let Some(all) = all {
        if let Err(error) = all.to(session_channel(id)).disconnect().await {
            tracing::warn!("disconnecting a signed-out session's sockets: {error}");
        }
    });
    io.disconnect_admins(session_channel(id)).await;
}
