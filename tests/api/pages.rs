//! The server-rendered pages and the forms behind them, exercised as a browser without
//! JavaScript would: plain GETs and form posts.

use crate::helpers::{urlencode, TestApp};
use parley::protocol::{Event, PresenceUpdated, SendMessage};
use reqwest::{header, StatusCode};

pub async fn post_form(
    app: &TestApp,
    name: Option<&str>,
    path: &str,
    from: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let body =
        form.iter().map(|(k, v)| format!("{k}={}", urlencode(v))).collect::<Vec<_>>().join("&");
    app.http(name)
        .await
        .post(app.url(path))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, app.url(from))
        .body(body)
        .send()
        .await
        .expect("post")
}

pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

pub async fn page(app: &TestApp, name: Option<&str>, path: &str) -> (StatusCode, String) {
    let response = app.http(name).await.get(app.url(path)).send().await.expect("get");
    (response.status(), response.text().await.expect("body"))
}

#[tokio::test]
async fn health_check_answers() {
    let app = TestApp::spawn().await;
    let (status, body) = page(&app, None, "/healthz").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ok"));
}

#[tokio::test]
async fn the_room_page_renders_history_as_text() {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    ada.ok(&SendMessage {
        room: "lobby".into(),
        client_id: "x".into(),
        body: "<script>alert(1)</script> & more".into(),
        reply_to: None,
        files: vec![],
    })
    .await;

    let (status, html) = page(&app, Some("Ada"), "/r/lobby").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"), "{html}");
    assert!(!html.contains("<script>alert(1)"));
    assert!(html.contains(r#"action="/r/lobby""#), "the no-JS form is there");
    assert!(html.contains("1 online"), "Ada is online through her socket");

    // Without a name, the history is readable and the page asks for a name instead of a message.
    let (status, html) = page(&app, None, "/r/lobby").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("alert(1)")
            && html.contains("Sign in")
            && !html.contains(r#"class="composer""#)
    );
}

#[tokio::test]
async fn pages_are_compressed_for_browsers_that_accept_it() {
    let app = TestApp::spawn().await;
    let response = app
        .http(None)
        .await
        .get(app.url("/r/lobby"))
        .header(header::ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers().get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()),
        Some("gzip")
    );
}

#[tokio::test]
async fn history_pages_by_cursor_and_permalinks_render_without_javascript() {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    for i in 1..=60 {
        let body = format!("number {i}");
        ada.ok(&SendMessage {
            room: "lobby".into(),
            client_id: format!("n{i}"),
            body,
            reply_to: None,
            files: vec![],
        })
        .await;
    }
    let shown = |html: &str| {
        (1..=60).filter(|i| html.contains(&format!(">number {i}<"))).collect::<Vec<_>>()
    };

    let (_, latest) = page(&app, Some("Ada"), "/r/lobby").await;
    assert_eq!(shown(&latest), (11..=60).collect::<Vec<_>>());
    assert!(latest.contains(r#"<a href="/r/lobby?before=11" class="older">"#), "{latest}");
    assert!(!latest.contains("Newer messages"));

    let (_, older) = page(&app, Some("Ada"), "/r/lobby?before=11").await;
    assert_eq!(shown(&older), (1..=10).collect::<Vec<_>>());
    assert!(!older.contains("Older messages"));
    assert!(older.contains(r#"<a href="/r/lobby?after=10" class="newer">"#), "{older}");
    assert!(older.contains("You are reading older messages."));

    let (_, newer) = page(&app, Some("Ada"), "/r/lobby?after=10").await;
    assert_eq!(shown(&newer), (11..=60).collect::<Vec<_>>());

    let (status, permalink) = page(&app, None, "/r/lobby/m/5").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(shown(&permalink), (1..=30).collect::<Vec<_>>(), "25 either side, as many as exist");
    let row = |seq: i64| {
        let start = format!(r#"<li id="m{seq}""#);
        permalink.split(&start).nth(1).and_then(|rest| rest.split('>').next()).unwrap_or_default()
    };
    assert!(row(5).contains("highlight") && !row(6).contains("highlight"), "{permalink}");
    assert!(latest.contains(r#"href="/r/lobby/m/60#m60""#), "every message links to itself");
}

#[tokio::test]
async fn unknown_pages_and_rooms_are_404() {
    let app = TestApp::spawn().await;
    assert_eq!(page(&app, None, "/r/nowhere").await.0, StatusCode::NOT_FOUND);
    assert_eq!(page(&app, None, "/no/such/page").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_form_post_is_stored_once_and_broadcast_live() {
    let app = TestApp::spawn().await;
    let mut watcher = app.member("Watcher").await;
    let form = [("room", "lobby"), ("client_id", "draft-1"), ("body", "from a form")];

    let response = post_form(&app, Some("Ada"), "/api/post_message", "/r/lobby", &form).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    // leptos leaves an empty query ("?") where it stripped a previous error.
    assert_eq!(location(&response).trim_end_matches('?'), app.url("/r/lobby"));
    let live = watcher.next_message().await;
    assert_eq!((live.author.as_str(), live.body.as_str(), live.seq), ("Ada", "from a form", 1));

    // Posting the same form again (a reload, a double click) stores nothing new.
    post_form(&app, Some("Ada"), "/api/post_message", "/r/lobby", &form).await;
    let (_, html) = page(&app, Some("Ada"), "/r/lobby").await;
    // Once in the list (the page also carries its data for hydration, as JSON).
    assert_eq!(html.matches(r#"<div class="body"><p>from a form<"#).count(), 1);
}

#[tokio::test]
async fn a_refused_form_post_comes_back_in_the_message_box_with_why() {
    let app = TestApp::spawn().await;
    // 4,500 characters: past the limit, and markup that must stay text.
    let long = format!("{}</textarea><b>the end</b>", "word ".repeat(895));
    let form = [("client_id", "draft-long"), ("body", long.as_str())];
    let response = post_form(&app, Some("Ada"), "/r/lobby", "/r/lobby", &form).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let html = response.text().await.expect("body");
    assert!(html.contains("A message can be at most 4000 characters long."), "{html}");
    assert!(!html.contains("Loading…"), "the whole page, not one for JavaScript to fill in");
    let kept = long.replace('<', "&lt;").replace('>', "&gt;");
    assert!(html.contains(&format!(">{kept}</textarea>")), "the text is back in the box");
    assert!(!html.contains("<b>the end</b>"), "as text, never as markup");

    // A guest (a session that expired) is told to sign in, and keeps the text too.
    let form = [("client_id", "draft-guest"), ("body", "hello?")];
    let response = post_form(&app, None, "/r/lobby", "/r/lobby", &form).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.text().await.expect("body").contains("Sign in"));

    // A reply refused (empty) keeps what it replies to.
    let ada = app.member("Ada").await;
    let first = ada.ok(&crate::helpers::send("lobby", "first", "the original")).await;
    let form = [("client_id", "draft-reply"), ("body", "  "), ("reply_to", "1")];
    let response = post_form(&app, Some("Ada"), "/r/lobby", "/r/lobby", &form).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let html = response.text().await.expect("body");
    assert!(html.contains("A message cannot be empty."), "{html}");
    assert!(html.contains(r#"name="reply_to" value="1""#), "still a reply: {html}");

    // Nothing was stored; the corrected text is, once, and the browser goes back to the room.
    let db = parley::server::store::open(&app.database_url(), "test").await.expect("open");
    assert_eq!(db.latest_messages("lobby", 10).await.expect("read"), vec![first]);
    let form = [("client_id", "draft-long"), ("body", "word word")];
    for _ in 0..2 {
        let response = post_form(&app, Some("Ada"), "/r/lobby", "/r/lobby", &form).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&response), "/r/lobby");
    }
    let stored = db.latest_messages("lobby", 10).await.expect("read");
    assert_eq!(
        stored.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
        ["the original", "word word"]
    );
}

#[tokio::test]
async fn oversized_request_bodies_are_refused() {
    let app = TestApp::spawn().await;
    let body = "x".repeat(parley::server::MAX_BODY_BYTES + 1);
    let response = post_form(
        &app,
        Some("Ada"),
        "/api/post_message",
        "/r/lobby",
        &[("room", "lobby"), ("client_id", "big"), ("body", &body)],
    )
    .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn messages_are_edited_deleted_and_reacted_to_through_forms() {
    let app = TestApp::spawn().await;
    let mut watcher = app.member("Watcher").await;
    let ada = app.member("Ada").await;
    let _ = watcher.next::<PresenceUpdated>().await;
    let mine = ada
        .ok(&SendMessage {
            room: "lobby".into(),
            client_id: "f".into(),
            body: "tpyo".into(),
            reply_to: None,
            files: vec![],
        })
        .await;
    let seq = mine.seq.to_string();
    let post = |name, path, form: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_form(app, Some(name), path, "/r/lobby", &form).await
        }
    };
    let room = || ("room", "lobby".to_owned());

    // The edit box holds the text, escaped like any other text on the page.
    let (_, html) = page(&app, Some("Ada"), "/r/lobby").await;
    assert!(html.contains(r#"aria-label="Edited message">tpyo</textarea>"#), "{html}");

    let body = ("body", "typo </textarea><b>fixed</b>".to_owned());
    let edited = post("Ada", "/api/edit_message", vec![room(), ("seq", seq.clone()), body]).await;
    assert_eq!(edited.status(), StatusCode::FOUND);
    assert!(!location(&edited).contains("__err"), "{}", location(&edited));
    assert_eq!(watcher.next_message().await, mine);
    let change = watcher.next_change().await;
    assert!(matches!(change.event, Event::Edited { .. }), "seen live: {change:?}");
    let (_, html) = page(&app, Some("Ada"), "/r/lobby").await;
    assert!(html.contains("typo &lt;/textarea&gt;&lt;b&gt;fixed&lt;/b&gt;"), "{html}");
    assert!(!html.contains("<b>fixed"), "{html}");
    assert!(html.contains(r#"class="edited""#));

    let emoji = ("emoji", "🎉".to_owned());
    let on = ("on", "true".to_owned());
    post("Watcher", "/api/react", vec![room(), ("seq", seq.clone()), emoji, on]).await;
    let (_, html) = page(&app, Some("Ada"), "/r/lobby").await;
    assert!(html.contains("Watcher reacted with 🎉"), "{html}");

    // Someone else's message cannot be deleted; the error comes back to the page.
    let refused = post("Watcher", "/api/delete_message", vec![room(), ("seq", seq.clone())]).await;
    let back = location(&refused);
    let (_, html) = page(&app, Some("Watcher"), back.trim_start_matches(&app.url(""))).await;
    assert!(html.contains("You can change only your own messages."), "{html}");

    post("Ada", "/api/delete_message", vec![room(), ("seq", seq.clone())]).await;
    let (_, html) = page(&app, Some("Ada"), "/r/lobby").await;
    assert!(html.contains("Message deleted"), "{html}");
    assert!(!html.contains("fixed") && !html.contains("reacted with"), "{html}");
}

#[tokio::test]
async fn a_form_refused_without_a_browser_answers_its_status_not_500() {
    // A script (no `Accept: text/html`, so no redirect back to the form) gets the refusal as
    // JSON with the status its code means, as from the REST API; only a fault is a 500.
    let app = TestApp::spawn().await;
    app.session("Ada").await;
    let ada = app.http(Some("Ada")).await;
    let post = |client: reqwest::Client, path: &'static str, form: &'static str| {
        let url = app.url(path);
        async move {
            let response = client
                .post(url)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(form)
                .send()
                .await
                .expect("post");
            let status = response.status();
            let body: serde_json::Value = response.json().await.expect("a JSON refusal");
            (status, body["code"].as_str().unwrap_or_default().to_owned())
        }
    };
    let anonymous = crate::helpers::anonymous_http();
    let cases = [
        (
            anonymous.clone(),
            "/api/sign_in",
            "name=Ada&password=wrong+password",
            400,
            "wrong_credentials",
        ),
        (
            anonymous.clone(),
            "/api/post_message",
            "room=lobby&client_id=c1&body=hi",
            401,
            "not_signed_in",
        ),
        (ada.clone(), "/api/post_message", "no+fields+at+all", 400, "invalid_payload"),
        (
            ada.clone(),
            "/api/post_message",
            "room=nowhere&client_id=c2&body=hi",
            404,
            "unknown_room",
        ),
        (ada.clone(), "/api/post_message", "room=lobby&client_id=c3&body=", 400, "empty_message"),
    ];
    for (client, path, form, status, code) in cases {
        assert_eq!(
            post(client, path, form).await,
            (StatusCode::from_u16(status).expect("status"), code.to_owned()),
            "{path} {form}"
        );
    }
    let db = parley::server::store::open(&app.database_url(), "test").await.expect("open");
    let stored = db.latest_messages("lobby", 10).await.expect("read");
    assert!(stored.is_empty(), "nothing was stored: {stored:?}");
}
