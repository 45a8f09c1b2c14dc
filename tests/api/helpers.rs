//! `TestApp` (a running server on its own database) and `TestClient` (a socket.io client that
//! records every event it receives, in order).

use futures_util::FutureExt;
use leptos::config::LeptosOptions;
use parley::model::Message;
use parley::protocol::{
    Ack, Broadcast, Change, Command, Event, JoinRoom, Joined, PersonStatus, RoomActivity,
};
use parley::server::limits::{Limits, Rate};
use parley::server::{assistant::AssistantConfig, auth::AuthSettings};
use parley::server::{origin::AllowedOrigins, Config, Server};
use rust_socketio::{asynchronous::ClientBuilder, Payload};
use serde_json::Value;
use std::collections::HashMap;
use std::{net::SocketAddr, sync::Arc, time::Duration};
use tokio::sync::{mpsc, oneshot, Mutex};

/// Generous: a wait this long only ever ends a test that is failing anyway.
pub const PATIENCE: Duration = Duration::from_secs(10);
/// How long the tests' HTTP clients wait for a whole answer: a request the server never answers
/// fails its test, naming the request, instead of hanging it.
const HTTP_PATIENCE: Duration = Duration::from_secs(60);
/// The server's default threshold for batched announcements.
const DEFAULT_BATCH_ABOVE: usize = 50;
/// The token that opens `/metrics` on test servers.
pub const METRICS_TOKEN: &str = "test-metrics-token";
/// Every test account's password.
pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub addr: SocketAddr,
    dir: Arc<tempfile::TempDir>,
    database_url: String,
    redis_url: Option<String>,
    assistant: Option<AssistantConfig>,
    limits: Limits,
    auth: AuthSettings,
    /// Session cookie tokens of the accounts this test signed up, by name.
    sessions: std::sync::Mutex<HashMap<String, String>>,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

/// A plain message to send: no reply, no files.
pub fn send(room: &str, client_id: &str, body: &str) -> parley::protocol::SendMessage {
    parley::protocol::SendMessage {
        room: room.into(),
        client_id: client_id.into(),
        body: body.into(),
        reply_to: None,
        files: vec![],
    }
}

