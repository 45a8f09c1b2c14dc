//! socket.io handlers: the table of events, and one thin adapter per command that decodes the
//! payload, calls the use case and acknowledges. A payload of the wrong shape gets an
//! `invalid_payload` error ack instead of silence; the connection stays up.

use super::accounts::{self, AuthSettings, Session};
use super::{assistant::Assistant, chat::Chat, error::AppError, origin::AllowedOrigins};
use super::{limits::Limiters, store::Rooms};
use crate::protocol::{
    Ack, BanMember, CloseRoom, Command, CreateRoom, DeleteMessage, EditMessage, ErrorCode,
    InviteMember, JoinRoom, KickMember, LeaveRoom, ListMembers, ListMessages, ListRooms, MarkRead,
    OpenDirect, ProtocolError, ReactMessage, SendMessage, SetRole, SetTyping, StopAnswer, SyncRoom,
    UnbanMember,
};
use socketioxide::adapter::LocalAdapter;
use socketioxide::extract::{AckSender, SocketRef, State, TryData};
use socketioxide::handler::{FromConnectParts, FromDisconnectParts, FromMessageParts, Value};
use socketioxide::socket::DisconnectReason;
use socketioxide::{socket::Socket, ParserError, SocketIo};
use sqlx::SqlitePool;
use std::{future::Future, sync::Arc};

/// Who a connection speaks for, read once from the handshake's session cookie, and the address
/// it came from.
#[derive(Clone, Debug)]
struct Speaker {
    session: Session,
    address: String,
}

/// A state the server did not register: a programming error, reported instead of panicking.
#[derive(Debug, thiserror::Error)]
#[error("socket.io state {0} is missing")]
pub struct MissingState(&'static str);

/// The use cases, from the states the server registered on socket.io.
fn chat(socket: &Arc<Socket>) -> Result<Chat, MissingState> {
    fn state<T: Clone + Send + Sync + 'static>(
        socket: &Arc<Socket>,
        name: &'static str,
    ) -> Result<T, MissingState> {
        State::<T>::from_connect_parts(socket, &None)
            .map(|State(t)| t)
            .map_err(|_| MissingState(name))
    }
    Ok(Chat {
        pool: state::<SqlitePool>(socket, "SqlitePool")?,
        rooms: state::<Rooms>(socket, "Rooms")?,
        limits: state::<Limiters>(socket, "Limiters")?,
        assistant: state::<Assistant>(socket, "Assistant")?,
        auth: state::<AuthSettings>(socket, "AuthSettings")?,
        io: SocketIo::from_connect_parts(socket, &None).unwrap_or_else(|never| match never {}),
    })
}

/// The use cases, for the connect middleware and the disconnect handler.
pub struct Services(Chat);

impl FromConnectParts<LocalAdapter> for Services {
    type Error = MissingState;
    fn from_connect_parts(socket: &Arc<Socket>, _: &Option<Value>) -> Result<Self, Self::Error> {
        chat(socket).map(Self)
    }
}

impl FromDisconnectParts<LocalAdapter> for Services {
    type Error = MissingState;
    fn from_disconnect_parts(
        socket: &Arc<Socket>,
        _: DisconnectReason,
    ) -> Result<Self, Self::Error> {
        chat(socket).map(Self)
    }
}

