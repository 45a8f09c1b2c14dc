-- A line shown under a message's body: why an assistant's answer ended early ("Stopped by Ada.",
-- "The assistant's provider took too long to answer.").
ALTER TABLE messages ADD COLUMN note TEXT;
