//! Server functions: what pages load, and what their forms post. Without JavaScript a form posts
//! here directly and the browser is redirected back (with the error in the URL if there was one);
//! each function calls the same use case as the matching socket event. The message box is the
//! exception: it posts to its room (`server::compose`), which can answer a refusal with the page
//! and the text.

use crate::model::{Member, Message, Quote, Role, Room, RoomEntry};

use crate::protocol::{Online, ProtocolError};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Everything the room page needs to render.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoomPage {
    pub room: Room,
    /// Every room with its unread count, for the sidebar.
    pub rooms: Vec<RoomEntry>,
    /// The signed-in reader's account name; `None` for a guest.
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
    /// Who has read the page's last message, `(name, seq)`, its author and the reader left
    /// out: the first [`MAX_SEEN_LISTED`](crate::model::MAX_SEEN_LISTED) by name, for "Seen
    /// by" (the live page adds whoever reads further). Empty on a page of history.
    pub receipts: Vec<(String, i64)>,
    /// How many more had read it than `receipts` lists.
    pub seen_more: u64,
    /// Who is online: how many, and the first names.
    pub online: Online,
    /// A fresh client id for the no-JavaScript form, so that posting it twice stores it once.
    pub draft_id: String,
    /// An AI provider is configured: messages starting with `@assistant` ask it.
    pub assistant: bool,
    /// The visitor's private conversation with the assistant: every message asks it.
    pub private_assistant: bool,
    /// Only members see the room (a private room, or a direct conversation).
    pub private: bool,
    /// A direct conversation between two people.
    pub direct: bool,
    /// The room's members, owners and moderators first: the first
    /// [`MAX_MEMBERS_LISTED`](crate::model::MAX_MEMBERS_LISTED), of those whose name contains
    /// `member_find` when the reader searched.
    pub members: Vec<Member>,
    /// How many members the room has.
    pub member_count: u64,
    /// How many members match `member_find` (all of them when it is empty): more than
    /// `members` lists when the list is cut.
    pub member_matches: u64,
    /// What the members panel's search asked for (`?member=`); empty when nothing.
    pub member_find: String,
    /// What the visitor may do here (a server admin counts as an owner); `None` for a guest.
    pub role: Option<Role>,
    /// Who is banned; empty unless the visitor moderates the room.
    pub banned: Vec<String>,
    /// The visitor is a server admin (the header links to the admin page).
    pub admin: bool,
    /// The message the composer replies to (`?reply=SEQ`, the no-JavaScript "Reply" link).
    pub replying: Option<Quote>,
    /// A message the server refused from the no-JavaScript form: the page answering that post
    /// shows it again in the composer, with why.
    pub refused: Option<RefusedPost>,
}

/// A post refused from the message form without JavaScript (see `server::compose`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedPost {
    pub body: String,
    pub reply_to: Option<i64>,
    /// What the server said.
    pub error: String,
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
    reply: Option<i64>,
    member: Option<String>,
) -> Result<RoomPage, ProtocolError> {
    let (chat, me) = server::context().await?;
    // Rendered in answer to a refused post (`server::compose`): show it again.
    let refused = server::refused::<RefusedPost>();
    let reply = reply.or(refused.as_ref().and_then(|post| post.reply_to));
    let cursor = Cursor { before, after, around };
    let find = member.as_deref().map_or("", str::trim);
    let mut page = chat.room_page(&slug, me, cursor, reply, find).await?;
    page.refused = refused;
    Ok(page)
}

/// Posts a message; `reply_to` makes it a reply. Kept for scripts and tests (the
/// room page's own box posts to `server::compose`). Without JavaScript, back to the room (not
/// to the page that offered the reply, which would offer it again).
#[server(endpoint = "post_message")]
pub async fn post_message(
    room: String,
    client_id: String,
    body: String,
    reply_to: Option<i64>,
) -> Result<(), ProtocolError> {
    let (chat, me) = server::context().await?;
    let input = crate::protocol::SendMessage { room, client_id, body, reply_to, files: vec![] };
    let message = chat.post_message(me.as_deref(), input).await?;
    if reply_to.is_some() {
        leptos_axum::redirect(&format!("/r/{}", message.room));
    }
    Ok(())
}