/// Limits far above what tests send, so that they can post and sign up in bursts; the tests of
/// each limit set their own.
pub fn generous_limits() -> Limits {
    let lots = |per| Rate::new(1_000_000, per, 1_000_000);
    Limits {
        messages: lots(Rate::MINUTE),
        sign_ups: lots(Rate::HOUR),
        rooms: lots(Rate::HOUR),
        api_calls: lots(Rate::MINUTE),
        commands: lots(Rate::SECOND),
        sign_in_free_failures: 1_000,
        files: parley::server::limits::FileLimits { per_file: 10 << 20, per_hour: 1 << 30 },
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::builder().start().await
    }

    pub fn builder() -> TestAppBuilder {
        TestAppBuilder {
            dir: Arc::new(tempfile::tempdir().expect("temp dir")),
            database_url: None,
            redis_url: None,
            assistant: None,
            limits: generous_limits(),
            auth: AuthSettings::default(),
            tls: None,
            batch_above: DEFAULT_BATCH_ABOVE,
            sqlite_max_mb: None,
        }
    }

    /// A server whose assistant talks to the provider `assistant` describes.
    pub async fn with_assistant(assistant: AssistantConfig) -> Self {
        Self::builder().assistant(assistant).start().await
    }

    /// The URL of this server's database (`sqlite:`, or `postgres:` under
    /// `PARLEY_TEST_POSTGRES`).
    pub fn database_url(&self) -> String {
        self.database_url.clone()
    }

    /// Another node of the same cluster: the same database, Redis and secret key.
    pub fn node(&self) -> TestAppBuilder {
        let mut builder = Self::builder();
        builder.database_url = Some(self.database_url.clone());
        builder.redis_url = self.redis_url.clone();
        builder.auth = self.auth.clone();
        builder.limits = self.limits;
        builder.assistant = self.assistant.clone();
        builder
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Stops the server gracefully and starts a new one on the same database (sessions
    /// included).
    pub async fn restart(self) -> Self {
        let builder = TestAppBuilder {
            dir: self.dir.clone(),
            database_url: Some(self.database_url.clone()),
            redis_url: self.redis_url.clone(),
            assistant: self.assistant.clone(),
            limits: self.limits,
            auth: self.auth.clone(),
            tls: None,
            batch_above: DEFAULT_BATCH_ABOVE,
            sqlite_max_mb: None,
        };
        let sessions = std::mem::take(&mut *self.sessions.lock().expect("sessions"));
        self.stop().await;
        let app = builder.start().await;
        *app.sessions.lock().expect("sessions") = sessions;
        app
    }

    pub async fn stop(self) {
        let _ = self.stop.send(());
        tokio::time::timeout(PATIENCE, self.task)
            .await
            .expect("graceful shutdown")
            .expect("server task");
    }

    /// Signs `name` up (password [`PASSWORD`]) the first time, and returns its session's cookie
    /// token.
    pub async fn session(&self, name: &str) -> String {
        if let Some(token) = self.sessions.lock().expect("sessions").get(name) {
            return token.clone();
        }
        let token = match self.try_account("sign_up", name, PASSWORD).await {
            Ok(token) => token,
            Err(_) => self.try_account("sign_in", name, PASSWORD).await.expect("signed in"),
        };
        self.sessions.lock().expect("sessions").insert(name.to_owned(), token.clone());
        token
    }

    /// Posts the sign-up or sign-in form (`action`); `Ok` with the new session's cookie token,
    /// or `Err` with the status and body.
    pub async fn try_account(
        &self,
        action: &str,
        name: &str,
        password: &str,
    ) -> Result<String, (reqwest::StatusCode, String)> {
        let response = anonymous_http()
            .post(self.url(&format!("/api/{action}")))
            .form(&[("name", name), ("password", password)])
            .send()
            .await
            .expect("post");
        let token = session_cookie(&response);
        match token {
            Some(token) if !token.is_empty() => Ok(token),
            _ => Err((response.status(), response.text().await.unwrap_or_default())),
        }
    }

    /// A personal API token of `name`'s, created through the account form as a browser would.
    pub async fn api_token(&self, name: &str, label: &str) -> String {
        let response = self
            .http(Some(name))
            .await
            .post(self.url("/api/create_token"))
            .form(&[("label", label)])
            .send()
            .await
            .expect("post");
        set_cookie(&response, "parley_new_token")
            .filter(|token| token.starts_with("pt_"))
            .unwrap_or_else(|| panic!("no token: {}", response.status()))
    }

    /// Calls the REST API with `token` (if any): the status and the JSON body.
    pub async fn rest(
        &self,
        token: Option<&str>,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (reqwest::StatusCode, Value) {
        let mut request = anonymous_http().request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let text = response.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// A socket.io client signed in as `name` (its session cookie on the handshake, as a
    /// browser sends it). `None`: a guest, whose handshake the server refuses.
    pub async fn client(&self, name: Option<&str>) -> TestClient {
        let name = name.expect("only signed-in people connect: see TestApp::guest_handshake");
        let token = self.session(name).await;
        TestClient::connect(&self.url("/"), Some(&token)).await
    }

    /// A handshake with `cookie` (none: a guest); `Err` carries the server's refusal.
    pub async fn handshake(&self, cookie: Option<&str>) -> Result<TestClient, String> {
        let headers: Vec<(&str, String)> =
            cookie.map(|token| ("Cookie", format!("parley_session={token}"))).into_iter().collect();
        TestClient::try_connect(&self.url("/"), &headers).await
    }

    /// A signed-in client that has joined the lobby.
    pub async fn member(&self, name: &str) -> TestClient {
        let client = self.client(Some(name)).await;
        client.join("lobby").await;
        client
    }

    /// An HTTP client that does not follow redirects, signed in as `name` if given.
    pub async fn http(&self, name: Option<&str>) -> reqwest::Client {
        let Some(name) = name else { return anonymous_http() };
        let mut headers = reqwest::header::HeaderMap::new();
        let cookie = format!("parley_session={}", self.session(name).await);
        headers.insert(reqwest::header::COOKIE, cookie.parse().expect("cookie header"));
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(HTTP_PATIENCE)
            .default_headers(headers)
            .build()
            .expect("http client")
    }
}

/// An HTTP client without a session that does not follow redirects.
pub fn anonymous_http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(HTTP_PATIENCE)
        .build()
        .expect("http client")
}

/// The session token a response's `Set-Cookie` gives (empty when it ends the session).
pub fn session_cookie(response: &reqwest::Response) -> Option<String> {
    set_cookie(response, "parley_session")
}

/// The value a response's `Set-Cookie` gives the cookie `name`.
fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    let prefix = format!("{name}=");
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|value| value.strip_prefix(prefix.as_str()))
        .map(|rest| rest.split(';').next().unwrap_or_default().to_owned())
}

/// How a [`TestApp`] is set up before it starts.
pub struct TestAppBuilder {
    dir: Arc<tempfile::TempDir>,
    /// `None`: a fresh database (see [`fresh_database`]).
    database_url: Option<String>,
    redis_url: Option<String>,
    assistant: Option<AssistantConfig>,
    limits: Limits,
    auth: AuthSettings,
    tls: Option<parley::server::tls::TlsFiles>,
    batch_above: usize,
    /// `PARLEY_SQLITE_MAX_MB`.
    sqlite_max_mb: Option<u64>,
}

/// A new, empty database for one test: a SQLite file in `dir`, or, when `PARLEY_TEST_POSTGRES`
/// names a Postgres server (`postgres://user@host:port`, as `scripts/test` sets it), a new
/// database there.
pub async fn fresh_database(dir: &std::path::Path) -> String {
    let Some(server) = std::env::var("PARLEY_TEST_POSTGRES").ok().filter(|url| !url.is_empty())
    else {
        return format!("sqlite:{}", dir.join("parley.db").display());
    };
    use sqlx::Connection;
    let name = format!("parley_{}", uuid::Uuid::new_v4().simple());
    let mut admin =
        sqlx::PgConnection::connect(&format!("{server}/postgres")).await.expect("Postgres");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("database");
    format!("{server}/{name}")
}

/// The Redis server the cluster tests use (`PARLEY_TEST_REDIS`, set by `scripts/test`).
pub fn test_redis() -> String {
    std::env::var("PARLEY_TEST_REDIS")
        .expect("PARLEY_TEST_REDIS: run the cluster tests with scripts/test")
}

impl TestAppBuilder {
    /// On this database instead of a fresh one.
    pub fn database(mut self, url: &str) -> Self {
        self.database_url = Some(url.to_owned());
        self
    }

    /// A node of a cluster: broadcasts through Redis at `url`.
    pub fn redis(mut self, url: &str) -> Self {
        self.redis_url = Some(url.to_owned());
        self
    }

    /// Rooms with more than `people` online get their announcements in batches.
    pub fn batch_above(mut self, people: usize) -> Self {
        self.batch_above = people;
        self
    }

    /// A SQLite file that may grow to `mb` MiB at most.
    pub fn sqlite_max_mb(mut self, mb: u64) -> Self {
        self.sqlite_max_mb = Some(mb);
        self
    }

    /// Serves HTTPS with this certificate and key.
    pub fn tls(mut self, files: parley::server::tls::TlsFiles) -> Self {
        self.tls = Some(files);
        self
    }

    pub fn assistant(mut self, assistant: AssistantConfig) -> Self {
        self.assistant = Some(assistant);
        self
    }

    pub fn limits(mut self, change: impl FnOnce(&mut Limits)) -> Self {
        change(&mut self.limits);
        self
    }

    pub fn auth(mut self, change: impl FnOnce(&mut AuthSettings)) -> Self {
        change(&mut self.auth);
        self
    }

    pub async fn start(self) -> TestApp {
        capture_server_log();
        let TestAppBuilder {
            dir,
            database_url,
            redis_url,
            assistant,
            limits,
            auth,
            tls,
            batch_above,
            sqlite_max_mb,
        } = self;
        let leptos = LeptosOptions::builder()
            .output_name("parley")
            .site_root(dir.path().join("site").display().to_string())
            .site_addr(SocketAddr::from(([127, 0, 0, 1], 0)))
            .build();
        let database_url = match database_url {
            Some(url) => url,
            None => fresh_database(dir.path()).await,
        };
        let allowed_origins = AllowedOrigins::parse("https://friend.example");
        let config = Config {
            leptos,
            database_url: database_url.clone(),
            redis_url: redis_url.clone(),
            allowed_origins,
            assistant: assistant.clone(),
            limits,
            auth: auth.clone(),
            tls,
            secret_file: None,
            batch_above,
            metrics_token: Some(METRICS_TOKEN.to_owned()),
            sqlite_max_mb,
        };
        let server = Server::start(config).await.expect("server starts");
        let addr = server.local_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run_until(async {
            let _ = stopped.await;
        }));
        TestApp {
            addr,
            dir,
            database_url,
            redis_url,
            assistant,
            limits,
            auth,
            sessions: std::sync::Mutex::default(),
            stop,
            task,
        }
    }
}

