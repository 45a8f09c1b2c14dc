-- Every change to a room (a message posted, edited, deleted or reacted to; a member joining or
-- leaving) is an entry in the room's change log. `pos` is consecutive from 1 in each room and
-- assigned from `rooms.pos` inside the transaction that makes the change, so a client that has
-- applied everything up to a position can ask for exactly what followed it.

ALTER TABLE rooms ADD COLUMN pos INTEGER NOT NULL DEFAULT 0;

CREATE TABLE changes (
    room TEXT NOT NULL REFERENCES rooms (slug),
    pos  INTEGER NOT NULL,
    -- posted, edited, deleted, reacted (seq names the message); joined, left (name the member)
    kind TEXT NOT NULL,
    seq  INTEGER,
    name TEXT,
    PRIMARY KEY (room, pos)
) WITHOUT ROWID;

-- `rev` is the position of the message's latest change: of two copies, the higher is newer.
-- A deleted message keeps its row (the tombstone) but not its text.
ALTER TABLE messages ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN edited_at INTEGER;
ALTER TABLE messages ADD COLUMN deleted_at INTEGER;

CREATE TABLE reactions (
    room  TEXT NOT NULL,
    seq   INTEGER NOT NULL,
    emoji TEXT NOT NULL,
    name  TEXT NOT NULL,
    at    INTEGER NOT NULL,
    PRIMARY KEY (room, seq, emoji, name),
    FOREIGN KEY (room, seq) REFERENCES messages (room, seq)
);

-- Messages stored before the log existed become its first entries, in their order.
INSERT INTO changes (room, pos, kind, seq, name)
SELECT room, seq, 'posted', seq, NULL FROM messages;
UPDATE messages SET rev = seq;
UPDATE rooms SET pos = (SELECT COALESCE(MAX(seq), 0) FROM messages WHERE messages.room = rooms.slug);