/// Replaces the body of the visitor's own message.
#[server(endpoint = "edit_message")]
pub async fn edit_message(room: String, seq: i64, body: String) -> Result<(), ProtocolError> {
    let (chat, me) = server::context().await?;
    let input = crate::protocol::EditMessage { room, seq, body };
    chat.edit_message(me.as_deref(), input).await?;
    Ok(())
}

/// Deletes the visitor's own message (a tombstone stays).
#[server(endpoint = "delete_message")]
pub async fn delete_message(room: String, seq: i64) -> Result<(), ProtocolError> {
    let (chat, me) = server::context().await?;
    chat.delete_message(me.as_deref(), crate::protocol::DeleteMessage { room, seq }).await?;
    Ok(())
}

/// Adds (`on`) or removes the visitor's reaction on a message.
#[server(endpoint = "react")]
pub async fn react(room: String, seq: i64, emoji: String, on: bool) -> Result<(), ProtocolError> {
    let (chat, me) = server::context().await?;
    chat.react(me.as_deref(), crate::protocol::ReactMessage { room, seq, emoji, on }).await?;
    Ok(())
}

/// An emoji the picker offers: itself, and its name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EmojiChoice {
    pub emoji: String,
    pub name: String,
}

/// How many emoji the picker shows at once.
pub const EMOJI_CHOICES: usize = 160;

/// The emoji whose name or shortcode contains every word of `q` (any case), in Unicode's order;
/// for a blank `q`, the quick six ([`REACTIONS`](crate::model::REACTIONS), the room page's
/// picker without JavaScript leads here) and then Unicode's first, [`EMOJI_CHOICES`] in all.
#[server(endpoint = "load_emoji")]
pub async fn load_emoji(q: String) -> Result<Vec<EmojiChoice>, ProtocolError> {
    let words: Vec<String> = q.to_lowercase().split_whitespace().map(str::to_owned).collect();
    let quick =
        crate::model::REACTIONS.iter().filter(|_| words.is_empty()).filter_map(|e| emojis::get(e));
    let matching = emojis::iter().filter(|emoji| {
        let name = emoji.name().to_lowercase();
        let codes: Vec<&str> = emoji.shortcodes().collect();
        words
            .iter()
            .all(|w| name.contains(w.as_str()) || codes.iter().any(|c| c.contains(w.as_str())))
    });
    let mut seen = std::collections::HashSet::new();
    Ok(quick
        .chain(matching)
        .filter(|emoji| seen.insert(emoji.as_str()))
        .take(EMOJI_CHOICES)
        .map(|emoji| EmojiChoice {
            emoji: emoji.as_str().to_owned(),
            name: emoji.name().to_owned(),
        })
        .collect())
}

/// What the no-JavaScript file form needs: the room's name, the size limit, and a client id
/// for the message (a re-post is stored once).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachForm {
    pub room_name: String,
    pub max_mb: u64,
    pub client_id: String,
    /// What this form sent that was refused: the page answering it shows why, with the text.
    pub refused: Option<RefusedPost>,
}

/// The file form of a room the visitor may post in.
#[server(endpoint = "load_attach")]
pub async fn load_attach(room: String) -> Result<AttachForm, ProtocolError> {
    let (chat, me) = server::context().await?;
    let room_name = chat.attach_form(me.as_deref(), &room).await?;
    let max_mb = chat.limits.files.per_file / crate::server::limits::FileLimits::MB;
    let client_id = uuid::Uuid::new_v4().to_string();
    Ok(AttachForm { room_name, max_mb, client_id, refused: server::refused() })
}

/// Adds the visitor's reaction from the emoji picker, then goes back to the message.
#[server(endpoint = "react_with")]
pub async fn react_with(room: String, seq: i64, emoji: String) -> Result<(), ProtocolError> {
    let (chat, me) = server::context().await?;
    let input = crate::protocol::ReactMessage { room, seq, emoji, on: true };
    let message = chat.react(me.as_deref(), input).await?;
    leptos_axum::redirect(&format!("/r/{}/m/{}#m{}", message.room, message.seq, message.seq));
    Ok(())
}

