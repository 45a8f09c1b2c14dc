//! The wire contract: every socket.io event Parley speaks, with its name bound to its payload type
//! and, for commands, to the type its acknowledgement carries. The server handlers and the WASM
//! client both go through these types, so a renamed event or a changed payload fails to compile on
//! both sides. `PROTOCOL.md` documents the same contract for clients in other languages.
//!
//! Commands (client to server) are `noun:verb` and are acknowledged with an [`Ack`]; broadcasts
//! (server to clients) are `noun:verbed`.

use crate::model::{Member, Message, Role, Room, RoomEntry};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// A client-to-server event, answered through the socket.io acknowledgement with `Ack<Reply>`.
pub trait Command: Serialize + DeserializeOwned {
    const NAME: &'static str;
    type Reply: Serialize + DeserializeOwned;
}

/// A server-to-client event.
pub trait Broadcast: Serialize + DeserializeOwned {
    const NAME: &'static str;
}

/// What every acknowledgement carries: `{"ok": reply}` or `{"error": {"code", "message"}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ack<T> {
    Ok(T),
    Error(ProtocolError),
}

impl<T> From<Result<T, ProtocolError>> for Ack<T> {
    fn from(result: Result<T, ProtocolError>) -> Self {
        match result {
            Ok(value) => Ack::Ok(value),
            Err(error) => Ack::Error(error),
        }
    }
}

impl<T> From<Ack<T>> for Result<T, ProtocolError> {
    fn from(ack: Ack<T>) -> Self {
        match ack {
            Ack::Ok(value) => Ok(value),
            Ack::Error(error) => Err(error),
        }
    }
}

/// A payload that must be a JSON object. serde's derived `Deserialize` for a struct also reads a
/// JSON array as its fields in order, so `["lobby", "c1", "hi"]` would decode as a `SendMessage`;
/// the contract says payloads are objects, and anything else is `invalid_payload`. Every command
/// the server decodes (socket events and REST bodies) goes through this.
#[derive(Clone, Debug, PartialEq)]
pub struct Object<T>(pub T);

impl<'de, T: DeserializeOwned> Deserialize<'de> for Object<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match serde_json::Value::deserialize(deserializer)? {
            object @ serde_json::Value::Object(_) => {
                T::deserialize(object).map(Object).map_err(D::Error::custom)
            }
            other => Err(D::Error::custom(format_args!(
                "expected a JSON object, got {}",
                json_kind(&other)
            ))),
        }
    }
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Why a command (or a server function) was refused. `message` is written for people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProtocolError {
    pub code: ErrorCode,
    pub message: String,
}

impl ProtocolError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }

    pub fn internal() -> Self {
        Self::new(ErrorCode::Internal, "Something went wrong on the server. Please try again.")
    }
}

/// Machine-readable error codes; the set is closed and documented in `PROTOCOL.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum ErrorCode {
    /// The payload does not have the shape of the command.
    InvalidPayload,
    EmptyMessage,
    MessageTooLong,
    /// The message holds characters Parley does not store (control characters).
    InvalidMessage,
    InvalidName,
    InvalidClientId,
    InvalidRoomName,
    /// A room with that name (compared without case) or slug exists already.
    RoomExists,
    UnknownRoom,
    /// The request or connection is not signed in (no valid session, or an expired one).
    NotSignedIn,
    /// Signed in, but not allowed to do that here (not a moderator, banned, not a member of a
    /// private room).
    Forbidden,
    /// Sign-up: the name belongs to an account already.
    NameTaken,
    /// Sign-in: no account with that name and password.
    WrongCredentials,
    /// Sign-up: the password is too short or too long.
    InvalidPassword,
    /// No account with that name (an invitation, a direct message, an admin grant).
    UnknownUser,
    /// The command needs the socket to have joined the room first.
    NotInRoom,
    UnknownMessage,
    /// Only a message's author may edit or delete it.
    NotAuthor,
    /// The message was deleted: it can no longer be edited or reacted to.
    MessageDeleted,
    /// Not one of the fixed set of reaction emoji.
    InvalidReaction,
    /// Everyone stays in the lobby: it cannot be left.
    CannotLeave,
    /// No AI provider is configured on this server.
    AssistantUnavailable,
    /// The assistant is already answering in this conversation.
    AssistantBusy,
    /// Too many questions to the assistant in the last minute.
    RateLimited,
    /// No answer is running in that room.
    NothingToStop,
    /// Only the person who asked may stop an answer.
    NotAsker,
    Internal,
}

