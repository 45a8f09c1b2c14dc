-- Files attached to messages, kept in the database itself: every node reads them where it reads
-- the messages, and a backup holds both. A file is uploaded first (`message_id` NULL, visible to
-- its uploader only) and attached when the message that carries it is posted.
CREATE TABLE files (
    id           TEXT PRIMARY KEY,              -- 32 random hex digits
    room         TEXT NOT NULL REFERENCES rooms (slug) ON DELETE CASCADE,
    uploader     TEXT NOT NULL,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,                 -- told by the content, never by the name
    size         BIGINT NOT NULL,
    width        BIGINT,                        -- pictures only, upright
    height       BIGINT,
    created_at   BIGINT NOT NULL,
    message_id   BIGINT REFERENCES messages (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL DEFAULT 0,
    -- Deleted with its message: the bytes go, the row stays an hour for the upload allowance.
    erased_at    BIGINT,
    -- The bytes last, as in SQLite's table (where it matters: SQLite reads a row's columns in
    -- order, through a large value's overflow pages; Postgres keeps large values aside).
    data         BYTEA NOT NULL,
    thumb        BYTEA                           -- pictures only: a JPEG or PNG preview
);
CREATE INDEX files_by_message ON files (message_id, position);
CREATE INDEX files_by_uploader ON files (uploader, created_at);
-- Forgetting unattached and erased files finds them without reading every row.
CREATE INDEX files_to_forget ON files (created_at) WHERE message_id IS NULL OR erased_at IS NOT NULL;
