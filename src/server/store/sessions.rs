//! Sessions, stored by the keyed hash of their cookie token (never the token itself).

use super::Result;

/// A stored session: whose, whether they are an admin, and when it was last used.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRecord {
    pub user: String,
    pub admin: bool,
    pub seen_at: i64,
}

#[async_trait::async_trait]
pub trait SessionStore: Send + Sync {
    async fn start_session(&self, token_hash: &[u8], user: &str, now: i64) -> Result<()>;

    async fn session(&self, token_hash: &[u8]) -> Result<Option<SessionRecord>>;

    async fn touch_session(&self, token_hash: &[u8], now: i64) -> Result<()>;

    /// Ends a session; false when there was none.
    async fn end_session(&self, token_hash: &[u8]) -> Result<bool>;
}
