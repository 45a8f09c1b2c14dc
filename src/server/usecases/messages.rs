//! Messages: posting (and asking the assistant), editing, deleting, reacting, and reading a
//! batch of history.

use super::{now_millis, signed_in, Chat};
use crate::model::{
    validate_body, validate_client_id, validate_emoji, validate_post, Attachment, Message, Quote,
};
use crate::protocol::{
    Backlog, DeleteMessage, EditMessage, Event, ListMessages, Range, ReactMessage, RoomActivity,
    SendMessage, StopAnswer,
};
use crate::server::error::{refuse, AppError};
use crate::server::policy::{self, Action};
use crate::server::store::{NewMessage, Outcome, Posted, RoomRecord};
use crate::server::{assistant, broadcast, metrics};

/// What a message may carry besides its text: the quote of the message it replies to, and files.
#[derive(Default)]
pub(crate) struct Extras {
    pub reply: Option<Quote>,
    pub files: Vec<Attachment>,
}

impl Chat {
    /// Validates and stores a message, then broadcasts it to the room (the sender included).
    /// A retry with a known client id returns the stored message and broadcasts nothing new.
    /// Posting in a room makes the author a member. A message that starts with `@assistant`
    /// also asks the assistant, which answers in the background.
    pub async fn post_message(
        &self,
        author: Option<&str>,
        input: SendMessage,
    ) -> Result<Message, AppError> {
        let author = signed_in(author)?;
        let room = self.record(&input.room, Some(author)).await?;
        validate_client_id(&input.client_id)?;
        // A retry of a message with files finds them attached already: answer it as stored.
        if !input.files.is_empty() {
            if let Some(sent) = self.db.sent(author, &input.client_id).await? {
                return Ok(sent);
            }
        }
        let files = self.unattached(author, &room.slug, &input.files).await?;
        let body = validate_post(&input.body, !files.is_empty())?;
        let reply = match input.reply_to {
            Some(seq) => Some(self.original(&room.slug, seq).await?),
            None => None,
        };
        if let Err(wait) = self.limits.messages.take(author).await {
            // A retry of a message already stored is answered, not refused.
            if let Some(sent) = self.db.sent(author, &input.client_id).await? {
                return Ok(sent);
            }
            return Err(refuse::rate_limited(refuse::Limited::Messages, wait));
        }
        // In a private assistant room every message with words is a question (the assistant
        // reads text: files alone ask nothing).
        let asks = (room.assistant && !body.is_empty()) || assistant::question(&body).is_some();
        let ticket = if asks {
            // A retried question is answered once: give back what was stored.
            if let Some(sent) = self.db.sent(author, &input.client_id).await? {
                return Ok(sent);
            }
            Some(self.assistant.begin(&self.db, &room.slug, author).await?)
        } else {
            None
        };
        let posted = self
            .store_and_announce(
                &room,
                author,
                &body,
                &input.client_id,
                None,
                Extras { reply, files },
            )
            .await;
        match (ticket, &posted) {
            (Some(ticket), Ok((question, true))) => {
                assistant::answer::spawn(self.clone(), room, question.clone(), ticket)
            }
            (Some(_), _) => self.assistant.finish(&self.db, &room.slug).await,
            (None, _) => {}
        }
        Ok(posted?.0)
    }

    /// Stores a message and tells the room (and, about its activity, everyone else who may see
    /// it). True when this call stored it (not a retry).
    pub(crate) async fn store_and_announce(
        &self,
        room: &RoomRecord,
        author: &str,
        body: &str,
        client_id: &str,
        note: Option<&str>,
        Extras { reply, files }: Extras,
    ) -> Result<(Message, bool), AppError> {
        let new = || NewMessage {
            room: &room.slug,
            author,
            body,
            client_id,
            created_at: now_millis(),
            note,
            reply_to: reply.as_ref().map(|quote| quote.seq),
            reply: reply.clone(),
            files: files.clone(),
        };
        // Only people are members; the assistant answers wherever it is asked.
        let people = author != assistant::ASSISTANT;
        let mut posted = self.db.insert_message(new(), people).await?;
        if let Posted::NotMember = posted {
            // Posting in a room makes the author a member (rarely needed: opening the room did).
            let membership = self.membership(room, author).await?;
            self.ensure_member(room, author, membership).await?;
            posted = self.db.insert_message(new(), people).await?;
        }
        let (message, pos) = match posted {
            Posted::Stored(message, pos) => {
                metrics::message("posted");
                (message, pos)
            }
            Posted::Known(message) => return Ok((message, false)),
            // They left again between joining and posting: a race not worth a retry loop.
            Posted::NotMember => return Err(sqlx::Error::RowNotFound.into()),
            // Attached meanwhile by another message of theirs.
            Posted::FilesGone => return Err(refuse::unknown_file()),
        };
        self.announce(&room.slug, pos, Event::Posted { message: message.clone() }).await;
        // The room's own connections learn the same from `room:changed`; its members' other
        // connections count it in their sidebars. Nobody else's sidebar counts anything for a
        // room they are not a member of, so nobody else is told.
        let activity = RoomActivity { room: room.slug.clone(), last_seq: message.seq };
        broadcast::to_followers_but_room(&self.io, &room.slug, &activity).await;
        Ok((message, true))
    }

