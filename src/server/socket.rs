//! socket.io handlers: the connect middleware, and the table of commands. Each command is tied
//! to its use case by a [`Route`] impl; [`route`] registers it with the event's name, payload and
//! ack types all taken from the command's type, so a renamed event or a changed payload fails to
//! compile here as on the client. A payload that is not an object of the command's shape gets an
//! `invalid_payload` error ack instead of silence; the connection stays up.

use super::auth::{AuthSettings, Session};
use super::broadcast::{self, Batches, Conn, Io, Wire};
use super::error::{refuse, AppError};
use super::limits::CommandAllowance;
use super::store::{Db, Rooms};
use super::usecases::ChangePages;
use super::{assistant::Assistant, limits::Limiters};
use super::{origin::AllowedOrigins, Chat};
use crate::protocol::{
    Ack, BanMember, CloseRoom, Command, CreateRoom, DeleteMessage, EditMessage, InviteMember,
    JoinRoom, KickMember, LeaveRoom, ListMembers, ListMessages, ListRooms, MarkRead, MemberRef,
    Object, OpenDirect, ProtocolError, ReactMessage, SendMessage, SetRole, SetTyping, StopAnswer,
    SyncRoom, UnbanMember,
};
use serde::Deserialize;
use socketioxide::extract::{AckSender, SocketRef, State, TryData};
use socketioxide::handler::{FromConnectParts, FromDisconnectParts, FromMessageParts, Value};
use socketioxide::socket::DisconnectReason;
use socketioxide::socket::Socket;
use std::sync::OnceLock;
use std::{future::Future, sync::Arc};
use tracing::Instrument;

/// Who a connection speaks for, read once from the handshake's session cookie, and the address
/// it came from.
#[derive(Clone, Debug)]
struct Speaker {
    session: Session,
    address: String,
}

/// What a client may say about itself in the handshake's `auth` payload (socket.io's `auth`
/// option). A page names the account it was rendered for: if the browser's session now belongs
/// to someone else (signed out and in as another person in another tab), the connection is
/// refused, so nothing written for one account is ever sent as another.
#[derive(Debug, Default, Deserialize)]
pub struct Claim {
    user: Option<String>,
}

/// The one state the server registers on socket.io: the use cases' parts, the socket.io server
/// among them once the layer is built.
#[derive(Clone)]
pub struct Services {
    pub io: Arc<OnceLock<Io>>,
    pub db: Db,
    pub rooms: Rooms,
    pub limits: Limiters,
    pub assistant: Assistant,
    pub auth: AuthSettings,
    pub batches: Batches,
    pub pages: ChangePages,
    /// This process's name among the nodes.
    pub node: Arc<str>,
}

impl Services {
    /// The use cases, once the socket.io layer exists.
    pub fn chat(self) -> Result<Chat, MissingState> {
        let Services { io, db, rooms, limits, assistant, auth, batches, pages, node } = self;
        let io = io.get().ok_or(MissingState)?.clone();
        Ok(Chat { db, rooms, limits, io, assistant, auth, batches, pages, node })
    }
}

/// A state the server did not register: a programming error, reported instead of panicking.
#[derive(Debug, thiserror::Error)]
#[error("the socket.io state Services is missing or incomplete")]
pub struct MissingState;

/// The use cases, for a socket.
fn chat<A: Wire>(socket: &Arc<Socket<A>>) -> Result<Chat, MissingState> {
    let State(services) =
        State::<Services>::from_connect_parts(socket, &None).map_err(|_| MissingState)?;
    services.chat()
}

/// The use cases, for the connect middleware and the disconnect handler.
pub struct UseCases(Chat);

impl<A: Wire> FromConnectParts<A> for UseCases {
    type Error = MissingState;
    fn from_connect_parts(socket: &Arc<Socket<A>>, _: &Option<Value>) -> Result<Self, Self::Error> {
        chat(socket).map(Self)
    }
}

impl<A: Wire> FromDisconnectParts<A> for UseCases {
    type Error = MissingState;
    fn from_disconnect_parts(
        socket: &Arc<Socket<A>>,
        _: DisconnectReason,
    ) -> Result<Self, Self::Error> {
        chat(socket).map(Self)
    }
}

/// What every command's use case gets: the use cases, the connection, and who it speaks for.
pub struct Caller {
    chat: Chat,
    socket: Conn,
    name: Option<String>,
    address: String,
    allowance: Option<CommandAllowance>,
}

impl<A: Wire> FromMessageParts<A> for Caller {
    type Error = MissingState;

    fn from_message_parts(
        socket: &Arc<Socket<A>>,
        _: &mut Value,
        _: &Option<i64>,
    ) -> Result<Self, Self::Error> {
        let speaker = socket.extensions.get::<Speaker>();
        let (name, address) =
            speaker.map_or((None, String::new()), |s| (Some(s.session.user.name), s.address));
        let conn = A::conn(SocketRef::from(socket.clone()));
        let allowance = socket.extensions.get::<CommandAllowance>();
        Ok(Self { chat: chat(socket)?, socket: conn, name, address, allowance })
    }
}

