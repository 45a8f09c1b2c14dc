-- Replies: the seq of the message (in the same room) that a message answers.
ALTER TABLE messages ADD COLUMN reply_to INTEGER;