// Server functions report the same errors as socket commands, so a form shows the same text.
impl leptos::server_fn::error::FromServerFnError for ProtocolError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            E::Args(why) | E::Deserialization(why) => {
                Self::new(ErrorCode::InvalidPayload, format!("The form could not be read: {why}"))
            }
            E::Request(_) | E::Response(_) => {
                Self::new(ErrorCode::Internal, "The server could not be reached. Please try again.")
            }
            _ => Self::internal(),
        }
    }
}

/// `room:join`: open a room on this connection: receive its live events (`room:changed`,
/// `presence:updated`, `typing:updated`, `member:read`) and count as online there. A named person
/// also becomes a member if they were not (a `joined` change). With `after`, a change-log
/// position, the reply also carries every change since (catch-up), as `room:sync` would.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JoinRoom {
    pub room: String,
    #[serde(default)]
    pub after: Option<i64>,
}

impl Command for JoinRoom {
    const NAME: &'static str = "room:join";
    type Reply = Joined;
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Joined {
    pub room: Room,
    /// Display names of the people online in the room, each once, sorted.
    pub online: Vec<String>,
    /// The changes after `after` (none when `after` was not given); `upto` is where the room's
    /// log stood when they were read.
    pub changes: Changes,
}

/// `room:close`: stop receiving a room's live events on this connection (the page moved to
/// another room). The person is announced as gone if this was their last connection there. They
/// stay a member.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CloseRoom {
    pub room: String,
}

impl Command for CloseRoom {
    const NAME: &'static str = "room:close";
    type Reply = ();
}

/// `room:leave`: stop being a member of a room (a `left` change): it no longer counts unread
/// messages and its "seen by" forgets the person. Opening the room again joins it again. The
/// lobby cannot be left.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LeaveRoom {
    pub room: String,
}

impl Command for LeaveRoom {
    const NAME: &'static str = "room:leave";
    type Reply = ();
}

/// `room:sync`: every change in a room's log after position `after`, oldest first, at most
/// [`Changes::MAX`]. Each change that concerns a message carries the message as it is now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SyncRoom {
    pub room: String,
    pub after: i64,
}

impl Command for SyncRoom {
    const NAME: &'static str = "room:sync";
    type Reply = Changes;
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Changes {
    pub changes: Vec<Change>,
    /// The position the client has reached once it applied these: the last change's, or where
    /// the room's log stood when nothing followed `after`.
    pub upto: i64,
    /// False when more changes follow `upto`: ask again from there (or, far behind, reload).
    pub complete: bool,
}

impl Changes {
    pub const MAX: i64 = 200;
}

/// One entry of a room's change log. Broadcast live as `room:changed` and returned by catch-up
/// in the same shape, so a client applies both with the same code.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub room: String,
    /// Consecutive from 1 in each room: a client that applied 39 and receives 41 missed 40.
    pub pos: i64,
    #[serde(flatten)]
    pub event: Event,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    Posted {
        message: Message,
    },
    Edited {
        message: Message,
    },
    Deleted {
        message: Message,
    },
    /// Someone added or removed a reaction; `message.reactions` holds them all.
    Reacted {
        message: Message,
    },
    /// A person became a member of the room.
    Joined {
        name: String,
    },
    /// A person stopped being a member of the room.
    Left {
        name: String,
    },
}

impl Event {
    /// The message as it is now, for changes that concern one.
    pub fn message(&self) -> Option<&Message> {
        match self {
            Event::Posted { message }
            | Event::Edited { message }
            | Event::Deleted { message }
            | Event::Reacted { message } => Some(message),
            Event::Joined { .. } | Event::Left { .. } => None,
        }
    }
}

impl Broadcast for Change {
    const NAME: &'static str = "room:changed";
}

