-- What moderators and server admins did, for the admin page's "recent moderation actions":
-- kicks, bans, unbans, roles given, others' messages deleted, and admin rights granted or taken
-- back. `room` is the room's slug, or NULL for what is not about one room.
CREATE TABLE moderation_log (
    id     INTEGER PRIMARY KEY,
    at     INTEGER NOT NULL,
    by     TEXT NOT NULL,
    action TEXT NOT NULL,
    room   TEXT,
    target TEXT NOT NULL
);
