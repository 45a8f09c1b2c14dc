//! Rooms: their records (kind and owner), the sidebar's list, creation, and where each room's
//! change log stands.

use super::{Db, Result};
use crate::model::{Room, RoomEntry};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// A room, with what decides who may see it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RoomRecord {
    pub slug: String,
    pub name: String,
    /// Set for a conversation with the assistant: only this person sees it.
    pub owner: Option<String>,
    /// A conversation with the assistant: every message is a question.
    pub assistant: bool,
    /// Only members see it; people join by invitation.
    pub private: bool,
    /// A direct conversation between two people (private too).
    pub direct: bool,
}

impl RoomRecord {
    pub fn room(&self) -> Room {
        Room { slug: self.slug.clone(), name: self.name.clone() }
    }

    /// Public: listed to everyone, readable by guests.
    pub fn public(&self) -> bool {
        self.owner.is_none() && !self.private
    }
}

#[async_trait::async_trait]
pub trait RoomStore: Send + Sync {
    /// The room `slug`, if it exists.
    async fn room(&self, slug: &str) -> Result<Option<RoomRecord>>;

    /// `owner`'s private conversation with the assistant, created on first use.
    async fn assistant_room(&self, owner: &str, created_at: i64) -> Result<RoomRecord>;

    /// Every room `reader` may see, by name, with how far they have read it. Rooms the reader
    /// never opened (every room, for a guest) are not `joined` and count nothing as unread.
    async fn room_entries(&self, reader: Option<&str>) -> Result<Vec<RoomEntry>>;

    /// Creates a room with its creator as owner (a `joined` change at position 1); `None` when
    /// its slug or name (without case) is taken.
    async fn create_room(
        &self,
        room: &Room,
        created_by: &str,
        created_at: i64,
        private: bool,
    ) -> Result<Option<Room>>;

    /// The direct conversation between two people (named in either order), created on first
    /// use with both as members. Two first uses at once make one room.
    async fn direct_room(&self, a: &str, b: &str, created_at: i64) -> Result<RoomRecord>;

    /// Where a room's change log stands (0 for a new room).
    async fn room_pos(&self, room: &str) -> Result<i64>;

    /// Where a room's change log stands and the position of its latest message (0 when it has
    /// none), read together (a room page needs both).
    async fn room_positions(&self, room: &str) -> Result<(i64, i64)>;
}

/// The slug of the direct conversation between two people: derived from the pair (without
/// case, in either order), so that both find the same room.
pub fn direct_slug(a: &str, b: &str) -> (String, [String; 2]) {
    let (first, second) = if a.to_lowercase() <= b.to_lowercase() { (a, b) } else { (b, a) };
    let pair = format!("{}\n{}", first.to_lowercase(), second.to_lowercase());
    let digest = sha2::Digest::finalize(<sha2::Sha256 as sha2::Digest>::new_with_prefix(pair));
    (format!("dm-{}", &hex::encode(digest)[..16]), [first.to_owned(), second.to_owned()])
}

/// Room records this node has read. A record never changes once the room exists (rooms are not
/// renamed, given away or deleted), so a copy read once stays right on every node: every
/// command starts by finding its room, and this saves that query. Rooms not found are not
/// remembered.
#[derive(Clone, Default)]
pub struct Rooms(Arc<RwLock<HashMap<String, RoomRecord>>>);

impl Rooms {
    /// Most rooms kept; past this, lookups of rooms not yet kept go to the database.
    const MAX: usize = 10_000;

    pub async fn get(&self, db: &Db, slug: &str) -> Result<Option<RoomRecord>> {
        let kept =
            self.0.read().unwrap_or_else(|poisoned| poisoned.into_inner()).get(slug).cloned();
        if kept.is_some() {
            return Ok(kept);
        }
        let found = db.room(slug).await?;
        if let Some(record) = &found {
            let mut rooms = self.0.write().unwrap_or_else(|poisoned| poisoned.into_inner());
            if rooms.len() < Self::MAX {
                rooms.insert(slug.to_owned(), record.clone());
            }
        }
        Ok(found)
    }
}
