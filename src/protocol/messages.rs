//! Messages: sending, editing, deleting, reacting, and reading a batch of history.

use super::commands;
use crate::model::Message;
use serde::{Deserialize, Serialize};

commands! {
    /// `message:send`: post a message. The reply is the stored message; sending the same
    /// `client_id` again returns the message stored the first time. `reply_to`, the seq of a
    /// message of the same room, makes it a reply to that message. `files`, the ids of files the
    /// sender uploaded to this room and has not attached yet, attaches them (the body may then be
    /// empty).
    "message:send" => struct SendMessage {
        pub room: String,
        pub client_id: String,
        pub body: String,
        #[serde(default)]
        pub reply_to: Option<i64>,
        #[serde(default)]
        pub files: Vec<String>,
    } -> Message;

    /// `message:edit`: replace the body of one's own message. Editing to the same text changes
    /// nothing; a deleted message cannot be edited. The reply is the message as stored.
    "message:edit" => struct EditMessage {
        pub room: String,
        pub seq: i64,
        pub body: String,
    } -> Message;

    /// `message:delete`: delete one's own message (or, as a moderator, anyone's). Its text and
    /// reactions are erased; a tombstone stays in its place. Deleting it again changes nothing.
    "message:delete" => struct DeleteMessage {
        pub room: String,
        pub seq: i64,
    } -> Message;

    /// `message:react`: add (`on: true`) or remove the caller's reaction `emoji` on a message.
    /// Saying the wanted state, not "toggle", makes a retry harmless.
    "message:react" => struct ReactMessage {
        pub room: String,
        pub seq: i64,
        pub emoji: String,
        pub on: bool,
    } -> Message;

    /// `message:list`: a batch of a room's messages, oldest first, at most [`Backlog::MAX`]:
    /// `{"room", "after": 41}` for what follows position 41 (to fill a gap or catch up), or
    /// `{"room", "before": 41}` for what precedes it (to scroll back); exactly one of the two.
    #[serde(try_from = "ListMessagesWire")]
    "message:list" => struct ListMessages {
        pub room: String,
        #[serde(flatten)]
        pub range: Range,
    } -> Backlog;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Range {
    After(i64),
    Before(i64),
}

/// `message:list` as it arrives: exactly one of `after` and `before` must be there (serde's
/// flattened enum would take the first key it meets and ignore the other).
#[derive(Deserialize)]
struct ListMessagesWire {
    room: String,
    after: Option<i64>,
    before: Option<i64>,
}

impl TryFrom<ListMessagesWire> for ListMessages {
    type Error = &'static str;

    fn try_from(wire: ListMessagesWire) -> Result<Self, Self::Error> {
        let range = match (wire.after, wire.before) {
            (Some(after), None) => Range::After(after),
            (None, Some(before)) => Range::Before(before),
            (Some(_), Some(_)) => return Err("give either `after` or `before`, not both"),
            (None, None) => return Err("give `after` or `before`"),
        };
        Ok(Self { room: wire.room, range })
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Backlog {
    pub messages: Vec<Message>,
    /// False when there are more in the direction asked: ask again from the last one returned
    /// (`after`) or the first (`before`).
    pub complete: bool,
}

impl Backlog {
    pub const MAX: i64 = 200;
}
