//! Private rooms, direct conversations, roles, kicks and bans, through the socket and the pages.

use crate::helpers::{send, TestApp};
use crate::pages::page;
use parley::model::{Member, Role};
use parley::protocol::{
    BanMember, Broadcast as _, Change, CloseRoom, CreateRoom, DeleteMessage, ErrorCode, Event,
    InviteMember, JoinRoom, KickMember, ListMembers, ListRooms, OpenDirect, RoomCreated,
    RoomRemoved, SetRole, UnbanMember,
};
use reqwest::StatusCode;

fn member(name: &str, role: Role) -> Member {
    Member { name: name.into(), role }
}

#[tokio::test]
async fn a_private_room_is_joined_by_invitation_only() {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    let mut bob = app.member("Bob").await;
    let room = ada.ok(&CreateRoom { name: "Plans".into(), private: true }).await;
    ada.join(&room.slug).await;
    assert_eq!(
        bob.refused(&JoinRoom { room: room.slug.clone(), after: None }).await.code,
        ErrorCode::UnknownRoom
    );

    // Only its moderators invite, and only people with an account.
    let nobody = InviteMember { room: room.slug.clone(), name: "Nobody".into() };
    assert_eq!(ada.refused(&nobody).await.code, ErrorCode::UnknownUser);
    let carol = app.member("Carol").await;
    let by_outsider = InviteMember { room: room.slug.clone(), name: "Carol".into() };
    assert_eq!(carol.refused(&by_outsider).await.code, ErrorCode::UnknownRoom);
    ada.ok(&InviteMember { room: room.slug.clone(), name: "bob".into() }).await;

    // Bob learns of the room live, then reads and posts in it.
    assert_eq!(bob.wait_for::<RoomCreated>().await.room, room);
    bob.join(&room.slug).await;
    let sent = bob.ok(&send(&room.slug, "b1", "count me in")).await;
    assert_eq!(sent.room, room.slug);
    let listed = bob.ok(&ListRooms {}).await;
    assert!(listed.iter().any(|r| r.slug == room.slug));
    let members = ada.ok(&ListMembers { room: room.slug.clone() }).await;
    assert_eq!(members.members, [member("Ada", Role::Owner), member("Bob", Role::Member)]);
    // A member who is not a moderator cannot invite.
    let invite_carol = InviteMember { room: room.slug.clone(), name: "Carol".into() };
    assert_eq!(bob.refused(&invite_carol).await.code, ErrorCode::Forbidden);
    // Public rooms take no invitations: anyone may open them.
    let public = InviteMember { room: "lobby".into(), name: "Carol".into() };
    assert_eq!(ada.refused(&public).await.code, ErrorCode::Forbidden);
}

#[tokio::test]
async fn a_direct_conversation_is_between_two_people_only() {
    let app = TestApp::spawn().await;
    let mut ada = app.member("Ada").await;
    let mut bob = app.member("Bob").await;
    let carol = app.member("Carol").await;

    let room = ada.ok(&OpenDirect { name: "Bob".into() }).await;
    assert_eq!(room.name, "Ada & Bob");
    assert_eq!(ada.wait_for::<RoomCreated>().await.room, room);
    assert_eq!(bob.wait_for::<RoomCreated>().await.room, room);
    // The same conversation, whoever opens it and however the name is typed.
    assert_eq!(bob.ok(&OpenDirect { name: "ADA".into() }).await, room);
    assert_eq!(ada.refused(&OpenDirect { name: "Ada".into() }).await.code, ErrorCode::Forbidden);
    assert_eq!(
        ada.refused(&OpenDirect { name: "Nobody".into() }).await.code,
        ErrorCode::UnknownUser
    );

    ada.join(&room.slug).await;
    bob.join(&room.slug).await;
    let sent = bob.ok(&send(&room.slug, "b1", "just between us")).await;
    let posted = loop {
        if let Event::Posted { message } = ada.wait_for::<Change>().await.event {
            break message;
        }
    };
    assert_eq!(posted, sent);
    let invite = InviteMember { room: room.slug.clone(), name: "Carol".into() };
    assert_eq!(ada.refused(&invite).await.code, ErrorCode::Forbidden, "no third person");
    assert_eq!(
        carol.refused(&JoinRoom { room: room.slug.clone(), after: None }).await.code,
        ErrorCode::UnknownRoom
    );
    let (status, html) = page(&app, Some("Bob"), &format!("/r/{}", room.slug)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("just between us"), "{html}");
}

