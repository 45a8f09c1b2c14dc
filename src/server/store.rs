//! SQL storage: one pool, migrations at start-up, and every query Parley runs. SQLite by default
//! (WAL mode). A write that changes a room takes the room's next change-log position as its first
//! statement, inside the transaction that makes the change: the database's write lock orders the
//! changes, positions have no holes, and no application lock is needed.

use crate::model::{Member, Message, Reaction, Role, Room, RoomEntry, REACTIONS};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::{str::FromStr, time::Duration};

/// The columns of a [`Message`], but its reactions (see [`with_reactions`]).
const MESSAGE: &str = "SELECT id, room, seq, rev, author, body, client_id, created_at, edited_at,
                              deleted_at IS NOT NULL AS deleted, note
                       FROM messages";

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

/// A room with who may see it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RoomRecord {
    pub slug: String,
    pub name: String,
    /// Set for a private room: only this person sees it.
    pub owner: Option<String>,
    /// A conversation with the assistant: every message is a question.
    pub assistant: bool,
    /// Only members see it; people join by invitation.
    pub private: bool,
    /// A direct conversation between two people (private too).
    pub direct: bool,
}

impl RoomRecord {
    pub fn room(&self) -> Room {
        Room { slug: self.slug.clone(), name: self.name.clone() }
    }

    /// Whether `who` may see the room, as far as the record tells: a private room also needs
    /// membership (see [`access`]).
    pub fn visible_to(&self, who: Option<&str>) -> bool {
        self.owner.as_deref().is_none_or(|owner| Some(owner) == who)
            && (!self.private || who.is_some())
    }

    /// Public: listed to everyone, readable by guests.
    pub fn public(&self) -> bool {
        self.owner.is_none() && !self.private
    }
}

/// Room records this node has read. A record never changes once the room exists (rooms are not
/// renamed, given away or deleted), so a copy read once stays right: every command starts by
/// finding its room, and this saves that query. Rooms not found are not remembered.
#[derive(Clone, Default)]
pub struct Rooms(Arc<RwLock<HashMap<String, RoomRecord>>>);

impl Rooms {
    /// Most rooms kept; past this, lookups of rooms not yet kept go to the database.
    const MAX: usize = 10_000;

    pub async fn get(
        &self,
        pool: &SqlitePool,
        slug: &str,
    ) -> Result<Option<RoomRecord>, sqlx::Error> {
        let kept =
            self.0.read().unwrap_or_else(|poisoned| poisoned.into_inner()).get(slug).cloned();
        if kept.is_some() {
            return Ok(kept);
        }
        let found = room(pool, slug).await?;
        if let Some(record) = &found {
            let mut rooms = self.0.write().unwrap_or_else(|poisoned| poisoned.into_inner());
            if rooms.len() < Self::MAX {
                rooms.insert(slug.to_owned(), record.clone());
            }
        }
        Ok(found)
    }
}

async fn room(pool: &SqlitePool, slug: &str) -> Result<Option<RoomRecord>, sqlx::Error> {
    sqlx::query_as("SELECT slug, name, owner, assistant, private, direct FROM rooms WHERE slug = ?")
        .bind(slug)
        .fetch_optional(pool)
        .await
}

/// `owner`'s private conversation with the assistant, created on first use.
pub async fn assistant_room(
    pool: &SqlitePool,
    owner: &str,
    created_at: i64,
) -> Result<RoomRecord, sqlx::Error> {
    let find = "SELECT slug, name, owner, assistant, private, direct FROM rooms WHERE owner = ? AND assistant = 1";
    if let Some(room) = sqlx::query_as(find).bind(owner).fetch_optional(pool).await? {
        return Ok(room);
    }
    let slug = format!("assistant-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    sqlx::query(
        "INSERT INTO rooms (slug, name, created_by, created_at, owner, assistant)
         VALUES (?1, 'Private assistant', ?2, ?3, ?2, 1) ON CONFLICT DO NOTHING",
    )
    .bind(&slug)
    .bind(owner)
    .bind(created_at)
    .execute(pool)
    .await?;
    // Two first uses at once: whichever insert won is the room.
    sqlx::query_as(find).bind(owner).fetch_one(pool).await
}