    /// The quote of the message `seq` of a room, which a new message replies to.
    async fn original(&self, room: &str, seq: i64) -> Result<Quote, AppError> {
        match self.db.message(room, seq).await {
            Ok(original) => Ok(Quote::of(&original)),
            Err(sqlx::Error::RowNotFound) => Err(refuse::unknown_message()),
            Err(error) => Err(error.into()),
        }
    }

    /// Turns the outcome of a change to a message into the reply, announcing it if it happened.
    pub(super) async fn settle(
        &self,
        room: &str,
        outcome: Outcome,
        event: fn(Message) -> Event,
    ) -> Result<Message, AppError> {
        match outcome {
            Outcome::Changed(message, pos) => {
                let event = event(message.clone());
                match event {
                    Event::Edited { .. } => metrics::message("edited"),
                    Event::Deleted { .. } => metrics::message("deleted"),
                    _ => {}
                }
                self.announce(room, pos, event).await;
                Ok(message)
            }
            Outcome::Unchanged(message) => Ok(message),
            Outcome::NotFound => Err(refuse::unknown_message()),
            Outcome::NotAuthor => Err(refuse::not_author()),
            Outcome::Deleted => Err(refuse::message_deleted()),
        }
    }

    /// Replaces the body of the caller's own message.
    pub async fn edit_message(
        &self,
        author: Option<&str>,
        input: EditMessage,
    ) -> Result<Message, AppError> {
        let author = signed_in(author)?;
        let (room, _) = self.enter(&input.room, Some(author), Action::Post).await?;
        let body = validate_body(&input.body)?;
        let outcome =
            self.db.edit_message(&room.slug, input.seq, author, &body, now_millis()).await?;
        self.settle(&room.slug, outcome, |message| Event::Edited { message }).await
    }

    /// Deletes the caller's own message, or as a moderator anyone's, leaving a tombstone.
    pub async fn delete_message(
        &self,
        author: Option<&str>,
        input: DeleteMessage,
    ) -> Result<Message, AppError> {
        let author = signed_in(author)?;
        let (room, _) = self.enter(&input.room, Some(author), Action::Post).await?;
        let (seq, now) = (input.seq, now_millis());
        let mut outcome = self.db.delete_message(&room.slug, seq, Some(author), now).await?;
        // Someone else's message: the policy says whether the caller may delete it anyway.
        let moderated = matches!(outcome, Outcome::NotAuthor);
        if moderated {
            let standing = self.standing(&room, author, Action::DeleteOthers).await?;
            policy::check(&room, Some(author), &standing, Action::DeleteOthers)?;
            outcome = self.db.delete_message(&room.slug, seq, None, now).await?;
        }
        let deleted =
            self.settle(&room.slug, outcome, |message| Event::Deleted { message }).await?;
        if moderated {
            self.log_moderation(author, "delete", Some(&room.slug), &deleted.author).await;
        }
        Ok(deleted)
    }

    /// Adds or removes the caller's reaction on a message.
    pub async fn react(
        &self,
        name: Option<&str>,
        input: ReactMessage,
    ) -> Result<Message, AppError> {
        let name = signed_in(name)?;
        let (room, _) = self.enter(&input.room, Some(name), Action::Post).await?;
        validate_emoji(&input.emoji)?;
        let (seq, emoji, now) = (input.seq, &input.emoji, now_millis());
        let outcome = self.db.react(&room.slug, seq, name, emoji, input.on, now).await?;
        self.settle(&room.slug, outcome, |message| Event::Reacted { message }).await
    }

    /// Stops the answer the assistant is writing in a room, at the request of the person who
    /// asked (what it wrote so far is kept, marked as stopped).
    pub async fn stop_answer(&self, name: Option<&str>, input: StopAnswer) -> Result<(), AppError> {
        let name = signed_in(name)?;
        let (room, _) = self.enter(&input.room, Some(name), Action::Post).await?;
        self.assistant.stop(&self.db, &room.slug, name).await
    }

    /// A batch of a room's messages after or before a position, oldest first.
    pub async fn list_messages(
        &self,
        who: Option<&str>,
        input: ListMessages,
    ) -> Result<Backlog, AppError> {
        let (room, _) = self.enter(&input.room, who, Action::Read).await?;
        match input.range {
            Range::After(after) => {
                let mut messages =
                    self.db.messages_after(&room.slug, after, Backlog::MAX + 1).await?;
                let complete = messages.len() as i64 <= Backlog::MAX;
                messages.truncate(Backlog::MAX as usize);
                Ok(Backlog { messages, complete })
            }
            Range::Before(before) => {
                let messages = self.db.messages_before(&room.slug, before, Backlog::MAX).await?;
                let complete = messages.first().is_none_or(|m| m.seq <= 1);
                Ok(Backlog { messages, complete })
            }
        }
    }
}