impl Caller {
    fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

/// Runs before socket.io confirms the connection to the client, so every handler is in place
/// before the first event can arrive. (socketioxide spawns the connect handler itself as a task;
/// handlers registered there could miss a client's first emit.) A handshake from another origin,
/// or without a live session, or claiming another account than the session's, is refused: every
/// socket speaks for the signed-in person its page was made for.
pub async fn accept<A: Wire>(
    socket: SocketRef<A>,
    State(origins): State<AllowedOrigins>,
    UseCases(chat): UseCases,
    TryData(claim): TryData<Claim>,
) -> Result<(), &'static str> {
    let session = signed_in_handshake(&socket, &origins, &chat).await?;
    // An `auth` payload of another shape is some other client's business: only a named user
    // that is not the session's is refused.
    if let Some(claimed) = claim.ok().and_then(|claim| claim.user) {
        if claimed != session.user.name {
            tracing::info!(socket = %socket.id, "refused a handshake for another account");
            return Err("This page belongs to another account: reload it.");
        }
    }
    let address = chat.auth.client_address(socket.req_parts());
    tracing::debug!(socket = %socket.id, user = %session.user.name, "connected");
    follow_person(&socket, &session);
    // After joining the person's channel: a membership that begins from now on reaches this
    // socket through it (`broadcast::follow`); one that began before is read here.
    match chat.db.rooms_of(&session.user.name).await {
        Ok(rooms) => socket
            .join(rooms.iter().map(|room| broadcast::follow_channel(room)).collect::<Vec<_>>()),
        Err(error) => {
            tracing::warn!(socket = %socket.id, "refused a handshake, database unavailable: {error}");
            return Err(crate::protocol::HANDSHAKE_UNAVAILABLE);
        }
    }
    socket.extensions.insert(Speaker { session, address });
    socket.extensions.insert(CommandAllowance::new(chat.limits.commands));

    route::<SendMessage, A>(&socket);
    route::<EditMessage, A>(&socket);
    route::<DeleteMessage, A>(&socket);
    route::<ReactMessage, A>(&socket);
    route::<ListMessages, A>(&socket);
    route::<JoinRoom, A>(&socket);
    route::<SyncRoom, A>(&socket);
    route::<CloseRoom, A>(&socket);
    route::<LeaveRoom, A>(&socket);
    route::<CreateRoom, A>(&socket);
    route::<ListRooms, A>(&socket);
    route::<MarkRead, A>(&socket);
    route::<SetTyping, A>(&socket);
    route::<StopAnswer, A>(&socket);
    route::<OpenDirect, A>(&socket);
    route::<InviteMember, A>(&socket);
    route::<KickMember, A>(&socket);
    route::<BanMember, A>(&socket);
    route::<UnbanMember, A>(&socket);
    route::<SetRole, A>(&socket);
    route::<ListMembers, A>(&socket);
    socket.on_disconnect(|socket: SocketRef<A>, UseCases(chat): UseCases| async move {
        chat.disconnect(&socket.id.to_string()).await;
    });
    Ok(())
}

/// Rooms one connection may have open at once (`room:join` without `room:close`): a page has
/// one; a bot following many rooms, up to this.
pub const MAX_OPEN_ROOMS: usize = 100;

/// What every namespace's handshake checks first: an allowed origin and a live session. `Err`
/// is the `connect_error` message.
async fn signed_in_handshake<A: Wire>(
    socket: &SocketRef<A>,
    origins: &AllowedOrigins,
    chat: &Chat,
) -> Result<Session, &'static str> {
    let headers = &socket.req_parts().headers;
    if !origins.permit(headers) {
        tracing::warn!(socket = %socket.id, "refused a handshake from another origin");
        return Err("This origin may not connect to Parley.");
    }
    let session = match chat.checked_session(headers).await {
        Ok(Some(session)) => session,
        Ok(None) => {
            tracing::info!(socket = %socket.id, "refused a handshake without a session");
            return Err("Sign in to connect.");
        }
        // Not "sign in": the session may be fine, and the client tries again.
        Err(error) => {
            tracing::warn!(socket = %socket.id, "refused a handshake, database unavailable: {error}");
            return Err(crate::protocol::HANDSHAKE_UNAVAILABLE);
        }
    };
    Ok(session)
}

/// Once a handshake is accepted: the socket joins its person's and its session's channels, so
/// that sign-out, account deletion and bans reach it.
fn follow_person<A: Wire>(socket: &SocketRef<A>, session: &Session) {
    socket.join([
        broadcast::session_channel(&session.id),
        broadcast::user_channel(&session.user.name),
    ]);
}

/// The connect handler proper has nothing left to do: see [`accept`].
pub async fn on_connect() {}

/// The handshake of the admin page's namespace (`/admin`): the origin and the session are
/// checked as on `/`, and only a server admin gets in. Sign-out and account deletion disconnect
/// these sockets too (they join their person's and session's channels).
pub async fn accept_admin<A: Wire>(
    socket: SocketRef<A>,
    State(origins): State<AllowedOrigins>,
    UseCases(chat): UseCases,
) -> Result<(), &'static str> {
    let session = signed_in_handshake(&socket, &origins, &chat).await?;
    if !session.user.admin {
        tracing::info!(socket = %socket.id, user = %session.user.name, "refused an admin handshake: not an admin");
        return Err(crate::protocol::ADMIN_ONLY);
    }
    follow_person(&socket, &session);
    Ok(())
}