/// Every room, by name, with how far `reader` has read it. Rooms the reader never opened (every
/// room, for a visitor without a name) are not `joined` and count nothing as unread.
pub async fn room_entries(
    pool: &SqlitePool,
    reader: Option<&str>,
) -> Result<Vec<RoomEntry>, sqlx::Error> {
    sqlx::query_as(
        // The last seq of each room is one lookup in the (room, seq) index, not a scan of every
        // message.
        "SELECT slug, name, last_seq, COALESCE(read, last_seq) AS read_seq, read IS NOT NULL AS joined
         FROM (SELECT r.slug, r.name, r.owner,
                      (SELECT COALESCE(MAX(seq), 0) FROM messages WHERE room = r.slug) AS last_seq,
                      p.seq AS read
               FROM rooms r
               LEFT JOIN read_positions p ON p.room = r.slug AND p.name = ?1
               WHERE (r.owner IS NULL OR r.owner = ?1) AND (r.private = 0 OR p.name IS NOT NULL))
         ORDER BY owner IS NOT NULL, name COLLATE NOCASE",
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

/// Moves a member's read position in `room` forward to `seq` (never back, never past the last
/// message) and returns the stored position; `None` when `name` is not a member.
pub async fn mark_read(
    pool: &SqlitePool,
    room: &str,
    name: &str,
    seq: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE read_positions
         SET seq = MAX(seq, MIN(?3, (SELECT COALESCE(MAX(seq), 0) FROM messages WHERE room = ?1)))
         WHERE room = ?1 AND name = ?2
         RETURNING seq",
    )
    .bind(room)
    .bind(name)
    .bind(seq)
    .fetch_optional(pool)
    .await
}

/// Takes the next position in a room's change log. Being a write, it also takes the database's
/// write lock, so call it first in the transaction.
async fn next_pos(tx: &mut Transaction<'_, Sqlite>, room: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("UPDATE rooms SET pos = pos + 1 WHERE slug = ? RETURNING pos")
        .bind(room)
        .fetch_one(&mut **tx)
        .await
}

/// Writes a change-log entry: `seq` for a change to a message, `name` for a membership change.
async fn log(
    tx: &mut Transaction<'_, Sqlite>,
    room: &str,
    pos: i64,
    kind: &str,
    seq: Option<i64>,
    name: Option<&str>,
) -> Result<(), sqlx::Error> {
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

/// Where a room's change log stands (0 for a new room).
pub async fn room_pos(pool: &SqlitePool, room: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT pos FROM rooms WHERE slug = ?").bind(room).fetch_one(pool).await
}

/// Makes `name` a member of `room`, with everything posted so far counted as read. Returns the
/// change's position, or `None` if they were a member already.
pub async fn join(pool: &SqlitePool, room: &str, name: &str) -> Result<Option<i64>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let pos = next_pos(&mut tx, room).await?;
    let added = sqlx::query(
        "INSERT INTO read_positions (room, name, seq)
         SELECT ?1, ?2, COALESCE(MAX(seq), 0) FROM messages WHERE room = ?1
         ON CONFLICT (room, name) DO NOTHING",
    )
    .bind(room)
    .bind(name)
    .execute(&mut *tx)
    .await?;
    if added.rows_affected() == 0 {
        return Ok(None); // dropping the transaction rolls the position back
    }
    log(&mut tx, room, pos, "joined", None, Some(name)).await?;
    tx.commit().await?;
    Ok(Some(pos))
}

/// Ends `name`'s membership of `room`. Returns the change's position, or `None` if they were not
/// a member.
pub async fn leave(pool: &SqlitePool, room: &str, name: &str) -> Result<Option<i64>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let pos = next_pos(&mut tx, room).await?;
    let removed = sqlx::query("DELETE FROM read_positions WHERE room = ? AND name = ?")
        .bind(room)
        .bind(name)
        .execute(&mut *tx)
        .await?;
    if removed.rows_affected() == 0 {
        return Ok(None);
    }
    log(&mut tx, room, pos, "left", None, Some(name)).await?;
    tx.commit().await?;
    Ok(Some(pos))
}

