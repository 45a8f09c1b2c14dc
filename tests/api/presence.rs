//! Who is online, join/leave notices and typing indicators.

use crate::helpers::TestApp;
use parley::protocol::{Ack, ErrorCode, PresenceUpdated, SendMessage, SetTyping, TypingUpdated};

fn send(client_id: &str) -> SendMessage {
    SendMessage { room: "lobby".into(), client_id: client_id.into(), body: "ping".into() }
}

#[tokio::test]
async fn join_and_leave_notices_go_to_everyone_but_the_person_concerned() {
    let app = TestApp::spawn().await;
    let mut ada = app.member("Ada").await;
    let bob = app.client(Some("Bob")).await;
    let joined = bob.join("lobby").await;
    assert_eq!(joined.online, ["Ada", "Bob"]);

    let notice = ada.next::<PresenceUpdated>().await;
    assert_eq!((notice.name.as_str(), notice.here), ("Bob", true));

    // Bob's first event is Ada's message: he was not told about his own arrival.
    let mut bob = bob;
    ada.ok(&send("barrier")).await;
    assert_eq!(bob.next_message().await.client_id, "barrier");
    assert_eq!(ada.next_message().await.client_id, "barrier");

    bob.disconnect().await;
    let left = ada.next::<PresenceUpdated>().await;
    assert_eq!((left.name.as_str(), left.here), ("Bob", false));
}

#[tokio::test]
async fn a_person_with_two_tabs_is_counted_and_announced_once() {
    let app = TestApp::spawn().await;
    let mut ada = app.member("Ada").await;
    let bob_tab_one = app.member("Bob").await;
    assert_eq!(ada.next::<PresenceUpdated>().await.name, "Bob");
    let bob_tab_two = app.member("Bob").await;
    assert_eq!(bob_tab_two.join("lobby").await.online, ["Ada", "Bob"]);

    bob_tab_one.disconnect().await;
    // Bob is still here through his second tab: the next thing Ada hears is a message.
    bob_tab_two.ok(&send("still-here")).await;
    assert_eq!(ada.next_message().await.client_id, "still-here");

    bob_tab_two.disconnect().await;
    assert_eq!(ada.next::<PresenceUpdated>().await.name, "Bob");
}

#[tokio::test]
async fn typing_reaches_the_others_only() {
    let app = TestApp::spawn().await;
    let mut ada = app.member("Ada").await;
    let mut bob = app.member("Bob").await;
    let _ = ada.next::<PresenceUpdated>().await;

    bob.ok(&SetTyping { room: "lobby".into(), typing: true }).await;
    let typing = ada.next::<TypingUpdated>().await;
    assert_eq!((typing.name.as_str(), typing.typing), ("Bob", true));
    bob.ok(&SetTyping { room: "lobby".into(), typing: false }).await;
    assert!(!ada.next::<TypingUpdated>().await.typing);

    // Bob heard nothing of his own typing.
    ada.ok(&send("barrier")).await;
    assert_eq!(bob.next_message().await.client_id, "barrier");
}

#[tokio::test]
async fn typing_outside_a_joined_room_is_refused() {
    let app = TestApp::spawn().await;
    let carol = app.client(Some("Carol")).await;
    match carol.request(&SetTyping { room: "lobby".into(), typing: true }).await {
        Ack::Error(error) => assert_eq!(error.code, ErrorCode::NotInRoom),
        Ack::Ok(()) => panic!("typing relayed for a socket outside the room"),
    }
}

#[tokio::test]
async fn a_page_from_another_origin_cannot_open_a_socket() {
    let app = TestApp::spawn().await;
    let url = app.url("/");
    let cookie = format!("parley_session={}", app.session("Ada").await);
    let origin = |o: &str| vec![("Origin", o.to_owned()), ("Cookie", cookie.clone())];
    let refused =
        crate::helpers::TestClient::try_connect(&url, &origin("http://evil.example")).await;
    assert!(refused.is_err_and(|why| why.contains("This origin may not connect")));

    // Parley's own pages, configured origins and clients without an Origin header connect.
    let own = format!("http://{}", app.addr);
    for headers in
        [origin(&own), origin("https://friend.example"), vec![("Cookie", cookie.clone())]]
    {
        let client = crate::helpers::TestClient::try_connect(&url, &headers).await;
        assert!(client.is_ok(), "{headers:?} refused");
    }
}
