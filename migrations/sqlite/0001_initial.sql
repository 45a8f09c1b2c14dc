-- Rooms, the ordered message log, and who is online where.

CREATE TABLE rooms (
    slug       TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

INSERT INTO rooms (slug, name, created_at)
VALUES ('lobby', 'Lobby', CAST(strftime('%s', 'now') AS INTEGER) * 1000);

-- `seq` is the message's position in its room's log: consecutive from 1, assigned inside the
-- INSERT that stores the message, so clients can detect gaps. (author, client_id) makes a
-- retried send idempotent.
CREATE TABLE messages (
    id         INTEGER PRIMARY KEY,
    room       TEXT NOT NULL REFERENCES rooms (slug),
    seq        INTEGER NOT NULL,
    author     TEXT NOT NULL,
    body       TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (room, seq),
    UNIQUE (author, client_id)
);

-- One row per socket per room. Kept in the database, not in process memory, so that another
-- node could see it; emptied at start-up because no socket survives a restart.
CREATE TABLE presence (
    socket_id TEXT NOT NULL,
    room      TEXT NOT NULL REFERENCES rooms (slug),
    name      TEXT NOT NULL,
    PRIMARY KEY (socket_id, room)
);

CREATE INDEX presence_by_room ON presence (room, name);
