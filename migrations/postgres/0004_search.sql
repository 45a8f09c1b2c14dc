-- Full-text search over message bodies: a GIN index on their `tsvector` under the 'simple'
-- configuration (no stemming, no stop words: every language alike, as SQLite's index does). An
-- edit or a deletion (the body emptied) updates it with the row.
CREATE INDEX messages_search ON messages USING GIN (to_tsvector('simple', body));
