-- A room page lists the first members in this order (owners, moderators, the rest, by name):
-- read from the index, the first hundred of a room of thousands cost a hundred rows, not a sort
-- of every member. The expressions are the roster query's `ORDER BY`, exactly.
CREATE INDEX read_positions_roster ON read_positions (
    room,
    CASE role WHEN 'owner' THEN 0 WHEN 'moderator' THEN 1 ELSE 2 END,
    name COLLATE NOCASE
);
