//! The REST API at `/api/v1`, called as a bot would: personal API tokens, rooms, history by
//! cursor, posting (broadcast live), errors with statuses, limits, and the OpenAPI document.

use crate::helpers::TestApp;
use crate::pages::page;
use parley::server::limits::Rate;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn bodies(page: &Value) -> Vec<String> {
    page["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["body"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn a_token_is_shown_once_and_speaks_for_its_owner() {
    let app = TestApp::spawn().await;
    let token = app.api_token("Ada", "deploy bot").await;
    assert!(token.starts_with("pt_") && token.len() == 67, "{token}");
    let (_, html) = page(&app, Some("Ada"), "/account").await;
    assert!(html.contains("deploy bot") && html.contains("never used"), "{html}");
    assert!(!html.contains(&token), "the token is shown once only");

    let (status, rooms) = app.rest(Some(&token), Method::GET, "/api/v1/rooms", None).await;
    assert_eq!(status, StatusCode::OK, "{rooms}");
    assert_eq!(rooms[0]["slug"], "lobby");
    let (_, html) = page(&app, Some("Ada"), "/account").await;
    assert!(html.contains("last used"), "{html}");
    // Without a session, the account page asks to sign in.
    let (status, html) = page(&app, None, "/account").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(html.contains("Sign in to see your account."), "{html}");
}

#[tokio::test]
async fn history_pages_by_cursor_and_posts_are_broadcast_live() {
    let app = TestApp::spawn().await;
    let mut watcher = app.member("Watcher").await;
    let token = app.api_token("Bot", "poster").await;
    let path = "/api/v1/rooms/lobby/messages";
    let mut posted = Vec::new();
    for i in 1..=3 {
        let body = json!({"body": format!("number {i}"), "client_id": format!("n{i}")});
        let (status, message) = app.rest(Some(&token), Method::POST, path, Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{message}");
        assert_eq!(message["author"], "Bot");
        // Everyone in the room sees it, like any other message.
        let live = watcher.next_message().await;
        assert_eq!(serde_json::to_value(&live).expect("json"), message);
        posted.push(message);
    }
    // A retry with a known client id stores nothing new.
    let again = json!({"body": "number 1", "client_id": "n1"});
    let (status, message) = app.rest(Some(&token), Method::POST, path, Some(again)).await;
    assert_eq!((status, &message), (StatusCode::CREATED, &posted[0]));

    let get = |query: &'static str| {
        let app = &app;
        let token = token.clone();
        async move { app.rest(Some(&token), Method::GET, &format!("{path}{query}"), None).await }
    };
    let (status, all) = get("").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bodies(&all), ["number 1", "number 2", "number 3"]);
    assert_eq!(all["complete"], true);
    assert_eq!(bodies(&get("?after=1").await.1), ["number 2", "number 3"]);
    assert_eq!(bodies(&get("?before=3").await.1), ["number 1", "number 2"]);
    let (_, between) = get("?after=1&before=3").await;
    assert_eq!(
        (bodies(&between), &between["complete"]),
        (vec!["number 2".to_owned()], &json!(true))
    );
    for bad in ["?after=-1", "?before=0", "?after=soon"] {
        let (status, error) = get(bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {error}");
        assert_eq!(error["error"]["code"], "invalid_payload", "{bad}");
    }
    let (status, error) =
        app.rest(Some(&token), Method::GET, "/api/v1/rooms/nowhere/messages", None).await;
    assert_eq!((status, &error["error"]["code"]), (StatusCode::NOT_FOUND, &json!("unknown_room")));
}

#[tokio::test]
async fn bad_posts_are_refused_with_a_status_and_store_nothing() {
    let app = TestApp::spawn().await;
    let token = app.api_token("Bot", "poster").await;
    let path = "/api/v1/rooms/lobby/messages";
    for (body, status, code) in [
        (json!({"body": "   "}), StatusCode::BAD_REQUEST, "empty_message"),
        (json!({"body": "x".repeat(4001)}), StatusCode::BAD_REQUEST, "message_too_long"),
        (
            json!({"body": "hi", "client_id": "no spaces"}),
            StatusCode::BAD_REQUEST,
            "invalid_client_id",
        ),
        (json!({"text": "hi"}), StatusCode::BAD_REQUEST, "invalid_payload"),
        (json!(["hi"]), StatusCode::BAD_REQUEST, "invalid_payload"),
    ] {
        let (got, error) = app.rest(Some(&token), Method::POST, path, Some(body.clone())).await;
        assert_eq!((got, error["error"]["code"].as_str()), (status, Some(code)), "{body}");
    }
    // A body past the request limit never reaches the handler.
    let huge = json!({"body": "x".repeat(parley::server::MAX_BODY_BYTES)});
    let (status, _) = app.rest(Some(&token), Method::POST, path, Some(huge)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, error) = app.rest(Some(&token), Method::GET, "/api/v1/nothing", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{error}");
    let (_, all) = app.rest(Some(&token), Method::GET, path, None).await;
    assert!(bodies(&all).is_empty(), "nothing stored: {all}");
}

#[tokio::test]
async fn a_revoked_token_is_refused_and_tokens_have_a_rate_limit() {
    let app = TestApp::builder()
        .limits(|limits| limits.api_calls = Rate::new(1, Rate::HOUR, 3))
        .start()
        .await;
    let token = app.api_token("Ada", "first").await;
    let other = app.api_token("Ada", "second").await;
    for _ in 0..3 {
        let (status, _) = app.rest(Some(&token), Method::GET, "/api/v1/rooms", None).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, error) = app.rest(Some(&token), Method::GET, "/api/v1/rooms", None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{error}");
    assert_eq!(error["error"]["code"], "rate_limited");
    // Each token has its own allowance.
    let (status, _) = app.rest(Some(&other), Method::GET, "/api/v1/rooms", None).await;
    assert_eq!(status, StatusCode::OK);

    // Revoked on the account page: refused from then on.
    let response = app
        .http(Some("Ada"))
        .await
        .post(app.url("/api/revoke_token"))
        .form(&[("id", "2")])
        .send()
        .await
        .expect("post");
    assert!(response.status().is_redirection() || response.status().is_success());
    let (status, error) = app.rest(Some(&other), Method::GET, "/api/v1/rooms", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{error}");
    assert_eq!(error["error"]["code"], "not_signed_in");
    let (_, html) = page(&app, Some("Ada"), "/account").await;
    assert!(html.contains("revoked"), "{html}");
    let (status, _) = app.rest(None, Method::GET, "/api/v1/rooms", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_openapi_document_describes_the_api() {
    let app = TestApp::spawn().await;
    let (status, doc) = app.rest(None, Method::GET, "/api/v1/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "{doc}");
    for path in ["/api/v1/rooms", "/api/v1/rooms/{slug}/messages"] {
        assert!(doc["paths"][path].is_object(), "{path} in {doc}");
    }
    assert!(doc["paths"]["/api/v1/rooms/{slug}/messages"]["post"].is_object());
    assert_eq!(doc["components"]["securitySchemes"]["token"]["scheme"], "bearer");
    assert!(doc["components"]["schemas"]["Message"].is_object());
}
