//! socket.io handlers: the table of events, and one thin adapter per command that decodes the
//! payload, calls the use case and acknowledges. A payload of the wrong shape gets an
//! `invalid_payload` error ack instead of silence; the connection stays up.

use super::{chat::Chat, identity};
use crate::protocol::{
    Ack, Command, ErrorCode, JoinRoom, ListMessages, ProtocolError, SendMessage, SetTyping,
};
use socketioxide::extract::{AckSender, MaybeExtension, SocketRef, State, TryData};
use socketioxide::SocketIo;
use sqlx::SqlitePool;

/// Who this connection speaks for, read once from the handshake's cookie.
#[derive(Clone, Debug)]
pub struct Speaker(pub Option<String>);

/// Runs before socket.io confirms the connection to the client, so every handler is in place
/// before the first event can arrive. (socketioxide spawns the connect handler itself as a task;
/// handlers registered there could miss a client's first emit.)
pub async fn accept(socket: SocketRef) -> Result<(), std::convert::Infallible> {
    let name = identity::from_headers(&socket.req_parts().headers);
    tracing::debug!(socket = %socket.id, ?name, "connected");
    socket.extensions.insert(Speaker(name));

    socket.on(SendMessage::NAME, send_message);
    socket.on(JoinRoom::NAME, join_room);
    socket.on(ListMessages::NAME, list_messages);
    socket.on(SetTyping::NAME, set_typing);
    socket.on_disconnect(
        |socket: SocketRef, io: SocketIo, State(pool): State<SqlitePool>| async move {
            Chat { pool, io }.disconnect(&socket.id.to_string()).await;
        },
    );
    Ok(())
}

/// The connect handler proper has nothing left to do: see [`accept`].
pub async fn on_connect() {}

async fn send_message(
    io: SocketIo,
    State(pool): State<SqlitePool>,
    MaybeExtension(speaker): MaybeExtension<Speaker>,
    TryData(input): TryData<SendMessage>,
    ack: AckSender,
) {
    let reply = match input {
        Ok(input) => Chat { pool, io }
            .post_message(name(&speaker), input)
            .await
            .map_err(Into::into),
        Err(error) => Err(invalid_payload::<SendMessage>(error)),
    };
    answer::<SendMessage>(ack, reply);
}

async fn join_room(
    socket: SocketRef,
    io: SocketIo,
    State(pool): State<SqlitePool>,
    MaybeExtension(speaker): MaybeExtension<Speaker>,
    TryData(input): TryData<JoinRoom>,
    ack: AckSender,
) {
    let reply = match input {
        Ok(input) => Chat { pool, io }
            .join_room(&socket, name(&speaker), input)
            .await
            .map_err(Into::into),
        Err(error) => Err(invalid_payload::<JoinRoom>(error)),
    };
    answer::<JoinRoom>(ack, reply);
}

async fn list_messages(
    io: SocketIo,
    State(pool): State<SqlitePool>,
    TryData(input): TryData<ListMessages>,
    ack: AckSender,
) {
    let reply = match input {
        Ok(input) => Chat { pool, io }
            .list_messages(input)
            .await
            .map_err(Into::into),
        Err(error) => Err(invalid_payload::<ListMessages>(error)),
    };
    answer::<ListMessages>(ack, reply);
}

async fn set_typing(
    socket: SocketRef,
    io: SocketIo,
    State(pool): State<SqlitePool>,
    MaybeExtension(speaker): MaybeExtension<Speaker>,
    TryData(input): TryData<SetTyping>,
    ack: AckSender,
) {
    let reply = match input {
        Ok(input) => Chat { pool, io }
            .set_typing(&socket, name(&speaker), input)
            .await
            .map_err(Into::into),
        Err(error) => Err(invalid_payload::<SetTyping>(error)),
    };
    answer::<SetTyping>(ack, reply);
}

fn name(speaker: &Option<Speaker>) -> Option<&str> {
    speaker.as_ref().and_then(|Speaker(name)| name.as_deref())
}

fn invalid_payload<C: Command>(error: impl std::fmt::Display) -> ProtocolError {
    ProtocolError::new(
        ErrorCode::InvalidPayload,
        format!("Invalid {} payload: {error}", C::NAME),
    )
}

/// Sends the ack, if the client asked for one. A failed send means the socket is gone or its
/// queue is full; the client's own timeout and retry cover that, so it is only logged.
fn answer<C: Command>(ack: AckSender, reply: Result<C::Reply, ProtocolError>) {
    if let Err(error) = ack.send(&Ack::from(reply)) {
        tracing::warn!("ack for {} not sent: {error}", C::NAME);
    }
}
