//! Sending messages over the socket: broadcast, acks, idempotency, bad input, persistence.

use crate::helpers::TestApp;
use parley::model::MAX_MESSAGE_CHARS;
use parley::protocol::{
    Ack, ErrorCode, Event, JoinRoom, ListMessages, PresenceUpdated, Range, SendMessage,
};
use serde_json::json;

fn send(client_id: &str, body: &str) -> SendMessage {
    crate::helpers::send("lobby", client_id, body)
}

#[tokio::test]
async fn a_message_reaches_everyone_in_the_room_including_the_sender() {
    let app = TestApp::spawn().await;
    let mut ada = app.member("Ada").await;
    let mut bob = app.member("Bob").await;
    let _ = ada.next::<PresenceUpdated>().await; // Bob came online

    let stored = ada.ok(&send("c-1", "  Hello, Bob!  ")).await;
    assert_eq!(stored.author, "Ada");
    assert_eq!(stored.body, "Hello, Bob!", "bodies are trimmed");
    assert_eq!((stored.room.as_str(), stored.seq, stored.client_id.as_str()), ("lobby", 1, "c-1"));

    assert_eq!(ada.next_message().await, stored);
    assert_eq!(bob.next_message().await, stored);

    let reply = bob.ok(&send("c-2", "Hi Ada")).await;
    assert_eq!(reply.seq, 2, "positions are consecutive");
    assert_eq!(ada.next_message().await, reply);
    assert_eq!(bob.next_message().await, reply);
}

#[tokio::test]
async fn a_resent_client_id_is_stored_and_broadcast_once() {
    let app = TestApp::spawn().await;
    let mut ada = app.member("Ada").await;
    let first = ada.ok(&send("same-id", "once")).await;
    let again = ada.ok(&send("same-id", "once")).await;
    assert_eq!(first, again, "the retry is acknowledged with the stored message");

    let next = ada.ok(&send("other-id", "twice?")).await;
    assert_eq!(next.seq, 2);
    assert_eq!(ada.next_message().await, first);
    // Had the retry been broadcast, it would arrive before this one.
    assert_eq!(ada.next_message().await, next);

    let listed = ada.ok(&ListMessages { room: "lobby".into(), range: Range::After(0) }).await;
    assert_eq!(listed.messages, vec![first, next]);
}

#[tokio::test]
async fn bad_input_gets_an_error_ack_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let mut ada = app.member("Ada").await;
    let mut bob = app.member("Bob").await;
    let _ = ada.next::<PresenceUpdated>().await; // Bob came online
    let too_long = "x".repeat(MAX_MESSAGE_CHARS + 1);

    let cases = [
        (json!({"room": "lobby", "client_id": "a", "body": ""}), ErrorCode::EmptyMessage),
        (json!({"room": "lobby", "client_id": "b", "body": " \n\t "}), ErrorCode::EmptyMessage),
        (json!({"room": "lobby", "client_id": "c", "body": too_long}), ErrorCode::MessageTooLong),
        (
            json!({"room": "lobby", "client_id": "d", "body": "bell\u{7}"}),
            ErrorCode::InvalidMessage,
        ),
        (json!({"room": "nowhere", "client_id": "e", "body": "hi"}), ErrorCode::UnknownRoom),
        (
            json!({"room": "lobby", "client_id": "has space", "body": "hi"}),
            ErrorCode::InvalidClientId,
        ),
        (json!({"room": "lobby", "client_id": "", "body": "hi"}), ErrorCode::InvalidClientId),
        (json!({"room": "lobby", "body": "no client id"}), ErrorCode::InvalidPayload),
        (json!({"room": "lobby", "client_id": "f", "body": 42}), ErrorCode::InvalidPayload),
        (json!("just a string"), ErrorCode::InvalidPayload),
        (json!([1, 2, 3]), ErrorCode::InvalidPayload),
    ];
    for (payload, code) in cases {
        let ack = ada.request_raw("message:send", payload.clone()).await;
        let ack: Ack<serde_json::Value> = serde_json::from_value(ack).expect("ack shape");
        match ack {
            Ack::Error(error) => {
                assert_eq!(error.code, code, "{payload}");
                assert!(!error.message.is_empty());
            }
            Ack::Ok(value) => panic!("{payload} was accepted: {value}"),
        }
    }
    let ack = ada.request_raw("room:join", json!({"room": 7})).await;
    assert_eq!(ack["error"]["code"], "invalid_payload");

    // The connection is still up, nothing was stored, and nothing was broadcast before this.
    let good = ada.ok(&send("good", "finally")).await;
    assert_eq!(good.seq, 1);
    assert_eq!(bob.next_message().await, good);
    assert_eq!(ada.next_message().await, good);
}

