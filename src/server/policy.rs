//! Who may do what: every permission rule of Parley, in one table read top to bottom. Storage
//! returns facts (what kind of room, the person's role there, a ban, server admin); this module
//! decides; the use cases ask it before they act, whichever path the request came by (socket,
//! form or REST: a personal API token acts with exactly its owner's rights).
//!
//! | action | public room | private room | direct conversation | assistant room |
//! |---|---|---|---|---|
//! | read, post, react | anyone not banned (guests read only) | members not banned | its two people | its owner |
//! | edit, delete own message | who may post | who may post | who may post | its owner |
//! | delete others' messages | moderators, owner, admins | moderators, owner, admins | admins | admins |
//! | invite | nobody (anyone may open it) | moderators, owner, admins | nobody | nobody |
//! | kick, ban, unban | moderators, owner, admins, of people below them | same | admins | admins |
//! | name moderators | owner, admins | owner, admins | nobody | nobody |
//! | see who is banned | moderators, owner, admins | same | admins | admins |
//!
//! A server admin counts as the owner of every room they can see, and outranks everyone. Admins
//! do not see private rooms or direct conversations they are not members of: for anyone outside
//! one, a private room does not exist (`unknown_room`), and so it does for guests. A banned
//! person is refused the room, reading included (`forbidden`), until the ban is lifted.

use super::error::{refuse, AppError};
use super::store::RoomRecord;
use crate::model::Role;

/// The kind of a room, as far as permissions go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Public,
    Private,
    Direct,
    /// Someone's private conversation with the assistant; `mine`: the person asking owns it.
    Assistant {
        mine: bool,
    },
}

impl Kind {
    pub fn of(room: &RoomRecord, who: Option<&str>) -> Self {
        if room.assistant {
            Kind::Assistant { mine: who.is_some() && room.owner.as_deref() == who }
        } else if room.direct {
            Kind::Direct
        } else if room.private {
            Kind::Private
        } else {
            Kind::Public
        }
    }
}

/// What storage knows about a person in a room. A guest has the default standing (no role, no
/// ban, no admin) and is not signed in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Standing {
    pub signed_in: bool,
    /// Their role if they are a member.
    pub role: Option<Role>,
    pub banned: bool,
    /// A server admin.
    pub admin: bool,
}

impl Standing {
    /// The role that counts for moderation (and that the room page shows): an admin's is the
    /// owner's in every room they can see; in a direct conversation nobody else moderates.
    pub fn authority(&self, kind: Kind) -> Option<Role> {
        match kind {
            _ if self.admin => Some(Role::Owner),
            Kind::Direct => None,
            Kind::Public | Kind::Private | Kind::Assistant { .. } => self.role,
        }
    }

    fn moderates(&self, kind: Kind) -> bool {
        self.authority(kind).is_some_and(Role::moderates)
    }
}

/// Something a person may want to do in a room.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Read its messages and follow it live (also: know it exists).
    Read,
    /// Post (which makes one a member of a public room), react, mark read, edit or delete one's
    /// own messages, type.
    Post,
    DeleteOthers,
    Invite,
    /// Kick, ban or unban (each also needs [`may_moderate`] about the target).
    Moderate,
    NameModerators,
    SeeBans,
}

impl Action {
    /// Whether the answer depends on the person's authority (and so on whether they are a
    /// server admin), not only on membership.
    pub fn needs_authority(self) -> bool {
        !matches!(self, Action::Read | Action::Post)
    }
}

/// What a room's record alone tells, before membership is read: whether someone may know the
/// room exists. Posting goes on from here (its statement checks membership itself, so the common
/// case costs one round trip), and a non-member is then asked of [`allowed`] before joining.
pub fn knowable(kind: Kind, signed_in: bool) -> bool {
    match kind {
        Kind::Assistant { mine } => mine,
        Kind::Private | Kind::Direct => signed_in,
        Kind::Public => true,
    }
}

