//! The use cases. Socket handlers, server functions (the no-JavaScript forms) and, later, the REST
//! API all call these, so a message posted through a form is validated, stored and broadcast
//! exactly like one sent over the socket.

use super::assistant::{self, Assistant, Ticket, ASSISTANT};
use super::{
    accounts::AuthSettings,
    error::AppError,
    limits::{seconds, Limiters},
    store,
    store::RoomRecord,
};
use crate::api::{Cursor, RoomPage};
use crate::model::{
    validate_body, validate_client_id, validate_emoji, validate_room_name, Message, Role, Room,
    RoomEntry, LOBBY, MAX_ROOM_CHARS,
};
use crate::protocol::{
    AnswerChunk, Backlog, Broadcast, Change, Changes, CloseRoom, CreateRoom, DeleteMessage,
    EditMessage, ErrorCode, Event, JoinRoom, Joined, LeaveRoom, ListMessages, MarkRead, MemberRead,
    PresenceUpdated, ProtocolError, Range, ReactMessage, RoomActivity, RoomCreated, SendMessage,
    SetTyping, StopAnswer, SyncRoom, TypingUpdated,
};
use socketioxide::{
    extract::SocketRef, operators::BroadcastOperators, BroadcastError, SocketError, SocketIo,
};
use sqlx::SqlitePool;

/// How many of the latest messages a room page renders.
pub const PAGE_MESSAGES: i64 = 50;

/// What every use case needs: the database, the socket.io server to broadcast through, and the
/// assistant.
#[derive(Clone)]
pub struct Chat {
    pub pool: SqlitePool,
    pub rooms: store::Rooms,
    pub limits: Limiters,
    pub io: SocketIo,
    pub assistant: Assistant,
    pub auth: AuthSettings,
}

/// The socket.io room that carries a chat room's broadcasts.
pub(super) fn channel(room: &str) -> String {
    format!("room:{room}")
}

pub(super) fn unknown_room(slug: &str) -> AppError {
    ProtocolError::new(ErrorCode::UnknownRoom, format!("There is no room called {slug:?}.")).into()
}

fn banned_from(room: &RoomRecord) -> AppError {
    let why = format!("You are banned from {}.", room.name);
    ProtocolError::new(ErrorCode::Forbidden, why).into()
}

pub fn not_signed_in() -> ProtocolError {
    ProtocolError::new(ErrorCode::NotSignedIn, "Sign in to take part.")
}

/// Sends an event to the connections `to` selects. `None` (the server is shutting down and its
/// namespace is gone) sends nothing.
pub(super) async fn broadcast<B: Broadcast>(to: Option<BroadcastOperators>, event: &B) {
    let Some(to) = to else { return };
    match to.emit(B::NAME, event).await {
        Ok(()) => {}
        // Some receivers were closing or had a full queue. Nothing is lost: they notice the gap
        // in positions (or rejoin) and fetch what they missed.
        Err(BroadcastError::Socket(failures)) => {
            let full =
                failures.iter().filter(|f| matches!(f, SocketError::InternalChannelFull)).count();
            if full > 0 {
                tracing::warn!(
                    "{}: {full} receiver queue(s) full, broadcast dropped for them",
                    B::NAME
                );
            }
        }
        Err(error) => tracing::error!("broadcast of {} failed: {error}", B::NAME),
    }
}

impl Chat {
    /// Every connection, to narrow down. `None` once the server has closed its namespace while
    /// shutting down (socketioxide's `io.to` panics then): work still finishing tells nobody.
    pub(super) fn everyone(&self) -> Option<BroadcastOperators> {
        self.io.of("/")
    }

    /// The room `slug` as far as its record tells `who` may see it (a conversation with the
    /// assistant is its owner's only; to anyone else it does not exist). Enough before posting,
    /// whose statement checks membership itself; everything else uses [`Chat::existing_room`].
    async fn room_record(&self, slug: &str, who: Option<&str>) -> Result<RoomRecord, AppError> {
        let found = if slug.len() <= MAX_ROOM_CHARS {
            self.rooms.get(&self.pool, slug).await?
        } else {
            None
        };
        found.filter(|room| room.visible_to(who)).ok_or_else(|| unknown_room(slug))
    }