/// `room:create`: create a room, with the caller as its owner. A public room is announced to
/// every connection (`room:created`); a private one (`private: true`) only to its creator, and
/// others join it by invitation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreateRoom {
    pub name: String,
    #[serde(default)]
    pub private: bool,
}

impl Command for CreateRoom {
    const NAME: &'static str = "room:create";
    type Reply = Room;
}

/// `room:list`: every room, by name, with how far the caller has read it (the sidebar). Sent on
/// every (re)connection, since `room:activity` missed while disconnected is not replayed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ListRooms {}

impl Command for ListRooms {
    const NAME: &'static str = "room:list";
    type Reply = Vec<RoomEntry>;
}

/// `room:read`: the user has read the room up to `seq` (the latest message on screen). Positions
/// only move forward, and never past the room's last message; the reply is the stored position.
/// Sending a message marks it read for its author.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MarkRead {
    pub room: String,
    pub seq: i64,
}

impl Command for MarkRead {
    const NAME: &'static str = "room:read";
    type Reply = i64;
}

/// `message:send`: post a message. The reply is the stored message; sending the same
/// `client_id` again returns the message stored the first time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SendMessage {
    pub room: String,
    pub client_id: String,
    pub body: String,
}

impl Command for SendMessage {
    const NAME: &'static str = "message:send";
    type Reply = Message;
}

/// `message:edit`: replace the body of one's own message. Editing to the same text changes
/// nothing; a deleted message cannot be edited. The reply is the message as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EditMessage {
    pub room: String,
    pub seq: i64,
    pub body: String,
}

impl Command for EditMessage {
    const NAME: &'static str = "message:edit";
    type Reply = Message;
}

/// `message:delete`: delete one's own message. Its text and reactions are erased; a tombstone
/// stays in its place. Deleting it again changes nothing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeleteMessage {
    pub room: String,
    pub seq: i64,
}

impl Command for DeleteMessage {
    const NAME: &'static str = "message:delete";
    type Reply = Message;
}

/// `message:react`: add (`on: true`) or remove the caller's reaction `emoji` on a message. Saying
/// the wanted state, not "toggle", makes a retry harmless.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReactMessage {
    pub room: String,
    pub seq: i64,
    pub emoji: String,
    pub on: bool,
}

impl Command for ReactMessage {
    const NAME: &'static str = "message:react";
    type Reply = Message;
}

/// `message:list`: a batch of a room's messages, oldest first, at most [`Backlog::MAX`]:
/// `{"room", "after": 41}` for what follows position 41 (to fill a gap or catch up), or
/// `{"room", "before": 41}` for what precedes it (to scroll back).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ListMessagesWire")]
pub struct ListMessages {
    pub room: String,
    #[serde(flatten)]
    pub range: Range,
}

/// `message:list` as it arrives: exactly one of `after` and `before` must be there (serde's
/// flattened enum would take the first key it meets and ignore the other).
#[derive(Deserialize)]
struct ListMessagesWire {
    room: String,
    after: Option<i64>,
    before: Option<i64>,
}

impl TryFrom<ListMessagesWire> for ListMessages {
    type Error = &'static str;

    fn try_from(wire: ListMessagesWire) -> Result<Self, Self::Error> {
        let range = match (wire.after, wire.before) {
            (Some(after), None) => Range::After(after),
            (None, Some(before)) => Range::Before(before),
            (Some(_), Some(_)) => return Err("give either `after` or `before`, not both"),
            (None, None) => return Err("give `after` or `before`"),
        };
        Ok(Self { room: wire.room, range })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Range {
    After(i64),
    Before(i64),
}

impl Command for ListMessages {
    const NAME: &'static str = "message:list";
    type Reply = Backlog;
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Backlog {
    pub messages: Vec<Message>,
    /// False when there are more in the direction asked: ask again from the last one returned
    /// (`after`) or the first (`before`).
    pub complete: bool,
}

impl Backlog {
    pub const MAX: i64 = 200;
}

/// `assistant:stop`: stop the answer the assistant is writing in a room. What it wrote so far is
/// kept, marked as stopped. Only the person who asked may stop it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StopAnswer {
    pub room: String,
}

impl Command for StopAnswer {
    const NAME: &'static str = "assistant:stop";
    type Reply = ();
}

/// `typing:set`: say whether this user is typing in a room. Acknowledged only if asked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SetTyping {
    pub room: String,
    pub typing: bool,
}

impl Command for SetTyping {
    const NAME: &'static str = "typing:set";
    type Reply = ();
}

/// `room:created`: a new room exists; sent to every connection (a private room or a direct
/// conversation: to its members' connections, when they are added).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoomCreated {
    pub room: Room,
}

