//! Search in Postgres: the GIN index `messages_search` on `to_tsvector('simple', body)`
//! (migration 0004).

use super::super::{Found, Result, SearchFilter, SearchStore};
use super::Postgres;

#[async_trait::async_trait]
impl SearchStore for Postgres {
    async fn search(&self, reader: Option<&str>, filter: &SearchFilter<'_>) -> Result<Vec<Found>> {
        // Every term a prefix (`'term':*`), all required: terms are letters and digits only, so
        // nothing in them is tsquery syntax.
        let query: Vec<String> = filter.terms.iter().map(|term| format!("'{term}':*")).collect();
        if !filter.room.into_iter().chain(filter.author).all(super::text) {
            return Ok(Vec::new());
        }
        let found: Vec<Found> = sqlx::query_as(
            "SELECT m.id, m.room, r.name AS room_name, m.seq, m.author, m.created_at,
                    m.body AS excerpt
             FROM to_tsquery('simple', $1) AS q (query)
             JOIN messages m ON to_tsvector('simple', m.body) @@ q.query
             JOIN rooms r ON r.slug = m.room
             WHERE m.deleted_at IS NULL
               AND (r.owner IS NULL OR r.owner = $2)
               AND (NOT r.private OR EXISTS
                    (SELECT 1 FROM read_positions p WHERE p.room = r.slug AND p.name = $2))
               AND NOT EXISTS (SELECT 1 FROM bans b WHERE b.room = r.slug AND b.name = $2)
               AND ($3::text IS NULL OR m.room = $3)
               AND ($4::text IS NULL OR lower(m.author) = lower($4))
               AND ($5::bigint IS NULL OR m.created_at >= $5)
               AND ($6::bigint IS NULL OR m.created_at < $6)
               AND ($7::bigint IS NULL OR m.id < $7)
             ORDER BY m.id DESC
             LIMIT $8",
        )
        .bind(query.join(" & "))
        .bind(reader)
        .bind(filter.room)
        .bind(filter.author)
        .bind(filter.since)
        .bind(filter.until)
        .bind(filter.before)
        .bind(filter.limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(found
            .into_iter()
            .map(|f| Found { excerpt: excerpt(&f.excerpt, filter.terms), ..f })
            .collect())
    }
}

/// Words either side of the first match that an excerpt keeps.
const AROUND: usize = 12;

/// The excerpt of `body`: the words starting with a term marked, and about [`AROUND`] words either
/// side of the first one. Made here, not with `ts_headline`: its parser drops whatever looks
/// like an HTML tag, and the excerpt must be the text as written.
fn excerpt(body: &str, terms: &[String]) -> String {
    // Runs of letters and digits (words, as terms are) and what lies between them.
    let mut pieces: Vec<(bool, &str)> = Vec::new();
    let (mut start, mut in_word) = (0, None);
    for (i, c) in body.char_indices() {
        let word = c.is_alphanumeric();
        if let Some(current) = in_word.filter(|current| *current != word) {
            pieces.push((current, &body[start..i]));
            start = i;
        }
        in_word = Some(word);
    }
    if let Some(word) = in_word {
        pieces.push((word, &body[start..]));
    }
    let matches = |text: &str| {
        let lower = text.to_lowercase();
        terms.iter().any(|term| lower.starts_with(term.as_str()))
    };
    let first = pieces.iter().position(|(word, text)| *word && matches(text)).unwrap_or(0);
    // Each word comes with the gap before it: 2 pieces a word.
    let from = first.saturating_sub(AROUND * 2);
    let to = (first + AROUND * 2 + 1).min(pieces.len());
    let mut excerpt = String::new();
    if from > 0 {
        excerpt.push('…');
    }
    for (word, text) in &pieces[from..to] {
        if *word && matches(text) {
            excerpt.extend(['\u{1}'].into_iter().chain(text.chars()).chain(['\u{2}']));
        } else {
            excerpt.push_str(text);
        }
    }
    if to < pieces.len() {
        excerpt.push('…');
    }
    excerpt
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn excerpts_keep_the_text_as_written_and_mark_prefix_matches() {
        let terms = ["rel".to_owned(), "bold".to_owned()];
        assert_eq!(
            excerpt("<b>bold</b> claims about the Release!", &terms),
            "<b>\u{1}bold\u{2}</b> claims about the \u{1}Release\u{2}!"
        );
        let long = format!("{} needle {}", "word ".repeat(40), "word ".repeat(40));
        let cut = excerpt(&long, &["needle".to_owned()]);
        assert!(cut.starts_with('…') && cut.ends_with('…'), "{cut}");
        assert_eq!(cut.matches("word").count(), 2 * super::AROUND, "{cut}");
        assert_eq!(excerpt("no match here", &["zzz".to_owned()]), "no match here");
    }
}
