//! `/metrics`: Prometheus' text format, open to server admins and to `PARLEY_METRICS_TOKEN`
//! only, counting exactly what happened on a server of its own (the server binary: in-process
//! test servers share one recorder).

use crate::binary::{parley, sign_up, started};
use crate::helpers::TestClient;
use parley::protocol::{DeleteMessage, EditMessage, ErrorCode, SendMessage, SyncRoom};
use std::collections::HashMap;

/// `name{labels}` → value, from Prometheus' text format.
fn samples(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .filter_map(|line| {
            let (name, value) = line.rsplit_once(' ')?;
            Some((name.to_owned(), value.parse().ok()?))
        })
        .collect()
}

#[tokio::test]
async fn metrics_count_what_happened_and_open_to_admins_and_the_token_only() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = format!("sqlite:{}", dir.path().join("parley.db").display());
    let mut server = parley()
        .env("PARLEY_DATABASE_URL", &database)
        .env("PARLEY_METRICS_TOKEN", "scrape-token")
        .env("PARLEY_MESSAGES_PER_MINUTE", "1")
        .env("PARLEY_MESSAGE_BURST", "3")
        .spawn()
        .expect("start");
    let addr = started(&mut server);
    let ada = sign_up(&addr, "Ada").await;
    let bob = sign_up(&addr, "Bob").await;
    let granted = parley()
        .env("PARLEY_DATABASE_URL", &database)
        .args(["admin", "grant", "Ada"])
        .output()
        .expect("grant");
    assert!(granted.status.success(), "{granted:?}");

    let url = format!("http://{addr}/metrics");
    let http = reqwest::Client::new();
    let get = |auth: Option<(&str, String)>| {
        let mut request = http.get(&url);
        if let Some((name, value)) = auth {
            request = request.header(name, value);
        }
        async move { request.send().await.expect("metrics") }
    };
    let anonymous = get(None).await;
    assert_eq!(anonymous.status(), 401);
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");
    let wrong = get(Some(("Authorization", "Bearer not-the-token".into()))).await;
    assert_eq!(wrong.status(), 401);
    let member = get(Some(("Cookie", format!("parley_session={bob}")))).await;
    assert_eq!(member.status(), 403);
    assert!(member.text().await.expect("body").contains("server admins"));

    let client = TestClient::connect(&format!("http://{addr}/"), Some(&ada)).await;
    client.join("lobby").await;
    let send = |id: &str| SendMessage {
        room: "lobby".into(),
        client_id: id.into(),
        body: id.into(),
        reply_to: None,
        files: vec![],
    };
    let first = client.ok(&send("one")).await;
    client.ok(&send("two")).await;
    client.ok(&send("three")).await;
    assert_eq!(client.refused(&send("four")).await.code, ErrorCode::RateLimited);
    let array = client.request_raw("message:send", serde_json::json!(["lobby", "x", "y"])).await;
    assert_eq!(array["error"]["code"], "invalid_payload");
    let edit = EditMessage { room: "lobby".into(), seq: first.seq, body: "one, edited".into() };
    client.ok(&edit).await;
    client.ok(&DeleteMessage { room: "lobby".into(), seq: first.seq }).await;
    client.ok(&SyncRoom { room: "lobby".into(), after: 0 }).await;
    let failed = http
        .post(format!("http://{addr}/api/sign_in"))
        .form(&[("name", "Ada"), ("password", "not her password")])
        .send()
        .await
        .expect("sign in");
    assert!(!failed.status().is_success());

    let scraped = get(Some(("Authorization", "Bearer scrape-token".into()))).await;
    assert_eq!(scraped.status(), 200);
    let kind = scraped.headers()["content-type"].to_str().expect("type").to_owned();
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    let text = scraped.text().await.expect("body");
    let seen = samples(&text);
    let value = |key: &str| seen.get(key).copied().unwrap_or_else(|| panic!("{key} in\n{text}"));
    assert_eq!(value(r#"parley_messages_total{action="posted"}"#), 3.0);
    assert_eq!(value(r#"parley_messages_total{action="edited"}"#), 1.0);
    assert_eq!(value(r#"parley_messages_total{action="deleted"}"#), 1.0);
    assert_eq!(value(r#"parley_refusals_total{code="rate_limited"}"#), 1.0);
    assert_eq!(value(r#"parley_refusals_total{code="invalid_payload"}"#), 1.0);
    assert_eq!(value(r#"parley_rate_limited_total{limit="messages"}"#), 1.0);
    assert_eq!(value("parley_sign_in_failures_total"), 1.0);
    assert_eq!(value(r#"parley_command_seconds_count{event="message:send"}"#), 5.0);
    assert_eq!(value(r#"parley_command_seconds_count{event="room:sync"}"#), 1.0);
    assert_eq!(value("parley_catch_up_changes_count"), 1.0);
    let sockets = value(r#"parley_sockets_connected{transport="websocket"}"#)
        + value(r#"parley_sockets_connected{transport="polling"}"#);
    assert_eq!(sockets, 1.0);
    assert_eq!(value("parley_rooms_online"), 1.0);
    assert!(value(r#"parley_db_query_seconds_count{statement="insert"}"#) >= 3.0, "{text}");
    assert!(value("parley_process_resident_bytes") > 1_000_000.0);
    assert!(text.contains("# TYPE parley_command_seconds histogram"), "{text}");

    // An admin's session opens it too.
    let admin = get(Some(("Cookie", format!("parley_session={ada}")))).await;
    assert_eq!(admin.status(), 200);
    drop(client);
    let _ = server.kill();
    let _ = server.wait();
}
