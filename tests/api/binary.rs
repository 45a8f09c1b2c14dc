//! The server binary as deployed: configuration from the environment, a clear failure when the
//! database cannot be opened, and a graceful stop on SIGTERM.

use crate::helpers::PATIENCE;
use parley::protocol::SendMessage;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

pub fn parley() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_parley"));
    command
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("LEPTOS_OUTPUT_NAME", "parley")
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Waits until a spawned server says where it listens, and returns that address. Its output is
/// drained on a thread from then on.
pub fn started(server: &mut std::process::Child) -> String {
    let stdout = server.stdout.take().expect("stdout");
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(at) = line.find("listening on http://") {
                let addr = line[at + "listening on http://".len()..].trim().to_owned();
                let _ = addr_tx.send(addr);
            }
        }
    });
    addr_rx.recv_timeout(PATIENCE).expect("the server says where it listens")
}

#[test]
fn a_database_that_cannot_be_opened_stops_the_server_with_a_clear_message() {
    let output = parley()
        .env("PARLEY_DATABASE_URL", "sqlite:/proc/parley-cannot-be-here/parley.db")
        .output()
        .expect("run the binary");
    assert!(!output.status.success());
    let log = String::from_utf8_lossy(&output.stdout) + String::from_utf8_lossy(&output.stderr);
    assert!(log.contains("cannot create the database folder /proc/parley-cannot-be-here"), "{log}");
}

#[tokio::test]
async fn sigterm_stops_the_server_gracefully_and_keeps_the_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = format!("sqlite:{}", dir.path().join("parley.db").display());
    let mut server = parley().env("PARLEY_DATABASE_URL", &database).spawn().expect("start");
    let addr = started(&mut server);

    let token = sign_up(&addr, "Ada").await;
    let mut ada =
        crate::helpers::TestClient::connect(&format!("http://{addr}/"), Some(&token)).await;
    ada.join("lobby").await;
    let sent = ada
        .ok(&SendMessage {
            room: "lobby".into(),
            client_id: "c".into(),
            body: "kept".into(),
            reply_to: None,
            files: vec![],
        })
        .await;
    assert_eq!(ada.next_message().await, sent);

    let status = Command::new("kill").args(["-TERM", &server.id().to_string()]).status();
    assert!(status.expect("kill").success());
    let exited = tokio::task::spawn_blocking(move || server.wait()).await.expect("wait");
    assert!(exited.expect("exit status").success(), "a graceful stop exits with 0");

    // The data is still there for the next start.
    let db = parley::server::store::open(&database, "test").await.expect("reopen");
    let kept = db.latest_messages("lobby", 10).await.expect("query");
    assert_eq!(kept, vec![sent]);
}

#[test]
fn half_an_assistant_configuration_stops_the_server_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = format!("sqlite:{}", dir.path().join("parley.db").display());
    let run = |name: &str, value: &str| {
        let output = parley()
            .env("PARLEY_DATABASE_URL", &database)
            .env("PARLEY_ASSISTANT_URL", "http://127.0.0.1:9/v1")
            .env("PARLEY_ASSISTANT_MODEL", "m")
            .env(name, value)
            .output()
            .expect("run the binary");
        assert!(!output.status.success());
        let log = String::from_utf8_lossy(&output.stdout) + String::from_utf8_lossy(&output.stderr);
        log.into_owned()
    };
    let log = run("PARLEY_ASSISTANT_MODEL", "");
    assert!(log.contains("PARLEY_ASSISTANT_URL and PARLEY_ASSISTANT_MODEL go together"), "{log}");
    let log = run("PARLEY_ASSISTANT_TIMEOUT_SECS", "soon");
    assert!(log.contains("PARLEY_ASSISTANT_TIMEOUT_SECS must be a positive whole number"), "{log}");
}

#[test]
fn a_posting_limit_that_is_not_a_positive_number_stops_the_server() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = format!("sqlite:{}", dir.path().join("parley.db").display());
    for (name, value) in [
        ("PARLEY_MESSAGES_PER_MINUTE", "0"),
        ("PARLEY_MESSAGE_BURST", "many"),
        ("PARLEY_MESSAGE_BURST", "5000000000"),
    ] {
        let output = parley()
            .env("PARLEY_DATABASE_URL", &database)
            .env(name, value)
            .output()
            .expect("run the binary");
        assert!(!output.status.success(), "{name}={value} was accepted");
        let log = String::from_utf8_lossy(&output.stdout) + String::from_utf8_lossy(&output.stderr);
        assert!(log.contains(&format!("{name} must be a positive whole number")), "{log}");
    }
}