    /// The room `slug`, if it exists and `who` may see it: a private room only its members
    /// (to anyone else it does not exist), no room someone banned from it.
    pub(super) async fn existing_room(
        &self,
        slug: &str,
        who: Option<&str>,
    ) -> Result<RoomRecord, AppError> {
        let room = self.room_record(slug, who).await?;
        if let (Some(name), false) = (who, room.assistant) {
            let (role, banned) = store::access(&self.pool, &room.slug, name).await?;
            if room.private && role.is_none() {
                return Err(unknown_room(slug));
            }
            if banned {
                return Err(banned_from(&room));
            }
        }
        Ok(room)
    }

    /// Tells a room's connections about a change in its log.
    pub(super) async fn announce(&self, room: &str, pos: i64, event: Event) {
        let change = Change { room: room.to_owned(), pos, event };
        broadcast(self.everyone().map(|all| all.to(channel(room))), &change).await;
    }

    /// Makes a person a member of a public room if they were not (and are not banned from it).
    /// Private rooms are joined by invitation only.
    async fn ensure_member(&self, room: &RoomRecord, name: &str) -> Result<(), AppError> {
        // A read first: most calls find a member, and a write transaction costs the write lock.
        let (role, banned) = store::access(&self.pool, &room.slug, name).await?;
        if role.is_some() {
            return Ok(());
        }
        if room.private {
            return Err(unknown_room(&room.slug));
        }
        if banned {
            return Err(banned_from(room));
        }
        if let Some(pos) = store::join(&self.pool, &room.slug, name).await? {
            self.announce(&room.slug, pos, Event::Joined { name: name.to_owned() }).await;
        }
        Ok(())
    }

    /// Validates and stores a message, then broadcasts it to the room (the sender included).
    /// A retry with a known client id returns the stored message and broadcasts nothing new.
    /// Posting in a room makes the author a member. A message that starts with `@assistant`
    /// also asks the assistant, which answers in the background.
    pub async fn post_message(
        &self,
        author: Option<&str>,
        input: SendMessage,
    ) -> Result<Message, AppError> {
        let author = author.ok_or_else(not_signed_in)?;
        let room = self.room_record(&input.room, Some(author)).await?;
        validate_client_id(&input.client_id)?;
        let body = validate_body(&input.body)?;
        if let Err(wait) = self.limits.messages.take(author) {
            // A retry of a message already stored is answered, not refused.
            if let Some(sent) = store::sent(&self.pool, author, &input.client_id).await? {
                return Ok(sent);
            }
            let why = format!(
                "You are sending messages too fast: wait {} s and send again.",
                seconds(wait)
            );
            return Err(ProtocolError::new(ErrorCode::RateLimited, why).into());
        }
        // In a private assistant room every message is a question.
        let ticket = if room.assistant || assistant::question(&body).is_some() {
            // A retried question is answered once: give back what was stored.
            if let Some(sent) = store::sent(&self.pool, author, &input.client_id).await? {
                return Ok(sent);
            }
            Some(self.assistant.begin(&room.slug, author)?)
        } else {
            None
        };
        let posted = self.store_and_announce(&room, author, &body, &input.client_id, None).await;
        match (ticket, &posted) {
            (Some(ticket), Ok((question, true))) => {
                self.spawn_answer(room, question.clone(), ticket)
            }
            (Some(_), _) => self.assistant.finish(&room.slug),
            (None, _) => {}
        }
        Ok(posted?.0)
    }

