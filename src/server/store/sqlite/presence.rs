//! Presence in SQLite: one row per socket and room, cleared when the server starts.

use super::super::{Departure, PresenceStore, Result};
use super::Sqlite;
use crate::protocol::Online;

#[async_trait::async_trait]
impl PresenceStore for Sqlite {
    async fn add_presence(&self, socket_id: &str, room: &str, name: &str) -> Result<bool> {
        sqlx::query("INSERT OR IGNORE INTO presence (socket_id, room, name) VALUES (?, ?, ?)")
            .bind(socket_id)
            .bind(room)
            .bind(name)
            .execute(&self.pool)
            .await?;
        let sockets: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM presence WHERE room = ? AND name = ?")
                .bind(room)
                .bind(name)
                .fetch_one(&self.pool)
                .await?;
        Ok(sockets == 1)
    }

    async fn is_present(&self, socket_id: &str, room: &str) -> Result<bool> {
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM presence WHERE socket_id = ? AND room = ?)",
        )
        .bind(socket_id)
        .bind(room)
        .fetch_one(&self.pool)
        .await
    }

    async fn remove_presence(&self, socket_id: &str, room: Option<&str>) -> Result<Vec<Departure>> {
        let left: Vec<(String, String)> = sqlx::query_as(
            "DELETE FROM presence WHERE socket_id = ?1 AND (?2 IS NULL OR room = ?2)
             RETURNING room, name",
        )
        .bind(socket_id)
        .bind(room)
        .fetch_all(&self.pool)
        .await?;
        let mut departures = Vec::with_capacity(left.len());
        for (room, name) in left {
            let remaining: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM presence WHERE room = ? AND name = ?")
                    .bind(&room)
                    .bind(&name)
                    .fetch_one(&self.pool)
                    .await?;
            departures.push(Departure { room, name, last: remaining == 0 });
        }
        Ok(departures)
    }

    async fn remove_presence_of(&self, room: &str, name: &str) -> Result<bool> {
        let removed = sqlx::query("DELETE FROM presence WHERE room = ? AND name = ?")
            .bind(room)
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(removed.rows_affected() > 0)
    }

    async fn online(&self, room: &str, limit: usize) -> Result<Online> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT name, COUNT(*) OVER () FROM (SELECT DISTINCT name FROM presence WHERE room = ?)
             ORDER BY name LIMIT ?",
        )
        .bind(room)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        let count = rows.first().map_or(0, |(_, count)| *count);
        Ok(Online::new(rows.into_iter().map(|(name, _)| name).collect(), count as u64))
    }

    async fn online_count(&self, room: &str) -> Result<u64> {
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(DISTINCT name) FROM presence WHERE room = ?")
                .bind(room)
                .fetch_one(&self.pool)
                .await?;
        Ok(count as u64)
    }

    async fn rooms_present(&self, name: &str) -> Result<i64> {
        sqlx::query_scalar("SELECT COUNT(DISTINCT room) FROM presence WHERE name = ?")
            .bind(name)
            .fetch_one(&self.pool)
            .await
    }

    async fn direct_peers(&self, name: &str) -> Result<Vec<(String, bool)>> {
        sqlx::query_as(
            "SELECT peer.name, EXISTS (SELECT 1 FROM presence WHERE presence.name = peer.name)
             FROM read_positions me
             JOIN rooms r ON r.slug = me.room AND r.direct <> 0
             JOIN read_positions peer ON peer.room = me.room AND peer.name <> me.name
             WHERE me.name = ?",
        )
        .bind(name)
        .fetch_all(&self.pool)
        .await
    }

    async fn busiest_rooms(&self, limit: i64) -> Result<Vec<(String, i64)>> {
        sqlx::query_as(
            "SELECT room, COUNT(DISTINCT name) AS people FROM presence GROUP BY room
             ORDER BY people DESC, room LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await
    }

    /// One process owns the file (its presence was cleared when it opened): no other node.
    async fn heartbeat(&self, _now: i64, _timeout: i64) -> Result<Vec<Departure>> {
        Ok(Vec::new())
    }
}

/// One process: its own memory knows the running answers (see `assistant::Assistant`), and
/// none outlives it.
#[async_trait::async_trait]
impl super::super::AnswerStore for Sqlite {
    async fn claim_answer(&self, _: &str, _: &str, _: &str, _: i64) -> Result<bool> {
        Ok(true)
    }

    async fn release_answer(&self, _room: &str) -> Result<()> {
        Ok(())
    }

    async fn request_stop(&self, _room: &str, _by: &str) -> Result<Option<String>> {
        Ok(None)
    }

    async fn stop_requested(&self, _room: &str) -> Result<Option<String>> {
        Ok(None)
    }

    async fn orphaned_answers(&self) -> Result<Vec<super::super::Orphan>> {
        Ok(Vec::new())
    }
}