/// Creates a room with its creator as owner; `Ok(None)` when its slug or name (without case)
/// is taken.
pub async fn create_room(
    pool: &SqlitePool,
    room: &Room,
    created_by: &str,
    created_at: i64,
    private: bool,
) -> Result<Option<Room>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let created = sqlx::query(
        "INSERT INTO rooms (slug, name, created_by, created_at, private, pos) VALUES (?, ?, ?, ?, ?, 1)",
    )
    .bind(&room.slug)
    .bind(&room.name)
    .bind(created_by)
    .bind(created_at)
    .bind(private)
    .execute(&mut *tx)
    .await;
    match created {
        Ok(_) => {}
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => return Ok(None),
        Err(error) => return Err(error),
    }
    sqlx::query("INSERT INTO read_positions (room, name, seq, role) VALUES (?, ?, 0, 'owner')")
        .bind(&room.slug)
        .bind(created_by)
        .execute(&mut *tx)
        .await?;
    log(&mut tx, &room.slug, 1, "joined", None, Some(created_by)).await?;
    tx.commit().await?;
    Ok(Some(room.clone()))
}

/// The direct conversation between two people (named in either order), created on first use
/// with both as members.
pub async fn direct_room(
    pool: &SqlitePool,
    a: &str,
    b: &str,
    created_at: i64,
) -> Result<RoomRecord, sqlx::Error> {
    let (first, second) = if a.to_lowercase() <= b.to_lowercase() { (a, b) } else { (b, a) };
    // The slug is derived from the pair, so two first uses at once make one room.
    let pair = format!("{}\n{}", first.to_lowercase(), second.to_lowercase());
    let digest = sha2::Digest::finalize(<sha2::Sha256 as sha2::Digest>::new_with_prefix(pair));
    let slug = format!("dm-{}", &hex::encode(digest)[..16]);
    let mut tx = pool.begin().await?;
    let created = sqlx::query(
        "INSERT INTO rooms (slug, name, created_by, created_at, private, direct, pos)
         VALUES (?, ?, ?, ?, 1, 1, 2) ON CONFLICT DO NOTHING",
    )
    .bind(&slug)
    .bind(format!("{first} & {second}"))
    .bind(a)
    .bind(created_at)
    .execute(&mut *tx)
    .await?;
    if created.rows_affected() == 1 {
        for (pos, name) in [(1, first), (2, second)] {
            sqlx::query("INSERT INTO read_positions (room, name, seq) VALUES (?, ?, 0)")
                .bind(&slug)
                .bind(name)
                .execute(&mut *tx)
                .await?;
            log(&mut tx, &slug, pos, "joined", None, Some(name)).await?;
        }
    }
    tx.commit().await?;
    room(pool, &slug).await?.ok_or(sqlx::Error::RowNotFound)
}

/// What `name` is in `room`: their role if a member, and whether they are banned.
pub async fn access(
    pool: &SqlitePool,
    room: &str,
    name: &str,
) -> Result<(Option<Role>, bool), sqlx::Error> {
    let (role, banned): (Option<String>, bool) = sqlx::query_as(
        "SELECT (SELECT role FROM read_positions WHERE room = ?1 AND name = ?2),
                EXISTS (SELECT 1 FROM bans WHERE room = ?1 AND name = ?2)",
    )
    .bind(room)
    .bind(name)
    .fetch_one(pool)
    .await?;
    Ok((role.as_deref().and_then(Role::parse), banned))
}

/// A room's members with their roles: owners, then moderators, then the rest, by name.
pub async fn members(pool: &SqlitePool, room: &str) -> Result<Vec<Member>, sqlx::Error> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, role FROM read_positions WHERE room = ?
         ORDER BY CASE role WHEN 'owner' THEN 0 WHEN 'moderator' THEN 1 ELSE 2 END,
                  name COLLATE NOCASE",
    )
    .bind(room)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(name, role)| Member { name, role: Role::parse(&role).unwrap_or(Role::Member) })
        .collect())
}

/// Gives a member another role; false when `name` is not a member.
pub async fn set_role(
    pool: &SqlitePool,
    room: &str,
    name: &str,
    role: Role,
) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query("UPDATE read_positions SET role = ? WHERE room = ? AND name = ?")
        .bind(role.as_str())
        .bind(room)
        .bind(name)
        .execute(pool)
        .await?;
    Ok(changed.rows_affected() > 0)
}

