//! Presence in Postgres: one row per socket and room, tagged with the node holding the socket.
//! Nodes beat a heartbeat; a node silent past the timeout is dead, and whichever node notices
//! first removes its rows (the `DELETE … RETURNING` hands each row to one node only, so each
//! departure is announced once).

use super::super::{Departure, PresenceStore, Result};
use super::Postgres;
use crate::protocol::Online;

#[async_trait::async_trait]
impl PresenceStore for Postgres {
    async fn add_presence(&self, socket_id: &str, room: &str, name: &str) -> Result<bool> {
        sqlx::query(
            "INSERT INTO presence (socket_id, room, name, node) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING",
        )
        .bind(socket_id)
        .bind(room)
        .bind(name)
        .bind(&self.node)
        .execute(&self.pool)
        .await?;
        let sockets: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM presence WHERE room = $1 AND name = $2")
                .bind(room)
                .bind(name)
                .fetch_one(&self.pool)
                .await?;
        Ok(sockets == 1)
    }

    async fn is_present(&self, socket_id: &str, room: &str) -> Result<bool> {
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM presence WHERE socket_id = $1 AND room = $2)",
        )
        .bind(socket_id)
        .bind(room)
        .fetch_one(&self.pool)
        .await
    }

    async fn remove_presence(&self, socket_id: &str, room: Option<&str>) -> Result<Vec<Departure>> {
        let left: Vec<(String, String)> = sqlx::query_as(
            "DELETE FROM presence WHERE socket_id = $1 AND ($2::TEXT IS NULL OR room = $2)
             RETURNING room, name",
        )
        .bind(socket_id)
        .bind(room)
        .fetch_all(&self.pool)
        .await?;
        self.departures(left).await
    }

    async fn remove_presence_of(&self, room: &str, name: &str) -> Result<bool> {
        let removed = sqlx::query("DELETE FROM presence WHERE room = $1 AND name = $2")
            .bind(room)
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(removed.rows_affected() > 0)
    }

    async fn online(&self, room: &str, limit: usize) -> Result<Online> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT name, COUNT(*) OVER ()
             FROM (SELECT DISTINCT name COLLATE \"C\" AS name FROM presence WHERE room = $1) AS p
             ORDER BY 1 LIMIT $2",
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
            sqlx::query_scalar("SELECT COUNT(DISTINCT name) FROM presence WHERE room = $1")
                .bind(room)
                .fetch_one(&self.pool)
                .await?;
        Ok(count as u64)
    }

    async fn rooms_present(&self, name: &str) -> Result<i64> {
        sqlx::query_scalar("SELECT COUNT(DISTINCT room) FROM presence WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await
    }

    async fn direct_peers(&self, name: &str) -> Result<Vec<(String, bool)>> {
        sqlx::query_as(
            "SELECT peer.name, EXISTS (SELECT 1 FROM presence WHERE presence.name = peer.name)
             FROM read_positions me
             JOIN rooms r ON r.slug = me.room AND r.direct
             JOIN read_positions peer ON peer.room = me.room AND peer.name <> me.name
             WHERE me.name = $1",
        )
        .bind(name)
        .fetch_all(&self.pool)
        .await
    }

    async fn busiest_rooms(&self, limit: i64) -> Result<Vec<(String, i64)>> {
        sqlx::query_as(
            "SELECT room, COUNT(DISTINCT name) AS people FROM presence GROUP BY room
             ORDER BY people DESC, room COLLATE \"C\" LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await
    }

    async fn heartbeat(&self, now: i64, timeout: i64) -> Result<Vec<Departure>> {
        sqlx::query(
            "INSERT INTO nodes (id, seen_at) VALUES ($1, $2)
             ON CONFLICT (id) DO UPDATE SET seen_at = EXCLUDED.seen_at",
        )
        .bind(&self.node)
        .bind(now)
        .execute(&self.pool)
        .await?;
        let left: Vec<(String, String)> = sqlx::query_as(
            "WITH dead AS (DELETE FROM nodes WHERE seen_at < $1 RETURNING id)
             DELETE FROM presence WHERE node IN (SELECT id FROM dead) RETURNING room, name",
        )
        .bind(now - timeout)
        .fetch_all(&self.pool)
        .await?;
        if !left.is_empty() {
            tracing::info!(
                "removed {} presence row(s) of nodes silent for {timeout} ms",
                left.len()
            );
        }
        self.departures(left).await
    }
}

impl Postgres {
    /// Each person and room removed rows were for, and whether the person is now gone from it.
    async fn departures(&self, mut left: Vec<(String, String)>) -> Result<Vec<Departure>> {
        left.sort();
        left.dedup();
        let mut departures = Vec::with_capacity(left.len());
        for (room, name) in left {
            let remaining: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM presence WHERE room = $1 AND name = $2")
                    .bind(&room)
                    .bind(&name)
                    .fetch_one(&self.pool)
                    .await?;
            departures.push(Departure { room, name, last: remaining == 0 });
        }
        Ok(departures)
    }
}

#[async_trait::async_trait]
impl super::super::AnswerStore for Postgres {
    async fn claim_answer(
        &self,
        room: &str,
        asker: &str,
        client_id: &str,
        at: i64,
    ) -> Result<bool> {
        let claimed = sqlx::query(
            "INSERT INTO answers (room, asker, client_id, node, started_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(room)
        .bind(asker)
        .bind(client_id)
        .bind(&self.node)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(claimed.rows_affected() == 1)
    }

    async fn release_answer(&self, room: &str) -> Result<()> {
        sqlx::query("DELETE FROM answers WHERE room = $1 AND node = $2")
            .bind(room)
            .bind(&self.node)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn request_stop(&self, room: &str, by: &str) -> Result<Option<String>> {
        sqlx::query_scalar(
            "UPDATE answers SET stop_by = CASE WHEN asker = $2 THEN $2 ELSE stop_by END
             WHERE room = $1 RETURNING asker",
        )
        .bind(room)
        .bind(by)
        // To completion, not `fetch_optional`: see *Writes that return rows* in `store/sqlite/mod.rs`.
        .fetch_all(&self.pool)
        .await
        .map(|askers| askers.into_iter().next())
    }

    async fn stop_requested(&self, room: &str) -> Result<Option<String>> {
        let by: Option<Option<String>> =
            sqlx::query_scalar("SELECT stop_by FROM answers WHERE room = $1")
                .bind(room)
                .fetch_optional(&self.pool)
                .await?;
        Ok(by.flatten())
    }

    async fn orphaned_answers(&self) -> Result<Vec<super::super::Orphan>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "DELETE FROM answers WHERE node NOT IN (SELECT id FROM nodes)
             RETURNING room, client_id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(room, client_id)| super::super::Orphan { room, client_id })
            .collect())
    }
}
