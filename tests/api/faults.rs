//! Resource faults on the SQLite default: the database cannot grow (a full disk, here SQLite's
//! `max_page_count` through `PARLEY_SQLITE_MAX_MB`, which raises the same SQLITE_FULL), and
//! another process holds its write lock, its files cannot be written. Each write is refused with a clear `unavailable` error,
//! reads go on, nothing is half-written, and all recovers once the cause is gone. (A provider
//! that hangs is in assistant.rs: the answer ends with a note after the timeout.)

use crate::helpers::TestApp;
use parley::protocol::{Ack, ErrorCode, ListMessages, Range, SendMessage, SyncRoom};
use parley::server::limits::Rate;
use sqlx::{Connection, SqliteConnection};

fn send(id: &str, body: &str) -> SendMessage {
    crate::helpers::send("lobby", id, body)
}

async fn rows(url: &str, sql: &str) -> i64 {
    let mut db = SqliteConnection::connect(url).await.expect("open");
    sqlx::query_scalar(sql).fetch_one(&mut db).await.expect("query")
}

#[tokio::test]
async fn a_full_database_refuses_writes_clearly_corrupts_nothing_and_recovers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite:{}", dir.path().join("full.db").display());
    let app = TestApp::builder()
        .database(&url)
        .sqlite_max_mb(1)
        .limits(|limits| limits.messages = Rate::new(1_000_000, Rate::MINUTE, 1_000_000))
        .start()
        .await;
    let ada = app.member("Ada").await;
    let body = "z".repeat(3_900);
    let mut stored = 0;
    let (id, refusal) = loop {
        let id = format!("c{stored}");
        match ada.request(&send(&id, &body)).await {
            Ack::Ok(_) => stored += 1,
            Ack::Error(error) => break (id, error),
        }
        assert!(stored < 1_000, "1 MiB never filled up");
    };
    assert_eq!(refusal.code, ErrorCode::Unavailable, "{refusal:?}");
    assert!(refusal.message.contains("storage is full"), "{refusal:?}");
    // Reads go on, and the next write is refused the same way.
    let list = ListMessages { room: "lobby".into(), range: Range::Before(i64::MAX) };
    assert!(!ada.ok(&list).await.messages.is_empty(), "reads go on");
    assert_eq!(ada.refused(&send(&id, &body)).await.code, ErrorCode::Unavailable);
    drop(ada);
    app.stop().await;

    assert_eq!(rows(&url, "SELECT COUNT(*) FROM messages").await, stored);
    let mut db = SqliteConnection::connect(&url).await.expect("open");
    let verdict: String =
        sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut db).await.expect("check");
    assert_eq!(verdict, "ok");
    drop(db);

    // Room again (no cap): the refused message, sent again, is stored once.
    let app = TestApp::builder().database(&url).start().await;
    let ada = app.member("Ada").await;
    ada.ok(&send(&id, &body)).await;
    ada.ok(&send(&id, &body)).await;
    assert_eq!(rows(&url, "SELECT COUNT(*) FROM messages").await, stored + 1);
    let log = ada.ok(&SyncRoom { room: "lobby".into(), after: 0 }).await;
    let positions: Vec<i64> = (1..=log.upto).collect();
    assert_eq!(
        log.changes.iter().map(|c| c.pos).collect::<Vec<_>>(),
        positions[..log.changes.len()]
    );
}

#[tokio::test]
async fn a_database_locked_by_another_process_refuses_writes_clearly_and_recovers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite:{}", dir.path().join("locked.db").display());
    let app = TestApp::builder().database(&url).start().await;
    let ada = app.member("Ada").await;
    ada.ok(&send("before", "before the lock")).await;

    let mut other = SqliteConnection::connect(&url).await.expect("open");
    sqlx::query("BEGIN EXCLUSIVE").execute(&mut other).await.expect("lock");
    // The server waits its busy timeout (5 s), then says so.
    let refusal = ada.refused(&send("during", "while locked")).await;
    assert_eq!(refusal.code, ErrorCode::Unavailable, "{refusal:?}");
    assert!(refusal.message.contains("busy"), "{refusal:?}");
    let read = ada.ok(&ListMessages { room: "lobby".into(), range: Range::After(0) }).await;
    assert_eq!(read.messages.len(), 1, "reads go on");
    sqlx::query("ROLLBACK").execute(&mut other).await.expect("unlock");
    drop(other);

    ada.ok(&send("during", "while locked")).await;
    let count = "SELECT COUNT(*) FROM messages WHERE client_id = 'during'";
    assert_eq!(rows(&url, count).await, 1);
}

/// Sets or clears the immutable attribute (`chattr +i`): nobody may write the file, root
/// included, through descriptors already open too. (Root ignores file modes, and the tests run
/// as root here, so `chmod` would test nothing.)
fn immutable(files: &[std::path::PathBuf], on: bool) {
    let flag = if on { "+i" } else { "-i" };
    let status = std::process::Command::new("chattr").arg(flag).args(files).status();
    assert!(status.is_ok_and(|s| s.success()), "chattr {flag} (ext4 and root needed)");
}

/// Clears the attribute even when the test fails, so that the folder can be removed.
struct Writable(Vec<std::path::PathBuf>);

impl Drop for Writable {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr").arg("-i").args(&self.0).status();
    }
}

#[tokio::test]
async fn a_database_that_cannot_be_written_refuses_writes_clearly_and_recovers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("frozen.db");
    let url = format!("sqlite:{}", path.display());
    let app = TestApp::builder().database(&url).start().await;
    let ada = app.member("Ada").await;
    ada.ok(&send("before", "before the freeze")).await;

    // The database and its write-ahead log, where every write goes first.
    let files = vec![path.clone(), dir.path().join("frozen.db-wal")];
    let _guard = Writable(files.clone());
    immutable(&files, true);
    let refusal = ada.refused(&send("during", "while frozen")).await;
    assert_eq!(refusal.code, ErrorCode::Unavailable, "{refusal:?}");
    assert!(refusal.message.contains("cannot write to its storage"), "{refusal:?}");
    let read = ada.ok(&ListMessages { room: "lobby".into(), range: Range::After(0) }).await;
    assert_eq!(read.messages.len(), 1, "reads go on");
    immutable(&files, false);

    ada.ok(&send("during", "while frozen")).await;
    ada.ok(&send("after", "after the thaw")).await;
    drop(ada);
    app.stop().await;
    assert_eq!(rows(&url, "SELECT COUNT(*) FROM messages").await, 3);
    let mut db = SqliteConnection::connect(&url).await.expect("open");
    let verdict: String =
        sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut db).await.expect("check");
    assert_eq!(verdict, "ok");
}