#[tokio::test]
async fn a_handshake_without_a_live_session_is_refused() {
    let app = TestApp::spawn().await;
    for cookie in [None, Some("ps_forged"), Some("")] {
        let refused = app.handshake(cookie).await.err().expect("refused");
        assert!(refused.contains("Sign in to connect."), "{refused}");
    }
    let ada = app.member("Ada").await;
    let everything = parley::protocol::ListMessages {
        room: "lobby".into(),
        range: parley::protocol::Range::After(0),
    };
    assert!(ada.ok(&everything).await.messages.is_empty(), "nothing was posted");
}

#[tokio::test]
async fn history_survives_a_restart_and_catch_up_returns_what_was_missed() {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    let one = ada.ok(&send("1", "before the restart")).await;
    ada.disconnect().await;

    let app = app.restart().await;
    let bob = app.member("Bob").await;
    let two = bob.ok(&send("2", "after the restart")).await;
    assert_eq!(two.seq, 2, "the log continues where it was");

    // A client that last saw its own message's change gets exactly what followed: Bob joining
    // the room, and his message.
    let ada = app.client(Some("Ada")).await;
    let joined = ada.ok(&JoinRoom { room: "lobby".into(), after: Some(one.rev) }).await;
    let events: Vec<Event> = joined.changes.changes.into_iter().map(|c| c.event).collect();
    assert_eq!(
        events,
        [Event::Joined { name: "Bob".into() }, Event::Posted { message: two.clone() }]
    );
    assert!(joined.changes.complete);
    let all = ada.ok(&ListMessages { room: "lobby".into(), range: Range::After(0) }).await;
    assert_eq!(all.messages, vec![one, two]);
    app.stop().await;
}

#[tokio::test]
async fn catch_up_comes_in_bounded_batches() {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    let total = parley::protocol::Backlog::MAX + 5;
    for i in 0..total {
        ada.ok(&send(&format!("m{i}"), &format!("message {i}"))).await;
    }
    let first = ada.ok(&ListMessages { room: "lobby".into(), range: Range::After(0) }).await;
    assert_eq!(first.messages.len() as i64, parley::protocol::Backlog::MAX);
    assert!(!first.complete);
    let last_seen = first.messages.last().map(|m| m.seq).unwrap_or_default();
    let rest = ada.ok(&ListMessages { room: "lobby".into(), range: Range::After(last_seen) }).await;
    assert_eq!(rest.messages.len(), 5);
    assert!(rest.complete);
    assert_eq!(rest.messages.last().map(|m| m.seq), Some(total));

    // Scrolling back works the same way, from the other end.
    let back =
        ada.ok(&ListMessages { room: "lobby".into(), range: Range::Before(total + 1) }).await;
    assert_eq!(back.messages.first().map(|m| m.seq), Some(6));
    assert!(!back.complete);
    let start = ada.ok(&ListMessages { room: "lobby".into(), range: Range::Before(6) }).await;
    assert_eq!(start.messages.iter().map(|m| m.seq).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
    assert!(start.complete);
}

#[tokio::test]
async fn posting_faster_than_the_limit_is_refused_and_stores_nothing() {
    use crate::pages::post_form;
    use parley::server::limits::Rate;
    let app =
        TestApp::builder().limits(|l| l.messages = Rate::new(1, Rate::MINUTE, 3)).start().await;
    let ada = app.member("Ada").await;

    for i in 0..3 {
        ada.ok(&send(&format!("m{i}"), "within the burst")).await;
    }
    match ada.request(&send("m3", "one too many")).await {
        Ack::Error(error) => {
            assert_eq!(error.code, ErrorCode::RateLimited);
            assert!(error.message.contains("too fast"), "{}", error.message);
        }
        Ack::Ok(message) => panic!("accepted: {message:?}"),
    }
    // A retry of a message already stored is still answered with it.
    let again = ada.ok(&send("m1", "within the burst")).await;
    assert_eq!(again.seq, 2);
    // The form shares the allowance, and says why.
    let form = [("client_id", "f1"), ("body", "by form")];
    let response = post_form(&app, Some("Ada"), "/r/lobby", "/r/lobby", &form).await;
    assert_eq!(response.status(), reqwest::StatusCode::TOO_MANY_REQUESTS);
    let html = response.text().await.expect("page");
    assert!(html.contains("You are sending messages too fast"), "{html}");
    assert!(html.contains(">by form</textarea>"), "the text is kept");
    // Nothing refused was stored; someone else still has their own allowance.
    let bob = app.member("Bob").await;
    bob.ok(&send("b1", "my turn")).await;
    let all = bob.ok(&ListMessages { room: "lobby".into(), range: Range::After(0) }).await;
    let bodies: Vec<&str> = all.messages.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["within the burst", "within the burst", "within the burst", "my turn"]);
}