/// Bans `name` from `room` (kept until lifted); their membership ends with [`leave`].
pub async fn ban(
    pool: &SqlitePool,
    room: &str,
    name: &str,
    by: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO bans (room, name, by, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
        .bind(room)
        .bind(name)
        .bind(by)
        .bind(at)
        .execute(pool)
        .await?;
    Ok(())
}

/// Lifts a ban; false when there was none.
pub async fn unban(pool: &SqlitePool, room: &str, name: &str) -> Result<bool, sqlx::Error> {
    let lifted = sqlx::query("DELETE FROM bans WHERE room = ? AND name = ?")
        .bind(room)
        .bind(name)
        .execute(pool)
        .await?;
    Ok(lifted.rows_affected() > 0)
}

/// Who is banned from a room, by name.
pub async fn bans(pool: &SqlitePool, room: &str) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT name FROM bans WHERE room = ? ORDER BY name COLLATE NOCASE")
        .bind(room)
        .fetch_all(pool)
        .await
}

/// Forgets every socket of `name` in `room`: the departure to announce, if they were there.
pub async fn remove_presence_of(
    pool: &SqlitePool,
    room: &str,
    name: &str,
) -> Result<bool, sqlx::Error> {
    let removed = sqlx::query("DELETE FROM presence WHERE room = ? AND name = ?")
        .bind(room)
        .bind(name)
        .execute(pool)
        .await?;
    Ok(removed.rows_affected() > 0)
}

/// What a send carries once validated.
pub struct NewMessage<'a> {
    pub room: &'a str,
    pub author: &'a str,
    pub body: &'a str,
    pub client_id: &'a str,
    pub created_at: i64,
    /// Why an assistant's answer ended early.
    pub note: Option<&'a str>,
}

/// What became of a message to store.
pub enum Posted {
    /// Stored, at this position of the room's log.
    Stored(Message, i64),
    /// Already stored under the same author and client id (a retry): nothing changed.
    Known(Message),
    /// The author is not a member of the room: nothing changed.
    NotMember,
}

/// Stores a new message as the room's next change, in one statement (the `message_posted`
/// trigger logs it and moves the author's read position: see migration 0007). With
/// `members_only`, only a member of the room can post (checked in the same statement, so the
/// common case costs one round trip).
pub async fn insert_message(
    pool: &SqlitePool,
    new: NewMessage<'_>,
    members_only: bool,
) -> Result<Posted, sqlx::Error> {
    let inserted: Option<Message> = sqlx::query_as(
        "INSERT INTO messages (room, seq, rev, author, body, client_id, created_at, note)
         SELECT ?1,
                -- The room's last seq by index lookup; MAX(seq) in this shape scans the room.
                COALESCE((SELECT seq FROM messages WHERE room = ?1 ORDER BY seq DESC LIMIT 1), 0)
                    + 1,
                (SELECT pos + 1 FROM rooms WHERE slug = ?1),
                ?2, ?3, ?4, ?5, ?6
         WHERE NOT ?7 OR EXISTS (SELECT 1 FROM read_positions WHERE room = ?1 AND name = ?2)
         ON CONFLICT (author, client_id) DO NOTHING
         RETURNING id, room, seq, rev, author, body, client_id, created_at, edited_at,
                   deleted_at IS NOT NULL AS deleted, note",
    )
    .bind(new.room)
    .bind(new.author)
    .bind(new.body)
    .bind(new.client_id)
    .bind(new.created_at)
    .bind(new.note)
    .bind(members_only)
    .fetch_optional(pool)
    .await?;
    if let Some(message) = inserted {
        let pos = message.rev;
        return Ok(Posted::Stored(message, pos));
    }
    Ok(match sent(pool, new.author, new.client_id).await? {
        Some(message) => Posted::Known(message),
        None => Posted::NotMember,
    })
}

/// The message `author` sent under `client_id`, if any.
pub async fn sent(
    pool: &SqlitePool,
    author: &str,
    client_id: &str,
) -> Result<Option<Message>, sqlx::Error> {
    let found: Option<Message> =
        sqlx::query_as(&format!("{MESSAGE} WHERE author = ? AND client_id = ?"))
            .bind(author)
            .bind(client_id)
            .fetch_optional(pool)
            .await?;
    Ok(match found {
        Some(message) => with_reactions(pool, vec![message]).await?.pop(),
        None => None,
    })
}

