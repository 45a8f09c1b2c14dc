//! Payloads an outside client might send that the contract refuses: positional arrays instead of
//! objects, `message:list` with both directions, packets past the size limit on every transport,
//! and a handshake that claims another account than its session's. Each is refused and changes
//! nothing.

use crate::helpers::{TestApp, TestClient};
use parley::protocol::{
    Changes, CreateRoom, InviteMember, ListMembers, ListRooms, Members, SendMessage, SyncRoom,
};
use rust_socketio::TransportType;
use serde_json::{json, Value};

/// Everything a client can observe of the server's state from Ada's side: the lobby's and the
/// private room's change logs, the rooms she sees, and the private room's members.
async fn observable(ada: &TestClient) -> (Changes, Changes, Value, Members) {
    let sync = |room: &str| SyncRoom { room: room.into(), after: 0 };
    let rooms = serde_json::to_value(ada.ok(&ListRooms {}).await).expect("rooms");
    (
        ada.ok(&sync("lobby")).await,
        ada.ok(&sync("plans")).await,
        rooms,
        ada.ok(&ListMembers { room: "plans".into() }).await,
    )
}

#[tokio::test]
async fn every_command_refuses_a_positional_array_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    let bob = app.member("Bob").await;
    let room = CreateRoom { name: "plans".into(), private: true };
    ada.ok(&room).await;
    ada.ok(&InviteMember { room: "plans".into(), name: "Bob".into() }).await;
    let send = SendMessage {
        room: "lobby".into(),
        client_id: "first".into(),
        body: "hi".into(),
        reply_to: None,
        files: vec![],
    };
    ada.ok(&send).await;
    let before = observable(&ada).await;

    // Each array holds, in order, exactly the fields that the command's object would: serde's
    // derived decoder alone would read every one of them as the command.
    let positional = [
        ("message:send", json!(["lobby", "c1", "stored from an array"])),
        ("message:edit", json!(["lobby", 1, "edited from an array"])),
        ("message:delete", json!(["lobby", 1])),
        ("message:react", json!(["lobby", 1, "👍", true])),
        ("message:list", json!(["lobby", 0, null])),
        ("room:join", json!(["plans", 0])),
        ("room:sync", json!(["lobby", 0])),
        ("room:close", json!(["lobby"])),
        ("room:leave", json!(["plans"])),
        ("room:create", json!(["From an array", false])),
        ("room:list", json!([])),
        ("room:read", json!(["lobby", 1])),
        ("typing:set", json!(["lobby", true])),
        ("assistant:stop", json!(["lobby"])),
        ("direct:open", json!(["Bob"])),
        ("member:invite", json!(["plans", "Bob"])),
        ("member:kick", json!(["plans", "Bob"])),
        ("member:ban", json!(["plans", "Bob"])),
        ("member:unban", json!(["plans", "Bob"])),
        ("member:role", json!(["plans", "Bob", "moderator"])),
        ("member:list", json!(["plans"])),
    ];
    // Every command the protocol declares is tried here.
    let mut tried: Vec<&str> = positional.iter().map(|(event, _)| *event).collect();
    let mut declared = parley::protocol::command_names();
    tried.sort_unstable();
    declared.sort_unstable();
    assert_eq!(tried, declared, "a command is missing from this test");
    for (event, payload) in &positional {
        let ack = ada.request_raw(event, payload.clone()).await;
        assert_eq!(ack["error"]["code"], "invalid_payload", "{event} {payload}: {ack}");
        let why = ack["error"]["message"].as_str().unwrap_or_default();
        assert!(why.contains("expected a JSON object"), "{event}: {why}");
    }
    // Other shapes that are not objects: a string, a number, null.
    for payload in [json!("lobby"), json!(7), Value::Null] {
        let ack = ada.request_raw("message:send", payload.clone()).await;
        assert_eq!(ack["error"]["code"], "invalid_payload", "{payload}: {ack}");
    }

    assert_eq!(observable(&ada).await, before, "an array changed something");
    // Bob is still an ordinary member of the private room, and the connection is still up.
    let plans = bob.ok(&ListMembers { room: "plans".into() }).await;
    assert!(plans.members.iter().any(|m| m.name == "Bob"));
    let after = SendMessage {
        room: "lobby".into(),
        client_id: "second".into(),
        body: "ok".into(),
        reply_to: None,
        files: vec![],
    };
    assert_eq!(ada.ok(&after).await.seq, 2);
}

