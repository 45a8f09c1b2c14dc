-- Accounts and sessions. A person's account name is the name their messages, reactions, read
-- positions and memberships already carry (compared without regard to ASCII case), so the tables
-- before this one keep their shape. Names used before accounts existed belong to nobody until
-- someone signs up with them.
CREATE TABLE users (
    name          TEXT PRIMARY KEY NOT NULL,
    -- Argon2id, in the PHC string format (algorithm, parameters and salt included).
    password_hash TEXT NOT NULL,
    -- A server admin moderates every room (granted with `parley admin grant NAME`).
    admin         INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_by_name ON users (name COLLATE NOCASE);

-- A signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so the
-- table alone does not let anyone in. `seen_at` moves (at most once a minute) with use: a session
-- unused for the configured idle time is over.
CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY NOT NULL,
    user       TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    seen_at    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_user ON sessions (user);

-- Personal API tokens for the REST API (`/api/v1`), stored hashed like sessions. A revoked token
-- keeps its row so that its owner's list can show it was revoked.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user         TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    label        TEXT NOT NULL,
    token_hash   BLOB NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_tokens_by_user ON api_tokens (user);

-- Private rooms (`private = 1`) are seen only by their members, who join by invitation; a direct
-- conversation (`direct = 1`) is a private room of exactly two people, created on first use.
-- `read_positions` is the membership table: a member's role is owner, moderator or member.
ALTER TABLE rooms ADD COLUMN private INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rooms ADD COLUMN direct INTEGER NOT NULL DEFAULT 0;
ALTER TABLE read_positions ADD COLUMN role TEXT NOT NULL DEFAULT 'member';

-- People banned from a room: they cannot open, read or post in it until unbanned.
CREATE TABLE bans (
    room   TEXT NOT NULL REFERENCES rooms (slug),
    name   TEXT NOT NULL,
    by     TEXT NOT NULL,
    at     INTEGER NOT NULL,
    PRIMARY KEY (room, name)
) WITHOUT ROWID;
