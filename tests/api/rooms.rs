//! Creating rooms, and keeping each room's events inside it.

use crate::helpers::{urlencode, TestApp};
use crate::pages::page;
use parley::model::Room;
use parley::protocol::{
    Ack, CloseRoom, CreateRoom, ErrorCode, ListRooms, MarkRead, MemberRead, PresenceUpdated,
    RoomActivity, RoomCreated, SendMessage,
};
use reqwest::{header, StatusCode};

fn send(room: &str, client_id: &str) -> SendMessage {
    crate::helpers::send(room, client_id, &format!("in {room}"))
}

async fn refused(client: &crate::helpers::TestClient, name: &str) -> ErrorCode {
    match client.request(&CreateRoom { name: name.into(), private: false }).await {
        Ack::Error(error) => error.code,
        Ack::Ok(room) => panic!("{name:?} created {room:?}"),
    }
}

#[tokio::test]
async fn a_new_room_is_announced_to_every_connection() {
    let app = TestApp::spawn().await;
    let ada = app.client(Some("Ada")).await;
    // A member of the lobby, elsewhere (it opened the lobby once, and closed it).
    let mut bystander = app.client(Some("Bystander")).await;
    bystander.join("lobby").await;
    bystander.ok(&CloseRoom { room: "lobby".into() }).await;

    let room = ada.ok(&CreateRoom { name: "  Rust   Users ".into(), private: false }).await;
    assert_eq!(room, Room { slug: "rust-users".into(), name: "Rust Users".into() });
    assert_eq!(bystander.next::<RoomCreated>().await.room, room);

    assert_eq!(refused(&ada, "rust users").await, ErrorCode::RoomExists);
    assert_eq!(refused(&ada, "Rust-Users").await, ErrorCode::RoomExists, "same slug");
    assert_eq!(refused(&ada, "x").await, ErrorCode::InvalidRoomName);
    assert_eq!(refused(&ada, "<script>").await, ErrorCode::InvalidRoomName);
    let ack = ada.request_raw("room:create", serde_json::json!({"title": "x"})).await;
    assert_eq!(ack["error"]["code"], "invalid_payload");

    // Nothing else was created: the next announcement is the next room.
    let next = ada.ok(&CreateRoom { name: "Second".into(), private: false }).await;
    assert_eq!(bystander.next::<RoomCreated>().await.room, next);
}

#[tokio::test]
async fn events_stay_in_their_room() {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    ada.ok(&CreateRoom { name: "Rust".into(), private: false }).await;
    let mut ada = ada;
    let _ = ada.next::<RoomCreated>().await;
    let bob = app.client(Some("Bob")).await;
    bob.join("rust").await;

    let in_rust = bob.ok(&send("rust", "r1")).await;
    assert_eq!((in_rust.room.as_str(), in_rust.seq), ("rust", 1), "each room has its own log");
    // Ada is in the lobby only: the next thing she hears is her own lobby message.
    ada.ok(&send("lobby", "l1")).await;
    assert_eq!(ada.next_message().await.client_id, "l1");
}

#[tokio::test]
async fn leaving_a_room_stops_its_events_and_tells_the_others() {
    let app = TestApp::spawn().await;
    let mut ada = app.member("Ada").await;
    let mut bob = app.member("Bob").await;
    assert_eq!(ada.next::<PresenceUpdated>().await.name, "Bob");

    bob.ok(&CloseRoom { room: "lobby".into() }).await;
    let left = ada.next::<PresenceUpdated>().await;
    assert_eq!((left.name.as_str(), left.here), ("Bob", false));

    ada.ok(&send("lobby", "after-bob-left")).await;
    assert_eq!(ada.next_message().await.client_id, "after-bob-left");
    // Bob hears nothing of the lobby any more; his next event is his own new room.
    bob.ok(&CreateRoom { name: "Elsewhere".into(), private: false }).await;
    assert_eq!(bob.next::<RoomCreated>().await.room.slug, "elsewhere");
}

