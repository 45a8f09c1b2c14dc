//! Messages in Postgres. Posting is one statement: it takes the room's next position and
//! message number under the room's row lock and stores, logs and marks the message read by its
//! author, all or nothing. Edits, deletions and reactions take the next position first in their
//! transaction.

use super::super::{ChangeKind, MessageStore, NewMessage, Outcome, Posted, Result, RoomRecord};
use super::{log, next_pos, with_reactions, Postgres, MESSAGE};
use crate::model::Message;
use sqlx::{Postgres as Pg, Transaction};

#[async_trait::async_trait]
impl MessageStore for Postgres {
    async fn insert_message(&self, new: NewMessage<'_>, members_only: bool) -> Result<Posted> {
        // Every part of one statement sees the snapshot taken when it started, so the counters
        // come from the locked room row (re-read once the lock is granted), never from a count
        // of messages. A retry racing its original fails on (author, client_id) as a whole
        // statement: the counters move back with it.
        let insert = sqlx::query_as(
            "WITH room AS (
                 UPDATE rooms SET pos = pos + 1, last_seq = last_seq + 1
                 WHERE slug = $1
                   AND (NOT $7 OR EXISTS (SELECT 1 FROM read_positions WHERE room = $1 AND name = $2))
                   AND NOT EXISTS (SELECT 1 FROM messages WHERE author = $2 AND client_id = $4)
                 RETURNING pos, last_seq
             ), message AS (
                 INSERT INTO messages (room, seq, rev, author, body, client_id, created_at, note,
                                       reply_to)
                 SELECT $1, last_seq, pos, $2, $3, $4, $5, $6, $8 FROM room
                 RETURNING *
             ), logged AS (
                 INSERT INTO changes (room, pos, kind, seq)
                 SELECT room, rev, 'posted', seq FROM message
             ), read AS (
                 UPDATE read_positions p SET seq = GREATEST(p.seq, m.seq) FROM message m
                 WHERE p.room = m.room AND p.name = m.author
             )
             -- The quote of the original and the files are the caller's: it checked them.
             SELECT id, room, seq, rev, author, body, client_id, created_at, edited_at,
                    deleted_at IS NOT NULL AS deleted, note, NULL::json AS reply,
                    '[]'::json AS files
             FROM message",
        )
        .bind(new.room)
        .bind(new.author)
        .bind(new.body)
        .bind(new.client_id)
        .bind(new.created_at)
        .bind(new.note)
        .bind(members_only)
        .bind(new.reply_to);
        let inserted: std::result::Result<Option<Message>, sqlx::Error> = if new.files.is_empty() {
            insert.fetch_optional(&self.pool).await
        } else {
            // With files, the message and their attachment are one transaction.
            let mut tx = self.pool.begin().await?;
            match insert.fetch_optional(&mut *tx).await {
                Ok(Some(message)) => {
                    let attached = sqlx::query(
                        "UPDATE files SET message_id = $1, position = array_position($2, id)
                         WHERE id = ANY($2) AND uploader = $3 AND room = $4
                           AND message_id IS NULL AND erased_at IS NULL",
                    )
                    .bind(message.id)
                    .bind(new.file_ids())
                    .bind(new.author)
                    .bind(new.room)
                    .execute(&mut *tx)
                    .await?;
                    if attached.rows_affected() != new.files.len() as u64 {
                        return Ok(Posted::FilesGone); // rolled back as `tx` drops
                    }
                    tx.commit().await?;
                    Ok(Some(message))
                }
                other => other,
            }
        };
        match inserted {
            Ok(Some(mut message)) => {
                message.reply = new.reply;
                message.files = new.files;
                let pos = message.rev;
                return Ok(Posted::Stored(message, pos));
            }
            Ok(None) => {}
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {}
            Err(error) => return Err(error),
        }
        Ok(match self.sent(new.author, new.client_id).await? {
            Some(message) => Posted::Known(message),
            None => Posted::NotMember,
        })
    }

    async fn sent(&self, author: &str, client_id: &str) -> Result<Option<Message>> {
        let found: Option<Message> =
            sqlx::query_as(&format!("{MESSAGE} WHERE author = $1 AND client_id = $2"))
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
            "{MESSAGE} WHERE room = $1 AND seq <= $2 AND deleted_at IS NULL AND body <> ''
               AND ($3 OR author = $4 OR lower(substr(body, 1, 10)) = '@assistant')
             ORDER BY seq DESC LIMIT $5"
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
        let message = sqlx::query_as(&format!("{MESSAGE} WHERE room = $1 AND seq = $2"))
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
        sqlx::query("UPDATE messages SET body = $1, edited_at = $2 WHERE id = $3")
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
        sqlx::query("UPDATE messages SET body = '', deleted_at = $1 WHERE id = $2")
            .bind(at)
            .bind(message.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM reactions WHERE room = $1 AND seq = $2")
            .bind(room)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE files SET data = '', thumb = NULL, erased_at = $1 WHERE message_id = $2",
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
                "INSERT INTO reactions (room, seq, emoji, name, at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT DO NOTHING",
            )
            .bind(room)
            .bind(seq)
            .bind(emoji)
            .bind(name)
            .bind(at)
        } else {
            sqlx::query(
                "DELETE FROM reactions WHERE room = $1 AND seq = $2 AND emoji = $3 AND name = $4",
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
        sqlx::query_as(&format!("{MESSAGE} WHERE author = $1 ORDER BY created_at, id"))
            .bind(author)
            .fetch_all(&self.pool)
            .await
    }

    async fn reactions_by(&self, name: &str) -> Result<Vec<(String, i64, String, i64)>> {
        sqlx::query_as("SELECT room, seq, emoji, at FROM reactions WHERE name = $1 ORDER BY at")
            .bind(name)
            .fetch_all(&self.pool)
            .await
    }

    async fn messages_after(&self, room: &str, after: i64, limit: i64) -> Result<Vec<Message>> {
        let messages = sqlx::query_as(&format!(
            "{MESSAGE} WHERE room = $1 AND seq > $2 ORDER BY seq LIMIT $3"
        ))
        .bind(room)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        with_reactions(&self.pool, messages).await
    }

    async fn messages_before(&self, room: &str, before: i64, limit: i64) -> Result<Vec<Message>> {
        let mut messages: Vec<Message> = sqlx::query_as(&format!(
            "{MESSAGE} WHERE room = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3"
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
        let last: Option<i64> = sqlx::query_scalar("SELECT last_seq FROM rooms WHERE slug = $1")
            .bind(room)
            .fetch_optional(&self.pool)
            .await?;
        Ok(last.unwrap_or(0))
    }
}

impl Postgres {
    /// Marks a message as changed at `pos` and logs it; returns it as it is now.
    async fn commit_change(
        &self,
        mut tx: Transaction<'_, Pg>,
        room: &str,
        seq: i64,
        pos: i64,
        kind: ChangeKind,
    ) -> Result<Outcome> {
        sqlx::query("UPDATE messages SET rev = $1 WHERE room = $2 AND seq = $3")
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
    tx: &mut Transaction<'_, Pg>,
    room: &str,
    seq: i64,
    author: Option<&str>,
) -> Result<std::result::Result<Message, Outcome>> {
    let message: Option<Message> =
        sqlx::query_as(&format!("{MESSAGE} WHERE room = $1 AND seq = $2"))
            .bind(room)
            .bind(seq)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(Outcome::check(message, author))
}
