//! Server functions: what pages load, and what their forms post. Without JavaScript a form posts
//! here directly and the browser is redirected back (with the error in the URL if there was one);
//! each function calls the same use case as the matching socket event.

use crate::model::{Message, Room, RoomEntry};

use crate::protocol::ProtocolError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Everything the room page needs to render.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoomPage {
    pub room: Room,
    /// Every room with its unread count, for the sidebar.
    pub rooms: Vec<RoomEntry>,
    /// The visitor's display name; `None` until they choose one.
    pub me: Option<String>,
    /// One page of messages, oldest first: the latest, or the page the cursor asked for.
    pub messages: Vec<Message>,
    /// Messages exist before the first one shown.
    pub has_older: bool,
    /// Messages exist after the last one shown: this is a page of history, not the live end.
    pub has_newer: bool,
    /// The message a permalink points to.
    pub highlight: Option<i64>,
    /// Where the room's change log stood before this page was read: the client catches up from
    /// here.
    pub pos: i64,
    /// How far the reader had read before this page: the "new messages" divider goes after it.
    pub read_seq: i64,
    /// How far everyone has read this room, `(name, seq)`: for "seen by".
    pub receipts: Vec<(String, i64)>,
    pub online: Vec<String>,
    /// A fresh client id for the no-JavaScript form, so that posting it twice stores it once.
    pub draft_id: String,
    /// An AI provider is configured: messages starting with `@assistant` ask it.
    pub assistant: bool,
    /// The visitor's private conversation with the assistant: every message asks it.
    pub private_assistant: bool,
}

/// Which page of a room's history to show; all `None` means the latest messages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The page ending just before this position.
    pub before: Option<i64>,
    /// The page starting just after this position.
    pub after: Option<i64>,
    /// The page centred on this position (a permalink).
    pub around: Option<i64>,
}

/// The arguments are the fields of a [`Cursor`], flat: server functions take URL-encoded forms.
#[server(endpoint = "load_room")]
pub async fn load_room(
    slug: String,
    before: Option<i64>,
    after: Option<i64>,
    around: Option<i64>,
) -> Result<RoomPage, ProtocolError> {
    let (chat, me) = server::context()?;
    Ok(chat.room_page(&slug, me, Cursor { before, after, around }).await?)
}

#[server(endpoint = "post_message")]
pub async fn post_message(
    room: String,
    client_id: String,
    body: String,
) -> Result<(), ProtocolError> {
    let (chat, me) = server::context()?;
    let input = crate::protocol::SendMessage { room, client_id, body };
    chat.post_message(me.as_deref(), input).await?;
    Ok(())
}

/// Replaces the body of the visitor's own message.
#[server(endpoint = "edit_message")]
pub async fn edit_message(room: String, seq: i64, body: String) -> Result<(), ProtocolError> {
    let (chat, me) = server::context()?;
    let input = crate::protocol::EditMessage { room, seq, body };
    chat.edit_message(me.as_deref(), input).await?;
    Ok(())
}

/// Deletes the visitor's own message (a tombstone stays).
#[server(endpoint = "delete_message")]
pub async fn delete_message(room: String, seq: i64) -> Result<(), ProtocolError> {
    let (chat, me) = server::context()?;
    chat.delete_message(me.as_deref(), crate::protocol::DeleteMessage { room, seq }).await?;
    Ok(())
}

/// Adds (`on`) or removes the visitor's reaction on a message.
#[server(endpoint = "react")]
pub async fn react(room: String, seq: i64, emoji: String, on: bool) -> Result<(), ProtocolError> {
    let (chat, me) = server::context()?;
    chat.react(me.as_deref(), crate::protocol::ReactMessage { room, seq, emoji, on }).await?;
    Ok(())
}

/// Ends the visitor's membership of a room, then sends the browser to the lobby.
#[server(endpoint = "leave_room")]
pub async fn leave_room(room: String) -> Result<(), ProtocolError> {
    let (chat, me) = server::context()?;
    chat.leave_room(me.as_deref(), crate::protocol::LeaveRoom { room }).await?;
    leptos_axum::redirect("/r/lobby");
    Ok(())
}

/// Opens the visitor's private conversation with the assistant (creating it the first time).
#[server(endpoint = "open_assistant")]
pub async fn open_assistant() -> Result<(), ProtocolError> {
    let (chat, me) = server::context()?;
    let room = chat.assistant_room(me.as_deref()).await?;
    leptos_axum::redirect(&format!("/r/{}", room.slug));
    Ok(())
}

/// Creates a room, then sends the browser to it.
#[server(endpoint = "create_room")]
pub async fn create_room(name: String) -> Result<(), ProtocolError> {
    let (chat, me) = server::context()?;
    let room = chat.create_room(me.as_deref(), crate::protocol::CreateRoom { name }).await?;
    leptos_axum::redirect(&format!("/r/{}", room.slug));
    Ok(())
}

/// Remembers the display name in a cookie, then sends the browser to `next` (a local path), or
/// to the lobby.
#[server(endpoint = "set_name")]
pub async fn set_name(name: String, next: Option<String>) -> Result<(), ProtocolError> {
    let name = crate::model::validate_name(&name)?;
    server::remember_name(&name)?;
    let next = next.filter(|path| path.starts_with('/') && !path.starts_with("//"));
    leptos_axum::redirect(next.as_deref().unwrap_or("/r/lobby"));
    Ok(())
}

/// The visitor's display name, if they have chosen one.
#[server(endpoint = "whoami")]
pub async fn whoami() -> Result<Option<String>, ProtocolError> {
    Ok(server::context()?.1)
}

/// Sets the HTTP status of the page being rendered. Does nothing in the browser.
pub fn set_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(response), Ok(status)) =
        (use_context::<leptos_axum::ResponseOptions>(), axum::http::StatusCode::from_u16(code))
    {
        response.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}

#[cfg(feature = "ssr")]
mod server {
    use crate::protocol::ProtocolError;
    use crate::server::{chat::Chat, identity, AppState};
    use leptos::prelude::*;

    /// The use cases and the visitor's name, from the request being handled.
    pub fn context() -> Result<(Chat, Option<String>), ProtocolError> {
        let state = use_context::<AppState>().ok_or_else(ProtocolError::internal)?;
        let me = use_context::<axum::http::request::Parts>()
            .and_then(|parts| identity::from_headers(&parts.headers));
        Ok((state.chat, me))
    }

    pub fn remember_name(name: &str) -> Result<(), ProtocolError> {
        let response =
            use_context::<leptos_axum::ResponseOptions>().ok_or_else(ProtocolError::internal)?;
        let cookie = identity::set_cookie(name).ok_or_else(ProtocolError::internal)?;
        response.append_header(axum::http::header::SET_COOKIE, cookie);
        Ok(())
    }
}