    /// Stores a message and tells the room (and, about its activity, everyone else). True when
    /// this call stored it (not a retry).
    async fn store_and_announce(
        &self,
        room: &RoomRecord,
        author: &str,
        body: &str,
        client_id: &str,
        note: Option<&str>,
    ) -> Result<(Message, bool), AppError> {
        let new = || store::NewMessage {
            room: &room.slug,
            author,
            body,
            client_id,
            created_at: now_millis(),
            note,
        };
        // Only people are members; the assistant answers wherever it is asked.
        let people = author != ASSISTANT;
        let mut posted = store::insert_message(&self.pool, new(), people).await?;
        if let store::Posted::NotMember = posted {
            // Posting in a room makes the author a member (rarely needed: opening the room did).
            self.ensure_member(room, author).await?;
            posted = store::insert_message(&self.pool, new(), people).await?;
        }
        let (message, pos) = match posted {
            store::Posted::Stored(message, pos) => (message, pos),
            store::Posted::Known(message) => return Ok((message, false)),
            // They left again between joining and posting: a race not worth a retry loop.
            store::Posted::NotMember => return Err(sqlx::Error::RowNotFound.into()),
        };
        self.announce(&room.slug, pos, Event::Posted { message: message.clone() }).await;
        // The room's own connections learn the same from `room:changed`. A private room's
        // activity goes to its members' other connections only (their sidebars count it); a
        // conversation with the assistant has nobody else to tell.
        let activity = RoomActivity { room: room.slug.clone(), last_seq: message.seq };
        if room.public() {
            broadcast(self.everyone().map(|all| all.except(channel(&room.slug))), &activity).await;
        } else if room.private {
            let members = store::members(&self.pool, &room.slug).await?;
            let to: Vec<String> =
                members.iter().map(|m| super::accounts::user_channel(&m.name)).collect();
            let to = self.everyone().map(|all| all.to(to).except(channel(&room.slug)));
            broadcast(to, &activity).await;
        }
        Ok((message, true))
    }

    /// Answers a question in the background; the room's answer slot is freed when it is done.
    fn spawn_answer(&self, room: RoomRecord, question: Message, ticket: Ticket) {
        let chat = self.clone();
        tokio::spawn(async move {
            chat.answer(&room, &question, ticket).await;
            chat.assistant.finish(&room.slug);
        });
    }

    /// Streams the assistant's answer to the room piece by piece, then stores it as a message:
    /// complete, or cut short (stopped, too long, or the provider failed) with a note saying so.
    async fn answer(&self, room: &RoomRecord, question: &Message, ticket: Ticket) {
        use futures_util::StreamExt;
        let Some(provider) = self.assistant.provider() else { return };
        let settings = self.assistant.settings().clone();
        let history = store::assistant_history(&self.pool, room, question.seq, 200).await;
        let history = history.unwrap_or_else(|error| {
            tracing::error!("assistant history of {}: {error}", room.slug);
            vec![question.clone()]
        });
        let turns = assistant::prompt(&room.name, &history, settings.context_chars);
        let client_id = format!("assistant-{}", uuid::Uuid::new_v4());
        let mut pieces = provider.answer(turns, settings.max_answer_chars);
        let (mut text, mut index, mut note) = (String::new(), 0, None::<String>);
        loop {
            let next = tokio::select! {
                () = ticket.stop.cancelled() => None,
                next = pieces.next() => Some(next),
            };
            let piece = match next {
                None => {
                    let by = ticket.stopped_by.lock().map(|by| by.clone()).unwrap_or_default();
                    note =
                        Some(format!("Stopped by {}.", by.unwrap_or_else(|| "its asker".into())));
                    break;
                }
                Some(None) => break,
                Some(Some(Ok(piece))) => piece,
                Some(Some(Err(error))) => {
                    tracing::warn!(room = %room.slug, "assistant answer failed: {error:?}");
                    note = Some(error.to_string());
                    break;
                }
            };
            let left = settings.max_answer_chars.saturating_sub(text.chars().count());
            let piece: String = piece
                .chars()
                .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
                .take(left)
                .collect();
            text.push_str(&piece);
            let chunk = AnswerChunk {
                room: room.slug.clone(),
                client_id: client_id.clone(),
                asker: question.author.clone(),
                index,
                text: piece,
            };
            broadcast(self.everyone().map(|all| all.to(channel(&room.slug))), &chunk).await;
            index += 1;
            if text.chars().count() >= settings.max_answer_chars {
                note = Some("The answer reached its length limit.".into());
                break;
            }
        }
        // Dropping the stream closes the connection to the provider: a stop stops it too.
        drop(pieces);
        let body = text.trim();
        if body.is_empty() && note.is_none() {
            note = Some("The assistant had nothing to say.".into());
        }
        let stored =
            self.store_and_announce(room, ASSISTANT, body, &client_id, note.as_deref()).await;
        if let Err(error) = stored {
            tracing::error!("storing the assistant's answer in {}: {error}", room.slug);
        }
    }

