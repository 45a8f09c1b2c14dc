//! Search, through the REST API and the `/search` page: every word as a prefix, newest first,
//! matches marked, filters, paging by cursor, the index following edits and deletions, only
//! what the person can see, and bad searches refused with 400.

use crate::helpers::{send, urlencode, TestApp, TestClient};
use crate::pages::page;
use parley::protocol::{BanMember, CreateRoom, DeleteMessage, EditMessage, OpenDirect};
use reqwest::{Method, StatusCode};
use serde_json::Value;

async fn post(member: &TestClient, room: &str, bodies: &[&str]) -> Vec<i64> {
    let mut seqs = Vec::new();
    for body in bodies {
        seqs.push(member.ok(&send(room, &uuid::Uuid::new_v4().to_string(), body)).await.seq);
    }
    seqs
}

/// `GET /api/v1/search?{query}` with `token`.
async fn search(app: &TestApp, token: &str, query: &str) -> (StatusCode, Value) {
    app.rest(Some(token), Method::GET, &format!("/api/v1/search?{query}"), None).await
}

/// The hits' `(room, seq)`, in order; the request must succeed.
async fn found(app: &TestApp, token: &str, query: &str) -> Vec<(String, i64)> {
    let (status, body) = search(app, token, query).await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    body["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|hit| {
            (hit["room"].as_str().unwrap_or_default().to_owned(), hit["seq"].as_i64().unwrap_or(0))
        })
        .collect()
}

fn today(offset_days: i64) -> String {
    let day = time::OffsetDateTime::now_utc().date() + time::Duration::days(offset_days);
    let format = time::macros::format_description!("[year]-[month]-[day]");
    day.format(&format).expect("date")
}

#[tokio::test]
async fn every_word_is_a_prefix_results_come_newest_first_with_matches_marked() {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    let bob = app.member("Bob").await;
    let token = app.api_token("Ada", "search").await;
    let seqs = post(
        &ada,
        "lobby",
        &["Deploying the new release on Friday", "the release notes are ready"],
    )
    .await;
    post(&bob, "lobby", &["lunch on friday?"]).await;
    let lobby = |seq: i64| ("lobby".to_owned(), seq);

    assert_eq!(found(&app, &token, "q=release").await, [lobby(seqs[1]), lobby(seqs[0])]);
    assert_eq!(found(&app, &token, "q=RELEASE").await.len(), 2, "case does not matter");
    assert_eq!(
        found(&app, &token, "q=deplo%20fri").await,
        [lobby(seqs[0])],
        "prefixes, all of them"
    );
    assert_eq!(found(&app, &token, "q=friday").await.len(), 2);
    assert!(found(&app, &token, "q=release%20lunch").await.is_empty());

    // The excerpt marks what matched, as plain text.
    let (_, body) = search(&app, &token, "q=deplo").await;
    let hit = &body["hits"][0];
    assert_eq!((hit["author"].as_str(), hit["room_name"].as_str()), (Some("Ada"), Some("Lobby")));
    let marked: Vec<&str> = hit["excerpt"]
        .as_array()
        .expect("excerpt")
        .iter()
        .filter(|f| f["matched"] == true)
        .filter_map(|f| f["text"].as_str())
        .collect();
    assert_eq!(marked, ["Deploying"]);
    let text: String = hit["excerpt"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|f| f["text"].as_str())
        .collect();
    assert_eq!(text, "Deploying the new release on Friday");

    // Filters: author (any case), room, days.
    assert_eq!(found(&app, &token, "q=friday&author=bob").await.len(), 1);
    assert!(found(&app, &token, "q=friday&room=elsewhere").await.is_empty());
    assert_eq!(found(&app, &token, "q=friday&room=lobby").await.len(), 2);
    let (yesterday, now, tomorrow) = (today(-1), today(0), today(1));
    assert_eq!(found(&app, &token, &format!("q=friday&from={now}&to={now}")).await.len(), 2);
    assert!(found(&app, &token, &format!("q=friday&from={tomorrow}")).await.is_empty());
    assert!(found(&app, &token, &format!("q=friday&to={yesterday}")).await.is_empty());
    // From after to: no day is both.
    assert!(found(&app, &token, &format!("q=friday&from={tomorrow}&to={yesterday}"))
        .await
        .is_empty());
    // The page's form sends empty fields: they are no filters there.
    let (_, html) = page(&app, Some("Ada"), "/search?q=friday&room=&author=&from=&to=").await;
    assert!(html.contains("2 messages"), "{html}");
}

#[tokio::test]
async fn results_page_by_cursor() {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    let token = app.api_token("Ada", "search").await;
    let bodies: Vec<String> = (1..=25).map(|i| format!("page item {i}")).collect();
    let refs: Vec<&str> = bodies.iter().map(String::as_str).collect();
    let mut seqs = post(&ada, "lobby", &refs).await;
    seqs.reverse();

    let (_, first) = search(&app, &token, "q=page%20item").await;
    let next = first["next"].as_i64().expect("more follow");
    let (_, second) = search(&app, &token, &format!("q=page%20item&before={next}")).await;
    assert_eq!(second["next"], Value::Null, "nothing after the last page");
    let shown: Vec<i64> = [&first, &second]
        .iter()
        .flat_map(|page| {
            page["hits"]
                .as_array()
                .expect("array")
                .iter()
                .map(|h| h["seq"].as_i64().expect("number"))
        })
        .collect();
    assert_eq!(first["hits"].as_array().expect("array").len(), 20);
    assert_eq!(shown, seqs, "every one once, newest first");
}

