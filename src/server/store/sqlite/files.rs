//! Files in Sqlite.

use super::super::files::{FileRecord, FileRow, FileStore, NewFile, FILE};
use super::super::Result;
use super::Sqlite;

#[async_trait::async_trait]
impl FileStore for Sqlite {
    async fn insert_file(&self, new: NewFile<'_>) -> Result<()> {
        let file = new.attachment;
        sqlx::query(
            "INSERT INTO files (id, room, uploader, name, content_type, size, width, height, data,
                                thumb, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&file.id)
        .bind(new.room)
        .bind(new.uploader)
        .bind(&file.name)
        .bind(&file.content_type)
        .bind(file.size)
        .bind(file.width)
        .bind(file.height)
        .bind(new.data)
        .bind(new.thumb)
        .bind(new.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn uploaded_since(&self, uploader: &str, since: i64) -> Result<i64> {
        sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM files
             WHERE uploader = ? AND created_at >= ?",
        )
        .bind(uploader)
        .bind(since)
        .fetch_one(&self.pool)
        .await
    }

    async fn file(&self, id: &str) -> Result<Option<FileRecord>> {
        let row: Option<FileRow> =
            sqlx::query_as(&format!("{FILE} WHERE id = ? AND erased_at IS NULL"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(FileRecord::from))
    }

    async fn file_bytes(&self, id: &str, thumb: bool) -> Result<Option<Vec<u8>>> {
        let column = if thumb { "thumb" } else { "data" };
        let bytes: Option<Option<Vec<u8>>> = sqlx::query_scalar(&format!(
            "SELECT {column} FROM files WHERE id = ? AND erased_at IS NULL"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(bytes.flatten())
    }

    async fn forget_files(&self, before: i64) -> Result<u64> {
        let done = sqlx::query(
            "DELETE FROM files
             WHERE created_at < ? AND (message_id IS NULL OR erased_at IS NOT NULL)",
        )
        .bind(before)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}
