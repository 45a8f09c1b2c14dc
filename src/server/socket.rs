//! socket.io handlers: the connect middleware, and the table of commands. Each command is tied
//! to its use case by a [`Route`] impl; [`route`] registers it with the event's name, payload and
//! ack types all taken from the command's type, so a renamed event or a changed payload fails to
//! compile here as on the client. A payload that is not an object of the command's shape gets an
//! `invalid_payload` error ack instead of silence; the connection stays up.

use super::auth::{AuthSettings, Session};
use super::broadcast::{self, Batches};
use super::error::{refuse, AppError};
use super::store::{Db, Rooms};
use super::{assistant::Assistant, limits::Limiters};
use super::{origin::AllowedOrigins, Chat};
use crate::protocol::{
    Ack, BanMember, CloseRoom, Command, CreateRoom, DeleteMessage, EditMessage, InviteMember,
    JoinRoom, KickMember, LeaveRoom, ListMembers, ListMessages, ListRooms, MarkRead, MemberRef,
    Object, OpenDirect, ProtocolError, ReactMessage, SendMessage, SetRole, SetTyping, StopAnswer,
    SyncRoom, UnbanMember,
};
use serde::Deserialize;
use socketioxide::adapter::LocalAdapter;
use socketioxide::extract::{AckSender, SocketRef, State, TryData};
use socketioxide::handler::{FromConnectParts, FromDisconnectParts, FromMessageParts, Value};
use socketioxide::socket::DisconnectReason;
use socketioxide::{socket::Socket, SocketIo};
use std::{future::Future, sync::Arc};

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

/// The one state the server registers on socket.io: the use cases' parts but the `SocketIo`,
/// which exists only once the layer is built (each handler takes it from its socket).
#[derive(Clone)]
pub struct Services {
    pub db: Db,
    pub rooms: Rooms,
    pub limits: Limiters,
    pub assistant: Assistant,
    pub auth: AuthSettings,
    pub batches: Batches,
}

impl Services {
    /// The use cases, once the socket.io layer exists.
    pub fn chat(self, io: SocketIo) -> Chat {
        let Services { db, rooms, limits, assistant, auth, batches } = self;
        Chat { db, rooms, limits, io, assistant, auth, batches }
    }
}

/// A state the server did not register: a programming error, reported instead of panicking.
#[derive(Debug, thiserror::Error)]
#[error("the socket.io state Services is missing")]
pub struct MissingState;

/// The use cases, for a socket.
fn chat(socket: &Arc<Socket>) -> Result<Chat, MissingState> {
    let State(services) =
        State::<Services>::from_connect_parts(socket, &None).map_err(|_| MissingState)?;
    let io = SocketIo::from_connect_parts(socket, &None).unwrap_or_else(|never| match never {});
    Ok(services.chat(io))
}

/// The use cases, for the connect middleware and the disconnect handler.
pub struct UseCases(Chat);

impl FromConnectParts<LocalAdapter> for UseCases {
    type Error = MissingState;
    fn from_connect_parts(socket: &Arc<Socket>, _: &Option<Value>) -> Result<Self, Self::Error> {
        chat(socket).map(Self)
    }
}

impl FromDisconnectParts<LocalAdapter> for UseCases {
    type Error = MissingState;
    fn from_disconnect_parts(
        socket: &Arc<Socket>,
        _: DisconnectReason,
    ) -> Result<Self, Self::Error> {
        chat(socket).map(Self)
    }
}

/// What every command's use case gets: the use cases, the connection, and who it speaks for.
pub struct Caller {
    chat: Chat,
    socket: SocketRef,
    name: Option<String>,
    address: String,
}

impl FromMessageParts<LocalAdapter> for Caller {
    type Error = MissingState;

    fn from_message_parts(
        socket: &Arc<Socket>,
        _: &mut Value,
        _: &Option<i64>,
    ) -> Result<Self, Self::Error> {
        let speaker = socket.extensions.get::<Speaker>();
        let (name, address) =
            speaker.map_or((None, String::new()), |s| (Some(s.session.user.name), s.address));
        Ok(Self { chat: chat(socket)?, socket: SocketRef::from(socket.clone()), name, address })
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
pub async fn accept(
    socket: SocketRef,
    State(origins): State<AllowedOrigins>,
    UseCases(chat): UseCases,
    TryData(claim): TryData<Claim>,
) -> Result<(), &'static str> {
    let parts = socket.req_parts();
    if !origins.permit(&parts.headers) {
        tracing::warn!(socket = %socket.id, "refused a handshake from another origin");
        return Err("This origin may not connect to Parley.");
    }
    let Some(session) = chat.session(&parts.headers).await else {
        tracing::debug!(socket = %socket.id, "refused a handshake without a session");
        return Err("Sign in to connect.");
    };
    // An `auth` payload of another shape is some other client's business: only a named user
    // that is not the session's is refused.
    if let Some(claimed) = claim.ok().and_then(|claim| claim.user) {
        if claimed != session.user.name {
            tracing::info!(socket = %socket.id, "refused a handshake for another account");
            return Err("This page belongs to another account: reload it.");
        }
    }
    let address = chat.auth.client_address(parts);
    tracing::debug!(socket = %socket.id, user = %session.user.name, "connected");
    let channels =
        [broadcast::session_channel(&session.id), broadcast::user_channel(&session.user.name)];
    socket.join(channels);
    socket.extensions.insert(Speaker { session, address });

    route::<SendMessage>(&socket);
    route::<EditMessage>(&socket);
    route::<DeleteMessage>(&socket);
    route::<ReactMessage>(&socket);
    route::<ListMessages>(&socket);
    route::<JoinRoom>(&socket);
    route::<SyncRoom>(&socket);
    route::<CloseRoom>(&socket);
    route::<LeaveRoom>(&socket);
    route::<CreateRoom>(&socket);
    route::<ListRooms>(&socket);
    route::<MarkRead>(&socket);
    route::<SetTyping>(&socket);
    route::<StopAnswer>(&socket);
    route::<OpenDirect>(&socket);
    route::<InviteMember>(&socket);
    route::<KickMember>(&socket);
    route::<BanMember>(&socket);
    route::<UnbanMember>(&socket);
    route::<SetRole>(&socket);
    route::<ListMembers>(&socket);
    socket.on_disconnect(|socket: SocketRef, UseCases(chat): UseCases| async move {
        chat.disconnect(&socket.id.to_string()).await;
    });
    Ok(())
}

/// The connect handler proper has nothing left to do: see [`accept`].
pub async fn on_connect() {}

/// A command's use case.
pub trait Route: Command + Send + Sync + 'static {
    fn run(self, caller: Caller) -> impl Future<Output = Result<Self::Reply, AppError>> + Send;
}

/// Registers `C` on the socket: decodes its payload (an object, never an array: see
/// [`Object`]), runs its use case, and acknowledges either way (if the client asked for an ack).
/// A failed ack means the socket is gone or its queue is full; the client's own timeout and
/// retry cover that, so it is only logged.
fn route<C: Route>(socket: &SocketRef) {
    socket.on(
        C::NAME,
        |caller: Caller, TryData(input): TryData<Object<C>>, ack: AckSender| async move {
            let reply = match input {
                Ok(Object(command)) => command.run(caller).await.map_err(ProtocolError::from),
                Err(error) => {
                    let why = format!("Invalid {} payload: {error}", C::NAME);
                    Err(refuse::invalid_payload(why).into())
                }
            };
            if let Err(error) = ack.send(&Ack::from(reply)) {
                tracing::warn!("ack for {} not sent: {error}", C::NAME);
            }
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
