//! Rooms: creating one, the sidebar's list, the private assistant conversation, leaving, and
//! catching up on a room's change log.

use super::{now_millis, signed_in, Chat};
use crate::model::{validate_room_name, Room, RoomEntry, LOBBY};
use crate::protocol::{Change, Changes, CreateRoom, Event, LeaveRoom, RoomCreated, SyncRoom};
use crate::server::broadcast;
use crate::server::error::{refuse, AppError};
use crate::server::policy::Action;
use crate::server::store::ChangeKind;

impl Chat {
    /// Creates a room with the caller as its owner. A public room is announced to every
    /// connection, a private one to its creator's.
    pub async fn create_room(
        &self,
        author: Option<&str>,
        address: &str,
        input: CreateRoom,
    ) -> Result<Room, AppError> {
        let author = signed_in(author)?;
        let room = validate_room_name(&input.name)?;
        if let Err(wait) = self.limits.rooms.take(address).await {
            return Err(refuse::rate_limited(refuse::Limited::Rooms, wait));
        }
        let created = self.db.create_room(&room, author, now_millis(), input.private).await?;
        let room = created.ok_or_else(|| refuse::room_exists(&room.name))?;
        broadcast::follow(&self.io, author, &room.slug).await;
        let event = RoomCreated { room: room.clone(), direct: false };
        if input.private {
            broadcast::to_person(&self.io, author, &event).await;
        } else {
            broadcast::to_all(&self.io, &event).await;
        }
        Ok(room)
    }

    /// Every room `reader` may see, with how far they have read it, and whether the other
    /// person of each direct conversation is online.
    pub async fn list_rooms(&self, reader: Option<&str>) -> Result<Vec<RoomEntry>, AppError> {
        let mut entries = self.db.room_entries(reader).await?;
        if let Some(reader) = reader {
            self.mark_online(&mut entries, reader).await?;
        }
        Ok(entries)
    }

    /// The caller's private conversation with the assistant, created on first use.
    pub async fn assistant_room(&self, owner: Option<&str>) -> Result<Room, AppError> {
        let owner = signed_in(owner)?;
        if !self.assistant.available() {
            return Err(refuse::assistant_unavailable().into());
        }
        Ok(self.db.assistant_room(owner, now_millis()).await?.room())
    }

    /// Ends the caller's membership of a room (not the lobby's).
    pub async fn leave_room(&self, name: Option<&str>, input: LeaveRoom) -> Result<(), AppError> {
        let name = signed_in(name)?;
        let (room, _) = self.enter(&input.room, Some(name), Action::Post).await?;
        if room.slug == LOBBY {
            return Err(refuse::cannot_leave());
        }
        if let Some(pos) = self.db.leave(&room.slug, name).await? {
            broadcast::unfollow(&self.io, name, &room.slug).await;
            self.announce(&room.slug, pos, Event::Left { name: name.to_owned() }).await;
        }
        Ok(())
    }

    /// Every change in a room's log after `after` (catch-up).
    pub async fn sync_room(&self, who: Option<&str>, input: SyncRoom) -> Result<Changes, AppError> {
        let (room, _) = self.enter(&input.room, who, Action::Read).await?;
        self.changes(&room.slug, input.after).await
    }

    /// The changes after `after`, each with its message as it is now.
    pub(super) async fn changes(&self, room: &str, after: i64) -> Result<Changes, AppError> {
        // Where the log stands is read first: a change committed after it is left for the next
        // call, never skipped.
        let upto = self.db.room_pos(room).await?;
        let page = self.pages.get(room, after, upto, self.read_changes(room, after, upto)).await?;
        crate::server::metrics::catch_up(page.changes.len());
        Ok(Changes::clone(&page))
    }

    /// Reads the changes after `after` up to `upto`, at most [`Changes::MAX`], each with its
    /// message as it is now.
    async fn read_changes(&self, room: &str, after: i64, upto: i64) -> sqlx::Result<Changes> {
        let (logged, messages) = self.db.changes_after(room, after, upto, Changes::MAX + 1).await?;
        let complete = logged.len() as i64 <= Changes::MAX;
        let message = |seq: Option<i64>| {
            let seq = seq?;
            messages.binary_search_by_key(&seq, |m| m.seq).ok().map(|at| messages[at].clone())
        };
        let mut changes = Vec::with_capacity(logged.len());
        for entry in logged.into_iter().take(Changes::MAX as usize) {
            let event = match entry.kind {
                ChangeKind::Joined => entry.name.map(|name| Event::Joined { name }),
                ChangeKind::Left => entry.name.map(|name| Event::Left { name }),
                ChangeKind::Posted => message(entry.seq).map(|message| Event::Posted { message }),
                ChangeKind::Edited => message(entry.seq).map(|message| Event::Edited { message }),
                ChangeKind::Deleted => message(entry.seq).map(|message| Event::Deleted { message }),
                ChangeKind::Reacted => message(entry.seq).map(|message| Event::Reacted { message }),
            };
            match event {
                Some(event) => {
                    changes.push(Change { room: room.to_owned(), pos: entry.pos, event })
                }
                None => tracing::error!("change {} in {room} cannot be read", entry.pos),
            }
        }
        let upto = if complete { upto } else { changes.last().map_or(after, |c| c.pos) };
        Ok(Changes { changes, upto, complete })
    }
}
