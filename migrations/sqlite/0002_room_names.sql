-- Rooms are created by people: remember who, and keep names unique without regard to case.
ALTER TABLE rooms ADD COLUMN created_by TEXT;
CREATE UNIQUE INDEX rooms_by_name ON rooms (name COLLATE NOCASE);
