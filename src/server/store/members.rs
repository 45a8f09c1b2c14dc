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

/// One page of a room's members (see [`MemberStore::roster`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Roster {
    pub members: Vec<Member>,
    /// How many members match the search: more than `members` holds when the list is cut.
    pub matching: u64,
    /// How many members the room has.
    pub total: u64,
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

    /// A room page's members list: the first `limit` members in the order of
    /// [`MemberStore::members`] whose name contains `find` (any case; everyone when it is
    /// empty), how many match, and how many members the room has.
    async fn roster(&self, room: &str, find: &str, limit: usize) -> Result<Roster>;

    /// A room page's "seen by": the members who have read `room` up to `seq` or further, but
    /// the names in `except`, with their read positions: the first `limit` by name, and how
    /// many there are in all.
    async fn seen_by(
        &self,
        room: &str,
        seq: i64,
        except: [&str; 2],
        limit: usize,
    ) -> Result<(Vec<(String, i64)>, u64)>;

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