/// Signs `name` up on the server at `addr` and returns the session's cookie token.
pub async fn sign_up(addr: &str, name: &str) -> String {
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(format!("http://{addr}/api/sign_up"))
        .form(&[("name", name), ("password", crate::helpers::PASSWORD)])
        .send()
        .await
        .expect("sign up");
    crate::helpers::session_cookie(&response).expect("a session cookie")
}

#[tokio::test]
async fn admin_grant_makes_an_account_a_server_admin() {
    let app = crate::helpers::TestApp::spawn().await;
    let ada = app.member("Ada").await;
    let bob = app.member("Bob").await;
    let ban = parley::protocol::BanMember { room: "lobby".into(), name: "Bob".into() };
    assert_eq!(ada.refused(&ban).await.code, parley::protocol::ErrorCode::Forbidden);

    let run = |args: &[&str]| {
        parley().env("PARLEY_DATABASE_URL", app.database_url()).args(args).output().expect("run")
    };
    let granted = run(&["admin", "grant", "ada"]);
    assert!(granted.status.success(), "{granted:?}");
    assert_eq!(String::from_utf8_lossy(&granted.stdout).trim(), "Ada is now a server admin.");
    ada.ok(&ban).await;
    let hello = SendMessage {
        room: "lobby".into(),
        client_id: "b".into(),
        body: "hi".into(),
        reply_to: None,
        files: vec![],
    };
    assert_eq!(bob.refused(&hello).await.code, parley::protocol::ErrorCode::Forbidden);

    let unknown = run(&["admin", "grant", "Nobody"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("There is no account called"));
    let usage = run(&["admin", "promote", "Ada"]);
    assert_eq!(usage.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&usage.stderr).contains("parley admin grant NAME"));
    let revoked = run(&["admin", "revoke", "Ada"]);
    assert!(String::from_utf8_lossy(&revoked.stdout).contains("no longer a server admin"));
}

#[test]
fn a_half_set_or_unreadable_tls_configuration_stops_the_start_with_a_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = format!("sqlite:{}", dir.path().join("parley.db").display());
    let run = |vars: &[(&str, &str)]| {
        let mut command = parley();
        command.env("PARLEY_DATABASE_URL", &database).envs(vars.iter().copied());
        let output = command.output().expect("run");
        assert!(!output.status.success());
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    };
    let log = run(&[("PARLEY_TLS_CERT", "/nowhere/cert.pem")]);
    assert!(log.contains("PARLEY_TLS_CERT and PARLEY_TLS_KEY go together"), "{log}");
    let log = run(&[("PARLEY_TLS_CERT", "/nowhere/cert.pem"), ("PARLEY_TLS_KEY", "/nowhere/k")]);
    assert!(log.contains("cannot read the TLS certificate /nowhere/cert.pem"), "{log}");
}

#[tokio::test]
async fn the_secret_key_is_created_once_next_to_the_database_and_sessions_outlive_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = format!("sqlite:{}", dir.path().join("parley.db").display());
    let mut server = parley().env("PARLEY_DATABASE_URL", &database).spawn().expect("start");
    let addr = started(&mut server);
    let key_file = dir.path().join("secret.key");
    let key = std::fs::read_to_string(&key_file).expect("the key file exists");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&key_file).expect("metadata").permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "only its owner reads it");
    let token = sign_up(&addr, "Ada").await;
    server.kill().expect("stop");
    let _ = server.wait();

    let mut server = parley()
        .env("PARLEY_DATABASE_URL", &database)
        .env("LEPTOS_SITE_ADDR", &addr)
        .spawn()
        .expect("restart");
    started(&mut server);
    assert_eq!(std::fs::read_to_string(&key_file).expect("kept"), key, "not replaced");
    let url = format!("http://{addr}/");
    let headers = [("Cookie", format!("parley_session={token}"))];
    let ada = crate::helpers::TestClient::try_connect(&url, &headers).await;
    assert!(ada.is_ok(), "the session survived the restart");
    server.kill().expect("stop");
    let _ = server.wait();
}