/// Ends the visitor's membership of a room, then sends the browser to the lobby.
#[server(endpoint = "leave_room")]
pub async fn leave_room(room: String) -> Result<(), ProtocolError> {
    let (chat, me) = server::context().await?;
    chat.leave_room(me.as_deref(), crate::protocol::LeaveRoom { room }).await?;
    leptos_axum::redirect("/r/lobby");
    Ok(())
}

/// Opens the visitor's private conversation with the assistant (creating it the first time).
#[server(endpoint = "open_assistant")]
pub async fn open_assistant() -> Result<(), ProtocolError> {
    let (chat, me) = server::context().await?;
    let room = chat.assistant_room(me.as_deref()).await?;
    leptos_axum::redirect(&format!("/r/{}", room.slug));
    Ok(())
}

/// Creates a room (private when the form's `private` box is ticked), then sends the browser to
/// it.
#[server(endpoint = "create_room")]
pub async fn create_room(name: String, private: Option<String>) -> Result<(), ProtocolError> {
    let (chat, me) = server::context().await?;
    let address = server::address(&chat);
    let input = crate::protocol::CreateRoom { name, private: private.is_some() };
    let room = chat.create_room(me.as_deref(), &address, input).await?;
    leptos_axum::redirect(&format!("/r/{}", room.slug));
    Ok(())
}

/// Opens the direct conversation with `name`, then sends the browser to it.
#[server(endpoint = "open_direct")]
pub async fn open_direct(name: String) -> Result<(), ProtocolError> {
    let (chat, me) = server::context().await?;
    let room = chat.open_direct(me.as_deref(), &name).await?;
    leptos_axum::redirect(&format!("/r/{}", room.slug));
    Ok(())
}

/// A moderation form: `action` is invite, kick, ban, unban, moderator (make one) or member
/// (make a moderator a member again).
#[server(endpoint = "moderate")]
pub async fn moderate(room: String, name: String, action: String) -> Result<(), ProtocolError> {
    use crate::model::Role;
    let (chat, me) = server::context().await?;
    let (me, target) = (me.as_deref(), crate::protocol::MemberRef { room, name });
    match action.as_str() {
        "invite" => chat.invite(me, target).await?,
        "kick" => chat.kick(me, target).await?,
        "ban" => chat.ban(me, target).await?,
        "unban" => chat.unban(me, target).await?,
        "moderator" => chat.set_role(me, target, Role::Moderator).await?,
        "member" => chat.set_role(me, target, Role::Member).await?,
        other => {
            let why = format!("Unknown moderation action {other:?}.");
            return Err(crate::server::error::refuse::invalid_payload(why).into());
        }
    }
    Ok(())
}

/// A local path to go to after a form, or the lobby: never another site.
#[cfg(feature = "ssr")]
fn local(next: Option<String>) -> String {
    next.filter(|path| path.starts_with('/') && !path.starts_with("//") && !path.contains('\\'))
        .unwrap_or_else(|| "/r/lobby".to_owned())
}

/// Creates an account, signs it in (a new session cookie), then sends the browser to `next` (a
/// local path) or the lobby.
#[server(endpoint = "sign_up")]
pub async fn sign_up(
    name: String,
    password: String,
    next: Option<String>,
) -> Result<(), ProtocolError> {
    let (chat, _) = server::context().await?;
    let (_, token) = chat.sign_up(&name, &password, &server::address(&chat)).await?;
    server::signed_in(&chat, &token, next).await
}

/// Signs in with a name and password (a new session: any earlier one of this browser ends),
/// then sends the browser to `next` or the lobby.
#[server(endpoint = "sign_in")]
pub async fn sign_in(
    name: String,
    password: String,
    next: Option<String>,
) -> Result<(), ProtocolError> {
    let (chat, _) = server::context().await?;
    let (_, token) = chat.sign_in(&name, &password, &server::address(&chat)).await?;
    server::signed_in(&chat, &token, next).await
}

/// Ends this browser's session (its live connections are closed at once), then sends it home.
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), ProtocolError> {
    let (chat, _) = server::context().await?;
    server::end_session(&chat).await?;
    leptos_axum::redirect("/");
    Ok(())
}