#[tokio::test]
async fn edits_and_deletions_change_what_is_found() {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    let token = app.api_token("Ada", "search").await;
    let seq = post(&ada, "lobby", &["a tpyo here"]).await[0];
    assert_eq!(found(&app, &token, "q=tpyo").await.len(), 1);

    ada.ok(&EditMessage { room: "lobby".into(), seq, body: "a typo here, fixed".into() }).await;
    assert!(found(&app, &token, "q=tpyo").await.is_empty(), "the old text is gone");
    assert_eq!(found(&app, &token, "q=fixed").await, [("lobby".to_owned(), seq)]);

    ada.ok(&DeleteMessage { room: "lobby".into(), seq }).await;
    assert!(found(&app, &token, "q=fixed").await.is_empty(), "a deleted message is not found");
    assert!(found(&app, &token, "q=here").await.is_empty());
}

#[tokio::test]
async fn each_person_finds_only_what_they_can_see() {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    let bob = app.member("Bob").await;
    let carol = app.member("Carol").await;
    let secret = ada.ok(&CreateRoom { name: "Secret".into(), private: true }).await;
    ada.join(&secret.slug).await;
    post(&ada, &secret.slug, &["classified plans"]).await;
    let dm = ada.ok(&OpenDirect { name: "Bob".into() }).await;
    ada.join(&dm.slug).await;
    post(&ada, &dm.slug, &["psst plans for Bob"]).await;
    let open = ada.ok(&CreateRoom { name: "Open".into(), private: false }).await;
    carol.join(&open.slug).await;
    post(&carol, &open.slug, &["open plans by Carol"]).await;
    post(&ada, "lobby", &["public plans"]).await;
    let rooms =
        |hits: Vec<(String, i64)>| hits.into_iter().map(|(room, _)| room).collect::<Vec<_>>();

    let ada_token = app.api_token("Ada", "search").await;
    let bob_token = app.api_token("Bob", "search").await;
    let carol_token = app.api_token("Carol", "search").await;
    assert_eq!(
        rooms(found(&app, &ada_token, "q=plans").await),
        ["lobby", &open.slug, &dm.slug, &secret.slug]
    );
    assert_eq!(rooms(found(&app, &bob_token, "q=plans").await), ["lobby", &open.slug, &dm.slug]);
    assert_eq!(rooms(found(&app, &carol_token, "q=plans").await), ["lobby", &open.slug]);
    assert!(found(&app, &carol_token, &format!("q=plans&room={}", secret.slug)).await.is_empty());

    // A guest's search page: the public rooms only.
    let (status, html) = page(&app, None, "/search?q=plans").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("public") && html.contains("open"), "{html}");
    assert!(!html.contains("classified") && !html.contains("psst"), "{html}");

    // Banned from a room, Carol no longer finds anything there, her own messages included.
    ada.ok(&BanMember { room: open.slug.clone(), name: "Carol".into() }).await;
    assert_eq!(rooms(found(&app, &carol_token, "q=plans").await), ["lobby"]);
    drop(bob);
}

#[tokio::test]
async fn the_search_page_marks_matches_links_to_context_and_escapes_text() {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    let seq = post(&ada, "lobby", &["<b>bold</b> claims about the release"]).await[0];
    let (status, html) =
        page(&app, Some("Ada"), &format!("/search?q={}", urlencode("release"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<mark>release</mark>"), "{html}");
    assert!(html.contains("&lt;b&gt;bold&lt;/b&gt;") && !html.contains("<b>bold"), "{html}");
    assert!(html.contains(&format!(r#"href="/r/lobby/m/{seq}#m{seq}""#)), "{html}");
    // The form keeps what was asked.
    assert!(html.contains(r#"value="release""#), "{html}");
}

#[tokio::test]
async fn bad_searches_are_refused_with_a_reason() {
    let app = TestApp::spawn().await;
    app.member("Ada").await;
    let token = app.api_token("Ada", "search").await;
    let long = format!("q={}", "y".repeat(201));
    for (query, why) in [
        ("q=", "Search for at least one word"),
        (long.as_str(), "at most 200 characters"),
        ("q=x&from=soon", "is not a day"),
        ("q=x&from=", "is not a day"),
        ("q=x&to=2026-02-30", "is not a day"),
        ("q=x&before=0", "`before`"),
        ("q=x&before=many", "Invalid query"),
        ("room=lobby", "Invalid query"),
    ] {
        let (status, body) = search(&app, &token, query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["error"]["code"], "invalid_payload", "{query}: {body}");
        assert!(
            body["error"]["message"].as_str().unwrap_or_default().contains(why),
            "{query}: {body}"
        );
    }
    // Words are runs of letters and digits in any script: without one there is nothing to find.
    for query in ["q=%21%21%21", "q=%20", "q=%C3%93", "q=%E2%80%94"] {
        let (status, body) = search(&app, &token, query).await;
        assert_eq!(
            (status, &body["hits"]),
            (StatusCode::OK, &serde_json::json!([])),
            "{query}: {body}"
        );
    }
    // A malformed day is refused even with nothing to find (schemathesis found it accepted).
    let (status, body) = search(&app, &token, "q=%21%21&from=__main__").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = app.rest(None, Method::GET, "/api/v1/search?q=x", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The page shows the reason under its form.
    let (status, html) = page(&app, Some("Ada"), "/search?q=%21%21").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("Search for at least one word"), "{html}");
}
