//! Search: the messages a person can see that contain every word asked for.

use super::Chat;
use crate::protocol::{fragments, Search, SearchHit, SearchResults};
use crate::server::error::AppError;
use crate::server::store::SearchFilter;

impl Chat {
    /// One page of results, newest first. A guest searches the public rooms; a person also
    /// their private rooms and direct conversations; nobody a room they are banned from.
    pub async fn search(
        &self,
        reader: Option<&str>,
        search: &Search,
    ) -> Result<SearchResults, AppError> {
        let terms = search.terms()?;
        // A malformed day or cursor is refused even when there is no word to look for.
        let (since, until) = search.span()?;
        if terms.is_empty() {
            return Ok(SearchResults { hits: Vec::new(), next: None });
        }
        let filter = SearchFilter {
            terms: &terms,
            room: search.room.as_deref(),
            author: search.author.as_deref().map(str::trim),
            since,
            until,
            before: search.before,
            // One more than a page: whether another follows.
            limit: Search::PAGE + 1,
        };
        let mut found = self.db.search(reader, &filter).await?;
        let next = (found.len() as i64 > Search::PAGE).then(|| {
            found.truncate(Search::PAGE as usize);
            found.last().map(|last| last.id)
        });
        let hits = found
            .into_iter()
            .map(|f| SearchHit {
                id: f.id,
                room: f.room,
                room_name: f.room_name,
                seq: f.seq,
                author: f.author,
                created_at: f.created_at,
                excerpt: fragments(&f.excerpt),
            })
            .collect();
        Ok(SearchResults { hits, next: next.flatten() })
    }
}
