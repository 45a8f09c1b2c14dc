//! Announcements that a crowd would multiply: who came online or went away, and who joined or
//! left a room. Announced one by one, N people arriving in a room cost N × N packets (each
//! arrival to everyone there): 25 million for 5,000 people, which grew every socket's queue. In
//! a room with more than [`Batches::above`] people online, they are collected instead and sent
//! as one packet per room every [`EVERY`] (`presence:batched`, `room:batched`): N arrivals then
//! cost N packets per interval at most. Smaller rooms keep one event per change, at once.
//!
//! What is collected lives here for at most one interval: scratch of this node's broadcasts,
//! not chat state (presence and the log are in the database). The count of people online is
//! this node's own tally of what it announced: a threshold, not a truth.

use super::{to_room, Conn, Io};
use crate::protocol::{Change, ChangesBatched, PresenceBatched, PresenceUpdated};
use crate::server::store::Db;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often a busy room's collected announcements go out.
pub const EVERY: Duration = Duration::from_millis(250);

/// Per room: what waits to be announced, and how many people are online there.
#[derive(Default)]
struct Room {
    online: usize,
    here: BTreeSet<String>,
    gone: BTreeSet<String>,
    changes: Vec<Change>,
    /// A flush is scheduled: until it runs, everything for this room waits for it (so nothing
    /// overtakes what is collected).
    scheduled: bool,
}

impl Room {
    fn is_empty(&self) -> bool {
        self.here.is_empty() && self.gone.is_empty() && self.changes.is_empty()
    }

    /// The collected membership changes, by position: concurrent changes commit in one order
    /// and may reach the batch in another.
    fn take_changes(&mut self) -> Vec<Change> {
        let mut changes = std::mem::take(&mut self.changes);
        changes.sort_by_key(|change| change.pos);
        changes
    }
}

/// The rooms' collected announcements, shared by every use case of this node.
#[derive(Clone)]
pub struct Batches {
    rooms: Arc<Mutex<HashMap<String, Room>>>,
    above: usize,
    /// Where presence is stored: each `presence:batched` carries the room's count, read as it
    /// goes out (clients that know only the first names of a crowd count by it).
    db: Db,
}

/// What to send now, after the lock is released.
enum Now {
    Nothing,
    Single,
    Schedule,
}

impl Batches {
    /// Batching starts in rooms with more than `above` people online.
    pub fn new(above: usize, db: Db) -> Self {
        Self { rooms: Arc::default(), above, db }
    }

    /// Takes the room's state under the lock and decides: announce one change now, or collect
    /// it (and schedule a flush if none is).
    fn decide(&self, room: &str, collect: impl FnOnce(&mut Room), online: isize) -> Now {
        let mut rooms = self.rooms.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let state = rooms.entry(room.to_owned()).or_default();
        state.online = state.online.saturating_add_signed(online);
        if !state.scheduled && state.online <= self.above {
            if state.online == 0 && state.is_empty() {
                rooms.remove(room);
            }
            return Now::Single;
        }
        collect(state);
        if state.scheduled {
            Now::Nothing
        } else {
            state.scheduled = true;
            Now::Schedule
        }
    }

    /// A person came online in a room (`here`: their first socket there, which is `socket`) or
    /// went away (their last socket closed).
    pub async fn presence(
        &self,
        io: &Io,
        socket: Option<&Conn>,
        room: &str,
        name: &str,
        here: bool,
    ) {
        let collect = |state: &mut Room| {
            let (add, remove) = if here {
                (&mut state.here, &mut state.gone)
            } else {
                (&mut state.gone, &mut state.here)
            };
            // Arriving and leaving within one interval cancel out.
            if !remove.remove(name) {
                add.insert(name.to_owned());
            }
        };
        match self.decide(room, collect, if here { 1 } else { -1 }) {
            Now::Single => {
                let event = PresenceUpdated { room: room.to_owned(), name: name.to_owned(), here };
                match socket {
                    Some(socket) => super::to_room_but(socket, room, &event).await,
                    None => to_room(io, room, &event).await,
                }
            }
            Now::Schedule => self.schedule(io, room),
            Now::Nothing => {}
        }
    }

    /// A membership change (`joined`, `left`) in a room's log.
    pub async fn membership(&self, io: &Io, change: Change) {
        let room = change.room.clone();
        let mut single = None;
        let collect = |state: &mut Room| state.changes.push(change.clone());
        match self.decide(&room, collect, 0) {
            Now::Single => single = Some(change),
            Now::Schedule => self.schedule(io, &room),
            Now::Nothing => {}
        }
        if let Some(change) = single {
            to_room(io, &room, &change).await;
        }
    }

    /// Sends a room's collected membership changes now, before another change of its log, so
    /// that clients receive positions in order.
    pub async fn before_change(&self, io: &Io, room: &str) {
        let changes = {
            let mut rooms = self.rooms.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            rooms.get_mut(room).map(Room::take_changes).unwrap_or_default()
        };
        if !changes.is_empty() {
            to_room(io, room, &ChangesBatched { room: room.to_owned(), changes }).await;
        }
    }

    /// Flushes the room after an interval, and again after each interval that collected more.
    fn schedule(&self, io: &Io, room: &str) {
        let (batches, io, room) = (self.clone(), io.clone(), room.to_owned());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(EVERY).await;
                let taken = {
                    let mut rooms =
                        batches.rooms.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                    let Some(state) = rooms.get_mut(&room) else { return };
                    if state.is_empty() {
                        state.scheduled = false;
                        None
                    } else {
                        let here: Vec<String> =
                            std::mem::take(&mut state.here).into_iter().collect();
                        let gone: Vec<String> =
                            std::mem::take(&mut state.gone).into_iter().collect();
                        Some((here, gone, state.take_changes()))
                    }
                };
                let Some((here, gone, changes)) = taken else { return };
                if !changes.is_empty() {
                    to_room(&io, &room, &ChangesBatched { room: room.clone(), changes }).await;
                }
                if !here.is_empty() || !gone.is_empty() {
                    let online_count = match batches.db.online_count(&room).await {
                        Ok(count) => Some(count),
                        Err(error) => {
                            tracing::warn!("counting who is online in {room} failed: {error}");
                            None
                        }
                    };
                    let presence = PresenceBatched { room: room.clone(), here, gone, online_count };
                    to_room(&io, &room, &presence).await;
                }
            }
        });
    }
}
