//! Each room's change log: every change to a room (a message posted, edited, deleted or reacted
//! to; a member joining or leaving) at consecutive positions, read back for catch-up.

use super::Result;
use crate::model::Message;

/// What a change-log entry records. Stored as its lower-case name (`posted`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "TEXT", rename_all = "lowercase")]
pub enum ChangeKind {
    Posted,
    Edited,
    Deleted,
    Reacted,
    Joined,
    Left,
}

/// An entry of a room's change log: `seq` names a message, `name` a member.
#[derive(Debug, sqlx::FromRow)]
pub struct LoggedChange {
    pub pos: i64,
    pub kind: ChangeKind,
    pub seq: Option<i64>,
    pub name: Option<String>,
}

#[async_trait::async_trait]
pub trait ChangeStore: Send + Sync {
    /// Up to `limit` change-log entries after position `after` and up to `upto`, oldest first,
    /// with the messages they concern as they are now (by seq).
    async fn changes_after(
        &self,
        room: &str,
        after: i64,
        upto: i64,
        limit: i64,
    ) -> Result<(Vec<LoggedChange>, Vec<Message>)>;
}
