//! The SQLite implementation of the store: the default, an embedded file in WAL mode. A write
//! that changes a room takes the room's next change-log position as its first statement, inside
//! the transaction that makes the change: the database's write lock orders the changes,
//! positions have no holes, and no application lock is needed.
//!
//! **Writes that return rows.** A write with `RETURNING` outside a transaction is committed by
//! SQLite only when the statement runs to completion. sqlx's `fetch_one` and `fetch_optional`
//! stop after the first row, and the commit then happens as the statement is reset, where a
//! failure (a read-only file, a full disk, an I/O error) is never reported: the caller would
//! answer `ok` for a write that was rolled back. Such writes therefore use `fetch_all`, whose
//! last step commits and reports the failure (tests/api/faults.rs freezes the files to check).

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
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite as Db, SqlitePool, Transaction};
use std::{path::PathBuf, str::FromStr, time::Duration};

/// The columns of a [`Message`], but its reactions (see [`with_reactions`]).
/// A message row, with the start of the message it replies to (`reply`: [`Quote`]'s fields as
/// JSON; the excerpt is the body's first `QUOTE_SOURCE_CHARS` characters, made a quote as it
/// is deserialized).
///
/// [`Quote`]: crate::model::Quote
const MESSAGE: &str = "SELECT id, room, seq, rev, author, body, client_id, created_at, edited_at,
                              deleted_at IS NOT NULL AS deleted, note,
                              (SELECT json_object('seq', o.seq, 'author', o.author,
                                                  'excerpt', substr(o.body, 1, 400),
                                                  'deleted', json(CASE WHEN o.deleted_at IS NULL
                                                                  THEN 'false' ELSE 'true' END))
                               FROM messages o
                               WHERE o.room = messages.room AND o.seq = messages.reply_to) AS reply,
                              (SELECT json_group_array(json_object('id', f.id, 'name', f.name,
                                          'content_type', f.content_type, 'size', f.size,
                                          'width', f.width, 'height', f.height))
                               FROM (SELECT id, name, content_type, size, width, height
                                     FROM files
                                     WHERE message_id = messages.id AND erased_at IS NULL
                                     ORDER BY position) f) AS files
                       FROM messages";

/// A pool of connections to one SQLite file.
#[derive(Clone)]
pub struct Sqlite {
    pool: SqlitePool,
}

impl Sqlite {
    /// Opens (creating if needed) the database file and applies pending migrations. Leaves
    /// presence alone: a server may be running on the file (`parley admin`, tests).
    pub async fn open(url: &str) -> std::result::Result<Self, OpenError> {
        Self::open_with(options(url)?).await
    }

    async fn open_with(options: SqliteConnectOptions) -> std::result::Result<Self, OpenError> {
        if let Some(folder) = options.get_filename().parent().filter(|p| !p.as_os_str().is_empty())
        {
            std::fs::create_dir_all(folder).map_err(|source| OpenError::Folder {
                path: folder.display().to_string(),
                source,
            })?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(OpenError::Connect)?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(Self { pool })
    }

    /// Opens the file for the one server that owns it: locks it (a second server on the same
    /// file, or `parley admin restore`, is refused while the lock is held), opens it and clears
    /// the presence a previous run left. With `max_mb`, the file grows to that many MiB at
    /// most: a write past it fails with SQLite's `SQLITE_FULL`, as on a full disk.
    pub async fn open_owned(
        url: &str,
        max_mb: Option<u64>,
    ) -> std::result::Result<(Self, FileLock), OpenError> {
        let lock = FileLock::take(url)?;
        let mut options = options(url)?;
        if let Some(mb) = max_mb {
            // SQLite's default page is 4 KiB.
            options = options.pragma("max_page_count", (mb * 256).to_string());
        }
        let store = Self::open_with(options).await?;
        sqlx::query("DELETE FROM presence")
            .execute(&store.pool)
            .await
            .map_err(OpenError::Connect)?;
        Ok((store, lock))
    }
}

/// How Parley connects to a SQLite file.
fn options(url: &str) -> std::result::Result<SqliteConnectOptions, OpenError> {
    Ok(SqliteConnectOptions::from_str(url)
        .map_err(|source| OpenError::Url { url: url.to_owned(), source })?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5)))
}