/// Checks `condition` until it holds, for at most [`PATIENCE`]: for what becomes true as time
/// passes (an expiry, a backoff), instead of sleeping a fixed time and hoping. False if it
/// never held.
pub async fn eventually<F, Fut>(mut condition: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while tokio::time::Instant::now() < deadline {
        if condition().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// The server's log, for the test that runs it: written through libtest's capture, so `cargo
/// test` shows it under a failing test only (and with `--nocapture`, always). `TEST_LOG` sets
/// the filter (`RUST_LOG` syntax; `info` when unset).
fn capture_server_log() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let filter = std::env::var("TEST_LOG").unwrap_or_else(|_| "info".to_owned());
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_test_writer()
            .try_init();
    });
}

pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub struct TestClient {
    client: rust_socketio::asynchronous::Client,
    events: mpsc::UnboundedReceiver<(String, Value)>,
    /// Held from a request's emit to its ack. rust_socketio 0.6 draws each ack id at random from
    /// 0..999 and, when two outstanding acks share one, removes the wrong one: a client with
    /// many requests in flight loses acks now and then. Tests that need requests at once use a
    /// client each.
    one_request_at_a_time: Mutex<()>,
}

impl TestClient {
    /// Connects with the session cookie `token`.
    pub async fn connect(url: &str, token: Option<&str>) -> Self {
        let cookie = token.map(|token| format!("parley_session={token}"));
        let headers: Vec<(&str, String)> = cookie.into_iter().map(|c| ("Cookie", c)).collect();
        Self::try_connect(url, &headers).await.unwrap_or_else(|refused| panic!("{refused}"))
    }

