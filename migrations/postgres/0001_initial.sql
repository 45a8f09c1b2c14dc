-- Parley's schema on Postgres: the same tables as SQLite's migrations end with (see
-- migrations/sqlite), in Postgres's types, plus what several nodes sharing one database need:
-- presence rows tagged with the node that holds the socket, the nodes' heartbeats, and a check
-- that every node signs sessions with the same secret key.

CREATE TABLE rooms (
    slug       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    -- The room's change-log counter: each change takes `pos + 1` under this row's lock, in the
    -- change's own transaction, so positions are consecutive with no holes on every node.
    pos        BIGINT NOT NULL DEFAULT 0,
    -- The room's message counter, taken under the same lock by posting (a statement's snapshot
    -- cannot see a message committed while it waited for the lock; this row it can).
    last_seq   BIGINT NOT NULL DEFAULT 0,
    owner      TEXT,
    assistant  BOOLEAN NOT NULL DEFAULT FALSE,
    private    BOOLEAN NOT NULL DEFAULT FALSE,
    direct     BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE UNIQUE INDEX rooms_by_name ON rooms (lower(name)) WHERE owner IS NULL;
CREATE UNIQUE INDEX rooms_by_assistant_owner ON rooms (owner) WHERE assistant;

INSERT INTO rooms (slug, name, created_at)
VALUES ('lobby', 'Lobby', (extract(epoch FROM now()) * 1000)::BIGINT);

CREATE TABLE messages (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    room       TEXT NOT NULL REFERENCES rooms (slug),
    seq        BIGINT NOT NULL,
    rev        BIGINT NOT NULL,
    author     TEXT NOT NULL,
    body       TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    edited_at  BIGINT,
    deleted_at BIGINT,
    note       TEXT,
    UNIQUE (room, seq),
    UNIQUE (author, client_id)
);

CREATE TABLE changes (
    room TEXT NOT NULL REFERENCES rooms (slug),
    pos  BIGINT NOT NULL,
    kind TEXT NOT NULL,
    seq  BIGINT,
    name TEXT,
    PRIMARY KEY (room, pos)
);

CREATE TABLE reactions (
    room  TEXT NOT NULL,
    seq   BIGINT NOT NULL,
    emoji TEXT NOT NULL,
    name  TEXT NOT NULL,
    at    BIGINT NOT NULL,
    PRIMARY KEY (room, seq, emoji, name),
    FOREIGN KEY (room, seq) REFERENCES messages (room, seq)
);

-- Membership: a member is someone with a read position.
CREATE TABLE read_positions (
    room TEXT NOT NULL REFERENCES rooms (slug),
    name TEXT NOT NULL,
    seq  BIGINT NOT NULL,
    role TEXT NOT NULL DEFAULT 'member',
    PRIMARY KEY (room, name)
);

CREATE TABLE bans (
    room TEXT NOT NULL REFERENCES rooms (slug),
    name TEXT NOT NULL,
    by   TEXT NOT NULL,
    at   BIGINT NOT NULL,
    PRIMARY KEY (room, name)
);

-- The nodes serving this database, each with its last heartbeat (milliseconds). A node whose
-- heartbeat is older than the timeout is dead: the others remove its presence.
CREATE TABLE nodes (
    id      TEXT PRIMARY KEY,
    seen_at BIGINT NOT NULL
);

-- One row per socket and room, tagged with the node that holds the socket.
CREATE TABLE presence (
    socket_id TEXT NOT NULL,
    room      TEXT NOT NULL REFERENCES rooms (slug),
    name      TEXT NOT NULL,
    node      TEXT NOT NULL,
    PRIMARY KEY (socket_id, room)
);
CREATE INDEX presence_by_room ON presence (room, name);
CREATE INDEX presence_by_node ON presence (node);

-- Accounts (`person`: `user` is a reserved word in Postgres).
CREATE TABLE users (
    name          TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    admin         BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_by_name ON users (lower(name));

CREATE TABLE sessions (
    token_hash BYTEA PRIMARY KEY,
    person     TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    seen_at    BIGINT NOT NULL
);
CREATE INDEX sessions_by_person ON sessions (person);

CREATE TABLE api_tokens (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person       TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    label        TEXT NOT NULL,
    token_hash   BYTEA NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_tokens_by_person ON api_tokens (person);

-- Settings every node must agree on: `secret_check`, a keyed hash of a fixed text under the
-- secret key, lets a node started with another key notice before it signs anything.
CREATE TABLE cluster (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
