//! Members and moderation: direct conversations, invitations, kicks, bans, roles, the members
//! list, and the notice to someone removed from a room.

use super::{broadcasts, commands};
use crate::model::{Member, Role, Room};
use serde::{Deserialize, Serialize};

commands! {
    /// `direct:open`: the direct conversation with `name` (another account), created on first
    /// use. Both people's connections receive `room:created`.
    "direct:open" => struct OpenDirect {
        pub name: String,
    } -> Room;

    /// `member:invite`: add someone to a private room (owners and moderators). Their
    /// connections receive `room:created`; the room's, a `joined` change.
    "member:invite" => struct InviteMember {
        pub room: String,
        pub name: String,
    } -> ();

    /// `member:kick`: end someone's membership (owners and moderators, of people below them).
    /// Their sockets leave the room at once and receive `room:removed`; in a public room they
    /// may come back, in a private one only by a new invitation.
    "member:kick" => struct KickMember {
        pub room: String,
        pub name: String,
    } -> ();

    /// `member:ban`: kick, and refuse them the room (reading included) until `member:unban`.
    "member:ban" => struct BanMember {
        pub room: String,
        pub name: String,
    } -> ();

    /// `member:unban`: lift a ban.
    "member:unban" => struct UnbanMember {
        pub room: String,
        pub name: String,
    } -> ();

    /// `member:role`: the room's owner makes a member a moderator, or a moderator a member
    /// again.
    "member:role" => struct SetRole {
        pub room: String,
        pub name: String,
        pub role: Role,
    } -> ();

    /// `member:list`: a room's members and their roles; moderators also see who is banned.
    "member:list" => struct ListMembers {
        pub room: String,
    } -> Members;
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Members {
    pub members: Vec<Member>,
    /// Empty unless the caller moderates the room.
    pub banned: Vec<String>,
}

/// Names a member of a room, for the moderation use cases.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemberRef {
    pub room: String,
    pub name: String,
}

macro_rules! member_ref {
    ($($command:ident),*) => {$(
        impl From<$command> for MemberRef {
            fn from(command: $command) -> Self {
                Self { room: command.room, name: command.name }
            }
        }
    )*};
}

member_ref!(InviteMember, KickMember, BanMember, UnbanMember);

broadcasts! {
    /// `room:removed`: this person was kicked or banned from `room`; their connections no
    /// longer receive its events.
    "room:removed" => struct RoomRemoved {
        pub room: String,
        pub banned: bool,
        pub by: String,
    }
}
