-- The assistant's running answers, one per room: a second question waits on every node, Stop
-- reaches the node writing the answer (which looks for `stop_by`), and when that node dies the
-- others end the answer with a note.
CREATE TABLE answers (
    room       TEXT PRIMARY KEY REFERENCES rooms (slug),
    asker      TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    node       TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    stop_by    TEXT
);
