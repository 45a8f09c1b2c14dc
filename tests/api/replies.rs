//! Replies: a message that answers another carries the start of the original (its author, its
//! first characters, whether it was deleted), over the socket, the REST API and the form, and
//! the quote follows the original's edits and deletion.

use crate::helpers::TestApp;
use crate::pages::{location, post_form};
use parley::model::{Quote, QUOTE_CHARS};
use parley::protocol::{
    DeleteMessage, EditMessage, ErrorCode, ListMessages, PresenceUpdated, Range, SendMessage,
};
use reqwest::{Method, StatusCode};
use serde_json::json;

fn send(client_id: &str, body: &str, reply_to: Option<i64>) -> SendMessage {
    SendMessage { reply_to, ..crate::helpers::send("lobby", client_id, body) }
}

#[tokio::test]
async fn a_reply_carries_the_start_of_its_original_to_everyone() {
    let app = TestApp::spawn().await;
    let mut ada = app.member("Ada").await;
    let mut bob = app.member("Bob").await;
    let _ = ada.next::<PresenceUpdated>().await; // Bob came online
    let long = format!("é{}", "x".repeat(QUOTE_CHARS + 50));
    let original = ada.ok(&send("o", &long, None)).await;
    assert_eq!(original.reply, None);
    let _ = bob.next_message().await;

    let reply = bob.ok(&send("r", "agreed", Some(original.seq))).await;
    let quote = Quote {
        seq: original.seq,
        author: "Ada".into(),
        excerpt: long.chars().take(QUOTE_CHARS).collect(),
        deleted: false,
    };
    assert_eq!(reply.reply, Some(quote.clone()));
    let _ = ada.next_message().await;
    assert_eq!(ada.next_message().await, reply, "the broadcast carries the quote too");
    // A retry of the reply is answered with it, quote and all.
    assert_eq!(bob.ok(&send("r", "agreed", Some(original.seq))).await, reply);

    // The quote follows the original: its new text (as readers see it, without formatting
    // marks), then its deletion.
    let changed = "**changed** to `this`,\n\n> _quoted_\n\n- and [a link](https://example.com)";
    ada.ok(&EditMessage { room: "lobby".into(), seq: original.seq, body: changed.into() }).await;
    let listed = bob.ok(&ListMessages { room: "lobby".into(), range: Range::After(0) }).await;
    let quoted = listed.messages.last().and_then(|m| m.reply.clone());
    let excerpt = "changed to this, quoted and a link";
    assert_eq!(quoted, Some(Quote { excerpt: excerpt.into(), ..quote.clone() }));
    ada.ok(&DeleteMessage { room: "lobby".into(), seq: original.seq }).await;
    let listed = bob.ok(&ListMessages { room: "lobby".into(), range: Range::After(0) }).await;
    let quoted = listed.messages.last().and_then(|m| m.reply.clone());
    assert_eq!(quoted, Some(Quote { excerpt: String::new(), deleted: true, ..quote }));
}

#[tokio::test]
async fn a_reply_to_a_message_that_is_not_there_is_refused_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    let first = ada.ok(&send("o", "first", None)).await;
    for missing in [first.seq + 1, 0, -1, i64::MAX] {
        let refused = ada.refused(&send(&format!("r{missing}"), "to nothing", Some(missing))).await;
        assert_eq!(refused.code, ErrorCode::UnknownMessage, "reply_to {missing}");
    }
    // A message of another room is not this room's.
    ada.ok(&parley::protocol::CreateRoom { name: "Other".into(), private: false }).await;
    let elsewhere = SendMessage { room: "other".into(), ..send("e", "there", None) };
    let there = ada.ok(&elsewhere).await;
    let refused = ada.refused(&send("x", "cross", Some(there.seq + 1))).await;
    assert_eq!(refused.code, ErrorCode::UnknownMessage);
    // The wrong type is a payload error.
    let raw = ada
        .request_raw(
            "message:send",
            json!({"room": "lobby", "client_id": "t", "body": "b", "reply_to": "1"}),
        )
        .await;
    assert_eq!(raw["error"]["code"], "invalid_payload", "{raw}");

    let listed = ada.ok(&ListMessages { room: "lobby".into(), range: Range::After(0) }).await;
    assert_eq!(listed.messages, vec![first]);
}

#[tokio::test]
async fn replies_are_posted_by_the_rest_api_and_by_the_form() {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    let original = ada.ok(&send("o", "question?", None)).await;
    let token = app.api_token("Ada", "bot").await;

    let (status, body) = app
        .rest(
            Some(&token),
            Method::POST,
            "/api/v1/rooms/lobby/messages",
            Some(json!({"body": "answer", "reply_to": original.seq})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["reply"]["seq"], original.seq);
    assert_eq!(body["reply"]["excerpt"], "question?");
    let (status, body) = app
        .rest(
            Some(&token),
            Method::POST,
            "/api/v1/rooms/lobby/messages",
            Some(json!({"body": "answer", "reply_to": 99})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    // JSON Schema's integers may be written with a fraction of zero; others are refused.
    let reply = |to: serde_json::Value| json!({"body": "again", "reply_to": to});
    let (status, body) = app
        .rest(Some(&token), Method::POST, "/api/v1/rooms/lobby/messages", Some(reply(json!(1.0))))
        .await;
    assert_eq!((status, &body["reply"]["seq"]), (StatusCode::CREATED, &json!(1)), "{body}");
    let (status, body) = app
        .rest(Some(&token), Method::POST, "/api/v1/rooms/lobby/messages", Some(reply(json!(1.5))))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    // Without JavaScript: the page offers the reply, the form carries it, and the redirect
    // goes back to the room without it.
    let (_, html) =
        crate::pages::page(&app, Some("Ada"), &format!("/r/lobby?reply={}", original.seq)).await;
    assert!(html.contains(r#"name="reply_to""#), "{html}");
    assert!(html.contains("Replying to"), "{html}");
    let fields = [
        ("room", "lobby"),
        ("client_id", "form-1"),
        ("body", "by form"),
        ("reply_to", &original.seq.to_string()),
    ];
    let response =
        post_form(&app, Some("Ada"), "/api/post_message", "/r/lobby?reply=1", &fields).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(location(&response), "/r/lobby");
    let listed = ada.ok(&ListMessages { room: "lobby".into(), range: Range::After(0) }).await;
    let by_form = listed.messages.last().expect("stored");
    assert_eq!(
        (by_form.body.as_str(), by_form.reply.as_ref().map(|q| q.seq)),
        ("by form", Some(original.seq))
    );
}
