//! Accounts, sessions and API tokens in Postgres (the owner column is `person`: `user` is a
//! reserved word there).

use super::super::{
    AccountStore, ApiTokenRecord, Avatar, Result, SessionRecord, SessionStore, TokenStore,
};
use super::Postgres;

#[async_trait::async_trait]
impl AccountStore for Postgres {
    async fn create_user(&self, name: &str, password_hash: &str, created_at: i64) -> Result<bool> {
        let created =
            sqlx::query("INSERT INTO users (name, password_hash, created_at) VALUES ($1, $2, $3)")
                .bind(name)
                .bind(password_hash)
                .bind(created_at)
                .execute(&self.pool)
                .await;
        match created {
            Ok(_) => Ok(true),
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => Ok(false),
            Err(error) => Err(error),
        }
    }

    async fn account(&self, name: &str) -> Result<Option<(String, String)>> {
        sqlx::query_as("SELECT name, password_hash FROM users WHERE lower(name) = lower($1)")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
    }

    async fn user_name(&self, name: &str) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT name FROM users WHERE lower(name) = lower($1)")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
    }

    async fn is_admin(&self, name: &str) -> Result<bool> {
        let admin: Option<bool> = sqlx::query_scalar("SELECT admin FROM users WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        Ok(admin.unwrap_or(false))
    }

    async fn admins(&self) -> Result<Vec<String>> {
        sqlx::query_scalar("SELECT name FROM users WHERE admin ORDER BY name COLLATE \"C\"")
            .fetch_all(&self.pool)
            .await
    }

    async fn set_admin(&self, name: &str, admin: bool) -> Result<Option<String>> {
        sqlx::query_scalar(
            "UPDATE users SET admin = $1 WHERE lower(name) = lower($2) RETURNING name",
        )
        .bind(admin)
        .bind(name.trim())
        // To completion, not `fetch_optional`: see *Writes that return rows* in `store/sqlite/mod.rs`.
        .fetch_all(&self.pool)
        .await
        .map(|names| names.into_iter().next())
    }

    async fn close_account(&self, name: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE person = $1").bind(name).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM api_tokens WHERE person = $1")
            .bind(name)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE users SET password_hash = '', admin = FALSE WHERE name = $1")
            .bind(name)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM avatars WHERE name = $1").bind(name).execute(&mut *tx).await?;
        tx.commit().await
    }

    async fn avatar(&self, name: &str) -> Result<Option<Avatar>> {
        sqlx::query_as("SELECT content_type, updated_at, data FROM avatars WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
    }

    async fn avatar_set_at(&self, name: &str) -> Result<Option<i64>> {
        sqlx::query_scalar("SELECT updated_at FROM avatars WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
    }

    async fn set_avatar(&self, name: &str, avatar: Option<&Avatar>) -> Result<()> {
        let Some(avatar) = avatar else {
            sqlx::query("DELETE FROM avatars WHERE name = $1")
                .bind(name)
                .execute(&self.pool)
                .await?;
            return Ok(());
        };
        sqlx::query(
            "INSERT INTO avatars (name, content_type, updated_at, data) VALUES ($1, $2, $3, $4)
             ON CONFLICT (name) DO UPDATE
             SET content_type = excluded.content_type, updated_at = excluded.updated_at,
                 data = excluded.data",
        )
        .bind(name)
        .bind(&avatar.content_type)
        .bind(avatar.updated_at)
        .bind(&avatar.data)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl SessionStore for Postgres {
    async fn start_session(&self, token_hash: &[u8], user: &str, now: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, person, created_at, seen_at) VALUES ($1, $2, $3, $3)",
        )
        .bind(token_hash)
        .bind(user)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn session(&self, token_hash: &[u8]) -> Result<Option<SessionRecord>> {
        sqlx::query_as(
            "SELECT s.person AS \"user\", u.admin, s.seen_at
             FROM sessions s JOIN users u ON u.name = s.person
             WHERE s.token_hash = $1",
        )
        .bind(token_hash)
        // To completion, not `fetch_optional`: see *Writes that return rows* in `store/sqlite/mod.rs`.
        .fetch_all(&self.pool)
        .await
        .map(|rows| rows.into_iter().next())
    }

    async fn touch_session(&self, token_hash: &[u8], now: i64) -> Result<()> {
        sqlx::query("UPDATE sessions SET seen_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn end_session(&self, token_hash: &[u8]) -> Result<bool> {
        let ended = sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(ended.rows_affected() > 0)
    }
}

#[async_trait::async_trait]
impl TokenStore for Postgres {
    async fn live_tokens(&self, owner: &str) -> Result<i64> {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM api_tokens WHERE person = $1 AND revoked_at IS NULL",
        )
        .bind(owner)
        .fetch_one(&self.pool)
        .await
    }

    async fn create_token(
        &self,
        owner: &str,
        label: &str,
        token_hash: &[u8],
        created_at: i64,
    ) -> Result<ApiTokenRecord> {
        sqlx::query_as(
            "INSERT INTO api_tokens (person, label, token_hash, created_at) VALUES ($1, $2, $3, $4)
             RETURNING id, label, created_at, last_used_at, revoked_at",
        )
        .bind(owner)
        .bind(label)
        .bind(token_hash)
        .bind(created_at)
        // To completion, not `fetch_one`: see *Writes that return rows* in `store/sqlite/mod.rs`.
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .next()
        .ok_or(sqlx::Error::RowNotFound)
    }

    async fn tokens(&self, owner: &str) -> Result<Vec<ApiTokenRecord>> {
        sqlx::query_as(
            "SELECT id, label, created_at, last_used_at, revoked_at FROM api_tokens
             WHERE person = $1 ORDER BY id DESC",
        )
        .bind(owner)
        .fetch_all(&self.pool)
        .await
    }

    async fn revoke_token(&self, owner: &str, id: i64, at: i64) -> Result<bool> {
        let revoked = sqlx::query(
            "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1)
             WHERE id = $2 AND person = $3",
        )
        .bind(at)
        .bind(id)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(revoked.rows_affected() > 0)
    }

    async fn use_token(&self, token_hash: &[u8], at: i64) -> Result<Option<(i64, String)>> {
        sqlx::query_as(
            "UPDATE api_tokens SET last_used_at = $1
             WHERE token_hash = $2 AND revoked_at IS NULL RETURNING id, person",
        )
        .bind(at)
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
    }
}
