//! A local stand-in for a paid AI provider: an HTTP server that speaks the OpenAI Chat
//! Completions streaming protocol (`POST /v1/chat/completions`, `text/event-stream`, `data:`
//! lines, `[DONE]`), records every request, and answers as the test scripts it, failures
//! included. It also tells whether the client hung up before an answer was finished.

use async_stream::stream;
use axum::{
    body::{Body, Bytes},
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};
use parley::server::assistant::AssistantConfig;
use serde_json::{json, Value};
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the next requests are answered.
#[derive(Clone, Debug)]
pub enum Script {
    /// "Noted: <the last user turn>", in word-sized pieces.
    Echo,
    /// These pieces, `delay` apart, then `[DONE]` (or nothing more, if `done` is false).
    Pieces { pieces: Vec<String>, delay: Duration, done: bool },
    /// An HTTP error, with `Retry-After` when given.
    Status { code: u16, retry_after: Option<u64> },
    /// A stream whose event is not JSON.
    Garbage,
    /// Accepts the request and never answers.
    Silent,
}

impl Script {
    pub fn pieces(pieces: &[&str]) -> Self {
        Script::Pieces {
            pieces: pieces.iter().map(|p| (*p).to_owned()).collect(),
            delay: Duration::ZERO,
            done: true,
        }
    }

    /// `count` pieces ("w1 ", "w2 ", …), `delay` apart: an answer that takes a while.
    pub fn slow(count: usize, delay: Duration) -> Self {
        Script::Pieces {
            pieces: (1..=count).map(|i| format!("w{i} ")).collect(),
            delay,
            done: true,
        }
    }
}

pub struct Recorded {
    pub authorization: Option<String>,
    pub body: Value,
}

impl Recorded {
    /// The conversation sent, as "role: content" lines.
    pub fn transcript(&self) -> Vec<String> {
        self.body["messages"]
            .as_array()
            .map(|turns| {
                turns
                    .iter()
                    .map(|t| {
                        format!(
                            "{}: {}",
                            t["role"].as_str().unwrap_or("?"),
                            t["content"].as_str().unwrap_or("")
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[derive(Default)]
struct Shared {
    script: Mutex<Option<Script>>,
    requests: Mutex<Vec<Recorded>>,
    /// Answers whose client hung up before the end.
    abandoned: AtomicUsize,
}

pub struct FakeOpenAi {
    pub url: String,
    shared: Arc<Shared>,
}

impl FakeOpenAi {
    pub async fn start(script: Script) -> Self {
        let shared = Arc::new(Shared::default());
        *shared.script.lock().expect("script") = Some(script);
        let app = Router::new()
            .route("/v1/chat/completions", post(completions))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/v1", listener.local_addr().expect("address"));
        tokio::spawn(async move { axum::serve(listener, app).await.expect("fake provider") });
        Self { url, shared }
    }

    /// Parley's settings for this provider: generous limits unless a test narrows them.
    pub fn config(&self) -> AssistantConfig {
        AssistantConfig {
            url: self.url.clone(),
            model: "test-model".into(),
            api_key: Some("test-key".into()),
            timeout: Duration::from_secs(5),
            context_chars: 10_000,
            max_answer_chars: 4_000,
            questions_per_minute: 100,
        }
    }

    pub fn script(&self, script: Script) {
        *self.shared.script.lock().expect("script") = Some(script);
    }

    pub fn requests(&self) -> std::sync::MutexGuard<'_, Vec<Recorded>> {
        self.shared.requests.lock().expect("requests")
    }

    pub fn abandoned(&self) -> usize {
        self.shared.abandoned.load(Ordering::SeqCst)
    }
}

/// Counts an answer as abandoned if it is dropped (the client hung up) before its end.
struct Watch {
    shared: Arc<Shared>,
    finished: bool,
}

impl Drop for Watch {
    fn drop(&mut self) {
        if !self.finished {
            self.shared.abandoned.fetch_add(1, Ordering::SeqCst);
        }
    }
}

fn event(data: &str) -> Result<Bytes, Infallible> {
    Ok(Bytes::from(format!("data: {data}\n\n")))
}

fn piece(text: &str) -> Result<Bytes, Infallible> {
    let chunk = json!({
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "model": "test-model",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": null}],
    });
    event(&chunk.to_string())
}

async fn completions(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let last_user = body["messages"]
        .as_array()
        .and_then(|turns| turns.iter().rev().find(|t| t["role"] == "user"))
        .and_then(|t| t["content"].as_str())
        .unwrap_or_default()
        .to_owned();
    let authorization =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    shared.requests.lock().expect("requests").push(Recorded { authorization, body });
    let script = shared.script.lock().expect("script").clone().unwrap_or(Script::Echo);
    let (pieces, delay, done) = match script {
        Script::Status { code, retry_after } => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response =
                (status, Json(json!({"error": {"message": "scripted failure"}}))).into_response();
            if let Some(seconds) = retry_after {
                response.headers_mut().insert(header::RETRY_AFTER, seconds.into());
            }
            return response;
        }
        Script::Silent => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return StatusCode::GATEWAY_TIMEOUT.into_response();
        }
        Script::Garbage => (vec![], Duration::ZERO, false),
        Script::Echo => {
            let words = format!("Noted: {last_user}");
            let pieces = words.split_inclusive(' ').map(str::to_owned).collect();
            (pieces, Duration::ZERO, true)
        }
        Script::Pieces { pieces, delay, done } => (pieces, delay, done),
    };
    let garbage = pieces.is_empty() && !done;
    let body = stream! {
        let mut watch = Watch { shared, finished: false };
        if garbage {
            yield event("{this is not json");
        }
        for text in pieces {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            yield piece(&text);
        }
        if done {
            yield event("[DONE]");
        }
        watch.finished = true;
    };
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .body(Body::from_stream(body))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}