    /// Connects with the given handshake headers; `Err` carries the server's refusal.
    pub async fn try_connect(url: &str, headers: &[(&str, String)]) -> Result<Self, String> {
        Self::try_connect_with(url, headers, |builder| builder).await
    }

    /// Like `try_connect`, with the client's builder changed by `configure` (a transport, an
    /// `auth` payload).
    pub async fn try_connect_with(
        url: &str,
        headers: &[(&str, String)],
        configure: impl FnOnce(ClientBuilder) -> ClientBuilder,
    ) -> Result<Self, String> {
        let (sender, events) = mpsc::unbounded_channel();
        // rust_socketio's connect() returns before the server confirms the namespace; wait for
        // the confirmation (or the refusal) as socket.io-client does before it emits.
        let (answered, answer) = oneshot::channel::<Result<(), String>>();
        let answered = Arc::new(Mutex::new(Some(answered)));
        let refused = answered.clone();
        let mut builder = ClientBuilder::new(url)
            .reconnect(false)
            .on(rust_socketio::Event::Connect, move |_, _| {
                let answered = answered.clone();
                async move {
                    if let Some(answered) = answered.lock().await.take() {
                        let _ = answered.send(Ok(()));
                    }
                }
                .boxed()
            })
            .on(rust_socketio::Event::Error, move |payload, _| {
                let refused = refused.clone();
                async move {
                    if let Some(answered) = refused.lock().await.take() {
                        let _ = answered.send(Err(format!("{payload:?}")));
                    }
                }
                .boxed()
            })
            .on(rust_socketio::Event::Close, {
                let sender = sender.clone();
                move |_, _| {
                    let _ = sender.send(("close".to_owned(), Value::Null));
                    async {}.boxed()
                }
            })
            .on_any(move |event, payload, _| {
                let data = match payload {
                    Payload::Text(mut values) if !values.is_empty() => values.remove(0),
                    _ => Value::Null,
                };
                let _ = sender.send((String::from(event), data));
                async {}.boxed()
            });
        for (name, value) in headers {
            builder = builder.opening_header(*name, value.clone());
        }
        builder = configure(builder);
        let client = tokio::time::timeout(PATIENCE, builder.connect())
            .await
            .expect("connect in time")
            .map_err(|e| e.to_string())?;
        tokio::time::timeout(PATIENCE, answer)
            .await
            .expect("an answer in time")
            .expect("answer")?;
        Ok(Self { client, events, one_request_at_a_time: Mutex::new(()) })
    }

