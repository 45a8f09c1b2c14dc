//! The use cases, by noun. Socket routes, server functions (the no-JavaScript forms) and the
//! REST API all call these, so a message posted through a form is validated, checked against
//! the policy, stored and broadcast exactly like one sent over the socket.
//!
//! Each use case starts the same way: who is asking ([`signed_in`]), the room as they may see
//! it, with their standing there ([`Chat::enter`]), asked of [`policy`].

mod accounts;
mod admin;
mod avatars;
mod change_pages;
mod files;
mod members;
mod messages;
mod presence;
mod reading;
mod room_page;
mod rooms;
mod search;

pub use admin::feed_admins;
pub use avatars::AvatarImage;
pub use change_pages::ChangePages;
pub(crate) use messages::Extras;
pub use presence::OFFLINE_GRACE;
pub use room_page::PAGE_MESSAGES;

use super::auth::AuthSettings;
use super::broadcast::{self, Io};
use super::error::{refuse, AppError};
use super::policy::{self, Action, Standing};
use super::store::{Db, Membership, RoomRecord, Rooms};
use super::{assistant::Assistant, limits::Limiters};
use crate::model::{Role, MAX_ROOM_CHARS};
use crate::protocol::{Event, ProtocolError};

/// What every use case needs: the database, the socket.io server to broadcast through, the
/// limits and the assistant.
#[derive(Clone)]
pub struct Chat {
    pub db: Db,
    pub rooms: Rooms,
    pub limits: Limiters,
    pub io: Io,
    pub assistant: Assistant,
    pub auth: AuthSettings,
    /// Announcements collected in busy rooms (see `broadcast::Batches`).
    pub batches: broadcast::Batches,
    /// Pages of change logs recently read for catching up.
    pub pages: ChangePages,
    /// This process's name among the nodes.
    pub node: std::sync::Arc<str>,
}

/// The name of the person asking, or `not_signed_in`.
pub fn signed_in(who: Option<&str>) -> Result<&str, ProtocolError> {
    who.ok_or_else(refuse::not_signed_in)
}

/// Milliseconds since the epoch: the time stored with every row.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// A signed-in person's standing for `action`, from what storage knows of them: being a server
/// admin counts only for actions that need authority.
fn standing(membership: Membership, action: Action) -> Standing {
    Standing {
        signed_in: true,
        role: membership.role,
        banned: membership.banned,
        admin: action.needs_authority() && membership.admin,
    }
}

impl Chat {
    /// The room `slug` as far as its record tells that `who` may know of it (its kind and
    /// owner; not yet their membership or a ban). Enough before posting, whose statement checks
    /// membership itself; everything else uses [`Chat::enter`].
    async fn record(&self, slug: &str, who: Option<&str>) -> Result<RoomRecord, AppError> {
        let found =
            if slug.len() <= MAX_ROOM_CHARS { self.rooms.get(&self.db, slug).await? } else { None };
        found
            .filter(|room| policy::knowable(policy::Kind::of(room, who), who.is_some()))
            .ok_or_else(|| refuse::unknown_room(slug))
    }

    /// What storage knows of `name` in `room`, in one round trip. Nobody is a member of, or
    /// banned from, their own assistant's room: there only whether they are an admin is read.
    async fn membership(&self, room: &RoomRecord, name: &str) -> Result<Membership, AppError> {
        if room.assistant {
            return Ok(Membership { admin: self.db.is_admin(name).await?, ..Default::default() });
        }
        Ok(self.db.membership(&room.slug, name).await?)
    }

    /// `name`'s standing in `room` for `action`.
    async fn standing(
        &self,
        room: &RoomRecord,
        name: &str,
        action: Action,
    ) -> Result<Standing, AppError> {
        if room.assistant && !action.needs_authority() {
            return Ok(standing(Membership::default(), action));
        }
        Ok(standing(self.membership(room, name).await?, action))
    }

    /// The room `slug`, if `who` may do `action` there, with their standing; the policy's
    /// refusal otherwise.
    async fn enter(
        &self,
        slug: &str,
        who: Option<&str>,
        action: Action,
    ) -> Result<(RoomRecord, Standing), AppError> {
        let room = self.record(slug, who).await?;
        let standing = match who {
            Some(name) => self.standing(&room, name, action).await?,
            None => Standing::default(),
        };
        policy::check(&room, who, &standing, action)?;
        Ok((room, standing))
    }

    /// The room `slug`, if `who` may read it, with their membership there (`None` for a guest):
    /// one read serves the policy's checks for reading, joining and moderating.
    async fn enter_reading(
        &self,
        slug: &str,
        who: Option<&str>,
    ) -> Result<(RoomRecord, Option<Membership>), AppError> {
        let room = self.record(slug, who).await?;
        let membership = match who {
            Some(name) => Some(self.membership(&room, name).await?),
            None => None,
        };
        let reading = membership.map_or_else(Standing::default, |m| standing(m, Action::Read));
        policy::check(&room, who, &reading, Action::Read)?;
        Ok((room, membership))
    }

    /// Makes a person a member of a room they may post in, if they were not (a `joined`
    /// change), given what storage said of them there; returns their membership as it is now.
    /// Private rooms are joined by invitation only: the policy hides them from everyone else.
    async fn ensure_member(
        &self,
        room: &RoomRecord,
        name: &str,
        mut membership: Membership,
    ) -> Result<Membership, AppError> {
        // Most calls find a member, and a write transaction costs the write lock.
        if membership.role.is_some() {
            return Ok(membership);
        }
        policy::check(room, Some(name), &standing(membership, Action::Post), Action::Post)?;
        if let Some(pos) = self.db.join(&room.slug, name).await? {
            broadcast::follow(&self.io, name, &room.slug).await;
            self.announce(&room.slug, pos, Event::Joined { name: name.to_owned() }).await;
        }
        if !room.assistant {
            membership.role = Some(Role::Member);
        }
        Ok(membership)
    }

    /// Tells a room's connections about a change in its log.
    async fn announce(&self, room: &str, pos: i64, event: Event) {
        broadcast::change(&self.io, &self.batches, room, pos, event).await;
    }
}
