//! The Postgres implementation of the store: the database several nodes share
//! (`PARLEY_DATABASE_URL=postgres://…`). A write that changes a room first takes the room's next
//! change-log position with `UPDATE rooms … RETURNING pos`, which locks the room's row until the
//! change commits: writers on every node queue on that lock, so positions are consecutive with no
//! holes, and a change that fails rolls its position back with it. Posting is one statement.
//! Presence rows carry the node that holds the socket; each node beats a heartbeat, and the
//! others remove a silent node's presence (see [`super::PresenceStore::heartbeat`]).

mod accounts;
mod files;
mod members;
mod messages;
mod moderation;
mod presence;
mod rooms;
mod search;

use super::{ChangeKind, OpenError, Result};
use crate::model::Message;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres as Pg, Transaction};
use std::{str::FromStr, time::Duration};

/// The columns of a [`Message`], but its reactions (see [`with_reactions`]).
/// A message row, with the start of the message it replies to (`reply`: [`Quote`]'s fields as
/// JSON; the excerpt is the body's first `QUOTE_SOURCE_CHARS` characters, made a quote as it
/// is deserialized).
///
/// [`Quote`]: crate::model::Quote
const MESSAGE: &str = "SELECT id, room, seq, rev, author, body, client_id, created_at, edited_at,
                              deleted_at IS NOT NULL AS deleted, note,
                              (SELECT json_build_object('seq', o.seq, 'author', o.author,
                                                        'excerpt', substr(o.body, 1, 400),
                                                        'deleted', o.deleted_at IS NOT NULL)
                               FROM messages o
                               WHERE o.room = messages.room AND o.seq = messages.reply_to) AS reply,
                              COALESCE((SELECT json_agg(json_build_object('id', f.id,
                                               'name', f.name, 'content_type', f.content_type,
                                               'size', f.size, 'width', f.width,
                                               'height', f.height) ORDER BY f.position)
                                        FROM files f
                                        WHERE f.message_id = messages.id AND f.erased_at IS NULL),
                                       '[]'::json) AS files
                       FROM messages";

/// A pool of connections to one Postgres database, and this node's name in it.
#[derive(Clone)]
pub struct Postgres {
    pool: PgPool,
    node: String,
}

impl Postgres {
    /// Connects, applies pending migrations (under Postgres's advisory lock: nodes starting
    /// together run them once) and registers this node.
    pub async fn open(url: &str, node: &str) -> std::result::Result<Self, OpenError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|source| OpenError::Url { url: url.to_owned(), source })?
            // Notices ("relation … already exists, skipping") are not worth a log line.
            .options([("client_min_messages", "warning")]);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            // A database that does not answer is an error after a few seconds, not a hang.
            .acquire_timeout(Duration::from_secs(3))
            .connect_with(options)
            .await
            .map_err(OpenError::Connect)?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        let store = Self { pool, node: node.to_owned() };
        Ok(store)
    }
}