    /// Stops the answer running in a room, at the request of the person who asked.
    pub async fn stop_answer(&self, name: Option<&str>, input: StopAnswer) -> Result<(), AppError> {
        let name = name.ok_or_else(not_signed_in)?;
        let room = self.existing_room(&input.room, Some(name)).await?;
        Ok(self.assistant.stop(&room.slug, name)?)
    }

    /// Turns the outcome of a change to a message into the reply, announcing it if it happened.
    async fn settle(
        &self,
        room: &str,
        outcome: store::Outcome,
        event: fn(Message) -> Event,
    ) -> Result<Message, AppError> {
        let refuse = |code, text: &str| Err(ProtocolError::new(code, text).into());
        match outcome {
            store::Outcome::Changed(message, pos) => {
                self.announce(room, pos, event(message.clone())).await;
                Ok(message)
            }
            store::Outcome::Unchanged(message) => Ok(message),
            store::Outcome::NotFound => {
                refuse(ErrorCode::UnknownMessage, "There is no such message.")
            }
            store::Outcome::NotAuthor => {
                refuse(ErrorCode::NotAuthor, "You can change only your own messages.")
            }
            store::Outcome::Deleted => {
                refuse(ErrorCode::MessageDeleted, "That message was deleted.")
            }
        }
    }

    /// Replaces the body of the caller's own message.
    pub async fn edit_message(
        &self,
        author: Option<&str>,
        input: EditMessage,
    ) -> Result<Message, AppError> {
        let author = author.ok_or_else(not_signed_in)?;
        let room = self.existing_room(&input.room, Some(author)).await?;
        let body = validate_body(&input.body)?;
        let outcome =
            store::edit_message(&self.pool, &room.slug, input.seq, author, &body, now_millis())
                .await?;
        self.settle(&room.slug, outcome, |message| Event::Edited { message }).await
    }

    /// Deletes the caller's own message, leaving a tombstone.
    pub async fn delete_message(
        &self,
        author: Option<&str>,
        input: DeleteMessage,
    ) -> Result<Message, AppError> {
        let author = author.ok_or_else(not_signed_in)?;
        let room = self.existing_room(&input.room, Some(author)).await?;
        let (pool, seq, now) = (&self.pool, input.seq, now_millis());
        let mut outcome = store::delete_message(pool, &room.slug, seq, Some(author), now).await?;
        // Someone else's message: a moderator may delete it all the same.
        if matches!(outcome, store::Outcome::NotAuthor)
            && self.authority(&room, author).await?.is_some_and(Role::moderates)
        {
            outcome = store::delete_message(pool, &room.slug, seq, None, now).await?;
        }
        self.settle(&room.slug, outcome, |message| Event::Deleted { message }).await
    }

    /// Adds or removes the caller's reaction on a message.
    pub async fn react(
        &self,
        name: Option<&str>,
        input: ReactMessage,
    ) -> Result<Message, AppError> {
        let name = name.ok_or_else(not_signed_in)?;
        let room = self.existing_room(&input.room, Some(name)).await?;
        validate_emoji(&input.emoji)?;
        let (pool, now) = (&self.pool, now_millis());
        let outcome =
            store::react(pool, &room.slug, input.seq, name, &input.emoji, input.on, now).await?;
        self.settle(&room.slug, outcome, |message| Event::Reacted { message }).await
    }

