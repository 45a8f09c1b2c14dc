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

    /// Closes `name`'s account: its sessions and API tokens go, its password is cleared (no
    /// sign-in matches it again) and admin rights with it; the row stays, keeping the name
    /// taken so that nobody else appears as the author of what it wrote.
    async fn close_account(&self, name: &str) -> Result<()>;
}
