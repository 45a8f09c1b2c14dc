//! Protocol fuzzing: every socket command receives hundreds of random and malformed payloads
//! through a real socket (arbitrary JSON of every type, nested; fields of the right payload
//! replaced, removed or added; positional arrays; several arguments or none; binary
//! attachments; odd Unicode; strings up to the packet limit; emits without an ack). Each one
//! must get a well-formed ack (`ok`, or `error` with a documented code and a message), or be
//! ignored when no ack was asked for; a refused one changes nothing in the database; the
//! server never panics and the connection stays up. Payloads are drawn by proptest from a fixed
//! seed, so a failure reproduces; the number of cases run is printed (`scripts/test` shows it).

use crate::helpers::{TestApp, PATIENCE};
use parley::protocol::{command_names, CreateRoom, ErrorCode, ListRooms, SendMessage};
use parley::server::limits::Rate;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use rust_socketio::Payload;
use serde_json::{json, Map, Value};
use sqlx::SqlitePool;

/// Payloads sent to each command.
const CASES_PER_COMMAND: usize = 250;
/// Packets stay under the server's limit (64 KiB) with room for the event's name.
const LIMIT: usize = parley::server::MAX_SOCKET_PAYLOAD_BYTES as usize - 1024;
/// Every this many, the payload is emitted without asking for an ack.
const WITHOUT_ACK_EVERY: usize = 10;

/// A well-formed payload of each command, to mutate (the fuzzed server has Ada in the lobby,
/// her message 1 there, her private room `den`, and Bob).
fn base(command: &str) -> Value {
    match command {
        "message:send" => json!({"room": "lobby", "client_id": "c1", "body": "hello"}),
        "message:edit" => json!({"room": "lobby", "seq": 1, "body": "edited"}),
        "message:delete" => json!({"room": "lobby", "seq": 1}),
        "message:react" => json!({"room": "lobby", "seq": 1, "emoji": "👍", "on": true}),
        "message:list" => json!({"room": "lobby", "before": 10}),
        "room:join" => json!({"room": "lobby", "after": 0}),
        "room:sync" => json!({"room": "lobby", "after": 0}),
        "room:create" => json!({"name": "Fuzzed", "private": false}),
        "room:list" => json!({}),
        "room:read" => json!({"room": "lobby", "seq": 1}),
        "direct:open" => json!({"name": "Bob"}),
        "member:role" => json!({"room": "den", "name": "Bob", "role": "moderator"}),
        "typing:set" => json!({"room": "lobby", "typing": true}),
        "assistant:stop" => json!({"room": "lobby"}),
        command if command.starts_with("member:") => json!({"room": "den", "name": "Bob"}),
        _ => json!({"room": "lobby"}),
    }
}

/// What is emitted: socket.io arguments, or a binary attachment.
#[derive(Clone, Debug)]
enum Shape {
    Args(Vec<Value>),
    Binary(Vec<u8>),
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<String>(),
        2 => "\\PC{0,24}",
        1 => Just(String::new()),
        1 => Just("lobby".to_owned()),
        1 => Just("LOBBY ".to_owned()),
        1 => Just("\u{0}".to_owned()),
        1 => Just("\u{202e}lobby\u{200b}".to_owned()),
        1 => Just("e\u{301}👍🏽\u{fe0f}".to_owned()),
        1 => Just("'; DROP TABLE messages; --".to_owned()),
        1 => Just("../../etc/passwd".to_owned()),
        // Up to the 64 KiB packet limit (a larger frame ends the connection by design).
        1 => (1usize..60_000).prop_map(|n| "x".repeat(n)),
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter_map("finite", |f| serde_json::Number::from_f64(f).map(Value::Number)),
        Just(json!(0)),
        Just(json!(-1)),
        Just(json!(1e308)),
        Just(json!(9_007_199_254_740_993_u64)),
        Just(json!(i64::MIN)),
    ]
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        number(),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("[a-z_]{1,10}", inner), 0..6)
                .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