    /// Opens a room on a socket and returns what changed since `after`. A named person is also
    /// made a member, recorded as present and, on their first connection there, announced to
    /// the others; a visitor without a name only reads.
    pub async fn join_room(
        &self,
        socket: &SocketRef,
        author: Option<&str>,
        input: JoinRoom,
    ) -> Result<Joined, AppError> {
        let room = self.existing_room(&input.room, author).await?;
        socket.join(channel(&room.slug));
        if let Some(name) = author {
            self.ensure_member(&room, name).await?;
            let first =
                store::add_presence(&self.pool, &socket.id.to_string(), &room.slug, name).await?;
            if first {
                let event =
                    PresenceUpdated { room: room.slug.clone(), name: name.to_owned(), here: true };
                broadcast(Some(socket.to(channel(&room.slug))), &event).await;
            }
        }
        let online = store::online(&self.pool, &room.slug).await?;
        let changes = match input.after {
            Some(after) => self.changes(&room.slug, after).await?,
            None => Changes {
                changes: Vec::new(),
                upto: store::room_pos(&self.pool, &room.slug).await?,
                complete: true,
            },
        };
        Ok(Joined { room: room.room(), online, changes })
    }

    pub async fn sync_room(&self, who: Option<&str>, input: SyncRoom) -> Result<Changes, AppError> {
        let room = self.existing_room(&input.room, who).await?;
        self.changes(&room.slug, input.after).await
    }

    /// The changes after `after`, each with its message as it is now.
    async fn changes(&self, room: &str, after: i64) -> Result<Changes, AppError> {
        // Where the log stands is read first: a change committed after it is left for the next
        // call, never skipped.
        let upto = store::room_pos(&self.pool, room).await?;
        let (logged, messages) =
            store::changes_after(&self.pool, room, after, upto, Changes::MAX + 1).await?;
        let complete = logged.len() as i64 <= Changes::MAX;
        let message = |seq: Option<i64>| {
            let seq = seq?;
            messages.binary_search_by_key(&seq, |m| m.seq).ok().map(|at| messages[at].clone())
        };
        let mut changes = Vec::with_capacity(logged.len());
        for entry in logged.into_iter().take(Changes::MAX as usize) {
            let event = match entry.kind.as_str() {
                "joined" => entry.name.map(|name| Event::Joined { name }),
                "left" => entry.name.map(|name| Event::Left { name }),
                "posted" => message(entry.seq).map(|message| Event::Posted { message }),
                "edited" => message(entry.seq).map(|message| Event::Edited { message }),
                "deleted" => message(entry.seq).map(|message| Event::Deleted { message }),
                "reacted" => message(entry.seq).map(|message| Event::Reacted { message }),
                _ => None,
            };
            match event {
                Some(event) => {
                    changes.push(Change { room: room.to_owned(), pos: entry.pos, event })
                }
                None => tracing::error!("change {} in {room} cannot be read", entry.pos),
            }
        }
        let upto = if complete { upto } else { changes.last().map_or(after, |c| c.pos) };
        Ok(Changes { changes, upto, complete })
    }

    pub async fn list_messages(
        &self,
        who: Option<&str>,
        input: ListMessages,
    ) -> Result<Backlog, AppError> {
        let room = self.existing_room(&input.room, who).await?;
        match input.range {
            Range::After(after) => self.backlog(&room.slug, after).await,
            Range::Before(before) => {
                let messages =
                    store::messages_before(&self.pool, &room.slug, before, Backlog::MAX).await?;
                let complete = messages.first().is_none_or(|m| m.seq <= 1);
                Ok(Backlog { messages, complete })
            }
        }
    }

    async fn backlog(&self, room: &str, after: i64) -> Result<Backlog, AppError> {
        let mut messages = store::messages_after(&self.pool, room, after, Backlog::MAX + 1).await?;
        let complete = messages.len() as i64 <= Backlog::MAX;
        messages.truncate(Backlog::MAX as usize);
        Ok(Backlog { messages, complete })
    }

    /// Relays a typing indicator to the rest of the room. Nothing is stored: it expires on the
    /// receiving side.
    pub async fn set_typing(
        &self,
        socket: &SocketRef,
        author: Option<&str>,
        input: SetTyping,
    ) -> Result<(), AppError> {
        let name = author.ok_or_else(not_signed_in)?;
        let room = self.existing_room(&input.room, Some(name)).await?;
        if !store::is_present(&self.pool, &socket.id.to_string(), &room.slug).await? {
            return Err(ProtocolError::new(ErrorCode::NotInRoom, "Join the room first.").into());
        }
        let event =
            TypingUpdated { room: room.slug.clone(), name: name.to_owned(), typing: input.typing };
        broadcast(Some(socket.to(channel(&room.slug))), &event).await;
        Ok(())
    }

