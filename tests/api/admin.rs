//! The admin page and its namespace: `/admin` lets in server admins only (at the socket.io
//! handshake and on the page), streams the node's overview (connections, rates, ack latency,
//! refusals, busiest rooms, admins, recent moderation), and ends with the admin's session.

use crate::binary::parley;
use crate::helpers::{TestApp, TestClient, PATIENCE};
use parley::protocol::{
    AdminOverview, BanMember, CreateRoom, DeleteMessage, ErrorCode, KickMember, SendMessage,
    SetRole, ADMIN_ONLY,
};

/// A handshake to `/admin` with `name`'s session (none: a guest).
async fn admin_socket(app: &TestApp, name: Option<&str>) -> Result<TestClient, String> {
    let mut headers = Vec::new();
    if let Some(name) = name {
        headers.push(("Cookie", format!("parley_session={}", app.session(name).await)));
    }
    TestClient::try_connect_with(&app.url("/"), &headers, |builder| builder.namespace("/admin"))
        .await
}

/// The next overview that satisfies `wanted` (they come every 2 seconds).
async fn overview_where(
    client: &mut TestClient,
    wanted: impl Fn(&AdminOverview) -> bool,
) -> AdminOverview {
    let mut last = None;
    for _ in 0..5 {
        let overview: AdminOverview =
            client.wait_for_within(PATIENCE).await.expect("an overview every 2 seconds");
        if wanted(&overview) {
            return overview;
        }
        last = Some(overview);
    }
    panic!("no overview as wanted; the last: {last:?}");
}

