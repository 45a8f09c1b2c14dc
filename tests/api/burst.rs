//! The server killed (SIGKILL) in the middle of a burst of sends from several clients, then
//! restarted on the same database. Clients that got no ack reconnect and send again with the same
//! client id. At the end every acknowledged message is stored exactly once, positions have no
//! holes, and every client reads the same history as the database holds.

use crate::binary::{parley, started};
use crate::helpers::{TestClient, PATIENCE};
use parley::model::Message;
use parley::protocol::{Ack, Backlog, ListMessages, Range, SendMessage};
use std::process::Child;
use std::time::Duration;
use tokio::sync::watch;

const CLIENTS: usize = 3;
const MESSAGES_EACH: usize = 30;
/// Acknowledged sends (all clients together) before the kill.
const KILL_AFTER: usize = 20;

fn start(addr: &str, database: &str) -> Child {
    let mut server = parley()
        .env("LEPTOS_SITE_ADDR", addr)
        .env("PARLEY_DATABASE_URL", database)
        // A burst faster than people post: the posting limit is not what this test is about.
        .env("PARLEY_MESSAGE_BURST", "100000")
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .expect("start the server");
    started(&mut server);
    server
}

/// Connects, retrying while the server is down.
async fn reconnect(url: &str, token: &str) -> TestClient {
    let cookie = vec![("Cookie", format!("parley_session={token}"))];
    for _ in 0..100 {
        if let Ok(client) = TestClient::try_connect(url, &cookie).await {
            return client;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{token} could not reconnect");
}

/// Sends every message in order; a send without an ack is retried on a new connection with the
/// same client id. Reports each acknowledgement on `acked`.
async fn sender(
    url: String,
    name: String,
    token: String,
    acked: watch::Sender<usize>,
) -> Vec<Message> {
    let mut client = reconnect(&url, &token).await;
    let mut stored = Vec::new();
    for i in 0..MESSAGES_EACH {
        let send = SendMessage {
            room: "lobby".into(),
            client_id: format!("{name}-{i}"),
            body: format!("{name} {i}"),
            reply_to: None,
            files: vec![],
        };
        let payload = serde_json::to_value(&send).expect("serialize");
        loop {
            let wait = Duration::from_secs(2);
            match client.try_request_raw("message:send", payload.clone(), wait).await {
                Some(ack) => {
                    match serde_json::from_value::<Ack<Message>>(ack).expect("ack shape") {
                        Ack::Ok(message) => {
                            stored.push(message);
                            acked.send_modify(|n| *n += 1);
                            break;
                        }
                        Ack::Error(error) => panic!("{name} {i} refused: {error:?}"),
                    }
                }
                None => client = reconnect(&url, &token).await,
            }
        }
    }
    stored
}

async fn history(client: &TestClient) -> Vec<Message> {
    let mut all = Vec::new();
    loop {
        let after = all.last().map_or(0, |m: &Message| m.seq);
        let list = ListMessages { room: "lobby".into(), range: Range::After(after) };
        let Backlog { messages, complete } = client.ok(&list).await;
        all.extend(messages);
        if complete {
            return all;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_loses_no_acknowledged_message_and_stores_none_twice() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = format!("sqlite:{}", dir.path().join("parley.db").display());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let addr = format!("127.0.0.1:{port}");
    let url = format!("http://{addr}/");
    let mut server = start(&addr, &database);

    let mut tokens = Vec::new();
    for n in 0..CLIENTS {
        tokens.push(crate::binary::sign_up(&addr, &format!("Client{n}")).await);
    }
    let (acked, mut progress) = watch::channel(0);
    let senders: Vec<_> = (0..CLIENTS)
        .map(|n| {
            let (name, token) = (format!("Client{n}"), tokens[n].clone());
            tokio::spawn(sender(url.clone(), name, token, acked.clone()))
        })
        .collect();

    tokio::time::timeout(PATIENCE, progress.wait_for(|n| *n >= KILL_AFTER))
        .await
        .expect("sends in time")
        .expect("progress");
    server.kill().expect("SIGKILL");
    server.wait().expect("reaped");
    server = start(&addr, &database);

    let mut acknowledged = Vec::new();
    for sender in senders {
        acknowledged.extend(
            tokio::time::timeout(PATIENCE * 6, sender).await.expect("burst done").expect("sender"),
        );
    }
    assert_eq!(acknowledged.len(), CLIENTS * MESSAGES_EACH);

    let db = parley::server::store::open(&database, "test").await.expect("open the database");
    let stored = db.messages_after("lobby", 0, 10_000).await.expect("query");
    assert_eq!(stored.len(), CLIENTS * MESSAGES_EACH, "each message stored exactly once");
    let seqs: Vec<i64> = stored.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, (1..=stored.len() as i64).collect::<Vec<_>>(), "no holes in the log");
    for message in &acknowledged {
        assert!(
            stored.contains(message),
            "acknowledged but not stored as acknowledged: {message:?}"
        );
    }

    for (n, token) in tokens.iter().enumerate() {
        let client = reconnect(&url, token).await;
        assert_eq!(history(&client).await, stored, "client {n} reads what the database holds");
    }
    server.kill().expect("stop");
    let _ = server.wait();
}
