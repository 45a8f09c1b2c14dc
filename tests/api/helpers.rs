//! `TestApp` (a running server on its own database) and `TestClient` (a socket.io client that
//! records every event it receives, in order).

use futures_util::FutureExt;
use leptos::config::LeptosOptions;
use parley::model::Message;
use parley::protocol::{Ack, Broadcast, Change, Command, Event, JoinRoom, Joined, RoomActivity};
use parley::server::limits::MessageRate;
use parley::server::{assistant::AssistantConfig, origin::AllowedOrigins, Config, Server};
use rust_socketio::{asynchronous::ClientBuilder, Payload};
use serde_json::Value;
use std::{net::SocketAddr, num::NonZeroU32, sync::Arc, time::Duration};
use tokio::sync::{mpsc, oneshot, Mutex};

/// Generous: a wait this long only ever ends a test that is failing anyway.
pub const PATIENCE: Duration = Duration::from_secs(10);

pub struct TestApp {
    pub addr: SocketAddr,
    dir: Arc<tempfile::TempDir>,
    assistant: Option<AssistantConfig>,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_in(Arc::new(tempfile::tempdir().expect("temp dir")), None).await
    }

    /// A server whose assistant talks to the provider `assistant` describes.
    pub async fn with_assistant(assistant: AssistantConfig) -> Self {
        Self::spawn_in(Arc::new(tempfile::tempdir().expect("temp dir")), Some(assistant)).await
    }

    /// A server whose posting limit is `rate` (other servers here allow far more than people
    /// send, so that tests can post in bursts).
    pub async fn with_message_rate(rate: MessageRate) -> Self {
        let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
        Self::start(dir, None, rate).await
    }

    async fn spawn_in(dir: Arc<tempfile::TempDir>, assistant: Option<AssistantConfig>) -> Self {
        let generous = NonZeroU32::new(1_000_000).expect("not zero");
        Self::start(dir, assistant, MessageRate { per_minute: generous, burst: generous }).await
    }

    async fn start(
        dir: Arc<tempfile::TempDir>,
        assistant: Option<AssistantConfig>,
        message_rate: MessageRate,
    ) -> Self {
        let leptos = LeptosOptions::builder()
            .output_name("parley")
            .site_root(dir.path().join("site").display().to_string())
            .site_addr(SocketAddr::from(([127, 0, 0, 1], 0)))
            .build();
        let database_url = format!("sqlite:{}", dir.path().join("parley.db").display());
        let allowed_origins = AllowedOrigins::parse("https://friend.example");
        let assistant_config = assistant.clone();
        let config = Config {
            leptos,
            database_url,
            allowed_origins,
            assistant: assistant_config,
            message_rate,
        };
        let server = Server::start(config).await.expect("server starts");
        let addr = server.local_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run_until(async {
            let _ = stopped.await;
        }));
        Self { addr, dir, assistant, stop, task }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Stops the server gracefully and starts a new one on the same database.
    pub async fn restart(self) -> Self {
        let (dir, assistant) = (self.dir.clone(), self.assistant.clone());
        self.stop().await;
        Self::spawn_in(dir, assistant).await
    }

    pub async fn stop(self) {
        let _ = self.stop.send(());
        tokio::time::timeout(PATIENCE, self.task)
            .await
            .expect("graceful shutdown")
            .expect("server task");
    }

    /// A socket.io client; `name` is sent as the `parley_name` cookie, as a browser would.
    pub async fn client(&self, name: Option<&str>) -> TestClient {
        TestClient::connect(&self.url("/"), name).await
    }

    /// A named client that has joined the lobby.
    pub async fn member(&self, name: &str) -> TestClient {
        let client = self.client(Some(name)).await;
        client.join("lobby").await;
        client
    }

    /// An HTTP client that does not follow redirects, optionally carrying a name cookie.
    pub fn http(&self, name: Option<&str>) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(name) = name {
            let cookie = format!("parley_name={}", urlencode(name));
            headers.insert(reqwest::header::COOKIE, cookie.parse().expect("cookie header"));
        }
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .expect("http client")
    }
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
}

impl TestClient {
    pub async fn connect(url: &str, name: Option<&str>) -> Self {
        let cookie = name.map(|name| format!("parley_name={}", urlencode(name)));
        let headers: Vec<(&str, String)> = cookie.into_iter().map(|c| ("Cookie", c)).collect();
        Self::try_connect(url, &headers).await.unwrap_or_else(|refused| panic!("{refused}"))
    }

    /// Connects with the given handshake headers; `Err` carries the server's refusal.
    pub async fn try_connect(url: &str, headers: &[(&str, String)]) -> Result<Self, String> {
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
        let client = tokio::time::timeout(PATIENCE, builder.connect())
            .await
            .expect("connect in time")
            .map_err(|e| e.to_string())?;
        tokio::time::timeout(PATIENCE, answer)
            .await
            .expect("an answer in time")
            .expect("answer")?;
        Ok(Self { client, events })
    }

    /// Emits `event` with any JSON (well-formed or not) and returns the raw acknowledgement.
    pub async fn request_raw(&self, event: &str, data: Value) -> Value {
        self.try_request_raw(event, data, PATIENCE).await.expect("an ack in time")
    }

    /// Like `request_raw`, but `None` when the emit fails or no ack comes within `wait` (the
    /// server is gone).
    pub async fn try_request_raw(&self, event: &str, data: Value, wait: Duration) -> Option<Value> {
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

    pub async fn join(&self, room: &str) -> Joined {
        self.ok(&JoinRoom { room: room.into(), after: None }).await
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
    /// `joined` or `left`) are skipped unless a `Change` is asked for: most tests do not follow
    /// them.
    pub async fn next<B: Broadcast>(&mut self) -> B {
        let skipped: &[&str] =
            if B::NAME == RoomActivity::NAME { &[] } else { &[RoomActivity::NAME] };
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

    pub async fn disconnect(self) {
        self.client.disconnect().await.expect("disconnect");
    }
}
