-- Presence by person: whether someone is online anywhere (the dots of direct conversations in
-- the sidebar) and the people someone has direct conversations with (told when they come and go).
CREATE INDEX presence_by_name ON presence (name);
CREATE INDEX read_positions_by_name ON read_positions (name);
