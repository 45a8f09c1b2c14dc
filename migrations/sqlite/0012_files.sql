-- Files attached to messages, kept in the database itself: every node that can read the messages
-- can read their files, and a backup holds both. A file is uploaded first (`message_id` NULL,
-- visible to its uploader only) and attached when the message that carries it is posted.
CREATE TABLE files (
    id           TEXT PRIMARY KEY,              -- 32 random hex digits
    room         TEXT NOT NULL REFERENCES rooms (slug) ON DELETE CASCADE,
    uploader     TEXT NOT NULL,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,                 -- told by the content, never by the name
    size         INTEGER NOT NULL,
    width        INTEGER,                       -- pictures only, upright
    height       INTEGER,
    created_at   INTEGER NOT NULL,
    message_id   INTEGER REFERENCES messages (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL DEFAULT 0,
    -- Deleted with its message: the bytes go, the row stays an hour for the upload allowance.
    erased_at    INTEGER,
    -- The bytes last: SQLite reads a row's columns in order, through the overflow pages of a
    -- large value, so every column read without them must come before them.
    data         BLOB NOT NULL,
    thumb        BLOB                           -- pictures only: a JPEG or PNG preview
);
CREATE INDEX files_by_message ON files (message_id, position);
-- The hourly upload allowance sums a person's recent uploads.
CREATE INDEX files_by_uploader ON files (uploader, created_at);
-- Forgetting unattached and erased files finds them without reading every row.
CREATE INDEX files_to_forget ON files (created_at) WHERE message_id IS NULL OR erased_at IS NOT NULL;
