//! Personal API tokens, stored by the keyed hash of the token (never the token itself).

use super::Result;

/// A personal API token as its owner's list shows it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ApiTokenRecord {
    pub id: i64,
    pub label: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

#[async_trait::async_trait]
pub trait TokenStore: Send + Sync {
    /// How many unrevoked tokens `owner` holds.
    async fn live_tokens(&self, owner: &str) -> Result<i64>;

    async fn create_token(
        &self,
        owner: &str,
        label: &str,
        token_hash: &[u8],
        created_at: i64,
    ) -> Result<ApiTokenRecord>;

    /// `owner`'s tokens, newest first.
    async fn tokens(&self, owner: &str) -> Result<Vec<ApiTokenRecord>>;

    /// Revokes one of `owner`'s tokens; false when they have no such token.
    async fn revoke_token(&self, owner: &str, id: i64, at: i64) -> Result<bool>;

    /// Records a use of the live token with this hash: its id and owner, or `None`.
    async fn use_token(&self, token_hash: &[u8], at: i64) -> Result<Option<(i64, String)>>;
}