/// Random shapes around `base`: mostly near misses of a valid payload.
fn shapes(base: Value) -> impl Strategy<Value = Shape> {
    let fields: Map<String, Value> = base.as_object().cloned().unwrap_or_default();
    let keys: Vec<String> = fields.keys().cloned().collect();
    let keys = if keys.is_empty() { vec!["room".to_owned()] } else { keys };
    let one = |value: Value| Shape::Args(vec![value]);
    let (replace, remove, add) = (fields.clone(), fields.clone(), fields.clone());
    let positional = Value::Array(fields.values().cloned().collect());
    prop_oneof![
        3 => any_json().prop_map(one),
        4 => (prop::sample::select(keys.clone()), any_json()).prop_map(move |(key, value)| {
            let mut fields = replace.clone();
            fields.insert(key, value);
            one(Value::Object(fields))
        }),
        2 => prop::sample::select(keys).prop_map(move |key| {
            let mut fields = remove.clone();
            fields.remove(&key);
            one(Value::Object(fields))
        }),
        2 => ("[a-z_]{1,12}", any_json()).prop_map(move |(key, value)| {
            let mut fields = add.clone();
            fields.insert(key, value);
            one(Value::Object(fields))
        }),
        1 => Just(one(positional)),
        1 => prop::collection::vec(any_json(), 0..4).prop_map(Shape::Args),
        1 => prop::collection::vec(any::<u8>(), 0..512).prop_map(Shape::Binary),
    ]
    // A larger packet ends the connection by design (tested in payloads.rs).
    .prop_filter("within the packet limit", |shape| match shape {
        Shape::Args(args) => serde_json::to_string(args).map_or(0, |text| text.len()) < LIMIT,
        Shape::Binary(bytes) => bytes.len() < LIMIT,
    })
}

/// Every table's rows but presence and sessions (which reading and connecting touch), as text:
/// equal before and after a refused command, or it changed something.
async fn fingerprint(db: &SqlitePool) -> Vec<String> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
         AND name NOT IN ('presence', 'sessions', '_sqlx_migrations') ORDER BY name",
    )
    .fetch_all(db)
    .await
    .expect("tables");
    let mut rows = Vec::with_capacity(tables.len());
    for table in tables {
        let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?)")
            .bind(&table)
            .fetch_all(db)
            .await
            .expect("columns");
        let row = columns.iter().map(|c| format!("quote(\"{c}\")")).collect::<Vec<_>>();
        let sql = format!(
            "SELECT COALESCE(group_concat(row, ';'), '') FROM
             (SELECT {} AS row FROM \"{table}\" ORDER BY 1)",
            row.join(" || ',' || ")
        );
        let all: String = sqlx::query_scalar(&sql).fetch_one(db).await.expect("rows");
        rows.push(format!("{table}: {all}"));
    }
    rows
}

/// Whether `ack` is `{"ok": …}`, or `{"error": {"code", "message"}}` with a documented code.
fn well_formed(ack: &Value) -> Result<bool, String> {
    let Some(fields) = ack.as_object().filter(|fields| fields.len() == 1) else {
        return Err(format!("not an ack: {ack}"));
    };
    if fields.contains_key("ok") {
        return Ok(true);
    }
    let error = &ack["error"];
    serde_json::from_value::<ErrorCode>(error["code"].clone())
        .map_err(|_| format!("undocumented error code: {ack}"))?;
    match error["message"].as_str() {
        Some(message) if !message.trim().is_empty() => Ok(false),
        _ => Err(format!("an error without a message: {ack}")),
    }
}

