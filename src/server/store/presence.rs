//! Who is online where: one row per socket and room.

use super::Result;
use crate::protocol::Online;

/// A room a closing socket was in, and whether its person is now gone from it.
pub struct Departure {
    pub room: String,
    pub name: String,
    pub last: bool,
}

#[async_trait::async_trait]
pub trait PresenceStore: Send + Sync {
    /// Records that a socket is in a room. True when it is the person's first socket there.
    async fn add_presence(&self, socket_id: &str, room: &str, name: &str) -> Result<bool>;

    /// Whether a socket has joined a room.
    async fn is_present(&self, socket_id: &str, room: &str) -> Result<bool>;

    /// Forgets a socket's presence in one room, or in every room it was in (`room` = `None`).
    async fn remove_presence(&self, socket_id: &str, room: Option<&str>) -> Result<Vec<Departure>>;

    /// Forgets every socket of `name` in `room`: true if they were there.
    async fn remove_presence_of(&self, room: &str, name: &str) -> Result<bool>;

    /// The first `limit` of the people online in a room, each once, sorted, and how many there
    /// are in all.
    async fn online(&self, room: &str, limit: usize) -> Result<Online>;

    /// How many people are online in a room.
    async fn online_count(&self, room: &str) -> Result<u64>;

    /// In how many rooms `name` is present (0: offline).
    async fn rooms_present(&self, name: &str) -> Result<i64>;

    /// The people `name` has a direct conversation with, each with whether they are online.
    async fn direct_peers(&self, name: &str) -> Result<Vec<(String, bool)>>;

    /// The `limit` rooms with the most people online (each person once), busiest first, with
    /// their counts.
    async fn busiest_rooms(&self, limit: i64) -> Result<Vec<(String, i64)>>;

    /// This node is alive at `now` (milliseconds); nodes silent for `timeout` are dead, and
    /// their sockets' presence is removed: each room and person it was for, once, whichever
    /// node notices first.
    async fn heartbeat(&self, now: i64, timeout: i64) -> Result<Vec<Departure>>;
}
