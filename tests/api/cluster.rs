//! Several nodes: real Parley servers sharing one Postgres database and one Redis server, as
//! `scripts/test` starts them (`PARLEY_TEST_POSTGRES`, `PARLEY_TEST_REDIS`). Ignored by a plain
//! `cargo test`, which has neither: `scripts/test` runs them with `--include-ignored`.

use crate::binary::{parley, sign_up, started};
use crate::helpers::{fresh_database, test_redis, TestApp, TestClient};
use parley::protocol::{
    BanMember, Change, CreateRoom, Event, PresenceUpdated, RoomCreated, RoomRemoved, SendMessage,
    SetTyping, TypingUpdated,
};
use parley::server::auth::secret::Secret;
use std::time::Duration;

fn send(room: &str, client_id: &str, body: &str) -> SendMessage {
    SendMessage { room: room.into(), client_id: client_id.into(), body: body.into() }
}

/// The secret key the nodes of these tests share (`PARLEY_SECRET_KEY`).
fn key() -> String {
    "11".repeat(32)
}

/// Two nodes of one cluster.
async fn two_nodes() -> (TestApp, TestApp) {
    assert!(
        std::env::var("PARLEY_TEST_POSTGRES").is_ok_and(|url| !url.is_empty()),
        "PARLEY_TEST_POSTGRES: run the cluster tests with scripts/test"
    );
    let secret = Secret::parse(&key()).expect("a key");
    let first =
        TestApp::builder().redis(&test_redis()).auth(|auth| auth.secret = secret).start().await;
    let second = first.node().start().await;
    (first, second)
}

/// Waits until `client` hears `body` posted in `room` (a test that never hears it fails on
/// the client's patience).
async fn hears(client: &mut TestClient, room: &str, body: &str) {
    loop {
        let change = client.wait_for::<Change>().await;
        if let (true, Event::Posted { message }) = (change.room == room, change.event) {
            if message.body == body {
                return;
            }
        }
    }
}

#[tokio::test]
#[ignore = "needs Postgres and Redis: run by scripts/test"]
async fn people_on_two_nodes_chat_see_each_other_and_typing_and_count_once() {
    let (one, two) = two_nodes().await;
    let mut ada = one.member("Ada").await;
    let mut bob = two.member("Bob").await;

    // Bob's arrival on node 2 reaches Ada on node 1.
    let here = ada.next::<PresenceUpdated>().await;
    assert_eq!((here.name.as_str(), here.here), ("Bob", true));

    ada.ok(&send("lobby", "a1", "hello from node 1")).await;
    hears(&mut bob, "lobby", "hello from node 1").await;
    bob.ok(&send("lobby", "b1", "hello from node 2")).await;
    hears(&mut ada, "lobby", "hello from node 2").await;

    bob.ok(&SetTyping { room: "lobby".into(), typing: true }).await;
    let typing = ada.wait_for::<TypingUpdated>().await;
    assert_eq!((typing.name.as_str(), typing.typing), ("Bob", true));

    // Ada opens a second tab on node 2: still one person online.
    let second_tab = two.member("Ada").await;
    let joined = second_tab.join("lobby").await;
    assert_eq!(joined.online, ["Ada", "Bob"]);
    // Her first tab closing does not make her leave while the other is open.
    ada.disconnect().await;
    bob.ok(&send("lobby", "b2", "still here?")).await;
    let online = two.member("Cy").await.join("lobby").await.online;
    assert_eq!(online, ["Ada", "Bob", "Cy"]);
}