/// Deletes the visitor's account once its password confirms it (see `Chat::delete_account`),
/// forgets this browser's session and sends it home.
#[server(endpoint = "delete_account")]
pub async fn delete_account(password: String) -> Result<(), ProtocolError> {
    let (chat, me) = server::context().await?;
    let name = me.ok_or_else(crate::server::error::refuse::not_signed_in_for_account)?;
    chat.delete_account(&name, &password).await?;
    server::forget_session(&chat)?;
    leptos_axum::redirect("/");
    Ok(())
}

/// The signed-in visitor's name, if any.
#[server(endpoint = "whoami")]
pub async fn whoami() -> Result<Option<String>, ProtocolError> {
    Ok(server::context().await?.1)
}

/// A personal API token as its owner's page lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokenView {
    pub id: i64,
    pub label: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked: bool,
}

/// What `/account` renders.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountPage {
    pub name: String,
    pub tokens: Vec<TokenView>,
    /// A token created just now, shown this once.
    pub new_token: Option<String>,
    /// When they set their picture (its version, for `/avatar?name=…&v=`), if they have one.
    pub avatar_set_at: Option<i64>,
    /// Why the picture they just sent was refused (`server::avatars`), if it was.
    pub avatar_error: Option<String>,
    /// Largest picture they may upload, in megabytes (a file's limit).
    pub picture_max_mb: u64,
}

/// A picture refused from the account page's form: the page answering that post says why.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug)]
pub struct AvatarRefused(pub String);

/// The signed-in visitor's account page: their API tokens, and a token just created (shown
/// once: it travels in a short-lived cookie that this read clears).
#[server(endpoint = "load_account")]
pub async fn load_account() -> Result<AccountPage, ProtocolError> {
    let (chat, me) = server::context().await?;
    let name = me.ok_or_else(crate::server::error::refuse::not_signed_in_for_account)?;
    let tokens = chat
        .api_tokens(Some(&name))
        .await?
        .into_iter()
        .map(|t| TokenView {
            id: t.id,
            label: t.label,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked: t.revoked_at.is_some(),
        })
        .collect();
    let new_token = server::take_new_token(&chat);
    let avatar_set_at = chat.avatar_set_at(&name).await?;
    let avatar_error = server::refused::<AvatarRefused>().map(|refused| refused.0);
    let picture_max_mb = chat.limits.files.per_file / crate::server::limits::FileLimits::MB;
    Ok(AccountPage { name, tokens, new_token, avatar_set_at, avatar_error, picture_max_mb })
}

/// Creates a personal API token labelled `label`, then shows it once on `/account`.
#[server(endpoint = "create_token")]
pub async fn create_token(label: String) -> Result<(), ProtocolError> {
    let (chat, me) = server::context().await?;
    let (_, token) = chat.create_api_token(me.as_deref(), &label).await?;
    server::give_new_token(&chat, &token)?;
    leptos_axum::redirect("/account");
    Ok(())
}

/// Revokes one of the visitor's API tokens: calls with it are refused from now on.
#[server(endpoint = "revoke_token")]
pub async fn revoke_token(id: i64) -> Result<(), ProtocolError> {
    let (chat, me) = server::context().await?;
    chat.revoke_api_token(me.as_deref(), id).await?;
    leptos_axum::redirect("/account");
    Ok(())
}

/// What `/search` renders: the rooms to filter by, and the results when something was asked
/// (or why the search was refused: the form shows it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchPage {
    pub rooms: Vec<crate::model::RoomEntry>,
    pub results: Option<crate::protocol::SearchResults>,
    pub error: Option<ProtocolError>,
}

/// The search page's data: the messages the visitor can see that match (a guest searches the
/// public rooms).
#[server(endpoint = "load_search")]
pub async fn load_search(search: crate::protocol::Search) -> Result<SearchPage, ProtocolError> {
    let (chat, me) = server::context().await?;
    let rooms = chat.list_rooms(me.as_deref()).await?;
    if search.q.trim().is_empty() {
        return Ok(SearchPage { rooms, results: None, error: None });
    }
    // The form says why words are needed, where the REST API just finds nothing.
    if search.terms().is_ok_and(|terms| terms.is_empty()) {
        let code = crate::protocol::ErrorCode::InvalidPayload;
        let error = ProtocolError::new(code, crate::protocol::Search::NO_WORD);
        return Ok(SearchPage { rooms, results: None, error: Some(error) });
    }
    match chat.search(me.as_deref(), &search).await {
        Ok(results) => Ok(SearchPage { rooms, results: Some(results), error: None }),
        Err(crate::server::error::AppError::Rejected(error)) => {
            Ok(SearchPage { rooms, results: None, error: Some(error) })
        }
        Err(error) => Err(error.into()),
    }
}

