//! The admin namespace (`/admin`): what a server admin's page shows, live. Its handshake
//! refuses everyone but server admins; it takes no commands.

use super::broadcasts;
use serde::{Deserialize, Serialize};

/// The socket.io namespace of the admin page.
pub const ADMIN_NAMESPACE: &str = "/admin";
/// The `connect_error` message of a handshake to `/admin` by someone who is not a server admin.
pub const ADMIN_ONLY: &str = "Server admins only.";
/// How often a node sends `admin:overview` to the admins connected to it.
pub const ADMIN_EVERY_MS: u32 = 2_000;

broadcasts! {
    /// `admin:overview` (namespace `/admin` only): the state of the node the admin is connected
    /// to, on connecting and every [`ADMIN_EVERY_MS`] after. Rates and percentiles cover the
    /// last minute; error counts, the time since the node started.
    "admin:overview" => struct AdminOverview {
        /// The node that measured (behind a load balancer, each node reports its own traffic).
        pub node: String,
        /// When, in milliseconds since the epoch.
        pub at: i64,
        /// Open socket.io connections to this node, by transport.
        pub websocket: u64,
        pub polling: u64,
        pub messages_per_second: f64,
        pub commands_per_second: f64,
        /// Time from a command's arrival to its ack: the bucket bound (in milliseconds) under
        /// which half, and 99 %, of the last minute's commands were answered; `null` without
        /// commands.
        pub ack_p50_ms: Option<f64>,
        pub ack_p99_ms: Option<f64>,
        /// Refusals by error code, most frequent first.
        pub errors: Vec<ErrorCount>,
        /// The rooms with the most people online (every node's), busiest first.
        pub busiest: Vec<BusyRoom>,
        /// The server admins, sorted.
        pub admins: Vec<String>,
        /// The latest moderation actions, newest first.
        pub moderation: Vec<ModerationEntry>,
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorCount {
    pub code: String,
    pub count: u64,
}

/// A room and how many people are online in it. A direct conversation or an assistant's is not
/// named (`slug` is `null`; `name` says what kind of room it is).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BusyRoom {
    pub name: String,
    pub slug: Option<String>,
    pub online: u64,
}

/// One moderation action: `action` is `kick`, `ban`, `unban`, `moderator` (made a moderator),
/// `member` (made a member again), `delete` (deleted someone else's message), `grant` or
/// `revoke` (server admin rights; `room` is `null`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModerationEntry {
    pub at: i64,
    pub by: String,
    pub action: String,
    pub room: Option<String>,
    pub target: String,
}