/// The table. `Err` says why not; the use cases turn it into the documented error.
pub fn allowed(kind: Kind, who: &Standing, action: Action) -> Result<(), Refusal> {
    use Refusal::{Banned, Hidden, NotSignedIn, Unauthorised};
    // Reading comes first: a room someone may not read is one they can do nothing in.
    let readable = match kind {
        Kind::Assistant { mine } => mine,
        Kind::Public => true,
        Kind::Private | Kind::Direct => who.role.is_some(),
    };
    if !readable {
        return Err(Hidden);
    }
    if who.banned && !matches!(kind, Kind::Assistant { .. }) {
        return Err(Banned);
    }
    if action != Action::Read && !who.signed_in {
        return Err(NotSignedIn);
    }
    let permitted = match action {
        Action::Read | Action::Post => true,
        Action::DeleteOthers | Action::Moderate | Action::SeeBans => who.moderates(kind),
        Action::Invite => kind == Kind::Private && who.moderates(kind),
        Action::NameModerators => {
            matches!(kind, Kind::Public | Kind::Private) && who.authority(kind) == Some(Role::Owner)
        }
    };
    if permitted {
        Ok(())
    } else {
        Err(Unauthorised(action))
    }
}

/// Whether a moderator may kick, ban or unban `target` (who may do so at all is [`allowed`]):
/// not themselves, and only someone below them. An admin outranks everyone; nobody but an
/// admin acts on an admin.
pub fn may_moderate(kind: Kind, actor: &Standing, target: &Standing, myself: bool) -> bool {
    if myself {
        return false;
    }
    if actor.admin {
        return true;
    }
    !target.admin && target.role < actor.authority(kind)
}

/// Whether `role` may be given to `target` by naming moderators: a room has one owner, its
/// creator, whose role never changes.
pub fn may_give(role: Role, target: &Standing) -> bool {
    role != Role::Owner && target.role != Some(Role::Owner)
}

/// Why the table said no.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The room does not exist for them.
    Hidden,
    Banned,
    NotSignedIn,
    Unauthorised(Action),
}

