-- The pictures people chose for themselves on the account page: one each, already cropped square
-- and made small (see `media::avatar`). Without one, `/avatar?name=` draws the initial.
CREATE TABLE avatars (
    name         TEXT PRIMARY KEY REFERENCES users (name),
    content_type TEXT NOT NULL,
    updated_at   BIGINT NOT NULL,
    data         BYTEA NOT NULL
);
