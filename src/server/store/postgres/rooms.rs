//! Rooms in Postgres.

use super::super::{rooms::direct_slug, ChangeKind, Result, RoomRecord, RoomStore};
use super::{log, Postgres};
use crate::model::{Room, RoomEntry};

const ROOM: &str = "SELECT slug, name, owner, assistant, private, direct FROM rooms";

#[async_trait::async_trait]
impl RoomStore for Postgres {
    async fn room(&self, slug: &str) -> Result<Option<RoomRecord>> {
        if !super::text(slug) {
            return Ok(None);
        }
        sqlx::query_as(&format!("{ROOM} WHERE slug = $1"))
            .bind(slug)
            .fetch_optional(&self.pool)
            .await
    }

    async fn assistant_room(&self, owner: &str, created_at: i64) -> Result<RoomRecord> {
        let find = format!("{ROOM} WHERE owner = $1 AND assistant");
        if let Some(room) = sqlx::query_as(&find).bind(owner).fetch_optional(&self.pool).await? {
            return Ok(room);
        }
        let slug = format!("assistant-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        sqlx::query(
            "INSERT INTO rooms (slug, name, created_by, created_at, owner, assistant)
             VALUES ($1, 'Private assistant', $2, $3, $2, TRUE) ON CONFLICT DO NOTHING",
        )
        .bind(&slug)
        .bind(owner)
        .bind(created_at)
        .execute(&self.pool)
        .await?;
        // Two first uses at once: whichever insert won is the room.
        sqlx::query_as(&find).bind(owner).fetch_one(&self.pool).await
    }

    async fn room_entries(&self, reader: Option<&str>) -> Result<Vec<RoomEntry>> {
        sqlx::query_as(
            "SELECT r.slug, r.name, r.last_seq, COALESCE(p.seq, r.last_seq) AS read_seq,
                    p.seq IS NOT NULL AS joined, r.direct
             FROM rooms r
             LEFT JOIN read_positions p ON p.room = r.slug AND p.name = $1
             WHERE (r.owner IS NULL OR r.owner = $1) AND (NOT r.private OR p.name IS NOT NULL)
             ORDER BY r.owner IS NOT NULL, lower(r.name)",
        )
        .bind(reader)
        .fetch_all(&self.pool)
        .await
    }

    async fn create_room(
        &self,
        room: &Room,
        created_by: &str,
        created_at: i64,
        private: bool,
    ) -> Result<Option<Room>> {
        let mut tx = self.pool.begin().await?;
        let created = sqlx::query(
            "INSERT INTO rooms (slug, name, created_by, created_at, private, pos)
             VALUES ($1, $2, $3, $4, $5, 1)",
        )
        .bind(&room.slug)
        .bind(&room.name)
        .bind(created_by)
        .bind(created_at)
        .bind(private)
        .execute(&mut *tx)
        .await;
        match created {
            Ok(_) => {}
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => return Ok(None),
            Err(error) => return Err(error),
        }
        sqlx::query(
            "INSERT INTO read_positions (room, name, seq, role) VALUES ($1, $2, 0, 'owner')",
        )
        .bind(&room.slug)
        .bind(created_by)
        .execute(&mut *tx)
        .await?;
        log(&mut tx, &room.slug, 1, ChangeKind::Joined, None, Some(created_by)).await?;
        tx.commit().await?;
        Ok(Some(room.clone()))
    }

    async fn direct_room(&self, a: &str, b: &str, created_at: i64) -> Result<RoomRecord> {
        let (slug, [first, second]) = direct_slug(a, b);
        let mut tx = self.pool.begin().await?;
        let created = sqlx::query(
            "INSERT INTO rooms (slug, name, created_by, created_at, private, direct, pos)
             VALUES ($1, $2, $3, $4, TRUE, TRUE, 2) ON CONFLICT DO NOTHING",
        )
        .bind(&slug)
        .bind(format!("{first} & {second}"))
        .bind(a)
        .bind(created_at)
        .execute(&mut *tx)
        .await?;
        if created.rows_affected() == 1 {
            for (pos, name) in [(1, &first), (2, &second)] {
                sqlx::query("INSERT INTO read_positions (room, name, seq) VALUES ($1, $2, 0)")
                    .bind(&slug)
                    .bind(name)
                    .execute(&mut *tx)
                    .await?;
                log(&mut tx, &slug, pos, ChangeKind::Joined, None, Some(name)).await?;
            }
        }
        tx.commit().await?;
        self.room(&slug).await?.ok_or(sqlx::Error::RowNotFound)
    }

    async fn room_pos(&self, room: &str) -> Result<i64> {
        sqlx::query_scalar("SELECT pos FROM rooms WHERE slug = $1")
            .bind(room)
            .fetch_one(&self.pool)
            .await
    }

    async fn room_positions(&self, room: &str) -> Result<(i64, i64)> {
        sqlx::query_as("SELECT pos, last_seq FROM rooms WHERE slug = $1")
            .bind(room)
            .fetch_one(&self.pool)
            .await
    }
}
