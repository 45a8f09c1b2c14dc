//! `PARLEY_LOG_FORMAT=json`: the server binary logs one JSON object per line, each request's and
//! socket's events carry its id, every refusal is logged once with its code, and no log holds a
//! password, a session token or a message body.

use crate::binary::{parley, sign_up};
use crate::helpers::{TestClient, PASSWORD};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::sync::{Arc, Mutex};

#[tokio::test]
async fn json_logs_name_requests_and_sockets_and_never_hold_secrets() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = format!("sqlite:{}", dir.path().join("parley.db").display());
    let mut server = parley()
        .env("PARLEY_DATABASE_URL", &database)
        .env("PARLEY_LOG_FORMAT", "json")
        .spawn()
        .expect("start");
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let stdout = server.stdout.take().expect("stdout");
    let kept = lines.clone();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let event: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
            if let Some(at) = event["message"].as_str().and_then(|m| m.split("http://").nth(1)) {
                let _ = addr_tx.send(at.to_owned());
            }
            kept.lock().expect("lines").push(line);
        }
    });
    let addr = addr_rx.recv_timeout(crate::helpers::PATIENCE).expect("the server listens");

    let token = sign_up(&addr, "Ada").await;
    let http = reqwest::Client::new();
    let wrong = "a wrong password that must not be logged";
    let response = http
        .post(format!("http://{addr}/api/sign_in"))
        .header("X-Request-Id", "req-from-the-proxy")
        .form(&[("name", "Ada"), ("password", wrong)])
        .send()
        .await
        .expect("sign in");
    let id = response.headers().get("x-request-id").and_then(|v| v.to_str().ok());
    assert_eq!(id, Some("req-from-the-proxy"), "a proxy's request id is kept and returned");
    let response = http.get(format!("http://{addr}/healthz")).send().await.expect("health");
    let id = response.headers().get("x-request-id").and_then(|v| v.to_str().ok());
    assert_eq!(id.map(str::len), Some(36), "a request without an id is given one: {id:?}");

    let ada = TestClient::connect(&format!("http://{addr}/"), Some(&token)).await;
    ada.join("lobby").await;
    let body = "a message body that must not be logged";
    let refused = ada.request_raw("message:send", json!(["lobby", "c1", body])).await;
    assert_eq!(refused["error"]["code"], "invalid_payload", "{refused}");
    drop(ada);
    let status =
        std::process::Command::new("kill").args(["-TERM", &server.id().to_string()]).status();
    assert!(status.expect("kill").success());
    assert!(server.wait().expect("exit").success());
    reader.join().expect("reader");

    let lines = lines.lock().expect("lines").clone();
    let events: Vec<Value> = lines
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    for event in &events {
        assert!(event["timestamp"].is_string() && event["level"].is_string(), "{event}");
    }
    let failed = events.iter().find(|e| e["message"] == "failed sign-in").expect("logged");
    assert_eq!(failed["span"]["request_id"], "req-from-the-proxy", "{failed}");
    assert_eq!(failed["span"]["path"], "/api/sign_in", "{failed}");
    let refusals: Vec<_> = events.iter().filter(|e| e["message"] == "refused").collect();
    assert_eq!(refusals.len(), 1, "once: {refusals:?}");
    assert_eq!(refusals[0]["code"], "invalid_payload");
    assert_eq!(refusals[0]["span"]["event"], "message:send");
    assert!(refusals[0]["span"]["socket"].as_str().is_some_and(|id| !id.is_empty()));
    let all = lines.join("\n");
    for secret in [PASSWORD, wrong, &token, body] {
        assert!(!all.contains(secret), "{secret:?} is in the logs:\n{all}");
    }
}

#[test]
fn an_unknown_log_format_stops_the_server_with_a_clear_message() {
    let output = parley().env("PARLEY_LOG_FORMAT", "xml").output().expect("run");
    assert!(!output.status.success());
    let log = String::from_utf8_lossy(&output.stdout);
    assert!(log.contains("PARLEY_LOG_FORMAT must be text or json"), "{log}");
}
