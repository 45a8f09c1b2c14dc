//! Members of rooms (the `read_positions` table: a member is someone with a read position),
//! their roles and read positions, and bans.

use super::Result;
use crate::model::{Member, Role};

/// What someone is in a room: their role if a member, whether they are banned, and whether
/// they are a server admin (read with the rest: one round trip tells all a page needs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Membership {
    pub role: Option<Role>,
    pub banned: bool,
    pub admin: bool,
}

#[async_trait::async_trait]
pub trait MemberStore: Send + Sync {
    /// Makes `name` a member of `room`, with everything posted so far counted as read. Returns
    /// the `joined` change's position, or `None` if they were a member already.
    async fn join(&self, room: &str, name: &str) -> Result<Option<i64>>;

    /// Ends `name`'s membership of `room`: the `left` change's position, or `None` if they were
    /// not a member.
    async fn leave(&self, room: &str, name: &str) -> Result<Option<i64>>;

    async fn membership(&self, room: &str, name: &str) -> Result<Membership>;

    /// A room's members with their roles: owners, then moderators, then the rest, by name.
    async fn members(&self, room: &str) -> Result<Vec<Member>>;

    /// A room's members in the order of [`MemberStore::members`], each with their read
    /// position: the members list and "seen by" of a room page, in one read.
    async fn roster(&self, room: &str) -> Result<Vec<(Member, i64)>>;

    /// Gives a member another role; false when `name` is not a member.
    async fn set_role(&self, room: &str, name: &str, role: Role) -> Result<bool>;

    /// Bans `name` from `room` (kept until lifted); their membership ends with `leave`.
    async fn ban(&self, room: &str, name: &str, by: &str, at: i64) -> Result<()>;

    /// Lifts a ban; false when there was none.
    async fn unban(&self, room: &str, name: &str) -> Result<bool>;

    /// Who is banned from a room, by name.
    async fn bans(&self, room: &str) -> Result<Vec<String>>;

    /// Everyone's read position in a room: `(name, seq)`, by name.
    async fn read_positions(&self, room: &str) -> Result<Vec<(String, i64)>>;

    /// The rooms `name` is a member of.
    async fn rooms_of(&self, name: &str) -> Result<Vec<String>>;

    /// Moves a member's read position in `room` forward to `seq` (never back, never past the
    /// last message) and returns the stored position; `None` when `name` is not a member.
    async fn mark_read(&self, room: &str, name: &str, seq: i64) -> Result<Option<i64>>;
}
