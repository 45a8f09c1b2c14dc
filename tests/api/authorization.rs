//! The authorization matrix: for each protected resource (a direct conversation, a private
//! room's history, posting, editing, deleting, moderating, API tokens, search) and each path (socket
//! event, server function, page or permalink, REST), someone who is not a member, or not signed
//! in, is refused, sees nothing of it, and changes nothing.

use crate::helpers::{send, TestApp, TestClient};
use crate::pages::{page, post_form};
use parley::protocol::{
    BanMember, Broadcast as _, Change, CreateRoom, DeleteMessage, EditMessage, ErrorCode,
    InviteMember, JoinRoom, KickMember, ListMessages, OpenDirect, Range, SyncRoom,
};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// Where a room's log stands and every message in it, as a member reads them.
async fn state(member: &TestClient, room: &str) -> (i64, Vec<parley::model::Message>) {
    let pos = member.ok(&SyncRoom { room: room.into(), after: i64::MAX - 1 }).await.upto;
    let list = ListMessages { room: room.into(), range: Range::After(0) };
    (pos, member.ok(&list).await.messages)
}

/// Posts a form as `who` (a signed-in name, or a guest) and returns the page the browser is
/// sent back to, which shows the refusal.
async fn form(app: &TestApp, who: Option<&str>, path: &str, fields: &[(&str, &str)]) -> String {
    let response = post_form(app, who, path, "/r/lobby", fields).await;
    let back = crate::pages::location(&response);
    assert!(back.contains("__err="), "{path} by {who:?} was not refused: {back}");
    page(app, who, back.trim_start_matches(&app.url(""))).await.1
}