#[tokio::test]
#[ignore = "needs Postgres and Redis: run by scripts/test"]
async fn sign_out_ban_and_new_rooms_reach_the_other_node_at_once() {
    let (one, two) = two_nodes().await;
    // Ada's socket is on node 2; she signs out through node 1.
    let token = one.session("Ada").await;
    let mut tab = TestClient::connect(&two.url("/"), Some(&token)).await;
    tab.join("lobby").await;
    let response = one.http(Some("Ada")).await.post(one.url("/api/sign_out")).send().await;
    let cleared = crate::helpers::session_cookie(&response.expect("sign out"));
    assert_eq!(cleared.as_deref(), Some(""), "signed out");
    assert!(tab.wait_closed().await, "node 2 closed the signed-out session's socket");

    // A room created on node 1 appears live for Bob on node 2.
    let mut bob = two.member("Bob").await;
    let cy = one.member("Cy").await;
    let room = cy.ok(&CreateRoom { name: "Harbour".into(), private: false }).await;
    let created = bob.wait_for::<RoomCreated>().await;
    assert_eq!(created.room.slug, room.slug);

    // Cy, the owner, bans Dan through node 2; Dan's socket on node 1 is out at once.
    let mut dan = one.member("Dan").await;
    dan.join(&room.slug).await;
    let owner_on_two = two.member("Cy").await;
    owner_on_two.ok(&BanMember { room: room.slug.clone(), name: "Dan".into() }).await;
    let removed = dan.wait_for::<RoomRemoved>().await;
    assert!(removed.banned && removed.room == room.slug, "{removed:?}");
    cy.ok(&send(&room.slug, "c1", "Dan cannot read this")).await;
    cy.ok(&send("lobby", "c2", "lobby marker")).await;
    loop {
        let (event, data) = dan.next_any().await;
        assert!(
            event != "room:changed" || data["room"] != room.slug.as_str(),
            "a banned socket on another node still hears the room: {data}"
        );
        if data["message"]["body"] == "lobby marker" {
            break;
        }
    }
}

#[tokio::test]
#[ignore = "needs Postgres and Redis: run by scripts/test"]
async fn a_killed_node_s_people_are_announced_gone_by_the_others() {
    let (one, _two) = two_nodes().await;
    // Node 3 is a separate process, killed with SIGKILL: nothing of it runs afterwards.
    let mut node = parley()
        .env("PARLEY_DATABASE_URL", one.database_url())
        .env("PARLEY_REDIS_URL", test_redis())
        .env("PARLEY_SECRET_KEY", key())
        .spawn()
        .expect("start node 3");
    let outcome = std::panic::AssertUnwindSafe(async {
        let addr = started(&mut node);
        let token = sign_up(&addr, "Eve").await;
        let eve = TestClient::connect(&format!("http://{addr}/"), Some(&token)).await;
        eve.join("lobby").await;
        let mut ada = one.member("Ada").await;
        assert!(ada.join("lobby").await.online.contains(&"Eve".to_owned()));

        std::process::Command::new("kill").args(["-KILL", &node.id().to_string()]).status()?;
        // Within the node timeout (and a heartbeat), Ada hears that Eve left.
        loop {
            let update = ada.wait_for_within::<PresenceUpdated>(Duration::from_secs(30)).await;
            let update = update.expect("Eve announced gone");
            if update.name == "Eve" && !update.here {
                break;
            }
        }
        let online = ada.join("lobby").await.online;
        assert_eq!(online, ["Ada"]);
        std::io::Result::Ok(())
    });
    let result = futures_util::FutureExt::catch_unwind(outcome).await;
    let _ = node.kill();
    result.expect("the test").expect("kill");
}

#[tokio::test]
#[ignore = "needs Postgres and Redis: run by scripts/test"]
async fn a_node_with_another_secret_key_refuses_to_start_and_nodes_migrate_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = fresh_database(dir.path()).await;
    // Two nodes starting at once on an empty database: both come up (the migrations ran once,
    // under Postgres's advisory lock).
    let start = || {
        parley()
            .env("PARLEY_DATABASE_URL", &database)
            .env("PARLEY_REDIS_URL", test_redis())
            .env("PARLEY_SECRET_KEY", "22".repeat(32))
            .spawn()
            .expect("start a node")
    };
    let (mut first, mut second) = (start(), start());
    let (a, b) = (started(&mut first), started(&mut second));
    let token = sign_up(&a, "Ada").await;
    // A session signed on one node verifies on the other.
    let ada = TestClient::connect(&format!("http://{b}/"), Some(&token)).await;
    ada.join("lobby").await;

    let other_key = parley()
        .env("PARLEY_DATABASE_URL", &database)
        .env("PARLEY_REDIS_URL", test_redis())
        .env("PARLEY_SECRET_KEY", "33".repeat(32))
        .output()
        .expect("run a third node");
    let _ = (first.kill(), second.kill());
    assert!(!other_key.status.success());
    let log =
        String::from_utf8_lossy(&other_key.stdout) + String::from_utf8_lossy(&other_key.stderr);
    assert!(log.contains("give every node the same PARLEY_SECRET_KEY"), "{log}");
}