impl Broadcast for RoomCreated {
    const NAME: &'static str = "room:created";
}

/// `room:activity`: a room's latest message is now `last_seq`; sent to every connection not in
/// that room (those in it get `room:changed`), so that sidebars can count unread messages elsewhere.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoomActivity {
    pub room: String,
    pub last_seq: i64,
}

impl Broadcast for RoomActivity {
    const NAME: &'static str = "room:activity";
}

/// `member:read`: someone has read a room up to `seq`; sent to everyone in the room (for the
/// "seen by" line under the latest message).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemberRead {
    pub room: String,
    pub name: String,
    pub seq: i64,
}

impl Broadcast for MemberRead {
    const NAME: &'static str = "member:read";
}

/// `presence:updated`: a person came online in a room (`here`: their first connection there) or
/// went away (their last one closed); sent to everyone else in the room. A change, not the list:
/// `room:join` gives the list, and sending it whole on every arrival would cost each arrival the
/// size of the room, to everyone in it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PresenceUpdated {
    pub room: String,
    pub name: String,
    pub here: bool,
}

impl PresenceUpdated {
    /// Applies the change to a sorted list of who is online.
    pub fn apply(&self, online: &mut Vec<String>) {
        match (online.binary_search(&self.name), self.here) {
            (Err(at), true) => online.insert(at, self.name.clone()),
            (Ok(at), false) => {
                online.remove(at);
            }
            _ => {}
        }
    }
}

impl Broadcast for PresenceUpdated {
    const NAME: &'static str = "presence:updated";
}

/// `assistant:chunk`: the next piece of an answer being written, to everyone in the room. Pieces
/// of one answer share `client_id` and count up from 0; the finished answer arrives as a `posted`
/// change with the same `client_id` (and replaces the pieces, some of which may have been
/// missed).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnswerChunk {
    pub room: String,
    pub client_id: String,
    /// Who asked: they may stop it.
    pub asker: String,
    pub index: u32,
    pub text: String,
}

impl Broadcast for AnswerChunk {
    const NAME: &'static str = "assistant:chunk";
}

/// `typing:updated`: someone started or stopped typing; sent to everyone in the room but them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TypingUpdated {
    pub room: String,
    pub name: String,
    pub typing: bool,
}

