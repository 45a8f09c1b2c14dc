//! Several nodes: real Parley servers sharing one Postgres database and one Redis server, as
//! `scripts/test` starts them (`PARLEY_TEST_POSTGRES`, `PARLEY_TEST_REDIS`). Ignored by a plain
//! `cargo test`, which has neither: `scripts/test` runs them with `--include-ignored`.

use crate::binary::{parley, sign_up, started};
use crate::fake_openai::{FakeOpenAi, Script};
use crate::helpers::{fresh_database, send, test_redis, TestApp, TestClient, PATIENCE};
use parley::model::Message;
use parley::protocol::{
    AnswerChunk, BanMember, Change, CreateRoom, ErrorCode, Event, ListMessages, PresenceUpdated,
    Range, RoomCreated, RoomRemoved, SendMessage, SetTyping, StopAnswer, SyncNeeded, SyncRoom,
    TypingUpdated,
};
use parley::server::assistant::ASSISTANT;
use parley::server::auth::secret::Secret;
use parley::server::limits::{FileLimits, Rate};
use std::time::Duration;

/// The secret key the nodes of these tests share (`PARLEY_SECRET_KEY`).
fn key() -> String {
    "11".repeat(32)
}

/// The `parley` binary as a node of the cluster on `database` (the test Redis), signing with
/// `secret`: a separate process, to kill.
fn node_process(database: &str, secret: &str) -> std::process::Command {
    let mut command = parley();
    command
        .env("PARLEY_DATABASE_URL", database)
        .env("PARLEY_REDIS_URL", test_redis())
        .env("PARLEY_SECRET_KEY", secret);
    command
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
    let mut node = node_process(&one.database_url(), &key()).spawn().expect("start node 3");
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
    let start = || node_process(&database, &"22".repeat(32)).spawn().expect("start a node");
    let (mut first, mut second) = (start(), start());
    let (a, b) = (started(&mut first), started(&mut second));
    let token = sign_up(&a, "Ada").await;
    // A session signed on one node verifies on the other.
    let ada = TestClient::connect(&format!("http://{b}/"), Some(&token)).await;
    ada.join("lobby").await;

    let other_key = node_process(&database, &"33".repeat(32)).output().expect("run a third node");
    let _ = (first.kill(), second.kill());
    assert!(!other_key.status.success());
    let log =
        String::from_utf8_lossy(&other_key.stdout) + String::from_utf8_lossy(&other_key.stderr);
    assert!(log.contains("give every node the same PARLEY_SECRET_KEY"), "{log}");
}

