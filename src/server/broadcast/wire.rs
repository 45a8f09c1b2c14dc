//! The socket.io server, alone or in a cluster, chosen at start: with `PARLEY_REDIS_URL` set,
//! socketioxide's Redis adapter (`socketioxide-redis`, fred driver) carries every broadcast,
//! channel join or leave and disconnection to the sockets of every node; without it, the local
//! adapter keeps them in this process. socketioxide types both by their adapter, so the use
//! cases hold an [`Io`] and a command's connection is a [`Conn`], each one of the two.

use crate::protocol::{Broadcast, ADMIN_NAMESPACE};
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
    /// Whether an admin page is connected to this node (namespace `/admin`).
    pub fn admins_here(&self) -> bool {
        match self {
            Io::Alone(io) => admins_here(io),
            Io::Cluster(io, _) => admins_here(io),
        }
    }

    /// Sends `event` to the admin pages connected to this node (each node reports its own).
    pub async fn to_admins_here<B: Broadcast>(&self, event: &B) {
        match self {
            Io::Alone(io) => to_admins_here(io, event).await,
            Io::Cluster(io, _) => to_admins_here(io, event).await,
        }
    }

    /// Disconnects the admin pages in `channel` (a person's or a session's), on every node.
    pub async fn disconnect_admins(&self, channel: String) {
        let result = match self {
            Io::Alone(io) => disconnect_admins(io, channel).await,
            Io::Cluster(io, _) => disconnect_admins(io, channel).await,
        };
        if let Err(error) = result {
            tracing::warn!("disconnecting admin pages: {error}");
        }
    }

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

    /// How many chat rooms' channels the socket is in, and whether `room`'s is one of them.
    pub fn open_rooms(&self, room: &str) -> (usize, bool) {
        let channels: Vec<String> = match self {
            Conn::Alone(socket) => socket.rooms().into_iter().map(|r| r.to_string()).collect(),
            Conn::Cluster(socket) => socket.rooms().into_iter().map(|r| r.to_string()).collect(),
        };
        let wanted = super::room_channel(room);
        let open = channels.iter().filter(|c| c.starts_with(super::ROOM_PREFIX)).count();
        (open, channels.contains(&wanted))
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

fn admins_here<A: Adapter>(io: &SocketIo<A>) -> bool {
    io.of(ADMIN_NAMESPACE).is_some_and(|admins| !admins.local().sockets().is_empty())
}

async fn to_admins_here<A: Adapter, B: Broadcast>(io: &SocketIo<A>, event: &B) {
    if let Some(admins) = io.of(ADMIN_NAMESPACE) {
        if let Err(error) = admins.local().emit(B::NAME, event).await {
            tracing::warn!("{}: {error}", B::NAME);
        }
    }
}

async fn disconnect_admins<A: Adapter>(
    io: &SocketIo<A>,
    channel: String,
) -> Result<(), socketioxide::BroadcastError> {
    match io.of(ADMIN_NAMESPACE) {
        Some(admins) => admins.to(channel).disconnect().await,
        None => Ok(()),
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