#[tokio::test]
async fn a_list_with_both_directions_is_refused() {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    for n in 1..=3 {
        let send = SendMessage {
            room: "lobby".into(),
            client_id: format!("m{n}"),
            body: "x".into(),
            reply_to: None,
            files: vec![],
        };
        ada.ok(&send).await;
    }
    let both = json!({"room": "lobby", "after": 1, "before": 3});
    let ack = ada.request_raw("message:list", both).await;
    assert_eq!(ack["error"]["code"], "invalid_payload", "{ack}");
    assert!(ack["error"]["message"].as_str().unwrap_or_default().contains("not both"), "{ack}");
    let neither = ada.request_raw("message:list", json!({"room": "lobby"})).await;
    assert_eq!(neither["error"]["code"], "invalid_payload", "{neither}");
    let one = ada.request_raw("message:list", json!({"room": "lobby", "after": 1})).await;
    assert_eq!(one["ok"]["messages"].as_array().map(Vec::len), Some(2), "{one}");
}

/// A client signed in as `name` that uses only `transport`.
async fn client_over(app: &TestApp, name: &str, websocket: bool) -> TestClient {
    let cookie = format!("parley_session={}", app.session(name).await);
    let transport = if websocket { TransportType::Websocket } else { TransportType::Polling };
    TestClient::try_connect_with(&app.url("/"), &[("Cookie", cookie)], |builder| {
        builder.transport_type(transport)
    })
    .await
    .expect("connected")
}

#[tokio::test]
async fn a_packet_past_64_kib_is_refused_on_every_transport_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let reader = app.member("Reader").await;
    let mut seq = 0;
    for websocket in [true, false] {
        // Under the limit, the transport works as usual.
        let ada = client_over(&app, "Ada", websocket).await;
        ada.join("lobby").await;
        let longest = "y".repeat(4000);
        let id = format!("ok{seq}");
        let send = SendMessage {
            room: "lobby".into(),
            client_id: id,
            body: longest,
            reply_to: None,
            files: vec![],
        };
        seq += 1;
        assert_eq!(ada.ok(&send).await.seq, seq);

        for (padding, client_id) in [(65 * 1024, "a"), (8 * 1024 * 1024, "b")] {
            let ada = client_over(&app, "Ada", websocket).await;
            // A valid message with a padding field the server would ignore, if it read it.
            let payload = json!({
                "room": "lobby", "client_id": client_id, "body": "padded", "pad": "p".repeat(padding),
            });
            let wait = crate::helpers::PATIENCE / 2;
            let ack = ada.try_request_raw("message:send", payload, wait).await;
            assert_eq!(ack, None, "a {padding}-byte packet was answered");
            if websocket {
                // The server closed the connection: nothing sent on it is answered any more.
                let after = json!({"room": "lobby", "client_id": "after", "body": "x"});
                let answer = ada.try_request_raw("message:send", after, wait).await;
                assert_eq!(answer, None, "the WebSocket still answers after {padding} bytes");
            }
        }
    }
    let stored = reader.ok(&SyncRoom { room: "lobby".into(), after: 0 }).await;
    let seqs: Vec<_> =
        stored.changes.iter().filter_map(|c| c.event.message()).map(|m| m.seq).collect();
    assert_eq!(seqs, [1, 2], "only the messages under the limit are stored");
}

#[tokio::test]
async fn a_handshake_claiming_another_account_is_refused() {
    let app = TestApp::spawn().await;
    app.session("Bob").await;
    let cookie = format!("parley_session={}", app.session("Ada").await);
    let (url, headers) = (app.url("/"), [("Cookie", cookie)]);
    let connect = |auth: Value| {
        TestClient::try_connect_with(&url, &headers, move |builder| builder.auth(auth))
    };
    let refused = connect(json!({"user": "Bob"})).await.err().expect("refused");
    assert!(refused.contains("another account"), "{refused}");
    // The page's own account, or an `auth` payload about something else, connects.
    let ada = connect(json!({"user": "Ada"})).await.expect("Ada connects as Ada");
    ada.join("lobby").await;
    connect(json!({"token": 5})).await.expect("other auth fields are not a claim");
}
