//! SQL storage: one pool, migrations at start-up, and every query Parley runs. SQLite by default
//! (WAL mode); each write is a single statement so that ordering needs no application lock.

use crate::model::{Message, Room, RoomEntry};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::{str::FromStr, time::Duration};

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("invalid database URL {url:?}: {source}")]
    Url { url: String, source: sqlx::Error },
    #[error("cannot create the database folder {path}: {source}")]
    Folder { path: String, source: std::io::Error },
    #[error("cannot open the database: {0}")]
    Connect(sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Opens (creating if needed) the database, applies pending migrations and clears presence left
/// over from a previous run.
pub async fn open(url: &str) -> Result<SqlitePool, OpenError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|source| OpenError::Url { url: url.to_owned(), source })?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    if let Some(folder) = options.get_filename().parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)
            .map_err(|source| OpenError::Folder { path: folder.display().to_string(), source })?;
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .map_err(OpenError::Connect)?;
    sqlx::migrate!("./migrations").run(&pool).await?;
    sqlx::query("DELETE FROM presence").execute(&pool).await.map_err(OpenError::Connect)?;
    Ok(pool)
}

pub async fn room(pool: &SqlitePool, slug: &str) -> Result<Option<Room>, sqlx::Error> {
    sqlx::query_as("SELECT slug, name FROM rooms WHERE slug = ?")
        .bind(slug)
        .fetch_optional(pool)
        .await
}

/// Every room, by name, with how far `reader` has read it. Rooms the reader never opened (every
/// room, for a visitor without a name) are not `joined` and count nothing as unread.
pub async fn room_entries(
    pool: &SqlitePool,
    reader: Option<&str>,
) -> Result<Vec<RoomEntry>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.slug, r.name, COALESCE(m.last_seq, 0) AS last_seq,
                COALESCE(p.seq, m.last_seq, 0) AS read_seq, p.seq IS NOT NULL AS joined
         FROM rooms r
         LEFT JOIN (SELECT room, MAX(seq) AS last_seq FROM messages GROUP BY room) m ON m.room = r.slug
         LEFT JOIN read_positions p ON p.room = r.slug AND p.name = ?1
         ORDER BY r.name COLLATE NOCASE",
    )
    .bind(reader)
    .fetch_all(pool)
    .await
}

/// Everyone's read position in a room: `(name, seq)`, by name.
pub async fn read_positions(
    pool: &SqlitePool,
    room: &str,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT name, seq FROM read_positions WHERE room = ? ORDER BY name")
        .bind(room)
        .fetch_all(pool)
        .await
}

/// Moves `name`'s read position in `room` forward to `seq` (never back, never past the last
/// message) and returns the stored position.
pub async fn mark_read(
    pool: &SqlitePool,
    room: &str,
    name: &str,
    seq: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO read_positions (room, name, seq)
         VALUES (?1, ?2, MIN(MAX(?3, 0), (SELECT COALESCE(MAX(seq), 0) FROM messages WHERE room = ?1)))
         ON CONFLICT (room, name) DO UPDATE SET seq = MAX(seq, excluded.seq)
         RETURNING seq",
    )
    .bind(room)
    .bind(name)
    .bind(seq)
    .fetch_one(pool)
    .await
}

/// Creates a room; `Ok(None)` when its slug or name (without case) is taken.
pub async fn create_room(
    pool: &SqlitePool,
    room: &Room,
    created_by: &str,
    created_at: i64,
) -> Result<Option<Room>, sqlx::Error> {
    let created =
        sqlx::query("INSERT INTO rooms (slug, name, created_by, created_at) VALUES (?, ?, ?, ?)")
            .bind(&room.slug)
            .bind(&room.name)
            .bind(created_by)
            .bind(created_at)
            .execute(pool)
            .await;
    match created {
        Ok(_) => Ok(Some(room.clone())),
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => Ok(None),
        Err(error) => Err(error),
    }
}

/// What a send carries once validated.
pub struct NewMessage<'a> {
    pub room: &'a str,
    pub author: &'a str,
    pub body: &'a str,
    pub client_id: &'a str,
    pub created_at: i64,
}

