//! Hostile clients, each bounded: a connection that floods commands gets cheap refusals once
//! its allowance is spent (others are not slowed), a connection keeps a bounded number of rooms
//! open, and an HTTP client that never finishes its request head (slowloris, or a half-open
//! handshake that sends nothing) is disconnected. What each costs an honest client meanwhile
//! is measured by `scripts/bench --hostile` (BENCHMARKS.md), not here.

use crate::helpers::TestApp;
use parley::protocol::{CloseRoom, CreateRoom, ErrorCode, JoinRoom, ListRooms};
use parley::server::limits::Rate;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn a_connection_flooding_commands_is_refused_without_slowing_the_others() {
    let app = TestApp::builder().limits(|limits| limits.commands = Rate::commands(5)).start().await;
    let flood = app.client(Some("Mallory")).await;
    let honest = app.client(Some("Ada")).await;
    let (mut answered, mut refused) = (0, 0);
    for _ in 0..40 {
        match flood.request(&ListRooms {}).await {
            parley::protocol::Ack::Ok(_) => answered += 1,
            parley::protocol::Ack::Error(error) => {
                assert_eq!(error.code, ErrorCode::RateLimited, "{error:?}");
                assert!(error.message.contains("Too many commands on this connection"));
                refused += 1;
            }
        }
    }
    // A burst of 10, and 5 a second after it: most of 40 quick commands are refused.
    assert!((10..30).contains(&answered), "{answered} answered");
    assert_eq!(answered + refused, 40);
    // The allowance is the connection's: another one of the same person is served, and so is
    // everyone else.
    honest.ok(&ListRooms {}).await;
    app.client(Some("Mallory")).await.ok(&ListRooms {}).await;
}

#[tokio::test]
async fn a_connection_keeps_at_most_a_hundred_rooms_open() {
    let app = TestApp::spawn().await;
    let bot = app.client(Some("Bot")).await;
    let mut slugs = vec!["lobby".to_owned()];
    for n in 1..=100 {
        let room = bot.ok(&CreateRoom { name: format!("Room {n}"), private: false }).await;
        slugs.push(room.slug);
    }
    for slug in &slugs[..100] {
        bot.ok(&JoinRoom { room: slug.clone(), after: None }).await;
    }
    let join = JoinRoom { room: slugs[100].clone(), after: None };
    let refusal = bot.refused(&join).await;
    assert_eq!(refusal.code, ErrorCode::Forbidden, "{refusal:?}");
    assert!(refusal.message.contains("at most 100 rooms open"), "{refusal:?}");
    // Joining one already open again is fine; closing one makes room for another.
    bot.ok(&JoinRoom { room: slugs[5].clone(), after: None }).await;
    bot.ok(&CloseRoom { room: slugs[5].clone() }).await;
    bot.ok(&join).await;
}

#[tokio::test]
async fn a_client_that_never_finishes_its_request_head_is_disconnected() {
    let app = TestApp::spawn().await;
    let address = app.url("").trim_start_matches("http://").to_owned();
    // One sends half a request head, a header line at a time, slower than the server waits;
    // the other connects and sends nothing.
    let mut slow = tokio::net::TcpStream::connect(&address).await.expect("connect");
    let silent = tokio::net::TcpStream::connect(&address).await.expect("connect");
    slow.write_all(b"GET / HTTP/1.1\r\nHost: parley\r\n").await.expect("write");
    let dripping = async {
        for n in 0..30 {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            if slow.write_all(format!("X-Drip-{n}: 1\r\n").as_bytes()).await.is_err() {
                return true;
            }
        }
        false
    };
    let closed = |mut stream: tokio::net::TcpStream| async move {
        let mut buffer = [0u8; 1024];
        let read =
            tokio::time::timeout(std::time::Duration::from_secs(30), stream.read(&mut buffer));
        matches!(read.await, Ok(Ok(0) | Err(_)))
    };
    let (dripped_out, silent_closed) = tokio::join!(dripping, closed(silent));
    assert!(silent_closed, "a connection that sends nothing is closed");
    assert!(dripped_out, "a head sent a line a second is cut off");
    // The server goes on answering.
    let health = reqwest::get(app.url("/healthz")).await.expect("health");
    assert!(health.status().is_success());
}
