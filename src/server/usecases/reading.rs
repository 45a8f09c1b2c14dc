//! Reading: how far each member has read each room (unread counts, "seen by").

use super::{signed_in, Chat};
use crate::protocol::{MarkRead, MemberRead};
use crate::server::broadcast;
use crate::server::error::AppError;
use crate::server::policy::Action;

impl Chat {
    /// Records how far a person has read a room.
    pub async fn mark_read(&self, reader: Option<&str>, input: MarkRead) -> Result<i64, AppError> {
        let reader = signed_in(reader)?;
        let (room, _) = self.enter(&input.room, Some(reader), Action::Post).await?;
        self.record_read(&room.slug, reader, input.seq).await
    }

    /// Stores a member's read position and tells the room, for its "seen by" line. Someone who
    /// is not a member has no read position: 0.
    pub(super) async fn record_read(
        &self,
        room: &str,
        reader: &str,
        seq: i64,
    ) -> Result<i64, AppError> {
        let Some(seq) = self.db.mark_read(room, reader, seq).await? else {
            return Ok(0);
        };
        let event = MemberRead { room: room.to_owned(), name: reader.to_owned(), seq };
        broadcast::to_room(&self.io, room, &event).await;
        Ok(seq)
    }
}
