//! Messages in SQLite. Posting is one statement (the `message_posted` trigger of migration 0007
//! logs it and moves the author's read position); edits, deletions and reactions take the next
//! position first in their transaction.

use super::super::{ChangeKind, MessageStore, NewMessage, Outcome, Posted, Result, RoomRecord};
use super::{log, next_pos, with_reactions, Db, Sqlite, MESSAGE};
use crate::model::Message;
use sqlx::Transaction;

#[async_trait::async_trait]
impl MessageStore for Sqlite {
    async fn insert_message(&self, new: NewMessage<'_>, members_only: bool) -> Result<Posted> {
        let insert = sqlx::query_as(
            "INSERT INTO messages (room, seq, rev, author, body, client_id, created_at, note,
                                   reply_to)
             SELECT ?1,
                    -- The room's last seq by index lookup; MAX(seq) in this shape scans the room.
                    COALESCE((SELECT seq FROM messages WHERE room = ?1 ORDER BY seq DESC LIMIT 1), 0)
                        + 1,
                    (SELECT pos + 1 FROM rooms WHERE slug = ?1),
                    ?2, ?3, ?4, ?5, ?6, ?8
             WHERE NOT ?7 OR EXISTS (SELECT 1 FROM read_positions WHERE room = ?1 AND name = ?2)
             ON CONFLICT (author, client_id) DO NOTHING
             -- The quote of the original and the files are the caller's: it checked them.
             RETURNING id, room, seq, rev, author, body, client_id, created_at, edited_at,
                       deleted_at IS NOT NULL AS deleted, note, NULL AS reply, '[]' AS files",
        )
        .bind(new.room)
        .bind(new.author)
        .bind(new.body)
        .bind(new.client_id)
        .bind(new.created_at)
        .bind(new.note)
        .bind(members_only)
        .bind(new.reply_to);
        // To completion, not `fetch_optional`: see *Writes that return rows* in `mod.rs`.
        let inserted: Option<Message> = if new.files.is_empty() {
            insert.fetch_all(&self.pool).await?.into_iter().next()
        } else {
            // With files, the message and their attachment are one transaction.
            let mut tx = self.pool.begin().await?;
            let inserted: Option<Message> = insert.fetch_all(&mut *tx).await?.into_iter().next();
            if let Some(message) = &inserted {
                let ids = serde_json::to_string(&new.file_ids()).unwrap_or_default();
                let attached = sqlx::query(
                    "UPDATE files
                     SET message_id = ?1,
                         position = (SELECT key FROM json_each(?2) WHERE value = files.id)
                     WHERE id IN (SELECT value FROM json_each(?2)) AND uploader = ?3
                       AND room = ?4 AND message_id IS NULL AND erased_at IS NULL",
                )
                .bind(message.id)
                .bind(ids)
                .bind(new.author)
                .bind(new.room)
                .execute(&mut *tx)
                .await?;
                if attached.rows_affected() != new.files.len() as u64 {
                    return Ok(Posted::FilesGone); // rolled back as `tx` drops
                }
                tx.commit().await?;
            }
            inserted
        };
        if let Some(mut message) = inserted {
            message.reply = new.reply;
            message.files = new.files;
            let pos = message.rev;
            return Ok(Posted::Stored(message, pos));
        }
        Ok(match self.sent(new.author, new.client_id).await? {
            Some(message) => Posted::Known(message),
            None => Posted::NotMember,
        })
    }

    async fn sent(&self, author: &str, client_id: &str) -> Result<Option<Message>> {
        let found: Option<Message> =
            sqlx::query_as(&format!("{MESSAGE} WHERE author = ? AND client_id = ?"))
                .bind(author)
                .bind(client_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(match found {
            Some(message) => with_reactions(&self.pool, vec![message]).await?.pop(),
            None => None,
        })
    }

    async fn assistant_history(
        &self,
        room: &RoomRecord,
        assistant: &str,
        upto: i64,
        limit: i64,
    ) -> Result<Vec<Message>> {
        let mut messages: Vec<Message> = sqlx::query_as(&format!(
            "{MESSAGE} WHERE room = ? AND seq <= ? AND deleted_at IS NULL AND body <> ''
               AND (? OR author = ? OR lower(substr(body, 1, 10)) = '@assistant')
             ORDER BY seq DESC LIMIT ?"
        ))
        .bind(&room.slug)
        .bind(upto)
        .bind(room.assistant)
        .bind(assistant)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        messages.reverse();
        Ok(messages)
    }

    async fn message(&self, room: &str, seq: i64) -> Result<Message> {
        let message = sqlx::query_as(&format!("{MESSAGE} WHERE room = ? AND seq = ?"))
            .bind(room)
            .bind(seq)
            .fetch_one(&self.pool)
            .await?;
        Ok(with_reactions(&self.pool, vec![message]).await?.remove(0))
    }

    async fn edit_message(
        &self,
        room: &str,
        seq: i64,
        author: &str,
        body: &str,
        at: i64,
    ) -> Result<Outcome> {
        let mut tx = self.pool.begin().await?;
        let pos = next_pos(&mut tx, room).await?;
        let message = match existing_message(&mut tx, room, seq, Some(author)).await? {
            Ok(message) if message.deleted => return Ok(Outcome::Deleted),
            Ok(message) if message.body == body => {
                drop(tx);
                return Ok(Outcome::Unchanged(self.message(room, seq).await?));
            }
            Ok(message) => message,
            Err(refused) => return Ok(refused),
        };
        sqlx::query("UPDATE messages SET body = ?, edited_at = ? WHERE id = ?")
            .bind(body)
            .bind(at)
            .bind(message.id)
            .execute(&mut *tx)
            .await?;
        self.commit_change(tx, room, seq, pos, ChangeKind::Edited).await
    }

    async fn delete_message(
        &self,
        room: &str,
        seq: i64,
        author: Option<&str>,
        at: i64,
    ) -> Result<Outcome> {
        let mut tx = self.pool.begin().await?;
        let pos = next_pos(&mut tx, room).await?;
        let message = match existing_message(&mut tx, room, seq, author).await? {
            Ok(message) if message.deleted => {
                drop(tx);
                return Ok(Outcome::Unchanged(self.message(room, seq).await?));
            }
            Ok(message) => message,
            Err(refused) => return Ok(refused),
        };
        sqlx::query("UPDATE messages SET body = '', deleted_at = ? WHERE id = ?")
            .bind(at)
            .bind(message.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM reactions WHERE room = ? AND seq = ?")
            .bind(room)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE files SET data = x'', thumb = NULL, erased_at = ? WHERE message_id = ?",
        )
        .bind(at)
        .bind(message.id)
        .execute(&mut *tx)
        .await?;
        self.commit_change(tx, room, seq, pos, ChangeKind::Deleted).await
    }

    async fn react(
        &self,
        room: &str,
        seq: i64,
        name: &str,
        emoji: &str,
        on: bool,
        at: i64,
    ) -> Result<Outcome> {
        let mut tx = self.pool.begin().await?;
        let pos = next_pos(&mut tx, room).await?;
        match existing_message(&mut tx, room, seq, None).await? {
            Ok(message) if message.deleted => return Ok(Outcome::Deleted),
            Ok(_) => {}
            Err(refused) => return Ok(refused),
        }
        let write = if on {
            sqlx::query(
                "INSERT INTO reactions (room, seq, emoji, name, at) VALUES (?, ?, ?, ?, ?)
                 ON CONFLICT DO NOTHING",
            )
            .bind(room)
            .bind(seq)
            .bind(emoji)
            .bind(name)
            .bind(at)
        } else {
            sqlx::query(
                "DELETE FROM reactions WHERE room = ? AND seq = ? AND emoji = ? AND name = ?",
            )
            .bind(room)
            .bind(seq)
            .bind(emoji)
            .bind(name)
        };
        let written = write.execute(&mut *tx).await?;
        if written.rows_affected() == 0 {
            drop(tx);
            return Ok(Outcome::Unchanged(self.message(room, seq).await?));
        }
        self.commit_change(tx, room, seq, pos, ChangeKind::Reacted).await
    }

    async fn messages_by(&self, author: &str) -> Result<Vec<Message>> {
        sqlx::query_as(&format!("{MESSAGE} WHERE author = ? ORDER BY created_at, id"))
            .bind(author)
            .fetch_all(&self.pool)
            .await
    }

    async fn reactions_by(&self, name: &str) -> Result<Vec<(String, i64, String, i64)>> {
        sqlx::query_as("SELECT room, seq, emoji, at FROM reactions WHERE name = ? ORDER BY at")
            .bind(name)
            .fetch_all(&self.pool)
            .await
    }

    async fn messages_after(&self, room: &str, after: i64, limit: i64) -> Result<Vec<Message>> {
        let messages =
            sqlx::query_as(&format!("{MESSAGE} WHERE room = ? AND seq > ? ORDER BY seq LIMIT ?"))
                .bind(room)
                .bind(after)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
        with_reactions(&self.pool, messages).await
    }

    async fn messages_before(&self, room: &str, before: i64, limit: i64) -> Result<Vec<Message>> {
        let mut messages: Vec<Message> = sqlx::query_as(&format!(
            "{MESSAGE} WHERE room = ? AND seq < ? ORDER BY seq DESC LIMIT ?"
        ))
        .bind(room)
        .bind(before)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        messages.reverse();
        with_reactions(&self.pool, messages).await
    }

    async fn last_seq(&self, room: &str) -> Result<i64> {
        sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM messages WHERE room = ?")
            .bind(room)
            .fetch_one(&self.pool)
            .await
    }
}

impl Sqlite {
    /// Marks a message as changed at `pos` and logs it; returns it as it is now.
    async fn commit_change(
        &self,
        mut tx: Transaction<'_, Db>,
        room: &str,
        seq: i64,
        pos: i64,
        kind: ChangeKind,
    ) -> Result<Outcome> {
        sqlx::query("UPDATE messages SET rev = ? WHERE room = ? AND seq = ?")
            .bind(pos)
            .bind(room)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        log(&mut tx, room, pos, kind, Some(seq), None).await?;
        tx.commit().await?;
        Ok(Outcome::Changed(self.message(room, seq).await?, pos))
    }
}

/// The checks every change to a message starts with. `Ok` carries the message as stored.
async fn existing_message(
    tx: &mut Transaction<'_, Db>,
    room: &str,
    seq: i64,
    author: Option<&str>,
) -> Result<std::result::Result<Message, Outcome>> {
    let message: Option<Message> = sqlx::query_as(&format!("{MESSAGE} WHERE room = ? AND seq = ?"))
        .bind(room)
        .bind(seq)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(Outcome::check(message, author))
}