impl Broadcast for TypingUpdated {
    const NAME: &'static str = "typing:updated";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_names_its_direction() {
        let list = ListMessages { room: "lobby".into(), range: Range::Before(7) };
        let json = serde_json::to_string(&list).ok();
        assert_eq!(json.as_deref(), Some(r#"{"room":"lobby","before":7}"#));
        let back: Result<ListMessages, _> = serde_json::from_str(r#"{"room":"lobby","after":3}"#);
        assert_eq!(back.ok().map(|l| l.range), Some(Range::After(3)));
        assert!(serde_json::from_str::<ListMessages>(r#"{"room":"lobby"}"#).is_err());
        let both = r#"{"room":"lobby","after":3,"before":9}"#;
        assert!(serde_json::from_str::<ListMessages>(both).is_err());
    }

    #[test]
    fn a_command_is_an_object_never_an_array() {
        let object = r#"{"room":"lobby","client_id":"c1","body":"hi"}"#;
        let read = serde_json::from_str::<Object<SendMessage>>(object).ok().map(|o| o.0.body);
        assert_eq!(read.as_deref(), Some("hi"));
        // What the wrapper is for: serde alone reads the array as the struct's fields.
        let positional = r#"["lobby","c1","hi"]"#;
        assert!(serde_json::from_str::<SendMessage>(positional).is_ok());
        for other in [positional, r#""lobby""#, "7", "null"] {
            let refused = serde_json::from_str::<Object<SendMessage>>(other);
            assert!(refused.is_err(), "{other} was read as a command");
        }
        let nested = r#"["lobby",1]"#;
        assert!(serde_json::from_str::<Object<DeleteMessage>>(nested).is_err());
    }

    #[test]
    fn a_change_is_flat_and_tagged_by_kind() {
        let change =
            Change { room: "lobby".into(), pos: 4, event: Event::Left { name: "Ada".into() } };
        let json = serde_json::to_string(&change).ok();
        assert_eq!(json.as_deref(), Some(r#"{"room":"lobby","pos":4,"kind":"left","name":"Ada"}"#));
        let back: Option<Change> = json.and_then(|json| serde_json::from_str(&json).ok());
        assert_eq!(back, Some(change));
    }

    #[test]
    fn presence_changes_keep_the_online_list_sorted() {
        let mut online = vec!["Ada".to_owned(), "Cy".to_owned()];
        let change =
            |name: &str, here| PresenceUpdated { room: "lobby".into(), name: name.into(), here };
        change("Bob", true).apply(&mut online);
        change("Bob", true).apply(&mut online);
        change("Ada", false).apply(&mut online);
        change("Zed", false).apply(&mut online);
        assert_eq!(online, ["Bob", "Cy"]);
    }

    #[test]
    fn acks_have_a_language_neutral_shape() {
        let ok: Ack<i32> = Ok(3).into();
        assert_eq!(serde_json::to_string(&ok).ok().as_deref(), Some(r#"{"ok":3}"#));
        let err: Ack<i32> = Err(ProtocolError::new(ErrorCode::UnknownRoom, "No such room.")).into();
        assert_eq!(
            serde_json::to_string(&err).ok().as_deref(),
            Some(r#"{"error":{"code":"unknown_room","message":"No such room."}}"#)
        );
    }
}

/// `direct:open`: the direct conversation with `name` (another account), created on first use.
/// Both people's connections receive `room:created`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OpenDirect {
    pub name: String,
}

impl Command for OpenDirect {
    const NAME: &'static str = "direct:open";
    type Reply = Room;
}

/// Names a member of a room, for the moderation commands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemberRef {
    pub room: String,
    pub name: String,
}

macro_rules! member_command {
    ($($(#[$doc:meta])* $command:ident => $name:literal),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        pub struct $command {
            pub room: String,
            pub name: String,
        }

        impl Command for $command {
            const NAME: &'static str = $name;
            type Reply = ();
        }

        impl From<$command> for MemberRef {
            fn from(command: $command) -> Self {
                Self { room: command.room, name: command.name }
            }
        }
    )*};
}

member_command!(
    /// `member:invite`: add someone to a private room (owners and moderators). Their
    /// connections receive `room:created`; the room's, a `joined` change.
    InviteMember => "member:invite",
    /// `member:kick`: end someone's membership (owners and moderators, of people below them).
    /// Their sockets leave the room at once and receive `room:removed`; in a public room they
    /// may come back, in a private one only by a new invitation.
    KickMember => "member:kick",
    /// `member:ban`: kick, and refuse them the room (reading included) until `member:unban`.
    BanMember => "member:ban",
    /// `member:unban`: lift a ban.
    UnbanMember => "member:unban",
);

/// `member:role`: the room's owner makes a member a moderator, or a moderator a member again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SetRole {
    pub room: String,
    pub name: String,
    pub role: Role,
}

impl Command for SetRole {
    const NAME: &'static str = "member:role";
    type Reply = ();
}

/// `member:list`: a room's members and their roles; moderators also see who is banned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ListMembers {
    pub room: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Members {
    pub members: Vec<Member>,
    /// Empty unless the caller moderates the room.
    pub banned: Vec<String>,
}

impl Command for ListMembers {
    const NAME: &'static str = "member:list";
    type Reply = Members;
}

/// `room:removed`: this person was kicked or banned from `room`; their connections no longer
/// receive its events.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoomRemoved {
    pub room: String,
    pub banned: bool,
    pub by: String,
}

impl Broadcast for RoomRemoved {
    const NAME: &'static str = "room:removed";
}
