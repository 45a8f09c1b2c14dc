//! Storage: an interface by table (rooms, members, messages, changes, presence, accounts,
//! sessions, tokens, answers, the moderation log, search, files), each a trait of its own, and one implementation per database behind it
//! ([`sqlite`], the default). The use cases see only [`Store`]: storage returns facts, the
//! policy decides, the use cases act.
//!
//! Every write that changes a room takes the room's next change-log position inside the
//! transaction that makes the change, so positions in a room's log are consecutive with no holes
//! whatever the number of writers; each implementation says how it guarantees that.

mod accounts;
mod answers;
mod changes;
mod files;
mod members;
mod messages;
mod moderation;
mod postgres;
mod presence;
mod rooms;
mod search;
mod sessions;
pub mod sqlite;
mod tokens;

pub use accounts::{AccountStore, Avatar};
pub use answers::{AnswerStore, Orphan};
pub use changes::{ChangeKind, ChangeStore, LoggedChange};
pub use files::{FileRecord, FileStore, NewFile};
pub use members::{MemberStore, Membership, Roster};
pub use messages::{MessageStore, NewMessage, Outcome, Posted};
pub use moderation::{ModerationRecord, ModerationStore};
pub use presence::{Departure, PresenceStore};
pub use rooms::{RoomRecord, RoomStore, Rooms};
pub use search::{Found, SearchFilter, SearchStore};
pub use sessions::{SessionRecord, SessionStore};
pub use tokens::{ApiTokenRecord, TokenStore};

use crate::model::{Message, Reaction, REACTIONS};
use std::sync::Arc;

/// What storage calls return: a value, or the database's error (logged by the caller, never
/// shown to users).
pub type Result<T> = std::result::Result<T, sqlx::Error>;

/// Every table's interface, and the database's health: what the use cases hold.
#[async_trait::async_trait]
pub trait Store:
    RoomStore
    + MemberStore
    + MessageStore
    + ChangeStore
    + PresenceStore
    + AccountStore
    + SessionStore
    + TokenStore
    + AnswerStore
    + ModerationStore
    + SearchStore
    + FileStore
{
    /// Whether the database answers (`/healthz`).
    async fn ping(&self) -> Result<()>;

    /// Whether this node's secret key (`check`: a keyed hash of a fixed text under it) is the
    /// one every node of the database uses. A different key is refused while a node that uses
    /// the agreed one is alive (heartbeat within `timeout` of `now`); once all are stopped, the
    /// first node to start with a new key makes it the agreed one.
    async fn agree_secret(&self, check: &str, now: i64, timeout: i64) -> Result<bool>;

    /// The name of the cluster this database is the database of (chosen at random by the first
    /// node): what the nodes share in Redis goes under it, so that clusters sharing one Redis
    /// server do not mix.
    async fn cluster_name(&self) -> Result<String>;
}

/// The database the server runs on, shared by every request.
pub type Db = Arc<dyn Store>;

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("invalid database URL {url:?}: {source}")]
    Url { url: String, source: sqlx::Error },
    #[error("unsupported database URL {0:?}: Parley speaks sqlite: and postgres: URLs")]
    Scheme(String),
    #[error("cannot create the database folder {path}: {source}")]
    Folder { path: String, source: std::io::Error },
    #[error("cannot open the database: {0}")]
    Connect(sqlx::Error),
    #[error("cannot open the database file {path}: {source}")]
    File { path: String, source: std::io::Error },
    #[error(
        "another Parley process is using {0}: one server per SQLite file (stop it first; several \
         nodes need Postgres)"
    )]
    Busy(String),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Opens the database the URL names (`sqlite:` or `postgres:`) and applies pending migrations,
/// as node `node`, beside whatever server may be running on it (`parley admin`).
pub async fn open(url: &str, node: &str) -> std::result::Result<Db, OpenError> {
    match url.split_once(':').map(|(scheme, _)| scheme) {
        Some("sqlite") => Ok(Arc::new(sqlite::Sqlite::open(url).await?)),
        Some("postgres" | "postgresql") => Ok(Arc::new(postgres::Postgres::open(url, node).await?)),
        _ => Err(OpenError::Scheme(url.to_owned())),
    }
}

/// Opens the database for a server, as node `node`. A SQLite file is locked for as long as the
/// returned lock lives (one server per file), may grow to `sqlite_max_mb` MiB at most, and the
/// presence its previous run left is cleared; Postgres is shared by every node, each of which
/// keeps its own presence.
pub async fn open_for_server(
    url: &str,
    node: &str,
    sqlite_max_mb: Option<u64>,
) -> std::result::Result<(Db, Option<sqlite::FileLock>), OpenError> {
    if url.starts_with("sqlite:") {
        let (store, lock) = sqlite::Sqlite::open_owned(url, sqlite_max_mb).await?;
        return Ok((Arc::new(store), Some(lock)));
    }
    Ok((open(url, node).await?, None))
}

/// Gives each message its reactions from `(seq, emoji, name)` rows in the order they were made:
/// the emoji of [`REACTIONS`] in that order, then the others in the order they were first chosen.
fn attach_reactions(messages: &mut [Message], rows: &[(i64, String, String)]) {
    for message in messages {
        let mine: Vec<&(i64, String, String)> =
            rows.iter().filter(|(seq, ..)| *seq == message.seq).collect();
        // The quick six in their order, then any other emoji in the order it was first chosen.
        let mut emoji: Vec<&str> =
            REACTIONS.iter().copied().filter(|e| mine.iter().any(|(_, r, _)| r == e)).collect();
        for (_, e, _) in &mine {
            if !emoji.contains(&e.as_str()) {
                emoji.push(e);
            }
        }
        message.reactions = emoji
            .into_iter()
            .map(|e| Reaction {
                emoji: e.to_owned(),
                names: mine
                    .iter()
                    .filter(|(_, r, _)| r == e)
                    .map(|(_, _, name)| name.clone())
                    .collect(),
            })
            .collect();
    }
}
