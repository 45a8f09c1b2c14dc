//! Accounts: names (unique without regard to case), password hashes, server admins.

use super::Result;

#[async_trait::async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates an account; false when the name (without case) is taken.
    async fn create_user(&self, name: &str, password_hash: &str, created_at: i64) -> Result<bool>;

    /// The account `name` (compared without case): its stored name and password hash.
    async fn account(&self, name: &str) -> Result<Option<(String, String)>>;

    /// The stored spelling of the account `name`, if there is one.
    async fn user_name(&self, name: &str) -> Result<Option<String>>;

    async fn is_admin(&self, name: &str) -> Result<bool>;

    /// The server admins, sorted.
    async fn admins(&self) -> Result<Vec<String>>;

    /// Makes `name` a server admin or takes it back: the stored name, or `None` without such an
    /// account.
    async fn set_admin(&self, name: &str, admin: bool) -> Result<Option<String>>;

    /// Closes `name`'s account: its sessions, API tokens and picture go, its password is
    /// cleared (no sign-in matches it again) and admin rights with it; the row stays, keeping
    /// the name taken so that nobody else appears as the author of what it wrote.
    async fn close_account(&self, name: &str) -> Result<()>;

    /// The picture `name` (the stored spelling) chose, if any.
    async fn avatar(&self, name: &str) -> Result<Option<Avatar>>;

    /// When `name` last set their picture (milliseconds), if they have one: read by every
    /// account page, without the bytes.
    async fn avatar_set_at(&self, name: &str) -> Result<Option<i64>>;

    /// Sets `name`'s picture, or removes it (`None`).
    async fn set_avatar(&self, name: &str, avatar: Option<&Avatar>) -> Result<()>;
}

/// A person's picture, as stored: small, square, a PNG or a JPEG.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Avatar {
    pub content_type: String,
    /// Milliseconds since the epoch: the picture's version (its `ETag`).
    pub updated_at: i64,
    pub data: Vec<u8>,
}
