//! Members, roles, read positions and bans in Postgres.

use super::super::{ChangeKind, MemberStore, Membership, Result, Roster};
use super::{log, next_pos, Postgres};
use crate::model::{Member, Role};

#[async_trait::async_trait]
impl MemberStore for Postgres {
    async fn join(&self, room: &str, name: &str) -> Result<Option<i64>> {
        let mut tx = self.pool.begin().await?;
        let pos = next_pos(&mut tx, room).await?;
        let added = sqlx::query(
            "INSERT INTO read_positions (room, name, seq)
             SELECT $1, $2, last_seq FROM rooms WHERE slug = $1
             ON CONFLICT (room, name) DO NOTHING",
        )
        .bind(room)
        .bind(name)
        .execute(&mut *tx)
        .await?;
        if added.rows_affected() == 0 {
            return Ok(None); // dropping the transaction rolls the position back
        }
        log(&mut tx, room, pos, ChangeKind::Joined, None, Some(name)).await?;
        tx.commit().await?;
        Ok(Some(pos))
    }

    async fn leave(&self, room: &str, name: &str) -> Result<Option<i64>> {
        let mut tx = self.pool.begin().await?;
        let pos = next_pos(&mut tx, room).await?;
        let removed = sqlx::query("DELETE FROM read_positions WHERE room = $1 AND name = $2")
            .bind(room)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        if removed.rows_affected() == 0 {
            return Ok(None);
        }
        log(&mut tx, room, pos, ChangeKind::Left, None, Some(name)).await?;
        tx.commit().await?;
        Ok(Some(pos))
    }

    async fn membership(&self, room: &str, name: &str) -> Result<Membership> {
        let (role, banned, admin): (Option<Role>, bool, bool) = sqlx::query_as(
            "SELECT (SELECT role FROM read_positions WHERE room = $1 AND name = $2),
                    EXISTS (SELECT 1 FROM bans WHERE room = $1 AND name = $2),
                    COALESCE((SELECT admin FROM users WHERE name = $2), false)",
        )
        .bind(room)
        .bind(name)
        .fetch_one(&self.pool)
        .await?;
        Ok(Membership { role, banned, admin })
    }

    async fn members(&self, room: &str) -> Result<Vec<Member>> {
        let rows: Vec<(String, Role)> = sqlx::query_as(
            "SELECT name, role FROM read_positions WHERE room = $1
             ORDER BY CASE role WHEN 'owner' THEN 0 WHEN 'moderator' THEN 1 ELSE 2 END,
                      lower(name)",
        )
        .bind(room)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(name, role)| Member { name, role }).collect())
    }

    async fn roster(&self, room: &str, find: &str, limit: usize) -> Result<Roster> {
        // In the order of the `read_positions_roster` index: the first members of a big room
        // are read from it, not sorted from every row.
        let rows: Vec<(String, Role, i64, i64)> = sqlx::query_as(
            "SELECT name, role,
                    (SELECT COUNT(*) FROM read_positions
                     WHERE room = $1 AND ($2 = '' OR strpos(lower(name), lower($2)) > 0)),
                    (SELECT COUNT(*) FROM read_positions WHERE room = $1)
             FROM read_positions
             WHERE room = $1 AND ($2 = '' OR strpos(lower(name), lower($2)) > 0)
             ORDER BY CASE role WHEN 'owner' THEN 0 WHEN 'moderator' THEN 1 ELSE 2 END,
                      lower(name)
             LIMIT $3",
        )
        .bind(room)
        .bind(find)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        let (matching, total) = match rows.first() {
            Some((_, _, matching, total)) => (*matching as u64, *total as u64),
            // Nobody matches: the room's count alone.
            None => {
                let total: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM read_positions WHERE room = $1")
                        .bind(room)
                        .fetch_one(&self.pool)
                        .await?;
                (0, total as u64)
            }
        };
        let members = rows.into_iter().map(|(name, role, ..)| Member { name, role }).collect();
        Ok(Roster { members, matching, total })
    }

    async fn seen_by(
        &self,
        room: &str,
        seq: i64,
        except: [&str; 2],
        limit: usize,
    ) -> Result<(Vec<(String, i64)>, u64)> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT name, seq,
                    (SELECT COUNT(*) FROM read_positions
                     WHERE room = $1 AND seq >= $2 AND name <> $3 AND name <> $4)
             FROM read_positions
             WHERE room = $1 AND seq >= $2 AND name <> $3 AND name <> $4
             ORDER BY lower(name)
             LIMIT $5",
        )
        .bind(room)
        .bind(seq)
        .bind(except[0])
        .bind(except[1])
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        let count = rows.first().map_or(0, |(_, _, count)| *count as u64);
        Ok((rows.into_iter().map(|(name, seq, _)| (name, seq)).collect(), count))
    }

    async fn set_role(&self, room: &str, name: &str, role: Role) -> Result<bool> {
        let changed =
            sqlx::query("UPDATE read_positions SET role = $1 WHERE room = $2 AND name = $3")
                .bind(role)
                .bind(room)
                .bind(name)
                .execute(&self.pool)
                .await?;
        Ok(changed.rows_affected() > 0)
    }

    async fn ban(&self, room: &str, name: &str, by: &str, at: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO bans (room, name, by, at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(room)
        .bind(name)
        .bind(by)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn unban(&self, room: &str, name: &str) -> Result<bool> {
        let lifted = sqlx::query("DELETE FROM bans WHERE room = $1 AND name = $2")
            .bind(room)
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(lifted.rows_affected() > 0)
    }

    async fn bans(&self, room: &str) -> Result<Vec<String>> {
        sqlx::query_scalar("SELECT name FROM bans WHERE room = $1 ORDER BY lower(name)")
            .bind(room)
            .fetch_all(&self.pool)
            .await
    }

    async fn read_positions(&self, room: &str) -> Result<Vec<(String, i64)>> {
        sqlx::query_as("SELECT name, seq FROM read_positions WHERE room = $1 ORDER BY name")
            .bind(room)
            .fetch_all(&self.pool)
            .await
    }

    async fn rooms_of(&self, name: &str) -> Result<Vec<String>> {
        sqlx::query_scalar("SELECT room FROM read_positions WHERE name = $1 ORDER BY room")
            .bind(name)
            .fetch_all(&self.pool)
            .await
    }

    async fn mark_read(&self, room: &str, name: &str, seq: i64) -> Result<Option<i64>> {
        sqlx::query_scalar(
            "UPDATE read_positions p
             SET seq = GREATEST(p.seq, LEAST($3, r.last_seq))
             FROM rooms r
             WHERE r.slug = $1 AND p.room = $1 AND p.name = $2
             RETURNING p.seq",
        )
        .bind(room)
        .bind(name)
        .bind(seq)
        // To completion, not `fetch_optional`: see *Writes that return rows* in `store/sqlite/mod.rs`.
        .fetch_all(&self.pool)
        .await
        .map(|seqs| seqs.into_iter().next())
    }
}