/// A room's conversation with the assistant up to message `upto`: the questions put to it (every
/// message, in a private assistant room) and its answers, not deleted nor empty, the latest
/// `limit`, oldest first.
pub async fn assistant_history(
    pool: &SqlitePool,
    room: &RoomRecord,
    upto: i64,
    limit: i64,
) -> Result<Vec<Message>, sqlx::Error> {
    let mut messages: Vec<Message> = sqlx::query_as(&format!(
        "{MESSAGE} WHERE room = ? AND seq <= ? AND deleted_at IS NULL AND body <> ''
           AND (? OR author = ? OR lower(substr(body, 1, 10)) = '@assistant')
         ORDER BY seq DESC LIMIT ?"
    ))
    .bind(&room.slug)
    .bind(upto)
    .bind(room.assistant)
    .bind(crate::server::assistant::ASSISTANT)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    messages.reverse();
    Ok(messages)
}

/// What a change to an existing message came to.
#[derive(Debug)]
pub enum Outcome {
    /// Changed, at this log position; the message as it is now.
    Changed(Message, i64),
    /// Already as asked: nothing was written.
    Unchanged(Message),
    NotFound,
    /// Only the author may do this.
    NotAuthor,
    Deleted,
}

/// The checks every change to a message starts with. `Ok` carries the message as stored.
async fn existing_message(
    tx: &mut Transaction<'_, Sqlite>,
    room: &str,
    seq: i64,
    author: Option<&str>,
) -> Result<Result<Message, Outcome>, sqlx::Error> {
    let message: Option<Message> = sqlx::query_as(&format!("{MESSAGE} WHERE room = ? AND seq = ?"))
        .bind(room)
        .bind(seq)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(match message {
        None => Err(Outcome::NotFound),
        Some(m) if author.is_some_and(|author| author != m.author) => Err(Outcome::NotAuthor),
        Some(m) => Ok(m),
    })
}

/// Marks a message as changed at `pos` and logs it; returns it as it is now.
async fn commit_change(
    pool: &SqlitePool,
    mut tx: Transaction<'_, Sqlite>,
    room: &str,
    seq: i64,
    pos: i64,
    kind: &str,
) -> Result<Outcome, sqlx::Error> {
    sqlx::query("UPDATE messages SET rev = ? WHERE room = ? AND seq = ?")
        .bind(pos)
        .bind(room)
        .bind(seq)
        .execute(&mut *tx)
        .await?;
    log(&mut tx, room, pos, kind, Some(seq), None).await?;
    tx.commit().await?;
    Ok(Outcome::Changed(message(pool, room, seq).await?, pos))
}

/// One message, with its reactions.
pub async fn message(pool: &SqlitePool, room: &str, seq: i64) -> Result<Message, sqlx::Error> {
    let message = sqlx::query_as(&format!("{MESSAGE} WHERE room = ? AND seq = ?"))
        .bind(room)
        .bind(seq)
        .fetch_one(pool)
        .await?;
    Ok(with_reactions(pool, vec![message]).await?.remove(0))
}

