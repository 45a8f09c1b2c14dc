//! The wire contract: every socket.io event Parley speaks, with its name bound to its payload type
//! and, for commands, to the type its acknowledgement carries. The server handlers and the WASM
//! client both go through these types, so a renamed event or a changed payload fails to compile on
//! both sides. `PROTOCOL.md` documents the same contract for clients in other languages.
//!
//! Commands (client to server) are `noun:verb` and are acknowledged with an [`Ack`]; broadcasts
//! (server to clients) are `noun:verbed`. The traits, acknowledgements and error codes are here;
//! the events, by noun, in the files beside this one, each declared with [`commands!`] or
//! [`broadcasts!`], which bind the name to the type (and a command to its reply).

mod admin;
mod assistant;
mod members;
mod messages;
mod presence;
mod rooms;
mod search;

pub use admin::*;
pub use assistant::*;
pub use members::*;
pub use messages::*;
pub use presence::*;
pub use rooms::*;
pub use search::*;

use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// The `connect_error` message of a handshake refused because the server could not check the
/// session (its database did not answer): unlike the other refusals, try again later.
pub const HANDSHAKE_UNAVAILABLE: &str =
    "The server cannot check your session right now: try again in a moment.";

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

    pub fn unavailable() -> Self {
        Self::new(
            ErrorCode::Unavailable,
            "The server cannot reach its database right now. Nothing was done: try again in a moment.",
        )
    }

    /// The database refused to grow (its disk, or `PARLEY_SQLITE_MAX_MB`, is full).
    pub fn storage_full() -> Self {
        Self::new(
            ErrorCode::Unavailable,
            "The server's storage is full. Nothing was saved: try again later.",
        )
    }

    /// The database's files cannot be written (read-only, or a write failed).
    pub fn storage_unwritable() -> Self {
        Self::new(
            ErrorCode::Unavailable,
            "The server cannot write to its storage. Nothing was saved: try again later.",
        )
    }

    /// Another process holds the database's write lock longer than the server waits.
    pub fn database_busy() -> Self {
        Self::new(
            ErrorCode::Unavailable,
            "The server's database is busy. Nothing was saved: try again in a moment.",
        )
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
    /// No uploaded file with that id that the caller may use or see.
    UnknownFile,
    /// A file past the size limit (`PARLEY_FILE_MAX_MB`), or a message with too many files.
    FileTooLarge,
    /// A file whose content is none of the accepted types.
    UnsupportedFile,
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
    /// The server cannot write right now (its database is unreachable, full or locked by
    /// another process): try again shortly (nothing was done).
    Unavailable,
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

/// Declares commands: each a payload struct (plain serde, fields as written), its event name
/// and the type its `ok` acknowledgement carries. Also lists the names, for [`command_names`].
macro_rules! commands {
    ($(
        $(#[$meta:meta])*
        $name:literal => struct $command:ident { $($body:tt)* } -> $reply:ty;
    )*) => {
        $(
            #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
            $(#[$meta])*
            pub struct $command { $($body)* }

            impl $crate::protocol::Command for $command {
                const NAME: &'static str = $name;
                type Reply = $reply;
            }
        )*
        /// The names of the commands declared in this file.
        pub(super) const COMMANDS: &[&str] = &[$($name),*];
    };
}

/// Declares broadcasts: each a payload struct and its event name. Also lists the names, for
/// [`broadcast_names`].
macro_rules! broadcasts {
    ($(
        $(#[$meta:meta])*
        $name:literal => struct $event:ident { $($body:tt)* }
    )*) => {
        $(
            #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
            $(#[$meta])*
            pub struct $event { $($body)* }

            impl $crate::protocol::Broadcast for $event {
                const NAME: &'static str = $name;
            }
        )*
        /// The names of the broadcasts declared in this file.
        pub(super) const BROADCASTS: &[&str] = &[$($name),*];
    };
}

use {broadcasts, commands};

/// Every command's event name.
pub fn command_names() -> Vec<&'static str> {
    [
        rooms::COMMANDS,
        messages::COMMANDS,
        members::COMMANDS,
        presence::COMMANDS,
        assistant::COMMANDS,
    ]
    .concat()
}

/// Every broadcast's event name.
pub fn broadcast_names() -> Vec<&'static str> {
    [
        rooms::BROADCASTS,
        members::BROADCASTS,
        presence::BROADCASTS,
        assistant::BROADCASTS,
        admin::BROADCASTS,
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_md_documents_every_event_and_nothing_else() {
        let doc = include_str!("../../PROTOCOL.md");
        let documented = |heading: &str| -> Vec<String> {
            let table = doc.split(heading).nth(1).unwrap_or_default().split("\n## ").next();
            table
                .unwrap_or_default()
                .lines()
                .filter_map(|line| line.strip_prefix("| `")?.split('`').next())
                .map(str::to_owned)
                .collect()
        };
        let sorted = |mut names: Vec<String>| {
            names.sort();
            names
        };
        let code = |names: Vec<&str>| sorted(names.into_iter().map(str::to_owned).collect());
        let commands = documented("## Commands (client → server)");
        assert_eq!(sorted(commands), code(super::command_names()), "commands in PROTOCOL.md");
        let broadcasts = documented("## Broadcasts (server → client)");
        assert_eq!(sorted(broadcasts), code(super::broadcast_names()), "broadcasts in PROTOCOL.md");
    }

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
        let mut online = Online::new(vec!["Ada".to_owned(), "Cy".to_owned()], 2);
        let change =
            |name: &str, here| PresenceUpdated { room: "lobby".into(), name: name.into(), here };
        change("Bob", true).apply(&mut online);
        change("Bob", true).apply(&mut online);
        change("Ada", false).apply(&mut online);
        change("Zed", false).apply(&mut online);
        assert_eq!(online.names, ["Bob", "Cy"]);
        assert_eq!(online.count, 2);
    }

    #[test]
    fn a_presence_batch_keeps_the_online_list_sorted() {
        let mut online = Online::new(vec!["Ada".to_owned(), "Cy".to_owned()], 2);
        let batch = PresenceBatched {
            room: "lobby".into(),
            here: vec!["Bob".into(), "Ada".into(), "Dee".into()],
            gone: vec!["Cy".into(), "Zed".into()],
            online_count: None,
        };
        batch.apply(&mut online);
        assert_eq!(online.names, ["Ada", "Bob", "Dee"]);
        assert_eq!(online.count, 3);
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
