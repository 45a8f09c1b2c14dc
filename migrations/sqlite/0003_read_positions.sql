-- How far each person has read in each room: unread counts and the "new messages" divider.
CREATE TABLE read_positions (
    room TEXT NOT NULL REFERENCES rooms (slug),
    name TEXT NOT NULL,
    seq  INTEGER NOT NULL,
    PRIMARY KEY (room, name)
);
