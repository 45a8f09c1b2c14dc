//! Who may do what in a room, and the use cases that change it: direct conversations,
//! invitations to private rooms, roles, kicks and bans. Every path (socket, form, REST) calls
//! these, so the rules are written once.

use super::accounts::{self, user_channel};
use super::chat::{broadcast, channel, not_signed_in, now_millis, Chat};
use super::{error::AppError, store, store::RoomRecord};
use crate::model::{validate_name, Role, Room};
use crate::protocol::{
    ErrorCode, Event, MemberRef, Members, PresenceUpdated, ProtocolError, RoomCreated, RoomRemoved,
};

fn forbidden(why: impl Into<String>) -> AppError {
    ProtocolError::new(ErrorCode::Forbidden, why).into()
}

impl Chat {
    /// What `name` may do in `room`: their role there, or an owner's rights everywhere for a
    /// server admin. `None`: not a member.
    pub(super) async fn authority(
        &self,
        room: &RoomRecord,
        name: &str,
    ) -> Result<Option<Role>, AppError> {
        if accounts::is_admin(&self.pool, name).await? {
            return Ok(Some(Role::Owner));
        }
        if room.direct {
            // Nobody moderates a direct conversation but an admin.
            return Ok(None);
        }
        Ok(store::access(&self.pool, &room.slug, name).await?.0)
    }

    /// The account `name` names (its stored spelling), or `unknown_user`.
    async fn account(&self, name: &str) -> Result<String, AppError> {
        let name = validate_name(name)?;
        accounts::user_name(&self.pool, &name).await?.ok_or_else(|| {
            ProtocolError::new(ErrorCode::UnknownUser, format!("There is no one called {name}."))
                .into()
        })
    }

    /// The room a moderation command is about, the caller's authority there and the target's
    /// stored name. Refused unless the caller moderates the room and outranks the target (an
    /// admin outranks everyone).
    async fn moderated(
        &self,
        who: Option<&str>,
        target: &MemberRef,
    ) -> Result<(RoomRecord, String), AppError> {
        let who = who.ok_or_else(not_signed_in)?;
        let room = self.existing_room(&target.room, Some(who)).await?;
        let mine = self.authority(&room, who).await?;
        if !mine.is_some_and(Role::moderates) {
            return Err(forbidden(format!("Only {}'s moderators may do that.", room.name)));
        }
        let name = self.account(&target.name).await?;
        if name == who {
            return Err(forbidden("You cannot do that to yourself."));
        }
        let admin = accounts::is_admin(&self.pool, who).await?;
        let theirs = store::access(&self.pool, &room.slug, &name).await?.0;
        if !admin && (accounts::is_admin(&self.pool, &name).await? || theirs >= mine) {
            return Err(forbidden(format!("{name} is not below you in {}.", room.name)));
        }
        Ok((room, name))
    }

    /// The direct conversation between the caller and `other`, created on first use. Both
    /// people's connections learn of it.
    pub async fn open_direct(&self, who: Option<&str>, other: &str) -> Result<Room, AppError> {
        let who = who.ok_or_else(not_signed_in)?;
        let other = self.account(other).await?;
        if other == who {
            return Err(forbidden("A direct conversation needs someone else."));
        }
        let room = store::direct_room(&self.pool, who, &other, now_millis()).await?;
        for name in [who, other.as_str()] {
            let to = self.everyone().map(|all| all.to(user_channel(name)));
            broadcast(to, &RoomCreated { room: room.room() }).await;
        }
        Ok(room.room())
    }