    /// Emits `event` with any JSON (well-formed or not) and returns the raw acknowledgement.
    pub async fn request_raw(&self, event: &str, data: Value) -> Value {
        self.try_request_raw(event, data, PATIENCE).await.expect("an ack in time")
    }

    /// Like `request_raw`, but `None` when the emit fails or no ack comes within `wait` (the
    /// server is gone).
    pub async fn try_request_raw(&self, event: &str, data: Value, wait: Duration) -> Option<Value> {
        self.request_payload(event, Payload::from(data), wait).await
    }

    /// Emits `event` with any socket.io payload (several arguments, binary) and returns the
    /// first argument of its ack; `None` when no ack comes within `wait`.
    pub async fn request_payload(
        &self,
        event: &str,
        data: Payload,
        wait: Duration,
    ) -> Option<Value> {
        let _turn = self.one_request_at_a_time.lock().await;
        let (sender, receiver) = oneshot::channel();
        let sender = Arc::new(Mutex::new(Some(sender)));
        self.client
            .emit_with_ack(event, data, wait, move |payload, _| {
                let sender = sender.clone();
                async move {
                    let value = match payload {
                        Payload::Text(mut values) if !values.is_empty() => values.remove(0),
                        _ => Value::Null,
                    };
                    if let Some(sender) = sender.lock().await.take() {
                        let _ = sender.send(value);
                    }
                }
                .boxed()
            })
            .await
            .ok()?;
        let ack = tokio::time::timeout(wait, receiver).await.ok()?.ok()?;
        // rust_socketio hands over an ack's arguments as one JSON array.
        Some(match ack {
            Value::Array(mut args) if args.len() == 1 => args.remove(0),
            other => other,
        })
    }

    /// Emits `event` without asking for an ack.
    pub async fn emit_payload(&self, event: &str, data: Payload) {
        self.client.emit(event, data).await.expect("emit");
    }

    pub async fn request<C: Command>(&self, command: &C) -> Ack<C::Reply> {
        let raw =
            self.request_raw(C::NAME, serde_json::to_value(command).expect("serialize")).await;
        serde_json::from_value(raw.clone())
            .unwrap_or_else(|e| panic!("ack of {}: {e}: {raw}", C::NAME))
    }

