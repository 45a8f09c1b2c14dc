-- The pictures people chose for themselves on the account page: one each, already cropped square
-- and made small (see `media::avatar`). Without one, `/avatar?name=` draws the initial.
CREATE TABLE avatars (
    name         TEXT PRIMARY KEY NOT NULL REFERENCES users (name),
    content_type TEXT NOT NULL,
    updated_at   INTEGER NOT NULL,
    data         BLOB NOT NULL
);