#[async_trait::async_trait]
impl super::Store for Postgres {
    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(|_| ())
    }

    async fn agree_secret(&self, check: &str, now: i64, timeout: i64) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        // The row lock orders nodes starting together.
        sqlx::query(
            "INSERT INTO cluster (key, value) VALUES ('secret_check', $1) ON CONFLICT DO NOTHING",
        )
        .bind(check)
        .execute(&mut *tx)
        .await?;
        let agreed: String =
            sqlx::query_scalar("SELECT value FROM cluster WHERE key = 'secret_check' FOR UPDATE")
                .fetch_one(&mut *tx)
                .await?;
        if agreed != check {
            // Another key: refused while a node that uses it is alive; once every node is
            // stopped, the first to start with a new key makes it the cluster's (a key rotation).
            let others_alive: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM nodes WHERE id <> $1 AND seen_at > $2)",
            )
            .bind(&self.node)
            .bind(now - timeout)
            .fetch_one(&mut *tx)
            .await?;
            if others_alive {
                return Ok(false);
            }
            sqlx::query("UPDATE cluster SET value = $1 WHERE key = 'secret_check'")
                .bind(check)
                .execute(&mut *tx)
                .await?;
        }
        // Alive from now on, in the same transaction: a node starting a moment later with
        // another key sees this one (its first heartbeat would come too late).
        sqlx::query(
            "INSERT INTO nodes (id, seen_at) VALUES ($1, $2)
             ON CONFLICT (id) DO UPDATE SET seen_at = EXCLUDED.seen_at",
        )
        .bind(&self.node)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn cluster_name(&self) -> Result<String> {
        let name = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
        sqlx::query("INSERT INTO cluster (key, value) VALUES ('name', $1) ON CONFLICT DO NOTHING")
            .bind(name)
            .execute(&self.pool)
            .await?;
        sqlx::query_scalar("SELECT value FROM cluster WHERE key = 'name'")
            .fetch_one(&self.pool)
            .await
    }
}

#[async_trait::async_trait]
impl super::ChangeStore for Postgres {
    async fn changes_after(
        &self,
        room: &str,
        after: i64,
        upto: i64,
        limit: i64,
    ) -> Result<(Vec<super::LoggedChange>, Vec<Message>)> {
        let changes: Vec<super::LoggedChange> = sqlx::query_as(
            "SELECT pos, kind, seq, name FROM changes
             WHERE room = $1 AND pos > $2 AND pos <= $3 ORDER BY pos LIMIT $4",
        )
        .bind(room)
        .bind(after)
        .bind(upto)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut seqs: Vec<i64> = changes.iter().filter_map(|c| c.seq).collect();
        seqs.sort_unstable();
        seqs.dedup();
        let messages =
            sqlx::query_as(&format!("{MESSAGE} WHERE room = $1 AND seq = ANY($2) ORDER BY seq"))
                .bind(room)
                .bind(&seqs)
                .fetch_all(&self.pool)
                .await?;
        Ok((changes, with_reactions(&self.pool, messages).await?))
    }
}

/// Takes the next position in a room's change log, locking the room's row until the
/// transaction ends: call it first in the transaction.
async fn next_pos(tx: &mut Transaction<'_, Pg>, room: &str) -> Result<i64> {
    sqlx::query_scalar("UPDATE rooms SET pos = pos + 1 WHERE slug = $1 RETURNING pos")
        .bind(room)
        .fetch_one(&mut **tx)
        .await
}

/// Writes a change-log entry: `seq` for a change to a message, `name` for a membership change.
async fn log(
    tx: &mut Transaction<'_, Pg>,
    room: &str,
    pos: i64,
    kind: ChangeKind,
    seq: Option<i64>,
    name: Option<&str>,
) -> Result<()> {
    sqlx::query("INSERT INTO changes (room, pos, kind, seq, name) VALUES ($1, $2, $3, $4, $5)")
        .bind(room)
        .bind(pos)
        .bind(kind)
        .bind(seq)
        .bind(name)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Fills in the reactions of messages of one room.
async fn with_reactions(pool: &PgPool, mut messages: Vec<Message>) -> Result<Vec<Message>> {
    let Some(first) = messages.first() else { return Ok(messages) };
    let seqs: Vec<i64> = messages.iter().map(|m| m.seq).collect();
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT seq, emoji, name FROM reactions WHERE room = $1 AND seq = ANY($2) ORDER BY at, name",
    )
    .bind(first.room.clone())
    .bind(&seqs)
    .fetch_all(pool)
    .await?;
    super::attach_reactions(&mut messages, &rows);
    Ok(messages)
}

/// Whether Postgres can hold `value` as text: it refuses a NUL character (SQLite does not). A
/// key with one (a slug or a name from a URL) names nothing, so a lookup by it finds nothing
/// instead of failing.
fn text(value: &str) -> bool {
    !value.contains('\0')
}