/// `parley admin grant NAME` on the test server's database, as an operator runs it.
fn grant(app: &TestApp, name: &str) {
    let output = parley()
        .env("PARLEY_DATABASE_URL", app.database_url())
        .args(["admin", "grant", name])
        .output()
        .expect("run parley admin");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

#[tokio::test]
async fn only_server_admins_connect_to_the_admin_namespace_and_see_the_node_live() {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    let bob = app.member("Bob").await;
    let cy = app.member("Cy").await;

    let guest = admin_socket(&app, None).await.err().expect("a guest is refused");
    assert!(guest.contains("Sign in to connect."), "{guest}");
    let member = admin_socket(&app, Some("Bob")).await.err().expect("a member is refused");
    assert!(member.contains(ADMIN_ONLY), "{member}");

    grant(&app, "Ada");
    let mut feed = admin_socket(&app, Some("Ada")).await.expect("an admin connects");
    let first: AdminOverview = feed.next().await;
    assert_eq!(first.admins, vec!["Ada".to_owned()]);
    assert_eq!(first.websocket + first.polling, 3, "Ada's, Bob's and Cy's chat sockets");
    let lobby = first.busiest.iter().find(|room| room.slug.as_deref() == Some("lobby"));
    assert_eq!(lobby.map(|room| room.online), Some(3), "{:?}", first.busiest);
    let granted = &first.moderation[0];
    assert_eq!((granted.action.as_str(), granted.target.as_str()), ("grant", "Ada"));
    assert_eq!((granted.by.as_str(), granted.room.as_deref()), ("parley admin", None));

    // Traffic: messages, a refusal, and moderation by a moderator and by the admin.
    for n in 0..3 {
        let send = SendMessage {
            room: "lobby".into(),
            client_id: format!("b{n}"),
            body: "hi".into(),
            reply_to: None,
            files: vec![],
        };
        bob.ok(&send).await;
    }
    let unknown = SendMessage {
        room: "nowhere".into(),
        client_id: "b9".into(),
        body: "?".into(),
        reply_to: None,
        files: vec![],
    };
    assert_eq!(bob.refused(&unknown).await.code, ErrorCode::UnknownRoom);
    let room = bob.ok(&CreateRoom { name: "Bobs".into(), private: false }).await;
    cy.join(&room.slug).await;
    let cys = cy
        .ok(&SendMessage {
            room: room.slug.clone(),
            client_id: "c1".into(),
            body: "x".into(),
            reply_to: None,
            files: vec![],
        })
        .await;
    bob.ok(&SetRole {
        room: room.slug.clone(),
        name: "Cy".into(),
        role: parley::model::Role::Moderator,
    })
    .await;
    bob.ok(&DeleteMessage { room: room.slug.clone(), seq: cys.seq }).await;
    ada.ok(&KickMember { room: room.slug.clone(), name: "Cy".into() }).await;
    ada.ok(&BanMember { room: "lobby".into(), name: "Bob".into() }).await;

    let now = overview_where(&mut feed, |o| o.moderation.len() >= 5).await;
    assert!(now.messages_per_second >= 4.0 / 60.0, "{now:?}");
    assert!(now.commands_per_second > 0.0 && now.ack_p50_ms.is_some(), "{now:?}");
    assert!(now.ack_p99_ms >= now.ack_p50_ms, "{now:?}");
    let refused = now.errors.iter().find(|e| e.code == "unknown_room").map(|e| e.count);
    assert!(refused >= Some(1), "{:?}", now.errors);
    let done: Vec<(&str, &str, &str, Option<&str>)> = now
        .moderation
        .iter()
        .map(|m| (m.by.as_str(), m.action.as_str(), m.target.as_str(), m.room.as_deref()))
        .collect();
    assert_eq!(
        done[..4],
        [
            ("Ada", "ban", "Bob", Some("Lobby")),
            ("Ada", "kick", "Cy", Some("Bobs")),
            ("Bob", "delete", "Cy", Some("Bobs")),
            ("Bob", "moderator", "Cy", Some("Bobs")),
        ],
        "newest first"
    );

    // Signing out ends the admin feed with the session.
    app.http(Some("Ada")).await.post(app.url("/api/sign_out")).send().await.expect("sign out");
    assert!(feed.wait_closed().await, "the admin socket closes with its session");
}

#[tokio::test]
async fn a_direct_conversation_is_counted_but_not_named() {
    let app = TestApp::spawn().await;
    let ada = app.client(Some("Ada")).await;
    let bob = app.client(Some("Bob")).await;
    let direct = ada.ok(&parley::protocol::OpenDirect { name: "Bob".into() }).await;
    ada.join(&direct.slug).await;
    bob.join(&direct.slug).await;
    grant(&app, "Ada");
    let mut feed = admin_socket(&app, Some("Ada")).await.expect("an admin connects");
    let overview: AdminOverview = feed.next().await;
    let room = overview.busiest.first().expect("a busy room");
    assert_eq!(
        (room.name.as_str(), room.slug.as_deref(), room.online),
        ("Direct conversation", None, 2)
    );
    let text = serde_json::to_string(&overview).expect("json");
    assert!(!text.contains(&direct.slug), "{text}");
}

#[tokio::test]
async fn the_admin_page_renders_the_overview_for_admins_and_refuses_everyone_else() {
    let app = TestApp::spawn().await;
    let _ada = app.member("Ada").await;
    let _bob = app.member("Bob").await;

    let get = |who: Option<&'static str>| {
        let app = &app;
        async move {
            let response = app.http(who).await.get(app.url("/admin")).send().await.expect("page");
            (response.status().as_u16(), response.text().await.expect("body"))
        }
    };
    let (status, html) = get(None).await;
    assert_eq!(status, 401, "{html}");
    assert!(html.contains("Sign in"), "{html}");
    let (status, html) = get(Some("Bob")).await;
    assert_eq!(status, 403, "{html}");
    assert!(html.contains("The admin page is for server admins."), "{html}");
    let lobby = app.http(Some("Ada")).await.get(app.url("/r/lobby")).send().await;
    let lobby = lobby.expect("lobby").text().await.expect("body");
    assert!(!lobby.contains("href=\"/admin\""), "no admin link for a member");

    grant(&app, "Ada");
    let (status, html) = get(Some("Ada")).await;
    assert_eq!(status, 200, "{html}");
    for shown in ["Server admins", "Busiest rooms", "Recent moderation", "<li>Ada</li>"] {
        assert!(html.contains(shown), "{shown} in {html}");
    }
    assert!(html.contains("made server admin"), "the grant is listed: {html}");
    let lobby = app.http(Some("Ada")).await.get(app.url("/r/lobby")).send().await;
    let lobby = lobby.expect("lobby").text().await.expect("body");
    assert!(lobby.contains("href=\"/admin\""), "the admin's header links to the page");
    // The server function behind it answers members with a status too.
    let call = app.http(Some("Bob")).await.post(app.url("/api/load_admin")).send().await;
    assert_eq!(call.expect("call").status().as_u16(), 403);
}
