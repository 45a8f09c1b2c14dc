//! The socket.io server, alone or in a cluster, chosen at start: with `PARLEY_REDIS_URL` set,
//! socketioxide's Redis adapter (`socketioxide-redis`, fred driver) carries every broadcast,
//! channel join or leave and disconnection to the sockets of every node; without it, the local
//! adapter keeps them in this process. socketioxide types both by their adapter, so the use
//! cases hold an [`Io`] and a command's connection is a [`Conn`], each one of the two.

use socketioxide::adapter::{Adapter, Emitter, LocalAdapter};
use socketioxide::extract::SocketRef;
use socketioxide::SocketIo;

/// The adapter of a node in a cluster.
pub type ClusterAdapter = socketioxide_redis::FredAdapter<Emitter>;

/// The socket.io server.
#[derive(Clone)]
pub enum Io {
    Alone(SocketIo<LocalAdapter>),
    /// With the Redis connection the adapter uses: while it is down, broadcasts go to this
    /// node's sockets only (at once, instead of waiting for Redis), and when it returns every
    /// socket of this node is told to catch up (`sync:needed`).
    Cluster(SocketIo<ClusterAdapter>, fred::clients::SubscriberClient),
}

/// One client's connection.
#[derive(Clone)]
pub enum Conn {
    Alone(SocketRef<LocalAdapter>),
    Cluster(SocketRef<ClusterAdapter>),
}

/// The two adapters Parley runs on.
pub trait Wire: Adapter {
    fn conn(socket: SocketRef<Self>) -> Conn;
}

impl Wire for LocalAdapter {
    fn conn(socket: SocketRef<Self>) -> Conn {
        Conn::Alone(socket)
    }
}

impl Wire for ClusterAdapter {
    fn conn(socket: SocketRef<Self>) -> Conn {
        Conn::Cluster(socket)
    }
}

impl Io {
    /// Closes every socket of this node (shutting down).
    pub async fn close(&self) {
        match self {
            Io::Alone(io) => io.close().await,
            Io::Cluster(io, _) => io.close().await,
        }
    }
}

impl Conn {
    /// The socket's id (unique across nodes).
    pub fn id(&self) -> String {
        match self {
            Conn::Alone(socket) => socket.id.to_string(),
            Conn::Cluster(socket) => socket.id.to_string(),
        }
    }

    /// Subscribes the socket to a channel.
    pub fn join(&self, channel: String) {
        match self {
            Conn::Alone(socket) => socket.join(channel),
            Conn::Cluster(socket) => socket.join(channel),
        }
    }

    /// Unsubscribes the socket from a channel.
    pub fn leave(&self, channel: String) {
        match self {
            Conn::Alone(socket) => socket.leave(channel),
            Conn::Cluster(socket) => socket.leave(channel),
        }
    }
}

impl Io {
    /// This node's sockets by transport (WebSocket, long-polling), and how many chat rooms
    /// have a page open on it.
    pub async fn census(&self) -> (usize, usize, usize) {
        match self {
            Io::Alone(io) => census(io).await,
            Io::Cluster(io, _) => census(io).await,
        }
    }
}

async fn census<A: Adapter>(io: &SocketIo<A>) -> (usize, usize, usize) {
    let Some(all) = io.of("/") else { return (0, 0, 0) };
    let here = all.local();
    let sockets = here.clone().sockets();
    let websocket = sockets
        .iter()
        .filter(|socket| matches!(socket.transport_type(), socketioxide::TransportType::Websocket))
        .count();
    let rooms = match here.rooms().await {
        Ok(rooms) => rooms.iter().filter(|room| room.starts_with(super::ROOM_PREFIX)).count(),
        Err(_) => 0,
    };
    (websocket, sockets.len() - websocket, rooms)
}
