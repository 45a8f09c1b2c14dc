//! The moderation log in SQLite.

use super::super::{ModerationRecord, ModerationStore, Result};
use super::Sqlite;

#[async_trait::async_trait]
impl ModerationStore for Sqlite {
    async fn log_moderation(&self, record: &ModerationRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO moderation_log (at, by, action, room, target) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(record.at)
        .bind(&record.by)
        .bind(&record.action)
        .bind(&record.room)
        .bind(&record.target)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn recent_moderation(&self, limit: i64) -> Result<Vec<ModerationRecord>> {
        sqlx::query_as(
            "SELECT at, by, action, room, target FROM moderation_log ORDER BY id DESC LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await
    }
}