#[tokio::test]
#[ignore = "needs Postgres and Redis: run by scripts/test"]
async fn of_two_nodes_started_at_once_with_different_keys_only_one_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = fresh_database(dir.path()).await;
    let start = |key: &str| node_process(&database, &key.repeat(32)).spawn().expect("a node");
    let mut nodes = [start("44"), start("55")];
    // The one that lost the race stops; before its first heartbeat, the winner did not count
    // as alive and both ran.
    let deadline = std::time::Instant::now() + PATIENCE;
    let refused = loop {
        if let Some(i) = (0..2).find(|&i| nodes[i].try_wait().ok().flatten().is_some()) {
            break i;
        }
        if std::time::Instant::now() > deadline {
            let _ = nodes.each_mut().map(|node| node.kill());
            panic!("two nodes with different keys both run");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let running = &mut nodes[1 - refused];
    started(running);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(running.try_wait().expect("a node").is_none(), "the winner runs");
    let _ = running.kill();
}

#[tokio::test]
#[ignore = "needs Postgres and Redis: run by scripts/test"]
async fn the_posting_limit_holds_across_nodes() {
    let secret = Secret::parse(&key()).expect("a key");
    let one = TestApp::builder()
        .redis(&test_redis())
        .auth(|auth| auth.secret = secret)
        .limits(|limits| limits.messages = Rate::new(1, Rate::HOUR, 3))
        .start()
        .await;
    let two = one.node().start().await;
    let on_one = one.member("Ada").await;
    let on_two = two.member("Ada").await;
    // Three in a burst, however they are spread over the nodes; the fourth is refused on both.
    on_one.ok(&send("lobby", "1", "one")).await;
    on_two.ok(&send("lobby", "2", "two")).await;
    on_one.ok(&send("lobby", "3", "three")).await;
    for (tab, id) in [(&on_two, "4"), (&on_one, "5")] {
        let refused = tab.refused(&send("lobby", id, "too many")).await;
        assert_eq!(refused.code, ErrorCode::RateLimited, "{refused:?}");
    }
}

#[tokio::test]
#[ignore = "needs Postgres and Redis: run by scripts/test"]
async fn a_file_uploaded_on_one_node_is_attached_and_served_on_the_other_and_the_allowance_holds() {
    use crate::files::{png, upload, uploaded};
    use reqwest::StatusCode;
    const MB: u64 = FileLimits::MB;
    let secret = Secret::parse(&key()).expect("a key");
    let one = TestApp::builder()
        .redis(&test_redis())
        .auth(|auth| auth.secret = secret)
        .limits(|limits| limits.files = FileLimits { per_file: 2 * MB, per_hour: 3 * MB })
        .start()
        .await;
    let two = one.node().start().await;
    let ada_on_two = two.member("Ada").await;
    let mut bob_on_one = one.member("Bob").await;

    // Uploaded through node 1, attached through node 2, heard and fetched on both.
    let picture = png(64, 48);
    let file = uploaded(&one, "Ada", "lobby", "map.png", picture.clone()).await;
    let sent = ada_on_two
        .ok(&SendMessage { files: vec![file.id.clone()], ..send("lobby", "f1", "the map") })
        .await;
    assert_eq!(sent.files, vec![file.clone()]);
    hears(&mut bob_on_one, "lobby", "the map").await;
    for node in [&one, &two] {
        let response =
            node.http(Some("Bob")).await.get(node.url(&file.url())).send().await.expect("get");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.bytes().await.expect("bytes").to_vec(), picture);
    }
    // deploy/nginx.conf lets a file of megabytes through (its default is 128 KiB a body).
    let nginx = Nginx::start(&[one.addr.port(), two.addr.port()]);
    let through = one
        .http(Some("Ada"))
        .await
        .post(format!("{}api/v1/rooms/lobby/files?name=big.txt", nginx.url))
        .body(vec![b'a'; MB as usize])
        .send()
        .await
        .expect("upload through nginx");
    assert_eq!(through.status(), StatusCode::CREATED);
    // So does the attach page's own form (it posts to the page).
    let file = reqwest::multipart::Part::bytes(vec![b'c'; 256 * 1024]).file_name("c.txt");
    let form = reqwest::multipart::Form::new().text("client_id", "through").part("file", file);
    let url = format!("{}r/lobby/attach", nginx.url);
    let through = one.http(Some("Ada")).await.post(url).multipart(form).send().await;
    assert_eq!(through.expect("the form through nginx").status(), StatusCode::SEE_OTHER);
    // And the account page's picture form: past nginx's usual 128 KiB, Parley itself answers
    // (that is no picture); a picture set on one node is everyone's on the other.
    let picture_form = |bytes: Vec<u8>| {
        let part = reqwest::multipart::Part::bytes(bytes).file_name("me.png");
        reqwest::multipart::Form::new().part("file", part)
    };
    let url = format!("{}account/avatar", nginx.url);
    let big =
        one.http(Some("Ada")).await.post(&url).multipart(picture_form(vec![0x89; 200 * 1024]));
    let big = big.send().await.expect("a large form through nginx");
    assert_eq!(big.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let set =
        one.http(Some("Ada")).await.post(&url).multipart(picture_form(crate::files::png(300, 200)));
    assert_eq!(set.send().await.expect("a picture through nginx").status(), StatusCode::SEE_OTHER);
    let seen = crate::helpers::anonymous_http().get(two.url("/avatar?name=Ada")).send().await;
    assert_eq!(seen.expect("the picture").headers()[reqwest::header::CONTENT_TYPE], "image/jpeg");
    // 3 MiB an hour for Ada, whichever way she uploads: 1.25 MiB and a picture so far.
    let (status, _) =
        upload(&one, Some("Ada"), "lobby", "a.txt", vec![b'a'; 3 * MB as usize / 2]).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, answer) =
        upload(&two, Some("Ada"), "lobby", "b.txt", vec![b'b'; MB as usize]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{answer}");
}

#[tokio::test]
#[ignore = "needs Postgres and Redis: run by scripts/test"]
async fn a_shared_limit_of_more_than_one_a_millisecond_is_not_rounded_down() {
    // One a microsecond after a burst of two: twenty sends at once are all within it. (Counted
    // in milliseconds, the limit became one a millisecond and refused most of them.)
    let one = TestApp::builder()
        .redis(&test_redis())
        .limits(|limits| limits.messages = Rate::new(60_000_000, Rate::MINUTE, 2))
        .start()
        .await;
    // Ada in twenty tabs, one send each: a test client has one request in flight at a time.
    let mut tabs = Vec::new();
    for _ in 0..20 {
        tabs.push(one.member("Ada").await);
    }
    let messages: Vec<_> = (0..20).map(|i| send("lobby", &format!("c{i}"), "quick")).collect();
    let acks = tabs.iter().zip(&messages).map(|(tab, message)| tab.request(message));
    for ack in futures_util::future::join_all(acks).await {
        assert!(matches!(ack, parley::protocol::Ack::Ok(_)), "{ack:?}");
    }
}

/// A Redis server of a test's own, to stop and start again.
struct OwnRedis {
    port: u16,
    dir: tempfile::TempDir,
    process: std::process::Child,
}

impl OwnRedis {
    fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let dir = tempfile::tempdir().expect("temp dir");
        let process = Self::spawn(port, &dir);
        Self { port, dir, process }
    }

    fn spawn(port: u16, dir: &tempfile::TempDir) -> std::process::Child {
        let process = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", ""])
            .args(["--appendonly", "no", "--dir"])
            .arg(dir.path())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server (scripts/setup --cluster installs it)");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        process
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn stop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }

    fn start_again(&mut self) {
        self.process = Self::spawn(self.port, &self.dir);
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

#[tokio::test]
#[ignore = "needs Postgres and Redis: run by scripts/test"]
async fn after_a_redis_outage_every_client_catches_up_without_a_reload() {
    let mut redis = OwnRedis::start();
    let secret = Secret::parse(&key()).expect("a key");
    let one =
        TestApp::builder().redis(&redis.url()).auth(|auth| auth.secret = secret).start().await;
    let two = one.node().start().await;
    let mut ada = one.member("Ada").await;
    let bob = two.member("Bob").await;
    let before = bob.ok(&send("lobby", "b0", "before the outage")).await;
    hears(&mut ada, "lobby", "before the outage").await;

    // While Redis is down, both nodes keep serving: Bob's message is stored and acknowledged.
    redis.stop();
    let stored = bob.ok(&send("lobby", "b1", "during the outage")).await;
    redis.start_again();
    // Once Redis is back, Ada's node tells her to catch up, and what she missed is there.
    let prompt = ada.wait_for_within::<SyncNeeded>(Duration::from_secs(20)).await;
    assert!(prompt.is_some(), "no sync:needed after Redis came back");
    let caught = ada.ok(&SyncRoom { room: "lobby".into(), after: before.rev }).await;
    let bodies: Vec<_> = caught
        .changes
        .into_iter()
        .filter_map(|change| change.event.message().map(|m| m.body.clone()))
        .collect();
    assert!(bodies.contains(&stored.body), "{bodies:?}");
    // And broadcasts cross between the nodes again, once both are back (each node that comes
    // back prompts everyone again, so a message sent before then is caught up too).
    for attempt in 0..20 {
        bob.ok(&send("lobby", &format!("b2-{attempt}"), "after the outage")).await;
        let heard = tokio::time::timeout(
            Duration::from_secs(1),
            hears(&mut ada, "lobby", "after the outage"),
        );
        if heard.await.is_ok() {
            return;
        }
    }
    panic!("broadcasts never crossed between the nodes again");
}

/// A Postgres server of a test's own, to stop and start again (`scripts/services.sh`).
struct OwnPostgres {
    dir: tempfile::TempDir,
    port: String,
}

/// Runs `script` after sourcing `scripts/services.sh` (what scripts/test uses to start Postgres,
/// Redis and nginx): its output.
fn services(script: &str) -> String {
    let output = std::process::Command::new("bash")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["-c", &format!("set -e; source scripts/services.sh; {script}")])
        .output()
        .expect("bash");
    assert!(output.status.success(), "{script}: {output:?}");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// deploy/nginx.conf in front of nodes listening on `ports`, as `scripts/cluster` runs it.
struct Nginx {
    dir: tempfile::TempDir,
    url: String,
}

impl Nginx {
    fn start(ports: &[u16]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let front = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
        services(&format!("start_nginx {} {front} {}", dir.path().display(), ports.join(" ")));
        Self { dir, url: format!("http://127.0.0.1:{front}/") }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        services(&format!("NGINX_DIR={}; stop_nginx", self.dir.path().display()));
    }
}

impl OwnPostgres {
    fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("postgres");
        let port = services(&format!(
            "chmod 755 {0}; start_postgres {1}; as_postgres \"$PG_BIN/createdb\" -h 127.0.0.1 -p $PG_PORT -U postgres parley; echo $PG_PORT",
            dir.path().display(),
            path.display()
        ));
        Self { dir, port }
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/parley", self.port)
    }

    /// A clean shutdown (commits here are not synchronous: an immediate one would lose them).
    fn stop(&self) {
        services(&format!(
            "PG_DIR={}; stop_postgres fast",
            self.dir.path().join("postgres").display()
        ));
    }

    fn start_again(&self) {
        let path = self.dir.path().join("postgres");
        services(&format!("resume_postgres {} {}", path.display(), self.port));
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test]
#[ignore = "needs Postgres and Redis: run by scripts/test"]
async fn while_postgres_is_down_commands_are_refused_clearly_and_all_recovers_by_itself() {
    let postgres = OwnPostgres::start();
    let app = TestApp::builder().database(&postgres.url()).start().await;
    let ada = app.member("Ada").await;
    ada.ok(&send("lobby", "a0", "before")).await;

    postgres.stop();
    // Not a hang, not a crash: an error ack that says what is going on, and nothing stored.
    let refused = ada.refused(&send("lobby", "a1", "during")).await;
    assert_eq!(refused.code, ErrorCode::Unavailable, "{refused:?}");
    // A tab connecting meanwhile is told to try again, not to sign in (its session is fine).
    let token = app.session("Ada").await;
    let tab = app.handshake(Some(&token)).await.err().expect("refused");
    assert!(tab.contains(parley::protocol::HANDSHAKE_UNAVAILABLE), "{tab}");
    let health = crate::helpers::anonymous_http().get(app.url("/healthz")).send().await;
    assert_eq!(health.expect("healthz").status(), reqwest::StatusCode::SERVICE_UNAVAILABLE);

    postgres.start_again();
    let healthy = || async {
        let health = crate::helpers::anonymous_http().get(app.url("/healthz")).send().await;
        health.is_ok_and(|response| response.status().is_success())
    };
    assert!(crate::helpers::eventually(healthy).await, "the node never recovered");
    // The client sends the message again (the browser's outbox does): stored once.
    let stored = ada.ok(&send("lobby", "a1", "during")).await;
    let again = ada.ok(&send("lobby", "a1", "during")).await;
    assert_eq!(stored, again);
    let list = ListMessages { room: "lobby".into(), range: Range::Before(i64::MAX) };
    let latest = ada.ok(&list).await;
    let bodies: Vec<_> = latest.messages.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["before", "during"]);
}

fn ask(client_id: &str, question: &str) -> SendMessage {
    send("lobby", client_id, &format!("@assistant {question}"))
}

/// Waits (up to `patience`) until the assistant's answer in the lobby is stored.
async fn stored_answer(client: &TestClient, patience: Duration) -> Message {
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        let list = ListMessages { room: "lobby".into(), range: Range::Before(i64::MAX) };
        let all = client.ok(&list).await.messages;
        if let Some(last) = all.last().filter(|m| m.author == ASSISTANT) {
            return last.clone();
        }
        assert!(tokio::time::Instant::now() < deadline, "no answer: {all:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
#[ignore = "needs Postgres and Redis: run by scripts/test"]
async fn one_answer_per_room_across_nodes_and_stop_works_from_any_node() {
    let fake = FakeOpenAi::start(Script::slow(200, Duration::from_millis(50))).await;
    let secret = Secret::parse(&key()).expect("a key");
    let one = TestApp::builder()
        .redis(&test_redis())
        .auth(|auth| auth.secret = secret)
        .assistant(fake.config())
        .start()
        .await;
    let two = one.node().start().await;
    let ada = one.member("Ada").await;
    let mut bob = two.member("Bob").await;
    ada.ok(&ask("q1", "count slowly")).await;
    let first = bob.wait_for::<AnswerChunk>().await;
    assert_eq!(first.asker, "Ada");

    // The room's one answer is running on node 1: a question through node 2 waits its turn.
    let busy = bob.refused(&ask("q2", "me too")).await;
    assert_eq!(busy.code, ErrorCode::AssistantBusy, "{busy:?}");
    // Only Ada may stop it, and she may from node 2.
    let stop = StopAnswer { room: "lobby".into() };
    assert_eq!(bob.refused(&stop).await.code, ErrorCode::NotAsker);
    let ada_on_two = two.member("Ada").await;
    ada_on_two.ok(&stop).await;
    let stored = stored_answer(&ada, Duration::from_secs(10)).await;
    assert_eq!(stored.note.as_deref(), Some("Stopped by Ada."), "{stored:?}");
    assert!(!stored.body.contains("w200"), "{stored:?}");
    assert_eq!(ada_on_two.refused(&stop).await.code, ErrorCode::NothingToStop);
}

#[tokio::test]
#[ignore = "needs Postgres and Redis: run by scripts/test"]
async fn the_assistant_s_question_limit_holds_across_nodes() {
    let fake = FakeOpenAi::start(Script::pieces(&["Yes."])).await;
    let mut config = fake.config();
    config.questions_per_minute = 1;
    let secret = Secret::parse(&key()).expect("a key");
    let one = TestApp::builder()
        .redis(&test_redis())
        .auth(|auth| auth.secret = secret)
        .assistant(config)
        .start()
        .await;
    let two = one.node().start().await;
    let ada = one.member("Ada").await;
    ada.ok(&ask("q1", "one question")).await;
    stored_answer(&ada, Duration::from_secs(10)).await;
    // Her one question this minute was asked through node 1; node 2 knows.
    let ada_on_two = two.member("Ada").await;
    let refused = ada_on_two.refused(&ask("q2", "another one")).await;
    assert_eq!(refused.code, ErrorCode::RateLimited, "{refused:?}");
}

#[tokio::test]
#[ignore = "needs Postgres and Redis: run by scripts/test"]
async fn an_answer_whose_node_died_ends_with_a_note() {
    let fake = FakeOpenAi::start(Script::slow(400, Duration::from_millis(50))).await;
    let (one, _two) = two_nodes().await;
    let config = fake.config();
    let mut node = node_process(&one.database_url(), &key())
        .env("PARLEY_ASSISTANT_URL", &config.url)
        .env("PARLEY_ASSISTANT_MODEL", &config.model)
        .spawn()
        .expect("start node 3");
    let outcome = std::panic::AssertUnwindSafe(async {
        let addr = started(&mut node);
        let token = sign_up(&addr, "Eve").await;
        let eve = TestClient::connect(&format!("http://{addr}/"), Some(&token)).await;
        eve.join("lobby").await;
        let mut ada = one.member("Ada").await;
        eve.ok(&ask("q", "count slowly")).await;
        let chunk = ada.wait_for::<AnswerChunk>().await;
        std::process::Command::new("kill").args(["-KILL", &node.id().to_string()]).status()?;
        // Another node ends the answer the room was watching, under the same client id.
        let ended = stored_answer(&ada, Duration::from_secs(30)).await;
        assert_eq!(ended.client_id, chunk.client_id);
        let note = ended.note.unwrap_or_default();
        assert!(note.contains("the server writing it stopped"), "{note}");
        std::io::Result::Ok(())
    });
    let result = futures_util::FutureExt::catch_unwind(outcome).await;
    let _ = node.kill();
    result.expect("the test").expect("kill");
}

/// A writer that sends `count` messages one after another, each until it is acknowledged: when
/// its node stops answering, it connects to `fallback` (the load balancer, as a browser
/// reconnects) and sends the unacknowledged message again under the same client id, as the
/// browser's outbox does. Returns the messages acknowledged, by client id, and whether it had
/// to move.
async fn write_through(
    name: String,
    token: String,
    first: String,
    fallback: String,
    count: usize,
) -> (Vec<(String, Message)>, bool) {
    let mut moved = false;
    let mut client = TestClient::connect(&first, Some(&token)).await;
    client.join("lobby").await;
    let mut acked = Vec::new();
    for k in 0..count {
        // Paced as people type, so that the storm is still going when the node dies.
        tokio::time::sleep(Duration::from_millis(30)).await;
        let client_id = format!("{name}-{k}");
        let command = send("lobby", &client_id, &format!("{name} says {k}"));
        let payload = serde_json::to_value(&command).expect("json");
        loop {
            let ack = client
                .try_request_raw("message:send", payload.clone(), Duration::from_secs(3))
                .await;
            if let Some(ack) = ack {
                match serde_json::from_value::<parley::protocol::Ack<Message>>(ack.clone()) {
                    Ok(parley::protocol::Ack::Ok(message)) => {
                        acked.push((client_id.clone(), message));
                        break;
                    }
                    other => panic!("{client_id} refused: {other:?} ({ack})"),
                }
            }
            // No answer: the node is gone. Over to the other one.
            client = TestClient::connect(&fallback, Some(&token)).await;
            client.join("lobby").await;
            moved = true;
        }
    }
    (acked, moved)
}

#[tokio::test]
#[ignore = "needs Postgres and Redis: run by scripts/test"]
async fn a_node_killed_during_a_send_storm_loses_nothing_and_stores_nothing_twice() {
    const WRITERS: usize = 6;
    const EACH: usize = 30;
    let (survivor, _) = two_nodes().await;
    let mut victim = node_process(&survivor.database_url(), &key())
        .env("PARLEY_MESSAGES_PER_MINUTE", "100000")
        .env("PARLEY_MESSAGE_BURST", "100000")
        .spawn()
        .expect("start the node to kill");
    let addr = started(&mut victim);
    let on_victim = format!("http://{addr}/");
    // Writers start on a node of their own; when theirs dies they reconnect through nginx
    // (deploy/nginx.conf), which must take them to the node still alive.
    let port = |addr: &str| addr.rsplit(':').next().and_then(|p| p.parse().ok()).expect("port");
    let nginx = Nginx::start(&[port(&addr), survivor.addr.port()]);
    let on_survivor = survivor.url("/");
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let name = format!("W{w}");
        let token = survivor.session(&name).await;
        // Half of them start on the node that will die.
        let first = if w % 2 == 0 { on_victim.clone() } else { on_survivor.clone() };
        let task = write_through(name, token, first, nginx.url.clone(), EACH);
        writers.push(tokio::spawn(task));
    }
    // Mid-storm, without warning.
    let observer = survivor.member("Observer").await;
    loop {
        let joined = observer.join("lobby").await;
        if joined.changes.upto >= (WRITERS * EACH / 4) as i64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    std::process::Command::new("kill").args(["-KILL", &victim.id().to_string()]).status().ok();
    let _ = victim.wait();
    let (mut acked, mut moved) = (Vec::new(), 0);
    for writer in writers {
        let (written, has_moved) = writer.await.expect("writer");
        acked.extend(written);
        moved += usize::from(has_moved);
    }
    assert_eq!(acked.len(), WRITERS * EACH);
    assert_eq!(moved, WRITERS / 2, "the writers on the killed node had to move mid-storm");

    // The database's log: every acknowledged message exactly once, as acknowledged, and the
    // room's positions consecutive from 1.
    let log = observer.ok(&SyncRoom { room: "lobby".into(), after: 0 }).await;
    assert!(log.complete, "the log fits one reply");
    let positions: Vec<i64> = log.changes.iter().map(|change| change.pos).collect();
    assert_eq!(positions, (1..=log.upto).collect::<Vec<_>>(), "holes in the positions");
    let list = ListMessages { room: "lobby".into(), range: Range::After(0) };
    let stored = observer.ok(&list).await.messages;
    assert_eq!(stored.len(), WRITERS * EACH, "stored twice or lost");
    for (client_id, message) in &acked {
        let found: Vec<_> = stored.iter().filter(|m| &m.client_id == client_id).collect();
        assert_eq!(found.len(), 1, "{client_id} stored {} times", found.len());
        assert_eq!(found[0].seq, message.seq, "{client_id} acknowledged at another place");
    }
}