/// Stores a message at the end of its room's log, or returns the one already stored under the
/// same author and client id. The second value is true when this call stored it.
pub async fn insert_message(
    pool: &SqlitePool,
    new: NewMessage<'_>,
) -> Result<(Message, bool), sqlx::Error> {
    // One statement: SQLite takes the write lock before the SELECT runs, so two concurrent sends
    // can never compute the same `seq`.
    let inserted: Option<Message> = sqlx::query_as(
        "INSERT INTO messages (room, seq, author, body, client_id, created_at)
         SELECT ?1, COALESCE(MAX(seq), 0) + 1, ?2, ?3, ?4, ?5 FROM messages WHERE room = ?1
         ON CONFLICT (author, client_id) DO NOTHING
         RETURNING id, room, seq, author, body, client_id, created_at",
    )
    .bind(new.room)
    .bind(new.author)
    .bind(new.body)
    .bind(new.client_id)
    .bind(new.created_at)
    .fetch_optional(pool)
    .await?;
    if let Some(message) = inserted {
        return Ok((message, true));
    }
    let existing = sqlx::query_as(
        "SELECT id, room, seq, author, body, client_id, created_at
         FROM messages WHERE author = ? AND client_id = ?",
    )
    .bind(new.author)
    .bind(new.client_id)
    .fetch_one(pool)
    .await?;
    Ok((existing, false))
}

/// Up to `limit` messages after position `after`, oldest first.
pub async fn messages_after(
    pool: &SqlitePool,
    room: &str,
    after: i64,
    limit: i64,
) -> Result<Vec<Message>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, room, seq, author, body, client_id, created_at
         FROM messages WHERE room = ? AND seq > ? ORDER BY seq LIMIT ?",
    )
    .bind(room)
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Up to `limit` messages before position `before`, oldest first (`i64::MAX`: the latest).
pub async fn messages_before(
    pool: &SqlitePool,
    room: &str,
    before: i64,
    limit: i64,
) -> Result<Vec<Message>, sqlx::Error> {
    let mut messages: Vec<Message> = sqlx::query_as(
        "SELECT id, room, seq, author, body, client_id, created_at
         FROM messages WHERE room = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
    )
    .bind(room)
    .bind(before)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    messages.reverse();
    Ok(messages)
}

/// The latest `limit` messages of a room, oldest first.
pub async fn latest_messages(
    pool: &SqlitePool,
    room: &str,
    limit: i64,
) -> Result<Vec<Message>, sqlx::Error> {
    messages_before(pool, room, i64::MAX, limit).await
}

/// The position of a room's latest message (0 when it has none).
pub async fn last_seq(pool: &SqlitePool, room: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM messages WHERE room = ?")
        .bind(room)
        .fetch_one(pool)
        .await
}

/// Records that a socket is in a room. True when it is the person's first socket there.
pub async fn add_presence(
    pool: &SqlitePool,
    socket_id: &str,
    room: &str,
    name: &str,
) -> Result<bool, sqlx::Error> {
    sqlx::query("INSERT OR IGNORE INTO presence (socket_id, room, name) VALUES (?, ?, ?)")
        .bind(socket_id)
        .bind(room)
        .bind(name)
        .execute(pool)
        .await?;
    let sockets: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM presence WHERE room = ? AND name = ?")
            .bind(room)
            .bind(name)
            .fetch_one(pool)
            .await?;
    Ok(sockets == 1)
}

/// Whether a socket has joined a room.
pub async fn is_present(
    pool: &SqlitePool,
    socket_id: &str,
    room: &str,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM presence WHERE socket_id = ? AND room = ?)")
        .bind(socket_id)
        .bind(room)
        .fetch_one(pool)
        .await
}

/// A room a closing socket was in, and whether its person is now gone from it.
pub struct Departure {
    pub room: String,
    pub name: String,
    pub last: bool,
}

/// Forgets a socket's presence in one room, or in every room it was in (`room` = `None`).
pub async fn remove_presence(
    pool: &SqlitePool,
    socket_id: &str,
    room: Option<&str>,
) -> Result<Vec<Departure>, sqlx::Error> {
    let left: Vec<(String, String)> = sqlx::query_as(
        "DELETE FROM presence WHERE socket_id = ?1 AND (?2 IS NULL OR room = ?2) RETURNING room, name",
    )
    .bind(socket_id)
    .bind(room)
    .fetch_all(pool)
    .await?;
    let mut departures = Vec::with_capacity(left.len());
    for (room, name) in left {
        let remaining: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM presence WHERE room = ? AND name = ?")
                .bind(&room)
                .bind(&name)
                .fetch_one(pool)
                .await?;
        departures.push(Departure { room, name, last: remaining == 0 });
    }
    Ok(departures)
}

/// The people online in a room, each once, sorted.
pub async fn online(pool: &SqlitePool, room: &str) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT DISTINCT name FROM presence WHERE room = ? ORDER BY name")
        .bind(room)
        .fetch_all(pool)
        .await
}