/// The database file a `sqlite:` URL names.
pub fn file_of(url: &str) -> std::result::Result<PathBuf, OpenError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|source| OpenError::Url { url: url.to_owned(), source })?;
    Ok(options.get_filename().to_path_buf())
}

/// An exclusive lock on a database file (`flock`, which SQLite's own `fcntl` locks do not
/// touch), held by the server that owns the file for as long as it serves, and by
/// `parley admin restore` while it replaces the file. Released when dropped or when the
/// process ends, however it ends.
#[derive(Debug)]
pub struct FileLock {
    _file: std::fs::File,
}

impl FileLock {
    /// Locks the file `url` names (creating it, and its folder, if needed); `Busy` if another
    /// process holds it.
    pub fn take(url: &str) -> std::result::Result<Self, OpenError> {
        let path = file_of(url)?;
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(|source| OpenError::Folder {
                path: folder.display().to_string(),
                source,
            })?;
        }
        let shown = path.display().to_string();
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|source| OpenError::File { path: shown.clone(), source })?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(OpenError::Busy(shown)),
            Err(std::fs::TryLockError::Error(source)) => {
                Err(OpenError::File { path: shown, source })
            }
        }
    }
}

#[async_trait::async_trait]
impl super::Store for Sqlite {
    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(|_| ())
    }

    /// One node: a new key is a rotation (earlier sessions no longer verify).
    async fn agree_secret(&self, _check: &str, _now: i64, _timeout: i64) -> Result<bool> {
        Ok(true)
    }

    /// Never in a cluster (`PARLEY_REDIS_URL` needs Postgres).
    async fn cluster_name(&self) -> Result<String> {
        Ok("alone".to_owned())
    }
}

#[async_trait::async_trait]
impl super::ChangeStore for Sqlite {
    async fn changes_after(
        &self,
        room: &str,
        after: i64,
        upto: i64,
        limit: i64,
    ) -> Result<(Vec<super::LoggedChange>, Vec<Message>)> {
        let changes: Vec<super::LoggedChange> = sqlx::query_as(
            "SELECT pos, kind, seq, name FROM changes
             WHERE room = ? AND pos > ? AND pos <= ? ORDER BY pos LIMIT ?",
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
        let messages = sqlx::query_as(&format!(
            "{MESSAGE} WHERE room = ? AND seq IN (SELECT value FROM json_each(?)) ORDER BY seq"
        ))
        .bind(room)
        .bind(serde_json::to_string(&seqs).unwrap_or_default())
        .fetch_all(&self.pool)
        .await?;
        Ok((changes, with_reactions(&self.pool, messages).await?))
    }
}

/// Takes the next position in a room's change log. Being a write, it also takes the database's
/// write lock, so call it first in the transaction.
async fn next_pos(tx: &mut Transaction<'_, Db>, room: &str) -> Result<i64> {
    sqlx::query_scalar("UPDATE rooms SET pos = pos + 1 WHERE slug = ? RETURNING pos")
        .bind(room)
        .fetch_one(&mut **tx)
        .await
}

/// Writes a change-log entry: `seq` for a change to a message, `name` for a membership change.
async fn log(
    tx: &mut Transaction<'_, Db>,
    room: &str,
    pos: i64,
    kind: ChangeKind,
    seq: Option<i64>,
    name: Option<&str>,
) -> Result<()> {
    sqlx::query("INSERT INTO changes (room, pos, kind, seq, name) VALUES (?, ?, ?, ?, ?)")
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
async fn with_reactions(pool: &SqlitePool, mut messages: Vec<Message>) -> Result<Vec<Message>> {
    let Some(first) = messages.first() else { return Ok(messages) };
    let seqs = serde_json::to_string(&messages.iter().map(|m| m.seq).collect::<Vec<_>>())
        .unwrap_or_default();
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT seq, emoji, name FROM reactions
         WHERE room = ? AND seq IN (SELECT value FROM json_each(?)) ORDER BY at, rowid",
    )
    .bind(first.room.clone())
    .bind(seqs)
    .fetch_all(pool)
    .await?;
    super::attach_reactions(&mut messages, &rows);
    Ok(messages)
}