/// What every command handler needs: the use cases, and who the connection speaks for.
struct Caller {
    chat: Chat,
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
        Ok(Self { chat: chat(socket)?, name, address })
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
/// or without a live session, is refused: every socket speaks for a signed-in person.
pub async fn accept(
    socket: SocketRef,
    State(origins): State<AllowedOrigins>,
    Services(chat): Services,
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
    let address = chat.auth.client_address(parts);
    tracing::debug!(socket = %socket.id, user = %session.user.name, "connected");
    socket
        .join([accounts::session_channel(&session.id), accounts::user_channel(&session.user.name)]);
    socket.extensions.insert(Speaker { session, address });

    socket.on(SendMessage::NAME, send_message);
    socket.on(JoinRoom::NAME, join_room);
    socket.on(CloseRoom::NAME, close_room);
    socket.on(LeaveRoom::NAME, leave_room);
    socket.on(SyncRoom::NAME, sync_room);
    socket.on(ListRooms::NAME, list_rooms);
    socket.on(StopAnswer::NAME, stop_answer);
    socket.on(EditMessage::NAME, edit_message);
    socket.on(DeleteMessage::NAME, delete_message);
    socket.on(ReactMessage::NAME, react);
    socket.on(CreateRoom::NAME, create_room);
    socket.on(MarkRead::NAME, mark_read);
    socket.on(ListMessages::NAME, list_messages);
    socket.on(SetTyping::NAME, set_typing);
    socket.on(OpenDirect::NAME, open_direct);
    socket.on(InviteMember::NAME, invite);
    socket.on(KickMember::NAME, kick);
    socket.on(BanMember::NAME, ban);
    socket.on(UnbanMember::NAME, unban);
    socket.on(SetRole::NAME, set_role);
    socket.on(ListMembers::NAME, list_members);
    socket.on_disconnect(|socket: SocketRef, Services(chat): Services| async move {
        chat.disconnect(&socket.id.to_string()).await;
    });
    Ok(())
}

/// The connect handler proper has nothing left to do: see [`accept`].
pub async fn on_connect() {}

async fn send_message(caller: Caller, TryData(input): TryData<SendMessage>, ack: AckSender) {
    let work = input.map(|input| caller.chat.post_message(caller.name(), input));
    respond::<SendMessage>(ack, work).await;
}

async fn join_room(
    socket: SocketRef,
    caller: Caller,
    TryData(input): TryData<JoinRoom>,
    ack: AckSender,
) {
    let work = input.map(|input| caller.chat.join_room(&socket, caller.name(), input));
    respond::<JoinRoom>(ack, work).await;
}

async fn close_room(
    socket: SocketRef,
    caller: Caller,
    TryData(input): TryData<CloseRoom>,
    ack: AckSender,
) {
    let work = input.map(|input| caller.chat.close_room(&socket, caller.name(), input));
    respond::<CloseRoom>(ack, work).await;
}

async fn leave_room(caller: Caller, TryData(input): TryData<LeaveRoom>, ack: AckSender) {
    let work = input.map(|input| caller.chat.leave_room(caller.name(), input));
    respond::<LeaveRoom>(ack, work).await;
}

async fn stop_answer(caller: Caller, TryData(input): TryData<StopAnswer>, ack: AckSender) {
    let work = input.map(|input| caller.chat.stop_answer(caller.name(), input));
    respond::<StopAnswer>(ack, work).await;
}

async fn list_rooms(caller: Caller, TryData(input): TryData<ListRooms>, ack: AckSender) {
    let work = input.map(|_| caller.chat.list_rooms(caller.name()));
    respond::<ListRooms>(ack, work).await;
}

async fn sync_room(caller: Caller, TryData(input): TryData<SyncRoom>, ack: AckSender) {
    let work = input.map(|input| caller.chat.sync_room(caller.name(), input));
    respond::<SyncRoom>(ack, work).await;
}

async fn edit_message(caller: Caller, TryData(input): TryData<EditMessage>, ack: AckSender) {
    let work = input.map(|input| caller.chat.edit_message(caller.name(), input));
    respond::<EditMessage>(ack, work).await;
}

async fn delete_message(caller: Caller, TryData(input): TryData<DeleteMessage>, ack: AckSender) {
    let work = input.map(|input| caller.chat.delete_message(caller.name(), input));
    respond::<DeleteMessage>(ack, work).await;
}

async fn react(caller: Caller, TryData(input): TryData<ReactMessage>, ack: AckSender) {
    let work = input.map(|input| caller.chat.react(caller.name(), input));
    respond::<ReactMessage>(ack, work).await;
}

async fn create_room(caller: Caller, TryData(input): TryData<CreateRoom>, ack: AckSender) {
    let work = input.map(|input| caller.chat.create_room(caller.name(), &caller.address, input));
    respond::<CreateRoom>(ack, work).await;
}

async fn mark_read(caller: Caller, TryData(input): TryData<MarkRead>, ack: AckSender) {
    let work = input.map(|input| caller.chat.mark_read(caller.name(), input));
    respond::<MarkRead>(ack, work).await;
}

async fn list_messages(caller: Caller, TryData(input): TryData<ListMessages>, ack: AckSender) {
    let work = input.map(|input| caller.chat.list_messages(caller.name(), input));
    respond::<ListMessages>(ack, work).await;
}

async fn set_typing(
    socket: SocketRef,
    caller: Caller,
    TryData(input): TryData<SetTyping>,
    ack: AckSender,
) {
    let work = input.map(|input| caller.chat.set_typing(&socket, caller.name(), input));
    respond::<SetTyping>(ack, work).await;
}

async fn open_direct(caller: Caller, TryData(input): TryData<OpenDirect>, ack: AckSender) {
    let work =
        input.map(|input| async move { caller.chat.open_direct(caller.name(), &input.name).await });
    respond::<OpenDirect>(ack, work).await;
}

async fn invite(caller: Caller, TryData(input): TryData<InviteMember>, ack: AckSender) {
    let work = input.map(|input| caller.chat.invite(caller.name(), input.into()));
    respond::<InviteMember>(ack, work).await;
}

async fn kick(caller: Caller, TryData(input): TryData<KickMember>, ack: AckSender) {
    let work = input.map(|input| caller.chat.kick(caller.name(), input.into()));
    respond::<KickMember>(ack, work).await;
}

async fn ban(caller: Caller, TryData(input): TryData<BanMember>, ack: AckSender) {
    let work = input.map(|input| caller.chat.ban(caller.name(), input.into()));
    respond::<BanMember>(ack, work).await;
}

async fn unban(caller: Caller, TryData(input): TryData<UnbanMember>, ack: AckSender) {
    let work = input.map(|input| caller.chat.unban(caller.name(), input.into()));
    respond::<UnbanMember>(ack, work).await;
}

async fn set_role(caller: Caller, TryData(input): TryData<SetRole>, ack: AckSender) {
    let work = input.map(|SetRole { room, name, role }| {
        caller.chat.set_role(caller.name(), crate::protocol::MemberRef { room, name }, role)
    });
    respond::<SetRole>(ack, work).await;
}

async fn list_members(caller: Caller, TryData(input): TryData<ListMembers>, ack: AckSender) {
    let work = input
        .map(|input| async move { caller.chat.list_members(caller.name(), &input.room).await });
    respond::<ListMembers>(ack, work).await;
}

/// Runs a command's use case, or refuses a payload that did not decode, and acknowledges either
/// way (if the client asked for an ack). A failed ack means the socket is gone or its queue is
/// full; the client's own timeout and retry cover that, so it is only logged.
async fn respond<C: Command>(
    ack: AckSender,
    work: Result<impl Future<Output = Result<C::Reply, AppError>>, ParserError>,
) {
    let reply = match work {
        Ok(work) => work.await.map_err(ProtocolError::from),
        Err(error) => Err(ProtocolError::new(
            ErrorCode::InvalidPayload,
            format!("Invalid {} payload: {error}", C::NAME),
        )),
    };
    if let Err(error) = ack.send(&Ack::from(reply)) {
        tracing::warn!("ack for {} not sent: {error}", C::NAME);
    }
}
