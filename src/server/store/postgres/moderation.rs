//! The moderation log in Postgres.

use super::super::{ModerationRecord, ModerationStore, Result};
use super::Postgres;

#[async_trait::async_trait]
impl ModerationStore for Postgres {
    async fn log_moderation(&self, record: &ModerationRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO moderation_log (at, by, action, room, target) VALUES ($1, $2, $3, $4, $5)",
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
            "SELECT at, by, action, room, target FROM moderation_log ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await
    }
}