#[tokio::test]
async fn the_room_form_creates_and_redirects_and_the_sidebar_lists_rooms() {
    let app = TestApp::spawn().await;
    let ada_http = app.http(Some("Ada")).await;
    let post = |name: &str| {
        ada_http
            .post(app.url("/api/create_room"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .header(header::REFERER, app.url("/r/lobby"))
            .body(format!("name={}", urlencode(name)))
            .send()
    };
    let response = post("Book Club").await.expect("post");
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()[header::LOCATION], "/r/book-club");

    let html = app.http(Some("Ada")).await.get(app.url("/r/book-club")).send().await.expect("get");
    assert_eq!(html.status(), StatusCode::OK);
    let html = html.text().await.expect("body");
    assert!(html.contains(r#"<a href="/r/book-club" aria-current="page">"#), "{html}");
    assert!(html.contains(r#"<a href="/r/lobby">"#), "{html}");

    let response = post("book club").await.expect("post");
    let back = response.headers()[header::LOCATION].to_str().expect("ascii").to_owned();
    assert!(back.contains("__err="), "{back}");
    let html = app
        .http(Some("Ada"))
        .await
        .get(back)
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    assert!(html.contains("A room named “book club” exists already."), "{html}");
}

/// A room's activity reaches its members' connections that do not have it open, and nobody
/// else's (no sidebar counts anything for a room its reader is not a member of). It follows
/// membership: becoming a member starts it on every connection of the person, leaving ends it.
#[tokio::test]
async fn activity_reaches_members_only_and_follows_membership() {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    ada.ok(&CreateRoom { name: "Town".into(), private: false }).await;
    ada.join("town").await;
    // Two connections of Bob's, a member of the lobby only (he opened it once), with no room
    // open.
    let mut bob = app.client(Some("Bob")).await;
    let mut other_tab = app.client(Some("Bob")).await;
    bob.join("lobby").await;
    bob.ok(&CloseRoom { room: "lobby".into() }).await;

    let activity = |room: &str, last_seq| RoomActivity { room: room.into(), last_seq };
    ada.ok(&send("town", "t1")).await;
    ada.ok(&send("lobby", "l1")).await;
    for connection in [&mut bob, &mut other_tab] {
        assert_eq!(connection.next::<RoomActivity>().await, activity("lobby", 1), "not Town's");
    }

    // Bob opens Town on one connection and closes it: a member now, on both connections.
    bob.join("town").await;
    bob.ok(&CloseRoom { room: "town".into() }).await;
    let sent = ada.ok(&send("town", "t2")).await;
    for connection in [&mut bob, &mut other_tab] {
        assert_eq!(connection.next::<RoomActivity>().await, activity("town", sent.seq));
    }
    // A connection opened now follows his rooms from the start.
    let mut new_tab = app.client(Some("Bob")).await;
    let sent = ada.ok(&send("town", "t3")).await;
    assert_eq!(new_tab.next::<RoomActivity>().await, activity("town", sent.seq));

    // He leaves Town: its news stops, the lobby's does not.
    bob.ok(&parley::protocol::LeaveRoom { room: "town".into() }).await;
    ada.ok(&send("town", "t4")).await;
    ada.ok(&send("lobby", "l2")).await;
    for connection in [&mut bob, &mut other_tab, &mut new_tab] {
        loop {
            let heard = connection.next::<RoomActivity>().await;
            if heard.room == "lobby" {
                assert_eq!(heard, activity("lobby", 2));
                break;
            }
            assert!(heard.last_seq < 4, "Town's news after he left: {heard:?}");
        }
    }
}

#[tokio::test]
async fn read_positions_give_unread_counts_that_follow_the_reader() {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    ada.ok(&CreateRoom { name: "Quiet".into(), private: false }).await;
    // A member of the lobby, elsewhere (it opened the lobby once, and closed it).
    let mut bystander = app.client(Some("Bystander")).await;
    bystander.join("lobby").await;
    bystander.ok(&CloseRoom { room: "lobby".into() }).await;
    // Bob opens the lobby once: from then on it counts what he has not read.
    page(&app, Some("Bob"), "/r/lobby").await;
    let (_, html) = page(&app, Some("Bob"), "/r/quiet").await;
    assert!(!html.contains(" unread\""), "{html}");
    for i in 1..=3 {
        ada.ok(&send("lobby", &format!("u{i}"))).await;
    }
    // Every member's connection elsewhere hears that the lobby grew, so sidebars can count.
    for last_seq in 1..=3 {
        assert_eq!(
            bystander.next::<RoomActivity>().await,
            RoomActivity { room: "lobby".into(), last_seq }
        );
    }
    let unread_badge = |html: &str| html.contains(r#"aria-label="3 unread""#);

    // Three unread for Bob in the lobby, seen from another room; none in rooms he never opened.
    let (_, html) = page(&app, Some("Bob"), "/r/quiet").await;
    assert!(unread_badge(&html), "{html}");
    let (_, html) = page(&app, Some("Carol"), "/r/quiet").await;
    assert!(!html.contains(" unread\""), "Carol never opened the lobby: {html}");
    // Ada wrote them: none unread for her.
    let (_, html) = page(&app, Some("Ada"), "/r/quiet").await;
    assert!(!html.contains(" unread\""), "{html}");

    let bob = app.client(Some("Bob")).await;
    assert_eq!(bob.ok(&MarkRead { room: "lobby".into(), seq: 99 }).await, 3, "clamped to the last");
    assert_eq!(bob.ok(&MarkRead { room: "lobby".into(), seq: 1 }).await, 3, "never moves back");
    let (_, html) = page(&app, Some("Bob"), "/r/quiet").await;
    assert!(!unread_badge(&html), "{html}");

    match bob.request(&MarkRead { room: "nowhere".into(), seq: 1 }).await {
        Ack::Error(error) => assert_eq!(error.code, ErrorCode::UnknownRoom),
        Ack::Ok(seq) => panic!("stored {seq}"),
    }
}

#[tokio::test]
async fn the_room_page_marks_where_the_unread_part_begins() {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    ada.ok(&send("lobby", "seen")).await;
    let bob = app.member("Bob").await; // a new member has read everything so far
    bob.ok(&MarkRead { room: "lobby".into(), seq: 1 }).await;
    ada.ok(&send("lobby", "unseen")).await;

    let (_, html) = page(&app, Some("Bob"), "/r/lobby").await;
    let divider = html.find(r#"<li class="divider">"#).expect("a divider");
    let (seen, unseen) =
        (html.find(">in lobby<").expect("seen"), html.rfind(">in lobby<").expect("unseen"));
    assert!(seen < divider && divider < unseen, "the divider sits between the two");

    // Seeing the page was reading it: nothing is unread any more, and no divider next time.
    let (_, html) = page(&app, Some("Bob"), "/r/lobby").await;
    assert!(!html.contains(r#"<li class="divider">"#), "{html}");
    assert!(!html.contains(" unread\""), "{html}");
}

#[tokio::test]
async fn a_crowded_room_page_lists_its_first_members_and_finds_the_others() {
    use parley::model::{MAX_MEMBERS_LISTED, MAX_SEEN_LISTED};
    // More members than a page lists; none of them online, so only the panel names them.
    const CROWD: usize = MAX_MEMBERS_LISTED + 5;
    let app = TestApp::spawn().await;
    let names: Vec<String> = (0..CROWD).map(|n| format!("Person{n:03}")).collect();
    for name in &names {
        page(&app, Some(name), "/r/lobby").await; // opening a room joins it
    }
    let author = app.member("Person104").await;
    author.ok(&send("lobby", "crowded")).await;
    // Eight read it (seeing the room's live end is reading it).
    for name in &names[..MAX_SEEN_LISTED + 3] {
        page(&app, Some(name), "/r/lobby").await;
    }

    // The page counts every member, lists the first, and says how many more there are.
    let (_, html) = page(&app, Some("Zoe"), "/r/lobby").await;
    assert!(html.contains(&format!("Members ({})", CROWD + 1)), "{html}");
    assert!(html.contains(r#"data-name="Person099""#), "the first hundred are listed");
    assert!(!html.contains(r#"data-name="Person100""#), "the rest are not");
    assert!(html.contains("and 6 more"), "the rest are counted (Zoe among them)");
    assert!(html.contains(r#"name="member""#), "a search finds the others");
    // "Seen by" names the first readers and counts the others; nothing else names the rest,
    // not even the page's data for hydration.
    assert!(
        html.contains("Seen by Person000, Person001, Person002, Person003, Person004 and 3 others"),
        "{html}"
    );
    assert!(!html.contains("Person103"), "a member the page does not show is not sent either");

    // The search finds members beyond the first hundred by part of their name, any case.
    let (_, html) = page(&app, Some("Zoe"), "/r/lobby?member=N1").await;
    assert!(html.contains(r#"data-name="Person103""#), "{html}");
    assert!(!html.contains(r#"data-name="Person099""#), "only those who match");
    assert!(html.contains("5 members"), "Person100 to Person104, and it says so: {html}");
    let (_, html) = page(&app, Some("Zoe"), "/r/lobby?member=nobody").await;
    assert!(html.contains("No member"), "{html}");
    assert!(html.contains(&format!("Members ({})", CROWD + 1)), "the count stays");
}

#[tokio::test]
async fn reading_is_announced_to_the_room_and_shown_as_seen_by() {
    let app = TestApp::spawn().await;
    let mut ada = app.member("Ada").await;
    let bob = app.member("Bob").await;
    let _ = ada.next::<PresenceUpdated>().await;
    let sent = ada.ok(&send("lobby", "did-you-see")).await;
    assert_eq!(ada.next_message().await, sent);

    bob.ok(&MarkRead { room: "lobby".into(), seq: sent.seq }).await;
    let read = ada.next::<MemberRead>().await;
    assert_eq!((read.name.as_str(), read.seq), ("Bob", sent.seq));

    let (_, html) = page(&app, Some("Ada"), "/r/lobby").await;
    assert!(html.contains("Seen by Bob"), "{html}");

    // Mentions of the reader are marked (as text, never as HTML).
    bob.ok(&SendMessage {
        room: "lobby".into(),
        client_id: "m".into(),
        body: "hey @ada <b>".into(),
        reply_to: None,
        files: vec![],
    })
    .await;
    let (_, html) = page(&app, Some("Ada"), "/r/lobby").await;
    assert!(html.contains(r#"<mark class="mention">@ada</mark>"#), "{html}");
    assert!(html.contains("&lt;b&gt;"));
}

#[tokio::test]
async fn the_room_list_counts_what_each_member_has_not_read() {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    ada.ok(&CreateRoom { name: "Rust".into(), private: false }).await;
    let bob = app.member("Bob").await;
    ada.ok(&send("lobby", "one")).await;
    ada.ok(&send("lobby", "two")).await;

    let rooms = bob.ok(&ListRooms {}).await;
    let entry = |slug: &str| rooms.iter().find(|r| r.slug == slug).cloned().expect("listed");
    assert_eq!(rooms.iter().map(|r| r.slug.as_str()).collect::<Vec<_>>(), ["lobby", "rust"]);
    assert_eq!((entry("lobby").unread(), entry("lobby").joined), (2, true));
    assert_eq!((entry("rust").unread(), entry("rust").joined), (0, false), "not a member");
    let carol = app.client(Some("Carol")).await;
    assert!(carol.ok(&ListRooms {}).await.iter().all(|r| !r.joined && r.unread() == 0));
}

#[tokio::test]
async fn room_creation_per_address_is_limited() {
    use parley::server::limits::Rate;
    let app = TestApp::builder().limits(|l| l.rooms = Rate::new(1, Rate::HOUR, 2)).start().await;
    let ada = app.client(Some("Ada")).await;
    let bob = app.client(Some("Bob")).await;
    ada.ok(&CreateRoom { name: "One".into(), private: false }).await;
    bob.ok(&CreateRoom { name: "Two".into(), private: true }).await;
    // A third room from the same address, whoever asks, waits.
    let refused = ada.refused(&CreateRoom { name: "Three".into(), private: false }).await;
    assert_eq!(refused.code, ErrorCode::RateLimited);
    assert!(refused.message.contains("Too many rooms created from your address"), "{refused:?}");
    let rooms = ada.ok(&parley::protocol::ListRooms {}).await;
    assert!(rooms.iter().all(|r| r.slug != "three"), "nothing created");
}
