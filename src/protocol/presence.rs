//! Presence: who is online in a room, whether the people of one's direct conversations are
//! online, and who is typing.

use super::{broadcasts, commands};
use serde::{Deserialize, Serialize};

commands! {
    /// `typing:set`: say whether this user is typing in a room. Acknowledged only if asked.
    "typing:set" => struct SetTyping {
        pub room: String,
        pub typing: bool,
    } -> ();
}

broadcasts! {
    /// `presence:updated`: a person came online in a room (`here`: their first connection
    /// there) or went away (their last one closed); sent to everyone else in the room. A
    /// change, not the list: `room:join` gives the list, and sending it whole on every arrival
    /// would cost each arrival the size of the room, to everyone in it.
    "presence:updated" => struct PresenceUpdated {
        pub room: String,
        pub name: String,
        pub here: bool,
    }

    /// `presence:batched`: in a room with many people online, who came online (`here`) and
    /// who went away (`gone`) since the last announcement, at most one every 250 ms, to
    /// everyone in the room. (Announced one by one, N arrivals would cost N × N packets.)
    "presence:batched" => struct PresenceBatched {
        pub room: String,
        pub here: Vec<String>,
        pub gone: Vec<String>,
    }

    /// `person:status`: someone came online (their first room open, anywhere) or went offline
    /// (their last one closed, and still so a few seconds later, so that moving from room to
    /// room does not blink); sent to every connection of the people who have a direct
    /// conversation with them (the dots in their sidebars).
    "person:status" => struct PersonStatus {
        pub name: String,
        pub online: bool,
    }

    /// `typing:updated`: someone started or stopped typing; sent to everyone in the room but
    /// them.
    "typing:updated" => struct TypingUpdated {
        pub room: String,
        pub name: String,
        pub typing: bool,
    }
}

impl PresenceBatched {
    /// Applies the batch to a sorted list of who is online.
    pub fn apply(&self, online: &mut Vec<String>) {
        for name in &self.gone {
            if let Ok(at) = online.binary_search(name) {
                online.remove(at);
            }
        }
        for name in &self.here {
            if let Err(at) = online.binary_search(name) {
                online.insert(at, name.clone());
            }
        }
    }
}

impl PresenceUpdated {
    /// Applies the change to a sorted list of who is online.
    pub fn apply(&self, online: &mut Vec<String>) {
        match (online.binary_search(&self.name), self.here) {
            (Err(at), true) => online.insert(at, self.name.clone()),
            (Ok(at), false) => {
                online.remove(at);
            }
            _ => {}
        }
    }
}
