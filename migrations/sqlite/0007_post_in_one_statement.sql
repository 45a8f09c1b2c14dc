-- Posting a message is one statement (one round trip to SQLite's worker thread instead of six):
-- the INSERT takes the room's next position as the message's `rev`, and this trigger, which runs
-- inside that same statement and so under the same write lock, advances the room's counter, logs
-- the change and moves the author's read position (the author has read their own message; the
-- assistant has no read position, so nothing moves for it). Positions stay consecutive.
CREATE TRIGGER message_posted AFTER INSERT ON messages
BEGIN
    UPDATE rooms SET pos = NEW.rev WHERE slug = NEW.room;
    INSERT INTO changes (room, pos, kind, seq) VALUES (NEW.room, NEW.rev, 'posted', NEW.seq);
    UPDATE read_positions SET seq = MAX(seq, NEW.seq) WHERE room = NEW.room AND name = NEW.author;
END;
