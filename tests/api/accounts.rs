//! Accounts and sessions, through the forms a browser posts and the socket it opens: sign up,
//! sign in, sign out, rotation, idle expiry, and the limits on each.

use crate::helpers::{eventually, session_cookie, TestApp, PASSWORD};
use crate::pages::{location, page, post_form};
use parley::server::limits::Rate;
use reqwest::{header, StatusCode};

/// Posts a sign-up or sign-in form as a browser without JavaScript would.
async fn form(app: &TestApp, action: &str, name: &str, password: &str) -> reqwest::Response {
    let fields = [("name", name), ("password", password), ("next", "/r/lobby")];
    post_form(app, None, &format!("/api/{action}"), "/", &fields).await
}

/// The page a refused form sends the browser back to.
async fn refusal_page(app: &TestApp, response: &reqwest::Response) -> String {
    let back = location(response);
    assert!(back.contains("__err="), "{back}");
    page(app, None, back.trim_start_matches(&app.url(""))).await.1
}

#[tokio::test]
async fn signing_up_sets_a_secure_session_cookie_and_goes_on() {
    let app = TestApp::spawn().await;
    let response = form(&app, "sign_up", "  Ada  Lovelace ", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(location(&response), "/r/lobby");
    let cookie = response
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(cookie.starts_with("parley_session=ps_"), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute}: {cookie}");
    }
    assert!(!cookie.contains("Ada"), "the cookie names no one: {cookie}");

    // The session is the person: the page greets them, a socket speaks for them.
    let token = session_cookie(&response).expect("token");
    let html = app
        .http(None)
        .await
        .get(app.url("/"))
        .header(header::COOKIE, format!("parley_session={token}"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    assert!(html.contains("signed in as <strong>Ada Lovelace</strong>"), "{html}");
    let ada = app.handshake(Some(&token)).await.expect("connects");
    let sent = ada
        .ok(&parley::protocol::SendMessage {
            room: "lobby".into(),
            client_id: "c1".into(),
            body: "hello".into(),
            reply_to: None,
            files: vec![],
        })
        .await;
    assert_eq!(sent.author, "Ada Lovelace");

    // Only local paths are followed afterwards.
    let fields = [("name", "Bob"), ("password", PASSWORD), ("next", "//evil.example")];
    let response = post_form(&app, None, "/api/sign_up", "/", &fields).await;
    assert_eq!(location(&response), "/r/lobby");
}

#[tokio::test]
async fn bad_sign_ups_are_refused_with_a_message_and_create_nothing() {
    let app = TestApp::spawn().await;
    app.session("Ada").await;
    for (name, password, why) in [
        ("ada", PASSWORD, "The name ada is taken."),
        ("<b>Eve</b>", PASSWORD, "letters, digits, spaces"),
        ("Eve", "short", "at least 8 characters"),
        ("Eve", &"x".repeat(129), "at most 128 characters"),
        ("Assistant", PASSWORD, "belongs to the assistant"),
    ] {
        let response = form(&app, "sign_up", name, password).await;
        assert!(session_cookie(&response).is_none(), "{name}: no session");
        let html = refusal_page(&app, &response).await;
        assert!(html.contains(why), "{why}: {html}");
    }
    // Eve never got an account: her name and password do not sign in.
    assert!(app.try_account("sign_in", "Eve", "short").await.is_err());
}

#[tokio::test]
async fn signing_in_rotates_the_session_and_checks_the_password() {
    let app = TestApp::spawn().await;
    let first = app.session("Ada").await;
    let wrong = form(&app, "sign_in", "Ada", "not the password").await;
    assert!(session_cookie(&wrong).is_none());
    assert!(refusal_page(&app, &wrong).await.contains("Wrong name or password."));
    let unknown = form(&app, "sign_in", "Nobody", PASSWORD).await;
    assert!(refusal_page(&app, &unknown).await.contains("Wrong name or password."), "same words");

    // Signing in again from the browser that holds `first` replaces it.
    let response = app
        .http(Some("Ada"))
        .await
        .post(app.url("/api/sign_in"))
        .form(&[("name", "ADA"), ("password", PASSWORD)])
        .send()
        .await
        .expect("post");
    let second = session_cookie(&response).expect("a new session");
    assert_ne!(second, first);
    assert!(app.handshake(Some(&first)).await.is_err(), "the old session is over");
    let ada = app.handshake(Some(&second)).await.expect("the new one works");
    let joined = ada.join("lobby").await;
    assert_eq!(joined.online, ["Ada"], "the name as it was signed up, whatever the case typed");
}

#[tokio::test]
async fn signing_out_ends_the_session_and_disconnects_its_sockets_at_once() {
    let app = TestApp::spawn().await;
    let token = app.session("Ada").await;
    let mut tab = app.client(Some("Ada")).await;
    tab.join("lobby").await;
    let mut bob = app.member("Bob").await;

    let response = app.http(Some("Ada")).await.post(app.url("/api/sign_out")).send().await;
    let response = response.expect("post");
    assert_eq!(session_cookie(&response).as_deref(), Some(""), "the cookie is cleared");
    // Ada's open tab is disconnected (her presence ends), and the session is gone.
    let gone = bob.next::<parley::protocol::PresenceUpdated>().await;
    assert!(!gone.here && gone.name == "Ada", "{gone:?}");
    assert!(tab.wait_closed().await, "the server closed Ada's socket");
    assert!(app.handshake(Some(&token)).await.is_err());
    let (_, html) = page(&app, None, "/").await;
    assert!(html.contains("Create account"), "{html}");
}

#[tokio::test]
async fn an_idle_session_expires() {
    let app = TestApp::builder()
        .auth(|auth| auth.idle = std::time::Duration::from_millis(300))
        .start()
        .await;
    let token = app.session("Ada").await;
    assert!(app.handshake(Some(&token)).await.is_ok());
    let expired = || async { app.handshake(Some(&token)).await.is_err() };
    assert!(eventually(expired).await, "the session never expired");
    let refused = app.handshake(Some(&token)).await.err().expect("expired");
    assert!(refused.contains("Sign in to connect."), "{refused}");
    // A fresh sign-in works.
    assert!(app.try_account("sign_in", "Ada", PASSWORD).await.is_ok());
}

#[tokio::test]
async fn wrong_passwords_back_off_per_account_and_per_address() {
    let app = TestApp::builder().limits(|l| l.sign_in_free_failures = 2).start().await;
    app.session("Ada").await;
    app.session("Bob").await;
    for _ in 0..3 {
        let response = form(&app, "sign_in", "Ada", "wrong password").await;
        assert!(refusal_page(&app, &response).await.contains("Wrong name or password."));
    }
    // Past two free failures, Ada's account must wait, even with the right password.
    let response = form(&app, "sign_in", "Ada", PASSWORD).await;
    assert!(session_cookie(&response).is_none());
    let html = refusal_page(&app, &response).await;
    assert!(html.contains("Too many failed sign-ins: try again in 1 s."), "{html}");
    // After the wait, the right password gets in and the failures are forgotten.
    let signed_in = || async { app.try_account("sign_in", "Ada", PASSWORD).await.is_ok() };
    assert!(eventually(signed_in).await);

    // The address has four times as many free failures (8), and a success does not reset them:
    // spread over several names, they slow down every account tried from it.
    for name in ["Carol", "Dan", "Erin", "Frank", "Gina", "Hal"] {
        let _ = form(&app, "sign_in", name, "guess").await;
    }
    let response = form(&app, "sign_in", "Bob", PASSWORD).await;
    let html = refusal_page(&app, &response).await;
    assert!(html.contains("Too many failed sign-ins"), "{html}");
}

#[tokio::test]
async fn sign_ups_per_address_are_limited() {
    let app = TestApp::builder().limits(|l| l.sign_ups = Rate::new(1, Rate::HOUR, 2)).start().await;
    assert!(app.try_account("sign_up", "Ada", PASSWORD).await.is_ok());
    assert!(app.try_account("sign_up", "Bob", PASSWORD).await.is_ok());
    let (_, body) = app.try_account("sign_up", "Carol", PASSWORD).await.expect_err("refused");
    assert!(body.contains("Too many accounts created from your address"), "{body}");
    assert!(app.try_account("sign_in", "Carol", PASSWORD).await.is_err(), "no account made");
}

#[tokio::test]
async fn pages_read_the_session_not_a_name_cookie() {
    let app = TestApp::spawn().await;
    app.session("Ada").await;
    // The display-name cookie of old names nobody now.
    let response = app
        .http(None)
        .await
        .get(app.url("/r/lobby"))
        .header(header::COOKIE, "parley_name=Ada")
        .send()
        .await
        .expect("get");
    let html = response.text().await.expect("body");
    assert!(html.contains("You are reading as a guest."), "{html}");
    assert!(!html.contains(r#"class="composer""#), "no message form for a guest");
}

#[tokio::test]
async fn a_person_downloads_everything_they_wrote_and_nothing_of_anyone_else() {
    use parley::protocol::{CreateRoom, DeleteMessage, ReactMessage, SendMessage};
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    let bob = app.member("Bob").await;
    let send = |room: &str, id: &str, body: &str| SendMessage {
        room: room.into(),
        client_id: id.into(),
        body: body.into(),
        reply_to: None,
        files: vec![],
    };
    ada.ok(&send("lobby", "a1", "mine")).await;
    let gone = ada.ok(&send("lobby", "a2", "regretted")).await;
    ada.ok(&DeleteMessage { room: "lobby".into(), seq: gone.seq }).await;
    let his = bob.ok(&send("lobby", "b1", "his")).await;
    let react = ReactMessage { room: "lobby".into(), seq: his.seq, emoji: "👍".into(), on: true };
    ada.ok(&react).await;
    let den = ada.ok(&CreateRoom { name: "Den".into(), private: true }).await;
    ada.ok(&send(&den.slug, "a3", "secret plan")).await;

    let response = app.http(Some("Ada")).await.get(app.url("/account/export")).send().await;
    let response = response.expect("export");
    assert_eq!(response.status(), StatusCode::OK);
    let disposition = response.headers()[header::CONTENT_DISPOSITION].to_str().expect("header");
    assert_eq!(disposition, "attachment; filename=\"parley-Ada.json\"");
    let export: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(export["format"], "parley-export-1");
    assert_eq!(export["name"], "Ada");
    let messages = export["messages"].as_array().expect("messages");
    let shown: Vec<_> = messages
        .iter()
        .map(|m| (m["room"].as_str(), m["body"].as_str(), m["deleted"].as_bool()))
        .collect();
    assert_eq!(
        shown,
        [
            (Some("lobby"), Some("mine"), Some(false)),
            (Some("lobby"), Some(""), Some(true)),
            (Some(den.slug.as_str()), Some("secret plan"), Some(false)),
        ],
        "hers only, in every room, the deleted one without its text"
    );
    let reactions = &export["reactions"];
    assert_eq!(reactions.as_array().map(Vec::len), Some(1), "{reactions}");
    assert_eq!(reactions[0]["seq"], his.seq);
    assert_eq!(reactions[0]["emoji"], "👍");

    let anonymous = crate::helpers::anonymous_http().get(app.url("/account/export")).send().await;
    assert_eq!(anonymous.expect("export").status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn deleting_an_account_erases_what_it_wrote_and_nobody_signs_in_as_it_again() {
    use parley::protocol::{ListMembers, ListMessages, Range, ReactMessage, SendMessage};
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    let bob = app.member("Bob").await;
    let send = |id: &str, body: &str| SendMessage {
        room: "lobby".into(),
        client_id: id.into(),
        body: body.into(),
        reply_to: None,
        files: vec![],
    };
    ada.ok(&send("a1", "mine")).await;
    let his = bob.ok(&send("b1", "his")).await;
    let react = ReactMessage { room: "lobby".into(), seq: his.seq, emoji: "👍".into(), on: true };
    ada.ok(&react).await;
    let token = app.session("Ada").await;

    // Another password: refused, nothing deleted.
    let wrong = [("password", "not her password")];
    let response = post_form(&app, Some("Ada"), "/api/delete_account", "/account", &wrong).await;
    let page = refusal_page_of(&app, &response).await;
    assert!(page.contains("That is not your password. Nothing was deleted."), "{page}");
    let all = ListMessages { room: "lobby".into(), range: Range::After(0) };
    assert_eq!(bob.ok(&all).await.messages[0].body, "mine");

    let right = [("password", PASSWORD)];
    let response = post_form(&app, Some("Ada"), "/api/delete_account", "/account", &right).await;
    assert_eq!(location(&response), "/", "home, signed out");
    assert_eq!(session_cookie(&response).as_deref(), Some(""), "the cookie is cleared");

    // Bob's page sees it all go: her message erased, her reaction taken back, she left.
    let messages = bob.ok(&all).await.messages;
    assert!(messages[0].deleted && messages[0].body.is_empty(), "{:?}", messages[0]);
    assert!(messages[1].reactions.is_empty(), "{:?}", messages[1]);
    let members = bob.ok(&ListMembers { room: "lobby".into() }).await.members;
    assert!(members.iter().all(|m| m.name != "Ada"), "{members:?}");
    // Her socket was closed, her session and password no longer open anything, and her name
    // stays taken.
    let wait = std::time::Duration::from_secs(2);
    let gone = ada.try_request_raw("room:list", serde_json::json!({}), wait);
    assert!(gone.await.is_none(), "her socket was closed");
    assert!(app.handshake(Some(&token)).await.is_err());
    assert!(app.try_account("sign_in", "Ada", PASSWORD).await.is_err());
    let taken = app.try_account("sign_up", "ada", PASSWORD).await.expect_err("taken");
    assert!(taken.1.contains("name_taken") || taken.1.contains("taken"), "{taken:?}");
}

/// The page a refused form of a signed-in person sends the browser back to.
async fn refusal_page_of(app: &TestApp, response: &reqwest::Response) -> String {
    let back = location(response);
    assert!(back.contains("__err="), "{back}");
    page(app, Some("Ada"), back.trim_start_matches(&app.url(""))).await.1
}
