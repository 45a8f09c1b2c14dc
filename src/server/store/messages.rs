//! Messages: posting (once per author and client id), edits, deletions, reactions, and reading
//! them back by position.

use super::{Result, RoomRecord};
use crate::model::{Attachment, Message, Quote};

/// What a send carries once validated.
pub struct NewMessage<'a> {
    pub room: &'a str,
    pub author: &'a str,
    pub body: &'a str,
    pub client_id: &'a str,
    pub created_at: i64,
    /// Why an assistant's answer ended early.
    pub note: Option<&'a str>,
    /// The message of the same room this one replies to: its position, and its quote.
    pub reply_to: Option<i64>,
    pub reply: Option<Quote>,
    /// Files the author uploaded to the room and has not attached yet, checked by the caller:
    /// attached in the same transaction, or nothing is stored.
    pub files: Vec<Attachment>,
}

impl NewMessage<'_> {
    /// The ids of its files, as a JSON array (SQLite's `json_each` reads it).
    pub(super) fn file_ids(&self) -> Vec<&str> {
        self.files.iter().map(|file| file.id.as_str()).collect()
    }
}

/// What became of a message to store.
pub enum Posted {
    /// Stored, at this position of the room's log.
    Stored(Message, i64),
    /// Already stored under the same author and client id (a retry): nothing changed.
    Known(Message),
    /// The author is not a member of the room: nothing changed.
    NotMember,
    /// One of its files is attached already (to a message sent at the same time), or gone:
    /// nothing changed.
    FilesGone,
}

/// What a change to an existing message came to. Storage reports facts; who may make the
/// change was decided before (see `policy`), but for "only the author", which needs the stored
/// message and so is checked in the change's own transaction.
#[derive(Debug)]
pub enum Outcome {
    /// Changed, at this log position; the message as it is now.
    Changed(Message, i64),
    /// Already as asked: nothing was written.
    Unchanged(Message),
    NotFound,
    /// The message is someone else's (and the change was asked for as its author).
    NotAuthor,
    Deleted,
}

impl Outcome {
    /// The checks every change to a message starts with, on the message as stored (if found):
    /// `Ok` carries it; `author`, when given, must be its author. (`Err` is the outcome the
    /// caller returns as it is: its size does not matter.)
    #[allow(clippy::result_large_err)]
    pub(super) fn check(
        message: Option<Message>,
        author: Option<&str>,
    ) -> std::result::Result<Message, Outcome> {
        match message {
            None => Err(Outcome::NotFound),
            Some(m) if author.is_some_and(|author| author != m.author) => Err(Outcome::NotAuthor),
            Some(m) => Ok(m),
        }
    }
}

#[async_trait::async_trait]
pub trait MessageStore: Send + Sync {
    /// Stores a new message as the room's next change, in one round trip where the database
    /// allows. With `members_only`, only a member of the room can post (checked in the same
    /// statement).
    async fn insert_message(&self, new: NewMessage<'_>, members_only: bool) -> Result<Posted>;

    /// The message `author` sent under `client_id`, if any.
    async fn sent(&self, author: &str, client_id: &str) -> Result<Option<Message>>;

    /// A room's conversation with `assistant` up to message `upto`: the questions put to it
    /// (every message, in a private assistant room) and its answers, not deleted nor empty, the
    /// latest `limit`, oldest first.
    async fn assistant_history(
        &self,
        room: &RoomRecord,
        assistant: &str,
        upto: i64,
        limit: i64,
    ) -> Result<Vec<Message>>;

    /// One message, with its reactions.
    async fn message(&self, room: &str, seq: i64) -> Result<Message>;

    /// Replaces the body of `author`'s message.
    async fn edit_message(
        &self,
        room: &str,
        seq: i64,
        author: &str,
        body: &str,
        at: i64,
    ) -> Result<Outcome>;

    /// Deletes `author`'s message (any message with `None`: a moderator's deletion): its text
    /// and reactions go, the row stays as a tombstone.
    async fn delete_message(
        &self,
        room: &str,
        seq: i64,
        author: Option<&str>,
        at: i64,
    ) -> Result<Outcome>;

    /// Adds (`on`) or removes `name`'s reaction `emoji` on a message.
    async fn react(
        &self,
        room: &str,
        seq: i64,
        name: &str,
        emoji: &str,
        on: bool,
        at: i64,
    ) -> Result<Outcome>;

    /// Up to `limit` messages after position `after`, oldest first.
    async fn messages_after(&self, room: &str, after: i64, limit: i64) -> Result<Vec<Message>>;

    /// Up to `limit` messages before position `before`, oldest first (`i64::MAX`: the latest).
    async fn messages_before(&self, room: &str, before: i64, limit: i64) -> Result<Vec<Message>>;

    /// The latest `limit` messages of a room, oldest first.
    async fn latest_messages(&self, room: &str, limit: i64) -> Result<Vec<Message>> {
        self.messages_before(room, i64::MAX, limit).await
    }

    /// The position of a room's latest message (0 when it has none).
    async fn last_seq(&self, room: &str) -> Result<i64>;

    /// Every message `author` wrote, in every room, oldest first, without reactions (a
    /// person's data export).
    async fn messages_by(&self, author: &str) -> Result<Vec<Message>>;

    /// Every reaction `name` gave: `(room, seq, emoji, at)`, oldest first.
    async fn reactions_by(&self, name: &str) -> Result<Vec<(String, i64, String, i64)>>;
}