/// Asks the table about `room`, and words a refusal for the person.
pub fn check(
    room: &RoomRecord,
    who: Option<&str>,
    standing: &Standing,
    action: Action,
) -> Result<(), AppError> {
    allowed(Kind::of(room, who), standing, action).map_err(|refusal| match refusal {
        Refusal::Hidden => refuse::unknown_room(&room.slug),
        Refusal::Banned => refuse::banned_from(&room.name),
        Refusal::NotSignedIn => refuse::not_signed_in().into(),
        Refusal::Unauthorised(action) => refuse::unauthorised(action, room),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;

    const GUEST: Standing = Standing { signed_in: false, role: None, banned: false, admin: false };
    const STRANGER: Standing =
        Standing { signed_in: true, role: None, banned: false, admin: false };
    const MEMBER: Standing = Standing { role: Some(Role::Member), ..STRANGER };
    const MODERATOR: Standing = Standing { role: Some(Role::Moderator), ..STRANGER };
    const OWNER: Standing = Standing { role: Some(Role::Owner), ..STRANGER };
    const BANNED: Standing = Standing { banned: true, ..STRANGER };
    const ADMIN: Standing = Standing { admin: true, ..STRANGER };
    const ADMIN_MEMBER: Standing = Standing { admin: true, ..MEMBER };

    const PUBLIC: Kind = Kind::Public;
    const PRIVATE: Kind = Kind::Private;
    const DIRECT: Kind = Kind::Direct;
    const MINE: Kind = Kind::Assistant { mine: true };
    const THEIRS: Kind = Kind::Assistant { mine: false };

    /// (who, room kind, action) → allowed.
    #[rustfmt::skip]
    const TABLE: &[(&str, Standing, Kind, Action, bool)] = &[
        ("guest", GUEST, PUBLIC, Read, true),
        ("guest", GUEST, PUBLIC, Post, false),
        ("guest", GUEST, PRIVATE, Read, false),
        ("guest", GUEST, THEIRS, Read, false),
        ("stranger", STRANGER, PUBLIC, Read, true),
        ("stranger", STRANGER, PUBLIC, Post, true),
        ("stranger", STRANGER, PUBLIC, DeleteOthers, false),
        ("stranger", STRANGER, PRIVATE, Read, false),
        ("stranger", STRANGER, PRIVATE, Post, false),
        ("stranger", STRANGER, DIRECT, Read, false),
        ("stranger", STRANGER, THEIRS, Read, false),
        ("stranger", STRANGER, MINE, Post, true),
        ("banned", BANNED, PUBLIC, Read, false),
        ("banned", BANNED, PUBLIC, Post, false),
        ("member", MEMBER, PUBLIC, Post, true),
        ("member", MEMBER, PUBLIC, DeleteOthers, false),
        ("member", MEMBER, PUBLIC, Moderate, false),
        ("member", MEMBER, PUBLIC, SeeBans, false),
        ("member", MEMBER, PRIVATE, Read, true),
        ("member", MEMBER, PRIVATE, Post, true),
        ("member", MEMBER, PRIVATE, Invite, false),
        ("member", MEMBER, DIRECT, Post, true),
        ("member", MEMBER, DIRECT, DeleteOthers, false),
        ("moderator", MODERATOR, PUBLIC, DeleteOthers, true),
        ("moderator", MODERATOR, PUBLIC, Moderate, true),
        ("moderator", MODERATOR, PUBLIC, SeeBans, true),
        ("moderator", MODERATOR, PUBLIC, Invite, false),
        ("moderator", MODERATOR, PUBLIC, NameModerators, false),
        ("moderator", MODERATOR, PRIVATE, Invite, true),
        ("owner", OWNER, PUBLIC, NameModerators, true),
        ("owner", OWNER, PRIVATE, NameModerators, true),
        ("owner", OWNER, PRIVATE, Invite, true),
        ("owner", OWNER, DIRECT, Invite, false),
        ("owner", OWNER, DIRECT, NameModerators, false),
        ("admin", ADMIN, PUBLIC, DeleteOthers, true),
        ("admin", ADMIN, PUBLIC, NameModerators, true),
        ("admin", ADMIN, PRIVATE, Read, false),
        ("admin", ADMIN, THEIRS, Read, false),
        ("admin member", ADMIN_MEMBER, PRIVATE, Invite, true),
        ("admin member", ADMIN_MEMBER, DIRECT, DeleteOthers, true),
        ("admin member", ADMIN_MEMBER, DIRECT, Moderate, true),
        ("admin member", ADMIN_MEMBER, DIRECT, NameModerators, false),
        ("admin member", ADMIN_MEMBER, MINE, DeleteOthers, true),
        ("member", MEMBER, MINE, DeleteOthers, false),
    ];

    #[test]
    fn the_table() {
        for (who, standing, kind, action, expected) in TABLE {
            let got = allowed(*kind, standing, *action).is_ok();
            assert_eq!(got, *expected, "{who} in a {kind:?} room: {action:?}");
        }
    }

    #[test]
    fn a_hidden_room_is_hidden_before_anything_else() {
        let banned_stranger = Standing { banned: true, ..STRANGER };
        assert_eq!(allowed(PRIVATE, &banned_stranger, Read), Err(Refusal::Hidden));
        assert_eq!(allowed(PUBLIC, &BANNED, Read), Err(Refusal::Banned));
        assert_eq!(allowed(PUBLIC, &GUEST, Post), Err(Refusal::NotSignedIn));
    }

    #[test]
    fn moderators_act_only_on_people_below_them() {
        let cases = [
            (MODERATOR, MEMBER, false, true),
            (MODERATOR, STRANGER, false, true),
            (MODERATOR, MODERATOR, false, false),
            (MODERATOR, OWNER, false, false),
            (OWNER, MODERATOR, false, true),
            (OWNER, ADMIN_MEMBER, false, false),
            (ADMIN, OWNER, false, true),
            (ADMIN, ADMIN_MEMBER, false, true),
            (OWNER, OWNER, true, false),
            (ADMIN, ADMIN, true, false),
        ];
        for (actor, target, myself, expected) in cases {
            let got = may_moderate(PUBLIC, &actor, &target, myself);
            assert_eq!(got, expected, "{actor:?} on {target:?}");
        }
    }

    #[test]
    fn a_record_alone_hides_others_assistants_and_private_rooms_from_guests() {
        assert!(knowable(PUBLIC, false));
        assert!(!knowable(PRIVATE, false) && knowable(PRIVATE, true));
        assert!(!knowable(DIRECT, false) && knowable(DIRECT, true));
        assert!(knowable(MINE, true) && !knowable(THEIRS, true));
    }

    #[test]
    fn the_owner_keeps_the_role() {
        assert!(may_give(Role::Moderator, &MEMBER));
        assert!(may_give(Role::Member, &MODERATOR));
        assert!(!may_give(Role::Owner, &MEMBER));
        assert!(!may_give(Role::Member, &OWNER));
    }
}