/// The admin page's overview (see `PROTOCOL.md`, *The admin namespace*): server admins only.
#[server(endpoint = "load_admin")]
pub async fn load_admin() -> Result<crate::protocol::AdminOverview, ProtocolError> {
    let (chat, me) = server::context().await?;
    Ok(chat.admin_overview(me.as_deref()).await?)
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
    use crate::server::{auth::identity, AppState, Chat};
    use axum::http::{header::SET_COOKIE, request::Parts};
    use leptos::prelude::*;

    /// The use cases and the signed-in visitor's name, from the request being handled.
    pub async fn context() -> Result<(Chat, Option<String>), ProtocolError> {
        let state = use_context::<AppState>().ok_or_else(ProtocolError::internal)?;
        let me = match use_context::<Parts>() {
            Some(parts) => state.chat.session(&parts.headers).await.map(|s| s.user.name),
            None => None,
        };
        Ok((state.chat, me))
    }

    /// What the form post this page answers sent and why it was refused (`server::compose`,
    /// `server::avatars`), if it answers one: found in the request's extensions.
    pub fn refused<T: Clone + Send + Sync + 'static>() -> Option<T> {
        use_context::<Parts>().and_then(|parts| parts.extensions.get().cloned())
    }

    /// The client's address, for the limits kept per address.
    pub fn address(chat: &Chat) -> String {
        use_context::<Parts>()
            .map(|parts| chat.auth.client_address(&parts))
            .unwrap_or_else(|| "unknown".to_owned())
    }

    fn set_cookie(value: Option<axum::http::HeaderValue>) -> Result<(), ProtocolError> {
        let response =
            use_context::<leptos_axum::ResponseOptions>().ok_or_else(ProtocolError::internal)?;
        response.append_header(SET_COOKIE, value.ok_or_else(ProtocolError::internal)?);
        Ok(())
    }

    /// Ends the browser's earlier session, if any (a new one replaces it: rotation), sets the
    /// new one's cookie and sends the browser on to `next` (a local path) or the lobby.
    pub async fn signed_in(
        chat: &Chat,
        token: &str,
        next: Option<String>,
    ) -> Result<(), ProtocolError> {
        end_earlier(chat).await?;
        set_cookie(identity::set_cookie(token, chat.auth.secure_cookies))?;
        leptos_axum::redirect(&super::local(next));
        Ok(())
    }

    async fn end_earlier(chat: &Chat) -> Result<(), ProtocolError> {
        let earlier = use_context::<Parts>().and_then(|parts| identity::token(&parts.headers));
        if let Some(earlier) = earlier {
            chat.sign_out(&earlier).await?;
        }
        Ok(())
    }

    /// Hands a new API token to the browser for one page view, in a cookie only `/account`
    /// receives. Never stored in plain text on the server.
    pub fn give_new_token(chat: &Chat, token: &str) -> Result<(), ProtocolError> {
        set_cookie(identity::new_token_cookie(Some(token), chat.auth.secure_cookies))
    }

    /// The token [`give_new_token`] handed over, if any; the cookie is cleared.
    pub fn take_new_token(chat: &Chat) -> Option<String> {
        let token = use_context::<Parts>().and_then(|parts| identity::new_token(&parts.headers))?;
        set_cookie(identity::new_token_cookie(None, chat.auth.secure_cookies)).ok()?;
        Some(token)
    }

    /// Clears this browser's session cookie (the session itself is gone already).
    pub fn forget_session(chat: &Chat) -> Result<(), ProtocolError> {
        set_cookie(identity::clear_cookie(chat.auth.secure_cookies))
    }

    pub async fn end_session(chat: &Chat) -> Result<(), ProtocolError> {
        end_earlier(chat).await?;
        set_cookie(identity::clear_cookie(chat.auth.secure_cookies))
    }
}