#[tokio::test]
async fn every_command_survives_random_and_malformed_payloads_and_refusals_change_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("fuzz.db");
    let app = TestApp::builder()
        .database(&format!("sqlite:{}", file.display()))
        .limits(|limits| {
            limits.messages = Rate::new(1_000_000, Rate::MINUTE, 1_000_000);
            limits.rooms = Rate::new(1_000_000, Rate::MINUTE, 1_000_000);
        })
        .start()
        .await;
    let ada = app.member("Ada").await;
    app.member("Bob").await;
    let first = SendMessage {
        room: "lobby".into(),
        client_id: "first".into(),
        body: "one".into(),
        reply_to: None,
        files: vec![],
    };
    assert_eq!(ada.ok(&first).await.seq, 1);
    ada.ok(&CreateRoom { name: "Den".into(), private: true }).await;
    let db = SqlitePool::connect(&format!("sqlite:{}?mode=ro", file.display())).await.expect("db");

    let mut runner = TestRunner::deterministic();
    let (mut accepted, mut refused) = (0usize, 0usize);
    // Sent without an ack after the others: what they change, they change at some moment
    // no ack tells, so the database is not compared around them.
    let mut unacked = Vec::new();
    let mut state = fingerprint(&db).await;
    for command in command_names() {
        let strategy = shapes(base(command));
        for case in 0..CASES_PER_COMMAND {
            let shape = strategy.new_tree(&mut runner).expect("a payload").current();
            // rust_socketio 0.6 encodes a binary emit that asks for an ack as a BINARY_ACK
            // packet (type 6), which the server rightly takes for an ack of nothing: binary
            // attachments go without an ack.
            let shape = match shape {
                Shape::Binary(_) => {
                    unacked.push((command, shape));
                    continue;
                }
                _ if case % WITHOUT_ACK_EVERY == 0 => {
                    unacked.push((command, shape));
                    continue;
                }
                Shape::Args(args) => args,
            };
            let ack = ada.request_payload(command, Payload::Text(shape.clone()), PATIENCE).await;
            let ack = ack.unwrap_or_else(|| panic!("no ack for {command} {shape:?}"));
            match well_formed(&ack) {
                Ok(true) => {
                    accepted += 1;
                    state = fingerprint(&db).await;
                }
                Ok(false) => {
                    refused += 1;
                    let now = fingerprint(&db).await;
                    assert_eq!(now, state, "{command} {shape:?} was refused ({ack}) but changed");
                }
                Err(why) => panic!("{command} {shape:?}: {why}"),
            }
        }
    }
    for (command, shape) in &unacked {
        let payload = match shape.clone() {
            Shape::Args(args) => Payload::Text(args),
            Shape::Binary(bytes) => Payload::Binary(bytes.into()),
        };
        ada.emit_payload(command, payload).await;
    }
    let unacked = unacked.len();
    // The same connection still works, and so does the server.
    ada.ok(&ListRooms {}).await;
    let health = reqwest::get(app.url("/healthz")).await.expect("health");
    assert!(health.status().is_success());
    let total = accepted + refused + unacked;
    assert_eq!(total, command_names().len() * CASES_PER_COMMAND);
    println!(
        "protocol fuzzing: {total} payloads to {} commands: {refused} refused with a documented \
         error, {accepted} accepted, {unacked} sent without an ack",
        command_names().len()
    );
}

/// Reads long-polling packets until one starts with `prefix`.
async fn poll_for(http: &reqwest::Client, url: &str, prefix: &str) -> String {
    for _ in 0..20 {
        let body = http.get(url).send().await.expect("poll").text().await.expect("body");
        if let Some(packet) = body.split('\u{1e}').find(|packet| packet.starts_with(prefix)) {
            return packet.to_owned();
        }
    }
    panic!("no packet starting with {prefix}");
}

#[tokio::test]
async fn a_binary_attachment_that_asks_for_an_ack_gets_an_error_ack_from_every_command() {
    // Over long-polling, written by hand: socket.io's BINARY_EVENT with an ack id, its
    // attachment base64-encoded (`b` + "AQID", the bytes 1, 2, 3).
    let app = TestApp::spawn().await;
    let token = app.session("Ada").await;
    let http = reqwest::Client::builder()
        .default_headers(
            [(reqwest::header::COOKIE, format!("parley_session={token}").parse().expect("h"))]
                .into_iter()
                .collect(),
        )
        .build()
        .expect("client");
    let open = http
        .get(app.url("/socket.io/?EIO=4&transport=polling"))
        .send()
        .await
        .expect("open")
        .text()
        .await
        .expect("body");
    let open: Value = serde_json::from_str(open.trim_start_matches('0')).expect("open packet");
    let sid = open["sid"].as_str().expect("sid");
    let url = app.url(&format!("/socket.io/?EIO=4&transport=polling&sid={sid}"));
    http.post(&url).body("40").send().await.expect("connect");
    poll_for(&http, &url, "40").await;
    for (id, command) in command_names().into_iter().enumerate() {
        let packet =
            format!("451-{id}[\"{command}\",{{\"_placeholder\":true,\"num\":0}}]\u{1e}bAQID");
        let sent = http.post(&url).body(packet).send().await.expect("send");
        assert!(sent.status().is_success(), "{command}: {}", sent.status());
        let ack = poll_for(&http, &url, &format!("43{id}[")).await;
        let ack: Value = serde_json::from_str(&ack[format!("43{id}").len()..]).expect("ack");
        assert_eq!(ack[0]["error"]["code"], "invalid_payload", "{command}: {ack}");
    }
}
