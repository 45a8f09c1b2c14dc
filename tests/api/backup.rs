//! `parley admin backup` and `parley admin restore` on the SQLite default, with the server binary
//! as deployed: a backup taken while it serves holds exactly what was there, a restore refuses a
//! running server and a file that is not a backup, and keeps what it replaces.

use crate::binary::{parley, sign_up, started};
use crate::helpers::TestClient;
use parley::protocol::SendMessage;
use std::process::{Child, Command, Output};

fn admin(database: &str, args: &[&str]) -> Output {
    parley().env("PARLEY_DATABASE_URL", database).arg("admin").args(args).output().expect("run")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The bodies of the lobby's messages, oldest first, read beside any running server.
async fn lobby(database: &str) -> Vec<String> {
    let db = parley::server::store::open(database, "test").await.expect("open");
    let messages = db.latest_messages("lobby", 50).await.expect("read");
    messages.into_iter().map(|message| message.body).collect()
}

async fn post(client: &TestClient, id: &str, body: &str) {
    client
        .ok(&SendMessage {
            room: "lobby".into(),
            client_id: id.into(),
            body: body.into(),
            reply_to: None,
            files: vec![],
        })
        .await;
}

fn stop(mut server: Child) {
    let status = Command::new("kill").args(["-TERM", &server.id().to_string()]).status();
    assert!(status.expect("kill").success());
    assert!(server.wait().expect("exit status").success(), "a graceful stop exits with 0");
}

#[tokio::test]
async fn a_backup_taken_while_serving_restores_exactly_what_it_held() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("parley.db");
    let database = format!("sqlite:{}", file.display());
    let mut server = parley().env("PARLEY_DATABASE_URL", &database).spawn().expect("start");
    let addr = started(&mut server);
    let token = sign_up(&addr, "Ada").await;
    let ada = TestClient::connect(&format!("http://{addr}/"), Some(&token)).await;
    ada.join("lobby").await;
    post(&ada, "c1", "before the backup").await;

    let backup = dir.path().join("monday.db");
    let made = admin(&database, &["backup", backup.to_str().expect("path")]);
    assert!(made.status.success(), "{}", text(&made));
    assert!(text(&made).contains("Backed up 1 account, 1 room, 1 message"), "{}", text(&made));
    let again = admin(&database, &["backup", backup.to_str().expect("path")]);
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again).contains("already exists"), "{}", text(&again));

    post(&ada, "c2", "after the backup").await;
    let refused = admin(&database, &["restore", backup.to_str().expect("path")]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused).contains("the server is running on this database"),
        "{}",
        text(&refused)
    );
    assert_eq!(lobby(&database).await, ["before the backup", "after the backup"]);
    drop(ada);
    stop(server);

    // Not a backup: refused before anything is touched.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, "not a database at all, but long enough to look like a file").expect("w");
    for (bad, why) in
        [(junk.as_path(), "is not a Parley backup"), (file.as_path(), "is the database")]
    {
        let refused = admin(&database, &["restore", bad.to_str().expect("path")]);
        assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
        assert!(text(&refused).contains(why), "{}", text(&refused));
    }
    assert_eq!(lobby(&database).await, ["before the backup", "after the backup"]);

    let restored = admin(&database, &["restore", backup.to_str().expect("path")]);
    assert!(restored.status.success(), "{}", text(&restored));
    let said = text(&restored);
    assert!(said.contains("Restored 1 account, 1 room, 1 message"), "{said}");
    let kept = said.split("kept as ").nth(1).expect("where the replaced database went");
    let kept = kept.trim().trim_end_matches('.');
    assert_eq!(lobby(&format!("sqlite:{kept}")).await, ["before the backup", "after the backup"]);

    // The restored database serves, and the session made before the backup still opens it.
    let mut server = parley().env("PARLEY_DATABASE_URL", &database).spawn().expect("restart");
    let addr = started(&mut server);
    let ada = TestClient::connect(&format!("http://{addr}/"), Some(&token)).await;
    ada.join("lobby").await;
    post(&ada, "c3", "after the restore").await;
    assert_eq!(lobby(&database).await, ["before the backup", "after the restore"]);
    drop(ada);
    stop(server);
}

#[tokio::test]
async fn a_second_server_on_one_sqlite_file_is_refused_and_postgres_points_to_pg_dump() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = format!("sqlite:{}", dir.path().join("parley.db").display());
    let mut server = parley().env("PARLEY_DATABASE_URL", &database).spawn().expect("start");
    started(&mut server);
    let second = parley().env("PARLEY_DATABASE_URL", &database).output().expect("second");
    assert!(!second.status.success());
    assert!(text(&second).contains("another Parley process is using"), "{}", text(&second));
    // The first one was not disturbed: it stops cleanly.
    stop(server);

    let postgres = "postgres://parley@127.0.0.1:9/parley";
    let refused = admin(postgres, &["backup", &dir.path().join("b.db").display().to_string()]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused).contains("pg_dump"), "{}", text(&refused));
    let missing = admin(&database, &["restore", "/nowhere/backup.db"]);
    assert!(text(&missing).contains("there is no such file"), "{}", text(&missing));
    let usage = admin(&database, &["backup"]);
    assert_eq!(usage.status.code(), Some(2));
    assert!(text(&usage).contains("parley admin backup FILE"), "{}", text(&usage));
}
