//! Rooms: opening, closing, leaving and creating them, the sidebar's list, read positions, and
//! each room's change log (live as `room:changed`, caught up with `room:sync`).

use super::{broadcasts, commands};
use crate::model::{Message, Room, RoomEntry};
use serde::{Deserialize, Serialize};

commands! {
    /// `room:join`: open a room on this connection: receive its live events (`room:changed`,
    /// `presence:updated`, `typing:updated`, `member:read`) and count as online there. A named
    /// person also becomes a member if they were not (a `joined` change). With `after`, a
    /// change-log position, the reply also carries every change since (catch-up), as
    /// `room:sync` would.
    "room:join" => struct JoinRoom {
        pub room: String,
        #[serde(default)]
        pub after: Option<i64>,
    } -> Joined;

    /// `room:close`: stop receiving a room's live events on this connection (the page moved to
    /// another room). The person is announced as gone if this was their last connection there.
    /// They stay a member.
    "room:close" => struct CloseRoom {
        pub room: String,
    } -> ();

    /// `room:leave`: stop being a member of a room (a `left` change): it no longer counts unread
    /// messages and its "seen by" forgets the person. Opening the room again joins it again. The
    /// lobby cannot be left.
    "room:leave" => struct LeaveRoom {
        pub room: String,
    } -> ();

    /// `room:sync`: every change in a room's log after position `after`, oldest first, at most
    /// [`Changes::MAX`]. Each change that concerns a message carries the message as it is now.
    "room:sync" => struct SyncRoom {
        pub room: String,
        pub after: i64,
    } -> Changes;

    /// `room:create`: create a room, with the caller as its owner. A public room is announced
    /// to every connection (`room:created`); a private one (`private: true`) only to its
    /// creator, and others join it by invitation.
    "room:create" => struct CreateRoom {
        pub name: String,
        #[serde(default)]
        pub private: bool,
    } -> Room;

    /// `room:list`: every room, by name, with how far the caller has read it (the sidebar). Sent
    /// on every (re)connection, since `room:activity` missed while disconnected is not replayed.
    "room:list" => struct ListRooms {} -> Vec<RoomEntry>;

    /// `room:read`: the user has read the room up to `seq` (the latest message on screen).
    /// Positions only move forward, and never past the room's last message; the reply is the
    /// stored position. Sending a message marks it read for its author.
    "room:read" => struct MarkRead {
        pub room: String,
        pub seq: i64,
    } -> i64;
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Joined {
    pub room: Room,
    /// Account names of the people online in the room, each once, sorted: all of them, or the
    /// first [`MAX_ONLINE_LISTED`](super::MAX_ONLINE_LISTED) when more are.
    pub online: Vec<String>,
    /// How many people are online in the room.
    #[serde(default)]
    pub online_count: u64,
    /// The changes after `after` (none when `after` was not given); `upto` is where the room's
    /// log stood when they were read.
    pub changes: Changes,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Changes {
    pub changes: Vec<Change>,
    /// The position the client has reached once it applied these: the last change's, or where
    /// the room's log stood when nothing followed `after`.
    pub upto: i64,
    /// False when more changes follow `upto`: ask again from there (or, far behind, reload).
    pub complete: bool,
}

impl Changes {
    pub const MAX: i64 = 200;
}

broadcasts! {
    /// `room:changed`: one entry of a room's change log. Broadcast live and returned by catch-up
    /// in the same shape, so a client applies both with the same code.
    "room:changed" => struct Change {
        pub room: String,
        /// Consecutive from 1 in each room: a client that applied 39 and receives 41 missed 40.
        pub pos: i64,
        #[serde(flatten)]
        pub event: Event,
    }

    /// `sync:needed`: the server may have missed telling this connection about changes (the
    /// link between its nodes was down): catch up on every open room as after a reconnection.
    "sync:needed" => struct SyncNeeded {}

    /// `room:batched`: in a room with many people online, consecutive membership changes
    /// (`joined`, `left`) in one packet, at most one every 250 ms; apply each as a
    /// `room:changed`. Any other change of the room is preceded by the batch collected before
    /// it, so positions still arrive in order.
    "room:batched" => struct ChangesBatched {
        pub room: String,
        pub changes: Vec<Change>,
    }

    /// `room:created`: a new room exists; sent to every connection (a private room or a direct
    /// conversation: to its members' connections, when they are added).
    "room:created" => struct RoomCreated {
        pub room: Room,
        /// A direct conversation (its name is "A & B"); absent means false.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        pub direct: bool,
    }

    /// `room:activity`: a room's latest message is now `last_seq`; sent to every connection not
    /// in that room (those in it get `room:changed`), so that sidebars can count unread
    /// messages elsewhere.
    "room:activity" => struct RoomActivity {
        pub room: String,
        pub last_seq: i64,
    }

    /// `member:read`: someone has read a room up to `seq`; sent to everyone in the room (for the
    /// "seen by" line under the latest message).
    "member:read" => struct MemberRead {
        pub room: String,
        pub name: String,
        pub seq: i64,
    }
}

/// What a change did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    Posted {
        message: Message,
    },
    Edited {
        message: Message,
    },
    Deleted {
        message: Message,
    },
    /// Someone added or removed a reaction; `message.reactions` holds them all.
    Reacted {
        message: Message,
    },
    /// A person became a member of the room.
    Joined {
        name: String,
    },
    /// A person stopped being a member of the room.
    Left {
        name: String,
    },
}

impl Event {
    /// The message as it is now, for changes that concern one.
    pub fn message(&self) -> Option<&Message> {
        match self {
            Event::Posted { message }
            | Event::Edited { message }
            | Event::Deleted { message }
            | Event::Reacted { message } => Some(message),
            Event::Joined { .. } | Event::Left { .. } => None,
        }
    }
}
