//! Storage: an interface by table (rooms, members, messages, changes, presence, accounts,
//! sessions, tokens), each a trait of its own, and one implementation per database behind it
//! ([`sqlite`], the default). The use cases see only [`Store`]: storage returns facts, the
//! policy decides, the use cases act.
//!
//! Every write that changes a room takes the room's next change-log position inside the
//! transaction that makes the change, so positions in a room's log are consecutive with no holes
//! whatever the number of writers; each implementation says how it guarantees that.

mod accounts;
mod changes;
mod members;
mod messages;
mod presence;
mod rooms;
mod sessions;
pub mod sqlite;
mod tokens;

pub use accounts::AccountStore;
pub use changes::{ChangeKind, ChangeStore, LoggedChange};
pub use members::{MemberStore, Membership};
pub use messages::{MessageStore, NewMessage, Outcome, Posted};
pub use presence::{Departure, PresenceStore};
pub use rooms::{RoomRecord, RoomStore, Rooms};
pub use sessions::{SessionRecord, SessionStore};
pub use tokens::{ApiTokenRecord, TokenStore};

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
{
    /// Whether the database answers (`/healthz`).
    async fn ping(&self) -> Result<()>;
}

/// The database the server runs on, shared by every request.
pub type Db = Arc<dyn Store>;

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("invalid database URL {url:?}: {source}")]
    Url { url: String, source: sqlx::Error },
    #[error("unsupported database URL {0:?}: this build of Parley speaks sqlite: URLs only")]
    Scheme(String),
    #[error("cannot create the database folder {path}: {source}")]
    Folder { path: String, source: std::io::Error },
    #[error("cannot open the database: {0}")]
    Connect(sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Opens (creating if needed) the database the URL names, applies pending migrations and clears
/// presence left over from a previous run.
pub async fn open(url: &str) -> std::result::Result<Db, OpenError> {
    if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        return Err(OpenError::Scheme(url.to_owned()));
    }
    Ok(Arc::new(sqlite::Sqlite::open(url).await?))
}
