//! Members and moderation: direct conversations, invitations to private rooms, roles, kicks and
//! bans, and the members list. Who may do each is the policy's; this is the doing.

use super::{now_millis, signed_in, Chat};
use crate::model::{validate_name, Role, Room};
use crate::protocol::{Event, MemberRef, Members, PersonStatus, RoomCreated, RoomRemoved};
use crate::server::broadcast;
use crate::server::error::{refuse, AppError};
use crate::server::policy::{self, Action, Kind};
use crate::server::store::RoomRecord;

impl Chat {
    /// The account `name` names (its stored spelling), or `unknown_user`.
    async fn account(&self, name: &str) -> Result<String, AppError> {
        let name = validate_name(name)?;
        self.db.user_name(&name).await?.ok_or_else(|| refuse::unknown_user(&name))
    }

    /// The room a moderation command is about and the target's stored name, if the caller may
    /// moderate the room and the target is below them.
    async fn moderated(
        &self,
        who: Option<&str>,
        target: &MemberRef,
    ) -> Result<(RoomRecord, String), AppError> {
        let who = signed_in(who)?;
        let (room, mine) = self.enter(&target.room, Some(who), Action::Moderate).await?;
        let name = self.account(&target.name).await?;
        let theirs = self.standing(&room, &name, Action::Moderate).await?;
        if !policy::may_moderate(Kind::of(&room, Some(who)), &mine, &theirs, name == who) {
            if name == who {
                return Err(refuse::forbidden("You cannot do that to yourself."));
            }
            return Err(refuse::not_below(&name, &room.name));
        }
        Ok((room, name))
    }

    /// The direct conversation between the caller and `other`, created on first use. Both
    /// people's connections learn of it.
    pub async fn open_direct(&self, who: Option<&str>, other: &str) -> Result<Room, AppError> {
        let who = signed_in(who)?;
        let other = self.account(other).await?;
        if other == who {
            return Err(refuse::forbidden("A direct conversation needs someone else."));
        }
        let room = self.db.direct_room(who, &other, now_millis()).await?;
        let pair = [who, other.as_str()];
        for name in pair {
            broadcast::follow(&self.io, name, &room.slug).await;
            let event = RoomCreated { room: room.room(), direct: true };
            broadcast::to_person(&self.io, name, &event).await;
        }
        // Each sidebar's new entry gets its dot.
        for (name, peer) in [(pair[0], pair[1]), (pair[1], pair[0])] {
            let online = self.db.rooms_present(peer).await? > 0;
            let status = PersonStatus { name: peer.to_owned(), online };
            broadcast::to_person(&self.io, name, &status).await;
        }
        Ok(room.room())
    }

    /// Adds someone to a private room.
    pub async fn invite(&self, who: Option<&str>, target: MemberRef) -> Result<(), AppError> {
        let who = signed_in(who)?;
        let (room, _) = self.enter(&target.room, Some(who), Action::Invite).await?;
        let name = self.account(&target.name).await?;
        if self.db.membership(&room.slug, &name).await?.banned {
            let why = format!("{name} is banned from {}: lift the ban first.", room.name);
            return Err(refuse::forbidden(why));
        }
        if let Some(pos) = self.db.join(&room.slug, &name).await? {
            broadcast::follow(&self.io, &name, &room.slug).await;
            self.announce(&room.slug, pos, Event::Joined { name: name.clone() }).await;
            let event = RoomCreated { room: room.room(), direct: room.direct };
            broadcast::to_person(&self.io, &name, &event).await;
        }
        Ok(())
    }

    /// Ends someone's membership; their sockets leave the room at once.
    pub async fn kick(&self, who: Option<&str>, target: MemberRef) -> Result<(), AppError> {
        let (room, name) = self.moderated(who, &target).await?;
        let by = who.unwrap_or_default();
        self.remove(&room, &name, by, false).await?;
        self.log_moderation(by, "kick", Some(&room.slug), &name).await;
        Ok(())
    }

    /// Kicks someone and keeps them out until the ban is lifted.
    pub async fn ban(&self, who: Option<&str>, target: MemberRef) -> Result<(), AppError> {
        let (room, name) = self.moderated(who, &target).await?;
        let by = who.unwrap_or_default();
        self.db.ban(&room.slug, &name, by, now_millis()).await?;
        tracing::info!(room = %room.slug, user = %name, %by, "banned");
        self.remove(&room, &name, by, true).await?;
        self.log_moderation(by, "ban", Some(&room.slug), &name).await;
        Ok(())
    }

    pub async fn unban(&self, who: Option<&str>, target: MemberRef) -> Result<(), AppError> {
        let (room, name) = self.moderated(who, &target).await?;
        if !self.db.unban(&room.slug, &name).await? {
            return Err(refuse::forbidden(format!("{name} is not banned from {}.", room.name)));
        }
        self.log_moderation(who.unwrap_or_default(), "unban", Some(&room.slug), &name).await;
        Ok(())
    }

    /// Takes `name` out of `room`: membership, presence, and their sockets' subscription.
    async fn remove(
        &self,
        room: &RoomRecord,
        name: &str,
        by: &str,
        banned: bool,
    ) -> Result<(), AppError> {
        if let Some(pos) = self.db.leave(&room.slug, name).await? {
            self.announce(&room.slug, pos, Event::Left { name: name.to_owned() }).await;
        }
        broadcast::unsubscribe_person(&self.io, name, &room.slug).await;
        broadcast::unfollow(&self.io, name, &room.slug).await;
        if self.db.remove_presence_of(&room.slug, name).await? {
            self.batches.presence(&self.io, None, &room.slug, name, false).await;
        }
        let event = RoomRemoved { room: room.slug.clone(), banned, by: by.to_owned() };
        broadcast::to_person(&self.io, name, &event).await;
        Ok(())
    }

    /// The owner (or an admin) makes a member a moderator, or a moderator a member again.
    pub async fn set_role(
        &self,
        who: Option<&str>,
        target: MemberRef,
        role: Role,
    ) -> Result<(), AppError> {
        let who = signed_in(who)?;
        let (room, _) = self.enter(&target.room, Some(who), Action::NameModerators).await?;
        if role == Role::Owner {
            return Err(refuse::forbidden("A room has one owner: its creator."));
        }
        let name = self.account(&target.name).await?;
        let theirs = self.db.membership(&room.slug, &name).await?;
        if !policy::may_give(role, &policy::Standing { role: theirs.role, ..Default::default() }) {
            return Err(refuse::forbidden("The owner's role does not change."));
        }
        if !self.db.set_role(&room.slug, &name, role).await? {
            return Err(refuse::forbidden(format!("{name} is not a member of {}.", room.name)));
        }
        let action = if role == Role::Moderator { "moderator" } else { "member" };
        self.log_moderation(who, action, Some(&room.slug), &name).await;
        Ok(())
    }

    /// A room's members; its moderators also see who is banned.
    pub async fn list_members(&self, who: Option<&str>, room: &str) -> Result<Members, AppError> {
        let (room, _) = self.enter(room, who, Action::Read).await?;
        let members = self.db.members(&room.slug).await?;
        let sees_bans = match who {
            Some(name) => {
                let standing = self.standing(&room, name, Action::SeeBans).await?;
                policy::allowed(Kind::of(&room, who), &standing, Action::SeeBans).is_ok()
            }
            None => false,
        };
        let banned = if sees_bans { self.db.bans(&room.slug).await? } else { Vec::new() };
        Ok(Members { members, banned })
    }
}