/// Replaces the body of `author`'s message.
pub async fn edit_message(
    pool: &SqlitePool,
    room: &str,
    seq: i64,
    author: &str,
    body: &str,
    at: i64,
) -> Result<Outcome, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let pos = next_pos(&mut tx, room).await?;
    let message = match existing_message(&mut tx, room, seq, Some(author)).await? {
        Ok(message) if message.deleted => return Ok(Outcome::Deleted),
        Ok(message) if message.body == body => {
            drop(tx);
            return Ok(Outcome::Unchanged(self::message(pool, room, seq).await?));
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
    commit_change(pool, tx, room, seq, pos, "edited").await
}

/// Deletes `author`'s message (any message with `None`: a moderator's deletion): its text and reactions go, the row stays as a tombstone.
pub async fn delete_message(
    pool: &SqlitePool,
    room: &str,
    seq: i64,
    author: Option<&str>,
    at: i64,
) -> Result<Outcome, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let pos = next_pos(&mut tx, room).await?;
    let message = match existing_message(&mut tx, room, seq, author).await? {
        Ok(message) if message.deleted => {
            drop(tx);
            return Ok(Outcome::Unchanged(self::message(pool, room, seq).await?));
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
    commit_change(pool, tx, room, seq, pos, "deleted").await
}

/// Adds (`on`) or removes `name`'s reaction `emoji` on a message.
pub async fn react(
    pool: &SqlitePool,
    room: &str,
    seq: i64,
    name: &str,
    emoji: &str,
    on: bool,
    at: i64,
) -> Result<Outcome, sqlx::Error> {
    let mut tx = pool.begin().await?;
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
        sqlx::query("DELETE FROM reactions WHERE room = ? AND seq = ? AND emoji = ? AND name = ?")
            .bind(room)
            .bind(seq)
            .bind(emoji)
            .bind(name)
    };
    let written = write.execute(&mut *tx).await?;
    if written.rows_affected() == 0 {
        drop(tx);
        return Ok(Outcome::Unchanged(message(pool, room, seq).await?));
    }
    commit_change(pool, tx, room, seq, pos, "reacted").await
}

/// Fills in the reactions of messages of one room.
async fn with_reactions(
    pool: &SqlitePool,
    mut messages: Vec<Message>,
) -> Result<Vec<Message>, sqlx::Error> {
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
    for message in &mut messages {
        message.reactions = REACTIONS
            .iter()
            .filter_map(|emoji| {
                let names: Vec<String> = rows
                    .iter()
                    .filter(|(seq, e, _)| *seq == message.seq && e == emoji)
                    .map(|(_, _, name)| name.clone())
                    .collect();
                (!names.is_empty()).then(|| Reaction { emoji: (*emoji).to_owned(), names })
            })
            .collect();
    }
    Ok(messages)
}

/// An entry of a room's change log: `seq` names a message, `name` a member.
#[derive(Debug, sqlx::FromRow)]
pub struct LoggedChange {
    pub pos: i64,
    pub kind: String,
    pub seq: Option<i64>,
    pub name: Option<String>,
}

/// Up to `limit` change-log entries after position `after` and up to `upto`, oldest first, with
/// the messages they concern as they are now.
pub async fn changes_after(
    pool: &SqlitePool,
    room: &str,
    after: i64,
    upto: i64,
    limit: i64,
) -> Result<(Vec<LoggedChange>, Vec<Message>), sqlx::Error> {
    let changes: Vec<LoggedChange> = sqlx::query_as(
        "SELECT pos, kind, seq, name FROM changes
         WHERE room = ? AND pos > ? AND pos <= ? ORDER BY pos LIMIT ?",
    )
    .bind(room)
    .bind(after)
    .bind(upto)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let mut seqs: Vec<i64> = changes.iter().filter_map(|c| c.seq).collect();
    seqs.sort_unstable();
    seqs.dedup();
    let messages = sqlx::query_as(&format!(
        "{MESSAGE} WHERE room = ? AND seq IN (SELECT value FROM json_each(?)) ORDER BY seq"
    ))
    .bind(room)
    .bind(serde_json::to_string(&seqs).unwrap_or_default())
    .fetch_all(pool)
    .await?;
    Ok((changes, with_reactions(pool, messages).await?))
}

/// Up to `limit` messages after position `after`, oldest first.
pub async fn messages_after(
    pool: &SqlitePool,
    room: &str,
    after: i64,
    limit: i64,
) -> Result<Vec<Message>, sqlx::Error> {
    let messages =
        sqlx::query_as(&format!("{MESSAGE} WHERE room = ? AND seq > ? ORDER BY seq LIMIT ?"))
            .bind(room)
            .bind(after)
            .bind(limit)
            .fetch_all(pool)
            .await?;
    with_reactions(pool, messages).await
}

/// Up to `limit` messages before position `before`, oldest first (`i64::MAX`: the latest).
pub async fn messages_before(
    pool: &SqlitePool,
    room: &str,
    before: i64,
    limit: i64,
) -> Result<Vec<Message>, sqlx::Error> {
    let mut messages: Vec<Message> =
        sqlx::query_as(&format!("{MESSAGE} WHERE room = ? AND seq < ? ORDER BY seq DESC LIMIT ?"))
            .bind(room)
            .bind(before)
            .bind(limit)
            .fetch_all(pool)
            .await?;
    messages.reverse();
    with_reactions(pool, messages).await
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