    /// Sends a command and expects it to succeed.
    pub async fn ok<C: Command>(&self, command: &C) -> C::Reply {
        match self.request(command).await {
            Ack::Ok(reply) => reply,
            Ack::Error(error) => panic!("{} refused: {error:?}", C::NAME),
        }
    }

    /// Sends a command and expects it to be refused: the refusal.
    pub async fn refused<C: Command>(&self, command: &C) -> parley::protocol::ProtocolError
    where
        C::Reply: std::fmt::Debug,
    {
        match self.request(command).await {
            Ack::Error(error) => error,
            Ack::Ok(reply) => panic!("{} accepted: {reply:?}", C::NAME),
        }
    }

    pub async fn join(&self, room: &str) -> Joined {
        self.ok(&JoinRoom { room: room.into(), after: None }).await
    }

    /// The next `B`, skipping events of every other kind.
    pub async fn wait_for<B: Broadcast>(&mut self) -> B {
        loop {
            let (name, data) = self.next_event_but(&[]).await;
            if name == B::NAME {
                return serde_json::from_value(data).expect("event payload");
            }
        }
    }

    /// The next `B` within `patience` (for what takes longer than [`PATIENCE`]), skipping
    /// events of every other kind; `None` if none came.
    pub async fn wait_for_within<B: Broadcast>(&mut self, patience: Duration) -> Option<B> {
        let wait = async {
            while let Some((name, data)) = self.events.recv().await {
                if name == B::NAME {
                    return Some(serde_json::from_value(data).expect("event payload"));
                }
            }
            None
        };
        tokio::time::timeout(patience, wait).await.ok().flatten()
    }

    /// The next event of any kind: its name and payload.
    pub async fn next_any(&mut self) -> (String, Value) {
        self.next_event_but(&[]).await
    }

    async fn next_event_but(&mut self, skipped: &[&str]) -> (String, Value) {
        loop {
            let event = tokio::time::timeout(PATIENCE, self.events.recv())
                .await
                .expect("an event in time")
                .expect("client still running");
            if !skipped.contains(&event.0.as_str()) {
                return event;
            }
        }
    }

    /// The next event, which must be a `B`. Membership changes (`room:changed` of kind
    /// `joined` or `left`), activity elsewhere and the online status of direct conversations'
    /// people are skipped unless asked for: most tests do not follow them.
    pub async fn next<B: Broadcast>(&mut self) -> B {
        let followed = [RoomActivity::NAME, PersonStatus::NAME];
        let skipped: Vec<&str> = followed.into_iter().filter(|name| *name != B::NAME).collect();
        let skipped = skipped.as_slice();
        loop {
            let (name, data) = self.next_event_but(skipped).await;
            let membership =
                name == Change::NAME && matches!(data["kind"].as_str(), Some("joined" | "left"));
            if membership && B::NAME != Change::NAME {
                continue;
            }
            assert_eq!(name, B::NAME, "expected {} but got {name}: {data}", B::NAME);
            return serde_json::from_value(data).expect("event payload");
        }
    }

    /// The next change to a message (membership changes are skipped).
    pub async fn next_change(&mut self) -> Change {
        loop {
            let change = self.next::<Change>().await;
            if change.event.message().is_some() {
                return change;
            }
        }
    }

    /// The next change to a message, which must be a posted message.
    pub async fn next_message(&mut self) -> Message {
        match self.next_change().await.event {
            Event::Posted { message } => message,
            other => panic!("expected a posted message, got {other:?}"),
        }
    }

    /// Waits until the server closes this connection; false if it stays open.
    pub async fn wait_closed(&mut self) -> bool {
        let closed = async {
            while let Some((event, _)) = self.events.recv().await {
                if event == "close" {
                    return true;
                }
            }
            true
        };
        tokio::time::timeout(PATIENCE, closed).await.unwrap_or(false)
    }

    pub async fn disconnect(self) {
        self.client.disconnect().await.expect("disconnect");
    }
}