    /// Adds someone to a private room.
    pub async fn invite(&self, who: Option<&str>, target: MemberRef) -> Result<(), AppError> {
        let who = who.ok_or_else(not_signed_in)?;
        let room = self.existing_room(&target.room, Some(who)).await?;
        if !room.private || room.direct {
            let why = "Only private rooms take invitations: anyone can open a public room.";
            return Err(forbidden(why));
        }
        if !self.authority(&room, who).await?.is_some_and(Role::moderates) {
            return Err(forbidden(format!("Only {}'s moderators may invite.", room.name)));
        }
        let name = self.account(&target.name).await?;
        if store::access(&self.pool, &room.slug, &name).await?.1 {
            return Err(forbidden(format!(
                "{name} is banned from {}: lift the ban first.",
                room.name
            )));
        }
        if let Some(pos) = store::join(&self.pool, &room.slug, &name).await? {
            self.announce(&room.slug, pos, Event::Joined { name: name.clone() }).await;
            let to = self.everyone().map(|all| all.to(user_channel(&name)));
            broadcast(to, &RoomCreated { room: room.room() }).await;
        }
        Ok(())
    }

    /// Ends someone's membership; their sockets leave the room at once.
    pub async fn kick(&self, who: Option<&str>, target: MemberRef) -> Result<(), AppError> {
        let (room, name) = self.moderated(who, &target).await?;
        self.remove(&room, &name, who.unwrap_or_default(), false).await
    }

    /// Kicks someone and keeps them out until the ban is lifted.
    pub async fn ban(&self, who: Option<&str>, target: MemberRef) -> Result<(), AppError> {
        let (room, name) = self.moderated(who, &target).await?;
        let by = who.unwrap_or_default();
        store::ban(&self.pool, &room.slug, &name, by, now_millis()).await?;
        tracing::info!(room = %room.slug, user = %name, %by, "banned");
        self.remove(&room, &name, by, true).await
    }

    pub async fn unban(&self, who: Option<&str>, target: MemberRef) -> Result<(), AppError> {
        let (room, name) = self.moderated(who, &target).await?;
        if !store::unban(&self.pool, &room.slug, &name).await? {
            return Err(forbidden(format!("{name} is not banned from {}.", room.name)));
        }
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
        if let Some(pos) = store::leave(&self.pool, &room.slug, name).await? {
            self.announce(&room.slug, pos, Event::Left { name: name.to_owned() }).await;
        }
        if let Some(all) = self.everyone() {
            all.to(user_channel(name)).leave(channel(&room.slug)).await;
        }
        if store::remove_presence_of(&self.pool, &room.slug, name).await? {
            let event =
                PresenceUpdated { room: room.slug.clone(), name: name.to_owned(), here: false };
            broadcast(self.everyone().map(|all| all.to(channel(&room.slug))), &event).await;
        }
        let event = RoomRemoved { room: room.slug.clone(), banned, by: by.to_owned() };
        broadcast(self.everyone().map(|all| all.to(user_channel(name))), &event).await;
        Ok(())
    }

    /// The owner (or an admin) makes a member a moderator, or a moderator a member again.
    pub async fn set_role(
        &self,
        who: Option<&str>,
        target: MemberRef,
        role: Role,
    ) -> Result<(), AppError> {
        let who = who.ok_or_else(not_signed_in)?;
        let room = self.existing_room(&target.room, Some(who)).await?;
        if self.authority(&room, who).await? != Some(Role::Owner) || room.direct {
            return Err(forbidden(format!("Only {}'s owner may name moderators.", room.name)));
        }
        if role == Role::Owner {
            return Err(forbidden("A room has one owner: its creator."));
        }
        let name = self.account(&target.name).await?;
        if store::access(&self.pool, &room.slug, &name).await?.0 == Some(Role::Owner) {
            return Err(forbidden("The owner's role does not change."));
        }
        if !store::set_role(&self.pool, &room.slug, &name, role).await? {
            return Err(forbidden(format!("{name} is not a member of {}.", room.name)));
        }
        Ok(())
    }

    /// A room's members; its moderators also see who is banned.
    pub async fn list_members(&self, who: Option<&str>, room: &str) -> Result<Members, AppError> {
        let room = self.existing_room(room, who).await?;
        let members = store::members(&self.pool, &room.slug).await?;
        let moderates = match who {
            Some(who) => self.authority(&room, who).await?.is_some_and(Role::moderates),
            None => false,
        };
        let banned =
            if moderates { store::bans(&self.pool, &room.slug).await? } else { Vec::new() };
        Ok(Members { members, banned })
    }
}