    /// Forgets a closed socket and tells each room it was in if its person has now left.
    pub async fn disconnect(&self, socket_id: &str) {
        match store::remove_presence(&self.pool, socket_id, None).await {
            Ok(departures) => self.announce_departures(departures).await,
            Err(error) => tracing::error!("presence cleanup for {socket_id} failed: {error}"),
        }
    }

    /// Ends the caller's membership of a room (not the lobby's).
    pub async fn leave_room(&self, name: Option<&str>, input: LeaveRoom) -> Result<(), AppError> {
        let name = name.ok_or_else(not_signed_in)?;
        let room = self.existing_room(&input.room, Some(name)).await?;
        if room.slug == LOBBY {
            let why = "Everyone stays in the Lobby: it cannot be left.";
            return Err(ProtocolError::new(ErrorCode::CannotLeave, why).into());
        }
        if let Some(pos) = store::leave(&self.pool, &room.slug, name).await? {
            self.announce(&room.slug, pos, Event::Left { name: name.to_owned() }).await;
        }
        Ok(())
    }

    /// Unsubscribes a socket from a room (its page moved elsewhere) and announces the person as
    /// gone if that was their last connection there.
    pub async fn close_room(
        &self,
        socket: &SocketRef,
        who: Option<&str>,
        input: CloseRoom,
    ) -> Result<(), AppError> {
        let room = self.existing_room(&input.room, who).await?;
        socket.leave(channel(&room.slug));
        let departures =
            store::remove_presence(&self.pool, &socket.id.to_string(), Some(&room.slug)).await?;
        self.announce_departures(departures).await;
        Ok(())
    }

    pub(super) async fn announce_departures(&self, departures: Vec<store::Departure>) {
        for departure in departures.into_iter().filter(|d| d.last) {
            let event =
                PresenceUpdated { room: departure.room.clone(), name: departure.name, here: false };
            broadcast(self.everyone().map(|all| all.to(channel(&departure.room))), &event).await;
        }
    }

    /// Records how far a person has read a room.
    pub async fn mark_read(&self, reader: Option<&str>, input: MarkRead) -> Result<i64, AppError> {
        let reader = reader.ok_or_else(not_signed_in)?;
        let room = self.existing_room(&input.room, Some(reader)).await?;
        self.record_read(&room.slug, reader, input.seq).await
    }

    /// Stores a member's read position and tells the room, for its "seen by" line. Someone who
    /// is not a member has no read position: 0.
    async fn record_read(&self, room: &str, reader: &str, seq: i64) -> Result<i64, AppError> {
        let Some(seq) = store::mark_read(&self.pool, room, reader, seq).await? else {
            return Ok(0);
        };
        let event = MemberRead { room: room.to_owned(), name: reader.to_owned(), seq };
        broadcast(self.everyone().map(|all| all.to(channel(room))), &event).await;
        Ok(seq)
    }

    /// The caller's private conversation with the assistant, created on first use.
    pub async fn assistant_room(&self, owner: Option<&str>) -> Result<Room, AppError> {
        let owner = owner.ok_or_else(not_signed_in)?;
        if !self.assistant.available() {
            let why = "The assistant is not configured on this server.";
            return Err(ProtocolError::new(ErrorCode::AssistantUnavailable, why).into());
        }
        let room = store::assistant_room(&self.pool, owner, now_millis()).await?;
        Ok(room.room())
    }

    /// Every room, with how far `reader` has read it.
    pub async fn list_rooms(&self, reader: Option<&str>) -> Result<Vec<RoomEntry>, AppError> {
        Ok(store::room_entries(&self.pool, reader).await?)
    }

