//! Presence: who is online in a room, whether the people of one's direct conversations are
//! online, and who is typing.

use super::{broadcasts, commands};
use serde::{Deserialize, Serialize};

/// Most names of the people online a client is sent at once (`room:join`, the room page); the
/// count covers everyone.
pub const MAX_ONLINE_LISTED: usize = 100;

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
        /// How many people are online in the room now, read as the batch went out (absent
        /// if it could not be read).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub online_count: Option<u64>,
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

/// Who is online in a room, as a client knows it: how many, and their names in order, every one
/// of them up to [`MAX_ONLINE_LISTED`], the first [`MAX_ONLINE_LISTED`] above that. (Sending
/// every name to every arrival would cost a busy room the square of its size, and each socket's
/// write buffer keeps the size of the largest packet it sent.)
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Online {
    pub names: Vec<String>,
    pub count: u64,
}

impl Online {
    /// `names` are the first (sorted) of the `count` people online.
    pub fn new(names: Vec<String>, count: u64) -> Self {
        let count = count.max(names.len() as u64);
        Self { names, count }
    }

    /// Every name is listed.
    pub fn complete(&self) -> bool {
        self.names.len() as u64 >= self.count
    }

    /// `name` came online (their first connection in the room).
    fn arrive(&mut self, name: &str) {
        let complete = self.complete();
        let Err(at) = self.names.binary_search_by(|n| n.as_str().cmp(name)) else { return };
        self.count += 1;
        // A partial list stays the first names: one that sorts after them is counted only.
        if complete || at < self.names.len() {
            self.names.insert(at, name.to_owned());
            self.names.truncate(MAX_ONLINE_LISTED);
        }
    }

    /// `name` went away (their last connection in the room closed).
    fn depart(&mut self, name: &str) {
        match self.names.binary_search_by(|n| n.as_str().cmp(name)) {
            Ok(at) => {
                self.names.remove(at);
                self.count = self.count.saturating_sub(1);
            }
            // Someone past the listed names: counted only.
            Err(_) if !self.complete() => self.count = self.count.saturating_sub(1),
            Err(_) => {}
        }
        self.count = self.count.max(self.names.len() as u64);
    }
}

impl PresenceBatched {
    /// Applies the batch to who is online; its count, when it carries one, is the truth.
    pub fn apply(&self, online: &mut Online) {
        for name in &self.gone {
            online.depart(name);
        }
        for name in &self.here {
            online.arrive(name);
        }
        if let Some(count) = self.online_count {
            online.count = count.max(online.names.len() as u64);
        }
    }
}

impl PresenceUpdated {
    /// Applies the change to who is online.
    pub fn apply(&self, online: &mut Online) {
        if self.here {
            online.arrive(&self.name);
        } else {
            online.depart(&self.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Online, PresenceBatched, PresenceUpdated, MAX_ONLINE_LISTED};

    fn updated(name: &str, here: bool) -> PresenceUpdated {
        PresenceUpdated { room: "lobby".into(), name: name.into(), here }
    }

    #[test]
    fn a_complete_list_counts_each_person_once() {
        let mut online = Online::new(vec!["Ada".into()], 1);
        updated("Bob", true).apply(&mut online);
        updated("Bob", true).apply(&mut online); // told twice (a join racing its announcement)
        assert_eq!(online, Online::new(vec!["Ada".into(), "Bob".into()], 2));
        updated("Cy", false).apply(&mut online); // never listed: nothing to take away
        updated("Ada", false).apply(&mut online);
        assert_eq!(online, Online::new(vec!["Bob".into()], 1));
    }

    #[test]
    fn a_partial_list_keeps_the_first_names_and_counts_the_rest() {
        let names: Vec<String> = (0..MAX_ONLINE_LISTED).map(|n| format!("p{n:03}")).collect();
        let mut online = Online::new(names.clone(), 500);
        updated("zed", true).apply(&mut online);
        assert_eq!((online.names.len(), online.count), (MAX_ONLINE_LISTED, 501));
        assert!(!online.names.contains(&"zed".to_owned()), "listed past the first names");
        updated("a", true).apply(&mut online);
        assert_eq!(online.names.first().map(String::as_str), Some("a"));
        assert_eq!((online.names.len(), online.count), (MAX_ONLINE_LISTED, 502));
        updated("zed", false).apply(&mut online);
        updated("p000", false).apply(&mut online);
        assert_eq!(online.count, 500);
        let batch = PresenceBatched {
            room: "lobby".into(),
            here: vec!["b".into()],
            gone: vec!["a".into()],
            online_count: Some(480),
        };
        batch.apply(&mut online);
        assert_eq!(online.count, 480, "the batch's count is the truth");
        assert_eq!(online.names.first().map(String::as_str), Some("b"));
    }
}