#[tokio::test]
async fn outsiders_and_guests_are_refused_on_every_path_and_change_nothing() {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    let bob = app.member("Bob").await;
    let mut carol = app.member("Carol").await;

    // Ada's private room and her direct conversation with Bob, each with a message in it.
    let secret = ada.ok(&CreateRoom { name: "Secret".into(), private: true }).await;
    ada.join(&secret.slug).await;
    let classified = ada.ok(&send(&secret.slug, "s1", "classified plans")).await;
    let dm = ada.ok(&OpenDirect { name: "Bob".into() }).await;
    ada.join(&dm.slug).await;
    bob.join(&dm.slug).await;
    bob.ok(&send(&dm.slug, "d1", "psst, just us")).await;
    let public = ada.ok(&send("lobby", "l1", "hello everyone")).await;
    let ada_token = app.api_token("Ada", "ada's bot").await;
    let carol_token = app.api_token("Carol", "carol's bot").await;
    let before =
        (state(&ada, &secret.slug).await, state(&ada, &dm.slug).await, state(&ada, "lobby").await);

    for room in [&secret.slug, &dm.slug] {
        // Socket events: the room does not exist for Carol.
        let no_room = |error: parley::protocol::ProtocolError| {
            assert_eq!(error.code, ErrorCode::UnknownRoom, "{room}: {error:?}")
        };
        no_room(carol.refused(&JoinRoom { room: room.clone(), after: Some(0) }).await);
        no_room(carol.refused(&SyncRoom { room: room.clone(), after: 0 }).await);
        let list = ListMessages { room: room.clone(), range: Range::After(0) };
        no_room(carol.refused(&list).await);
        no_room(carol.refused(&send(room, "c1", "let me in")).await);
        let edit = EditMessage { room: room.clone(), seq: 1, body: "mine now".into() };
        no_room(carol.refused(&edit).await);
        no_room(carol.refused(&DeleteMessage { room: room.clone(), seq: 1 }).await);
        no_room(
            carol.refused(&InviteMember { room: (room).to_string(), name: ("Carol").into() }).await,
        );
        no_room(
            carol.refused(&KickMember { room: (room).to_string(), name: ("Bob").into() }).await,
        );

        // Pages and permalinks: 404, nothing of the room in them, for Carol and for a guest.
        for who in [Some("Carol"), None] {
            for path in [format!("/r/{room}"), format!("/r/{room}/m/1")] {
                let (status, html) = page(&app, who, &path).await;
                assert_eq!(status, StatusCode::NOT_FOUND, "{path} for {who:?}");
                assert!(!html.contains("classified") && !html.contains("psst"), "{html}");
            }
        }

        // Server functions (what the pages load and their forms post).
        for who in [Some("Carol"), None] {
            let response = app.http(who).await.post(app.url("/api/load_room"));
            let response = response.form(&[("slug", room)]).send().await.expect("post");
            let body = response.text().await.expect("body");
            assert!(body.contains("There is no room called"), "{body}");
        }
        let fields = [("room", room.as_str()), ("client_id", "f1"), ("body", "by form")];
        form(&app, Some("Carol"), "/api/post_message", &fields).await;
        form(&app, None, "/api/post_message", &fields).await;
        let fields = [("room", room.as_str()), ("seq", "1"), ("body", "edited by form")];
        form(&app, Some("Carol"), "/api/edit_message", &fields).await;
        form(&app, Some("Carol"), "/api/delete_message", &[("room", room), ("seq", "1")]).await;
        let fields = [("room", room.as_str()), ("name", "Carol"), ("action", "invite")];
        form(&app, Some("Carol"), "/api/moderate", &fields).await;

        // REST: not found with Carol's token, unauthorised without one.
        let path = format!("/api/v1/rooms/{room}/messages");
        let (status, body) = app.rest(Some(&carol_token), Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert_eq!(body["error"]["code"], "unknown_room");
        let post = Some(json!({"body": "via api"}));
        let (status, _) = app.rest(Some(&carol_token), Method::POST, &path, post.clone()).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, body) = app.rest(None, Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        let (status, _) = app.rest(Some("pt_forged"), Method::POST, &path, post).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        // Search, by REST and on the page, even naming the room: nothing from it.
        let query = format!("/api/v1/search?q=classified%20psst&room={room}");
        let (status, body) = app.rest(Some(&carol_token), Method::GET, &query, None).await;
        assert_eq!((status, &body["hits"]), (StatusCode::OK, &json!([])), "{body}");
        for who in [Some("Carol"), None] {
            for words in ["classified", "psst"] {
                let (_, html) = page(&app, who, &format!("/search?q={words}&room={room}")).await;
                assert!(html.contains("No messages match."), "{words} for {who:?}: {html}");
            }
        }
    }
    // Lists leave the private rooms out.
    let (_, rooms) = app.rest(Some(&carol_token), Method::GET, "/api/v1/rooms", None).await;
    let slugs: Vec<&str> =
        rooms.as_array().expect("list").iter().filter_map(|r| r["slug"].as_str()).collect();
    assert_eq!(slugs, ["lobby"]);
    let listed = carol.ok(&parley::protocol::ListRooms {}).await;
    assert!(listed.iter().all(|r| r.slug == "lobby"), "{listed:?}");
    let (_, html) = page(&app, Some("Carol"), "/r/lobby").await;
    assert!(!html.contains("Secret") && !html.contains("Ada &amp; Bob"), "{html}");

    // Someone else's message in a room Carol can read: only its author changes it, and only a
    // moderator deletes it.
    let edit = EditMessage { room: "lobby".into(), seq: public.seq, body: "hijacked".into() };
    assert_eq!(carol.refused(&edit).await.code, ErrorCode::NotAuthor);
    let delete = DeleteMessage { room: "lobby".into(), seq: public.seq };
    assert_eq!(carol.refused(&delete).await.code, ErrorCode::NotAuthor);
    let seq = public.seq.to_string();
    let fields = [("room", "lobby"), ("seq", seq.as_str()), ("body", "hijacked by form")];
    let html = form(&app, Some("Carol"), "/api/edit_message", &fields).await;
    assert!(html.contains("You can change only your own messages."), "{html}");
    form(&app, Some("Carol"), "/api/delete_message", &[("room", "lobby"), ("seq", &seq)]).await;
    // Moderation actions need a moderator.
    let refused =
        carol.refused(&KickMember { room: ("lobby").to_string(), name: ("Bob").into() }).await;
    assert_eq!(refused.code, ErrorCode::Forbidden, "{refused:?}");
    assert_eq!(
        carol.refused(&BanMember { room: ("lobby").to_string(), name: ("Ada").into() }).await.code,
        ErrorCode::Forbidden
    );
    let fields = [("room", "lobby"), ("name", "Bob"), ("action", "ban")];
    let html = form(&app, Some("Carol"), "/api/moderate", &fields).await;
    assert!(
        html.contains("Only Lobby&#x27;s moderators may do that.")
            || html.contains("Only Lobby's moderators"),
        "{html}"
    );
    let fields = [("room", "lobby"), ("name", "Bob"), ("action", "kick")];
    form(&app, None, "/api/moderate", &fields).await;

    // API tokens: Carol cannot revoke Ada's; a guest cannot create one.
    let response = post_form(&app, Some("Carol"), "/api/revoke_token", "/account", &[("id", "1")]);
    let back = crate::pages::location(&response.await);
    let (_, html) = page(&app, Some("Carol"), back.trim_start_matches(&app.url(""))).await;
    assert!(html.contains("You have no such token."), "{html}");
    form(&app, None, "/api/create_token", &[("label", "guest bot")]).await;
    let (status, _) = app.rest(Some(&ada_token), Method::GET, "/api/v1/rooms", None).await;
    assert_eq!(status, StatusCode::OK, "Ada's token still works");

    // Signed out: no socket at all.
    assert!(app.handshake(None).await.is_err());

    // Nothing changed, and Carol heard nothing of the private rooms.
    let after =
        (state(&ada, &secret.slug).await, state(&ada, &dm.slug).await, state(&ada, "lobby").await);
    assert_eq!(after, before);
    ada.ok(&send(&secret.slug, "s2", "more plans")).await;
    bob.ok(&send(&dm.slug, "d2", "still just us")).await;
    ada.ok(&send("lobby", "l2", "marker")).await;
    loop {
        let (event, data) = carol.next_any().await;
        let room = data["room"].as_str().or_else(|| data["room"]["slug"].as_str());
        assert!(room.is_none_or(|room| room == "lobby"), "Carol heard {event}: {data}");
        if event == Change::NAME && data["message"]["body"] == "marker" {
            break;
        }
    }
    assert_eq!(classified.room, secret.slug);
}