    /// Creates a public room and tells every connection about it.
    pub async fn create_room(
        &self,
        author: Option<&str>,
        address: &str,
        input: CreateRoom,
    ) -> Result<Room, AppError> {
        let author = author.ok_or_else(not_signed_in)?;
        let room = validate_room_name(&input.name)?;
        if let Err(wait) = self.limits.rooms.take(address) {
            let why = format!(
                "Too many rooms created from your address: try again in {} s.",
                seconds(wait)
            );
            return Err(ProtocolError::new(ErrorCode::RateLimited, why).into());
        }
        let created =
            store::create_room(&self.pool, &room, author, now_millis(), input.private).await?;
        let room = created.ok_or_else(|| {
            ProtocolError::new(
                ErrorCode::RoomExists,
                format!("A room named “{}” exists already.", room.name),
            )
        })?;
        let to = if input.private {
            self.everyone().map(|all| all.to(super::accounts::user_channel(author)))
        } else {
            self.everyone()
        };
        broadcast(to, &RoomCreated { room: room.clone() }).await;
        Ok(room)
    }

    /// Everything the room page renders on the server: one page of history (by cursor, never by
    /// offset), the rooms, and who is online.
    pub async fn room_page(
        &self,
        slug: &str,
        me: Option<String>,
        cursor: Cursor,
    ) -> Result<RoomPage, AppError> {
        let room = self.existing_room(slug, me.as_deref()).await?;
        let (pool, slug) = (&self.pool, room.slug.as_str());
        // Opening a room joins it.
        if let Some(name) = me.as_deref() {
            self.ensure_member(&room, name).await?;
        }
        // Read before the messages: the page then holds at least everything up to `pos`, and a
        // catch-up from `pos` brings the rest (applying a change twice is harmless).
        let pos = store::room_pos(pool, slug).await?;
        let messages = match cursor {
            Cursor { before: Some(before), .. } => {
                store::messages_before(pool, slug, before, PAGE_MESSAGES).await?
            }
            Cursor { after: Some(after), .. } => {
                store::messages_after(pool, slug, after, PAGE_MESSAGES).await?
            }
            Cursor { around: Some(around), .. } => {
                let mut page =
                    store::messages_before(pool, slug, around + 1, PAGE_MESSAGES / 2).await?;
                page.extend(store::messages_after(pool, slug, around, PAGE_MESSAGES / 2).await?);
                page
            }
            _ => store::latest_messages(pool, slug, PAGE_MESSAGES).await?,
        };
        let last = store::last_seq(pool, slug).await?;
        let has_older = messages.first().is_some_and(|m| m.seq > 1);
        let has_newer =
            messages.last().map_or(cursor.before.is_some() && last > 0, |m| m.seq < last);
        let online = store::online(pool, slug).await?;
        // Rendering the live end of a room is reading it: without JavaScript nothing else would
        // move the read position. The divider goes where the reader was before.
        let mut rooms = store::room_entries(pool, me.as_deref()).await?;
        let current = rooms.iter_mut().find(|entry| entry.slug == slug);
        let read_seq = current.as_ref().filter(|e| e.joined).map_or(last, |e| e.read_seq);
        // Only a read position that moves is written (and announced): a page view of a room
        // already read costs no write.
        let unread = current.as_ref().is_some_and(|e| e.joined && e.read_seq < last);
        if let (Some(name), Some(entry), false, true) = (me.as_deref(), current, has_newer, unread)
        {
            entry.read_seq = self.record_read(slug, name, last).await?;
        }
        let receipts = store::read_positions(pool, slug).await?;
        let draft_id = uuid::Uuid::new_v4().to_string();
        let role = match me.as_deref() {
            Some(name) => self.authority(&room, name).await?,
            None => None,
        };
        // The room was checked above: its members, and its bans for a moderator.
        let members = store::members(pool, slug).await?;
        let banned = if role.is_some_and(Role::moderates) {
            store::bans(pool, slug).await?
        } else {
            Vec::new()
        };
        Ok(RoomPage {
            room: room.room(),
            private_assistant: room.assistant,
            rooms,
            me,
            messages,
            has_older,
            has_newer,
            highlight: cursor.around,
            pos,
            read_seq,
            receipts,
            online,
            draft_id,
            assistant: self.assistant.available(),
            private: room.private,
            direct: room.direct,
            members,
            role,
            banned,
        })
    }
}

pub(super) fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}
