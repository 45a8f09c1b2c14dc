//! The wire contract: every socket.io event Parley speaks, with its name bound to its payload type
//! and, for commands, to the type its acknowledgement carries. The server handlers and the WASM
//! client both go through these types, so a renamed event or a changed payload fails to compile on
//! both sides. `PROTOCOL.md` documents the same contract for clients in other languages.
//!
//! Commands (client to server) are `noun:verb` and are acknowledged with an [`Ack`]; broadcasts
//! (server to clients) are `noun:verbed`.

use crate::model::{Message, Room};
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

/// Why a command (or a server function) was refused. `message` is written for people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
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
    /// The connection carries no display name (no `parley_name` cookie).
    NotIdentified,
    /// The command needs the socket to have joined the room first.
    NotInRoom,
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

/// `room:join`: subscribe this connection to a room's live events and announce its user.
/// With `after`, the reply also carries what was posted after that position (catch-up).
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
    /// Messages after `after` (empty when `after` was not given).
    pub backlog: Backlog,
}

/// `room:leave`: stop receiving a room's live events (the page moved to another room). The
/// person is announced as gone if this was their last connection there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LeaveRoom {
    pub room: String,
}

impl Command for LeaveRoom {
    const NAME: &'static str = "room:leave";
    type Reply = ();
}

/// `room:create`: create a public room. Everyone connected receives `room:created`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreateRoom {
    pub name: String,
}

impl Command for CreateRoom {
    const NAME: &'static str = "room:create";
    type Reply = Room;
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

/// `message:list`: a batch of a room's messages, oldest first, at most [`Backlog::MAX`]:
/// `{"room", "after": 41}` for what follows position 41 (to fill a gap or catch up), or
/// `{"room", "before": 41}` for what precedes it (to scroll back).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ListMessages {
    pub room: String,
    #[serde(flatten)]
    pub range: Range,
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
pub struct Backlog {
    pub messages: Vec<Message>,
    /// False when there are more in the direction asked: ask again from the last one returned
    /// (`after`) or the first (`before`).
    pub complete: bool,
}

impl Backlog {
    pub const MAX: i64 = 200;
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

/// `message:sent`: a message was stored; sent to everyone in the room, the sender included.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessageSent {
    pub message: Message,
}

impl Broadcast for MessageSent {
    const NAME: &'static str = "message:sent";
}

/// `room:created`: a new room exists; sent to every connection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoomCreated {
    pub room: Room,
}

impl Broadcast for RoomCreated {
    const NAME: &'static str = "room:created";
}

/// `room:activity`: a room's log grew to `last_seq`; sent to every connection not in that room
/// (those in it get `message:sent`), so that sidebars can count unread messages elsewhere.
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

/// `member:joined`: a person came online in a room (their first connection there); sent to
/// everyone in the room but that person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemberJoined {
    pub room: String,
    pub name: String,
    pub online: Vec<String>,
}

impl Broadcast for MemberJoined {
    const NAME: &'static str = "member:joined";
}

/// `member:left`: a person's last connection in a room closed; sent to everyone else there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemberLeft {
    pub room: String,
    pub name: String,
    pub online: Vec<String>,
}

impl Broadcast for MemberLeft {
    const NAME: &'static str = "member:left";
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
