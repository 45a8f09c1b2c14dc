//! Search in SQLite: the FTS5 index `messages_search` (migration 0010).

use super::super::{Found, Result, SearchFilter, SearchStore};
use super::Sqlite;

#[async_trait::async_trait]
impl SearchStore for Sqlite {
    async fn search(&self, reader: Option<&str>, filter: &SearchFilter<'_>) -> Result<Vec<Found>> {
        // Every term a quoted prefix: terms are letters and digits only, so nothing in them is
        // FTS5 syntax.
        let query: Vec<String> = filter.terms.iter().map(|term| format!("\"{term}\"*")).collect();
        sqlx::query_as(
            "SELECT m.id, m.room, r.name AS room_name, m.seq, m.author, m.created_at,
                    snippet(messages_search, 0, char(1), char(2), '…', 24) AS excerpt
             FROM messages_search
             JOIN messages m ON m.id = messages_search.rowid
             JOIN rooms r ON r.slug = m.room
             WHERE messages_search MATCH ?1
               AND m.deleted_at IS NULL
               AND (r.owner IS NULL OR r.owner = ?2)
               AND (r.private = 0 OR EXISTS
                    (SELECT 1 FROM read_positions p WHERE p.room = r.slug AND p.name = ?2))
               AND NOT EXISTS (SELECT 1 FROM bans b WHERE b.room = r.slug AND b.name = ?2)
               AND (?3 IS NULL OR m.room = ?3)
               AND (?4 IS NULL OR m.author = ?4 COLLATE NOCASE)
               AND (?5 IS NULL OR m.created_at >= ?5)
               AND (?6 IS NULL OR m.created_at < ?6)
               AND (?7 IS NULL OR m.id < ?7)
             ORDER BY m.id DESC
             LIMIT ?8",
        )
        .bind(query.join(" "))
        .bind(reader)
        .bind(filter.room)
        .bind(filter.author)
        .bind(filter.since)
        .bind(filter.until)
        .bind(filter.before)
        .bind(filter.limit)
        .fetch_all(&self.pool)
        .await
    }
}
