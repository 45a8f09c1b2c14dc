//! Full-text search over messages, limited to what the reader can see. SQLite: an FTS5 index kept
//! by triggers (migration 0010); Postgres: a GIN index on the body's `tsvector` (migration
//! 0004). Both match every term as a word prefix and mark matches in an excerpt with `\u{1}` …
//! `\u{2}`, characters no message can contain.

use super::Result;

/// A search as storage runs it: validated terms (letters and digits only, lowercased) and
/// filters.
pub struct SearchFilter<'a> {
    pub terms: &'a [String],
    pub room: Option<&'a str>,
    pub author: Option<&'a str>,
    /// From this time on (milliseconds since the epoch).
    pub since: Option<i64>,
    /// Before this time.
    pub until: Option<i64>,
    /// Only messages with a smaller id (the cursor).
    pub before: Option<i64>,
    pub limit: i64,
}

/// A message found: where, by whom, when, and its excerpt with matches marked.
#[derive(Debug, sqlx::FromRow)]
pub struct Found {
    pub id: i64,
    pub room: String,
    pub room_name: String,
    pub seq: i64,
    pub author: String,
    pub created_at: i64,
    pub excerpt: String,
}

#[async_trait::async_trait]
pub trait SearchStore: Send + Sync {
    /// Messages matching every term, not deleted, in rooms `reader` can read (public rooms for
    /// everyone; private and direct ones for their members; one's own assistant room; never a
    /// room one is banned from), newest first.
    async fn search(&self, reader: Option<&str>, filter: &SearchFilter<'_>) -> Result<Vec<Found>>;
}