#[tokio::test]
async fn moderators_delete_kick_and_ban_and_a_ban_takes_effect_at_once() {
    let app = TestApp::spawn().await;
    let mut ada = app.member("Ada").await;
    let bob = app.member("Bob").await;
    let mut carol = app.member("Carol").await;
    let room = ada.ok(&CreateRoom { name: "Town".into(), private: false }).await;
    let slug = room.slug.clone();
    for person in [&ada, &bob, &carol] {
        person.join(&slug).await;
    }

    // The owner names Bob a moderator; Bob, not the owner, cannot name others.
    let promote = |name: &str, role| SetRole { room: slug.clone(), name: name.into(), role };
    assert_eq!(bob.refused(&promote("Carol", Role::Moderator)).await.code, ErrorCode::Forbidden);
    ada.ok(&promote("Bob", Role::Moderator)).await;
    assert_eq!(ada.refused(&promote("Bob", Role::Owner)).await.code, ErrorCode::Forbidden);

    // A moderator deletes someone else's message; everyone sees it go.
    let rude = carol.ok(&send(&slug, "c1", "something rude")).await;
    let delete = DeleteMessage { room: slug.clone(), seq: rude.seq };
    bob.ok(&delete).await;
    loop {
        let change = ada.wait_for::<Change>().await;
        if let Event::Deleted { message } = change.event {
            assert_eq!((message.seq, message.deleted), (rude.seq, true));
            break;
        }
    }

    // Nobody acts on someone of their own rank or above.
    let kick_ada = KickMember { room: slug.clone(), name: "Ada".into() };
    assert_eq!(bob.refused(&kick_ada).await.code, ErrorCode::Forbidden);
    let ban_self = BanMember { room: slug.clone(), name: "Bob".into() };
    assert_eq!(bob.refused(&ban_self).await.code, ErrorCode::Forbidden);

    // A kick takes Carol's sockets out of the room at once; she may come back to a public room.
    bob.ok(&KickMember { room: slug.clone(), name: "Carol".into() }).await;
    let removed = loop {
        let (event, data) = carol.next_any().await;
        if event == "room:removed" {
            break serde_json::from_value::<RoomRemoved>(data).expect("payload");
        }
    };
    assert_eq!(removed, RoomRemoved { room: slug.clone(), banned: false, by: "Bob".into() });
    ada.ok(&send(&slug, "a1", "after the kick")).await;
    carol.join(&slug).await;

    // A ban: out at once, and refused everywhere until lifted.
    bob.ok(&BanMember { room: slug.clone(), name: "Carol".into() }).await;
    let removed = carol.wait_for::<RoomRemoved>().await;
    assert_eq!(removed, RoomRemoved { room: slug.clone(), banned: true, by: "Bob".into() });
    let marker = ada.ok(&send(&slug, "a2", "Carol cannot read this")).await;
    ada.ok(&send("lobby", "a3", "lobby marker")).await;
    loop {
        let (event, data) = carol.next_any().await;
        assert!(
            event != Change::NAME || data["room"] != slug.as_str(),
            "a banned socket still hears the room: {event} {data}"
        );
        if data["message"]["body"] == "lobby marker" {
            break;
        }
    }
    let joined = JoinRoom { room: slug.clone(), after: None };
    let refused = carol.refused(&joined).await;
    assert_eq!(refused.code, ErrorCode::Forbidden);
    assert_eq!(refused.message, "You are banned from Town.");
    assert_eq!(carol.refused(&send(&slug, "c2", "let me back")).await.code, ErrorCode::Forbidden);
    let (status, html) = page(&app, Some("Carol"), &format!("/r/{slug}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!html.contains(&marker.body), "{html}");
    let members = bob.ok(&ListMembers { room: slug.clone() }).await;
    assert_eq!(members.banned, ["Carol"]);
    assert!(members.members.iter().all(|m| m.name != "Carol"));
    let hidden = carol.refused(&ListMembers { room: slug.clone() }).await;
    assert_eq!(hidden.code, ErrorCode::Forbidden);

    bob.ok(&UnbanMember { room: slug.clone(), name: "Carol".into() }).await;
    carol.join(&slug).await;
    carol.ok(&send(&slug, "c3", "I will behave")).await;
}

#[tokio::test]
async fn a_server_admin_moderates_every_room() {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    let mut bob = app.member("Bob").await;
    let room = ada.ok(&CreateRoom { name: "Adas".into(), private: false }).await;
    bob.join(&room.slug).await;
    let mine = ada.ok(&send("lobby", "a1", "in the lobby")).await;

    let ban = BanMember { room: "lobby".into(), name: "Ada".into() };
    assert_eq!(bob.refused(&ban).await.code, ErrorCode::Forbidden);
    let db = parley::server::store::open(&app.database_url(), "test").await.expect("database");
    let granted = db.set_admin("bob", true).await.expect("grant");
    assert_eq!(granted.as_deref(), Some("Bob"));

    bob.ok(&DeleteMessage { room: "lobby".into(), seq: mine.seq }).await;
    bob.ok(&KickMember { room: room.slug.clone(), name: "Ada".into() }).await;
    bob.ok(&ban).await;
    assert_eq!(ada.refused(&send("lobby", "a2", "hello?")).await.code, ErrorCode::Forbidden);
    let _ = bob.next_any().await;
}

#[tokio::test]
async fn activity_in_a_private_room_reaches_its_members_sidebars_only() {
    use parley::protocol::RoomActivity;
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    let mut bob = app.member("Bob").await;
    let mut carol = app.member("Carol").await;
    let room = ada.ok(&OpenDirect { name: "Bob".into() }).await;
    ada.join(&room.slug).await;
    let sent = ada.ok(&send(&room.slug, "a1", "are you there?")).await;
    // Bob is in the lobby, not in the conversation: his sidebar hears that it grew.
    let activity = bob.wait_for::<RoomActivity>().await;
    assert_eq!(activity, RoomActivity { room: room.slug.clone(), last_seq: sent.seq });
    // Carol hears of a public room's activity once she is a member (it came after), never of
    // the conversation's.
    let town = ada.ok(&CreateRoom { name: "Town".into(), private: false }).await;
    ada.join(&town.slug).await;
    carol.join(&town.slug).await;
    carol.ok(&CloseRoom { room: town.slug.clone() }).await;
    ada.ok(&send(&town.slug, "a2", "town news")).await;
    let heard = carol.wait_for::<RoomActivity>().await;
    assert_eq!(heard.room, town.slug, "{heard:?}");
}
