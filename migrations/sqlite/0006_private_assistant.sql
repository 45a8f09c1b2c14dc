-- A private conversation with the assistant, one per person: a room only its owner can see,
-- where every message is a question. Public rooms have no owner.
ALTER TABLE rooms ADD COLUMN owner TEXT;
ALTER TABLE rooms ADD COLUMN assistant INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX rooms_by_assistant_owner ON rooms (owner) WHERE assistant = 1;

-- Names stay unique among public rooms only: every private conversation is called the same.
DROP INDEX rooms_by_name;
CREATE UNIQUE INDEX rooms_by_name ON rooms (name COLLATE NOCASE) WHERE owner IS NULL;
