//! The moderation log: what moderators and server admins did, for the admin page.

use super::Result;

/// One moderation action. `action` is one of [`crate::protocol::ModerationAction`]'s wire
/// names; `room` a slug, or `None` for what is not about one room (admin rights).
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct ModerationRecord {
    pub at: i64,
    pub by: String,
    pub action: String,
    pub room: Option<String>,
    pub target: String,
}

#[async_trait::async_trait]
pub trait ModerationStore: Send + Sync {
    async fn log_moderation(&self, record: &ModerationRecord) -> Result<()>;

    /// The latest `limit` actions, newest first.
    async fn recent_moderation(&self, limit: i64) -> Result<Vec<ModerationRecord>>;
}