/// An admin page connected: it gets the overview at once (then from `usecases::feed_admins`).
pub async fn on_admin_connect<A: Wire>(socket: SocketRef<A>, UseCases(chat): UseCases) {
    use crate::protocol::{AdminOverview, Broadcast};
    match chat.overview().await {
        Ok(overview) => {
            if let Err(error) = socket.emit(AdminOverview::NAME, &overview) {
                tracing::debug!(socket = %socket.id, "admin overview: {error}");
            }
        }
        Err(error) => tracing::warn!("admin overview: {error:?}"),
    }
}

/// A command's use case.
pub trait Route: Command + Send + Sync + 'static {
    fn run(self, caller: Caller) -> impl Future<Output = Result<Self::Reply, AppError>> + Send;
}

/// Registers `C` on the socket: decodes its payload (an object, never an array: see
/// [`Object`]), runs its use case, and acknowledges either way (if the client asked for an ack).
/// A failed ack means the socket is gone or its queue is full; the client's own timeout and
/// retry cover that, so it is only logged.
fn route<C: Route, A: Wire>(socket: &SocketRef<A>) {
    socket.on(
        C::NAME,
        |socket: SocketRef<A>,
         caller: Caller,
         TryData(input): TryData<Object<C>>,
         ack: AckSender<A>| {
            let span = tracing::info_span!("command", socket = %socket.id, event = C::NAME);
            let arrived = std::time::Instant::now();
            async move {
                let allowed = caller.allowance.as_ref().map_or(Ok(()), CommandAllowance::check);
                let reply = match (allowed, input) {
                    (Err(wait), _) => {
                        Err(refuse::rate_limited(refuse::Limited::Commands, wait).into())
                    }
                    (Ok(()), Ok(Object(command))) => {
                        command.run(caller).await.map_err(ProtocolError::from)
                    }
                    (Ok(()), Err(error)) => {
                        let why = format!("Invalid {} payload: {error}", C::NAME);
                        Err(refuse::invalid_payload(why).into())
                    }
                };
                // Once per refusal, by its code: the message may quote the payload.
                if let Err(refusal) = &reply {
                    let code = serde_json::to_value(refusal.code).unwrap_or_default();
                    tracing::info!(code = code.as_str().unwrap_or_default(), "refused");
                }
                if let Err(error) = ack.send(&Ack::from(reply)) {
                    tracing::warn!("ack not sent: {error}");
                }
                super::metrics::command(C::NAME, arrived.elapsed());
            }
            .instrument(span)
        },
    );
}

/// Implements [`Route`] for commands whose use case is one call on [`Chat`].
macro_rules! routes {
    ($($command:ty => |$input:ident, $caller:ident| $call:expr;)*) => {$(
        impl Route for $command {
            fn run(
                self,
                $caller: Caller,
            ) -> impl Future<Output = Result<Self::Reply, AppError>> + Send {
                let $input = self;
                async move { $call.await }
            }
        }
    )*};
}

routes! {
    SendMessage => |input, c| c.chat.post_message(c.name(), input);
    EditMessage => |input, c| c.chat.edit_message(c.name(), input);
    DeleteMessage => |input, c| c.chat.delete_message(c.name(), input);
    ReactMessage => |input, c| c.chat.react(c.name(), input);
    ListMessages => |input, c| c.chat.list_messages(c.name(), input);
    JoinRoom => |input, c| c.chat.join_room(&c.socket, c.name(), input);
    SyncRoom => |input, c| c.chat.sync_room(c.name(), input);
    CloseRoom => |input, c| c.chat.close_room(&c.socket, c.name(), input);
    LeaveRoom => |input, c| c.chat.leave_room(c.name(), input);
    CreateRoom => |input, c| c.chat.create_room(c.name(), &c.address, input);
    ListRooms => |_input, c| c.chat.list_rooms(c.name());
    MarkRead => |input, c| c.chat.mark_read(c.name(), input);
    SetTyping => |input, c| c.chat.set_typing(&c.socket, c.name(), input);
    StopAnswer => |input, c| c.chat.stop_answer(c.name(), input);
    OpenDirect => |input, c| c.chat.open_direct(c.name(), &input.name);
    InviteMember => |input, c| c.chat.invite(c.name(), MemberRef::from(input));
    KickMember => |input, c| c.chat.kick(c.name(), MemberRef::from(input));
    BanMember => |input, c| c.chat.ban(c.name(), MemberRef::from(input));
    UnbanMember => |input, c| c.chat.unban(c.name(), MemberRef::from(input));
    SetRole => |input, c| c.chat.set_role(
        c.name(),
        MemberRef { room: input.room, name: input.name },
        input.role,
    );
    ListMembers => |input, c| c.chat.list_members(c.name(), &input.room);
}
