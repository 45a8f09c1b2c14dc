//! What an operator watches, through the `metrics` facade and rendered for Prometheus at
//! `/metrics` by `metrics-exporter-prometheus`. The use cases count as they go (the functions
//! below, one per kind of fact); what is a state rather than an event (sockets connected, rooms
//! with someone online, the process's memory) is read when the page is scraped. Database query
//! times come from sqlx's own per-statement events ([`DbLatency`]). The same functions keep the
//! last minute for the admin page ([`traffic`]).
//!
//! Figures are this node's: Prometheus sums nodes. `/metrics` answers to a server admin's
//! session or to `Authorization: Bearer <PARLEY_METRICS_TOKEN>`; see the README's *Metrics and logs*.

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::Duration;

/// Upper bounds of the latency histograms, in seconds (Prometheus histograms, so that nodes
/// aggregate).
const SECONDS: &[f64] =
    &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];
/// Upper bounds of the catch-up sizes, in changes.
const CHANGES: &[f64] = &[0.0, 1.0, 10.0, 100.0, 1000.0, 10000.0];

/// How often the histograms' samples are folded into their buckets (the exporter's default).
const UPKEEP: Duration = Duration::from_secs(5);

/// The process's recorder, installed on first use (every server of a process shares it: tests
/// start many).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS)
            .and_then(|b| b.set_buckets_for_metric(Matcher::Suffix("_changes".into()), CHANGES));
        let recorder = match builder {
            Ok(builder) => builder.build_recorder(),
            Err(error) => {
                tracing::error!("metrics buckets: {error}");
                PrometheusBuilder::new().build_recorder()
            }
        };
        let handle = recorder.handle();
        // A histogram keeps every sample until upkeep folds them into its buckets, which
        // `build_recorder` leaves to its caller: with nobody scraping /metrics, the samples grew
        // without bound (2.6 MiB in five minutes of the soak, BENCHMARKS.md). This is the upkeep
        // `PrometheusBuilder::install` would run.
        let upkeep = handle.clone();
        let started =
            std::thread::Builder::new().name("metrics-upkeep".into()).spawn(move || loop {
                std::thread::sleep(UPKEEP);
                upkeep.run_upkeep();
            });
        if let Err(error) = started {
            tracing::error!("metrics upkeep thread: {error}");
        }
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed: /metrics stays empty");
        }
        describe();
        handle
    })
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_gauge!("parley_sockets_connected", "Open socket.io connections, by transport.");
    describe_gauge!("parley_rooms_online", "Rooms with at least one page open on this node.");
    describe_gauge!("parley_process_resident_bytes", Unit::Bytes, "Resident memory (RSS).");
    describe_counter!("parley_messages_total", "Messages posted, edited and deleted.");
    describe_counter!("parley_uploads_total", "Files uploaded (accepted).");
    describe_counter!("parley_uploaded_bytes_total", Unit::Bytes, "Bytes of files uploaded.");
    describe_histogram!(
        "parley_command_seconds",
        Unit::Seconds,
        "Time from a socket command's arrival to its ack, by event."
    );
    describe_counter!("parley_refusals_total", "Refused commands and requests, by error code.");
    describe_counter!("parley_rate_limited_total", "Refusals by a rate limit, by limit.");
    describe_counter!("parley_sign_in_failures_total", "Sign-ins with a wrong name or password.");
    describe_histogram!(
        "parley_db_query_seconds",
        Unit::Seconds,
        "Database statement times, by kind of statement."
    );
    describe_counter!(
        "parley_broadcast_dropped_total",
        "Broadcast packets not delivered because a receiver's queue was full (it catches up)."
    );
    describe_histogram!("parley_catch_up_changes", "Changes per catch-up reply.");
    describe_counter!("parley_assistant_answers_total", "Assistant answers, by outcome.");
    describe_counter!(
        "parley_assistant_tokens_total",
        "Pieces of answers streamed by the provider (a token each, with OpenAI's API)."
    );
}

/// A message `posted`, `edited` or `deleted`.
pub fn message(action: &'static str) {
    counter!("parley_messages_total", "action" => action).increment(1);
    if action == "posted" {
        recent().now().messages += 1;
    }
}

/// A file of `bytes` accepted.
pub fn upload(bytes: u64) {
    counter!("parley_uploads_total").increment(1);
    counter!("parley_uploaded_bytes_total").increment(bytes);
}

/// A socket command answered after `took`.
pub fn command(event: &'static str, took: Duration) {
    histogram!("parley_command_seconds", "event" => event).record(took.as_secs_f64());
    let millis = took.as_secs_f64() * 1000.0;
    let bucket = ACK_MS.iter().position(|bound| millis <= *bound).unwrap_or(ACK_MS.len());
    let mut recent = recent();
    let second = recent.now();
    second.commands += 1;
    second.latency[bucket] += 1;
}

/// A command or request refused with `code` (the wire name), whatever carried it.
pub fn refusal(code: &str) {
    counter!("parley_refusals_total", "code" => code.to_owned()).increment(1);
    *recent().errors.entry(code.to_owned()).or_default() += 1;
}

/// Bucket bounds of the admin page's ack latency, in milliseconds.
const ACK_MS: &[f64] = &[
    0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 7.5, 10.0, 15.0, 25.0, 50.0, 75.0, 100.0, 250.0, 500.0, 1000.0,
    2500.0, 5000.0, 10000.0,
];
/// The admin page's window, in seconds.
const WINDOW: u64 = 60;

/// The last minute of this node's traffic, second by second, and its refusals since it started:
/// what the admin page shows (Prometheus keeps totals for a scraper to turn into rates; the page
/// wants rates and percentiles of now, without one).
#[derive(Default)]
struct Recent {
    seconds: Vec<Second>,
    errors: BTreeMap<String, u64>,
}

#[derive(Clone, Default)]
struct Second {
    /// Seconds since the epoch this slot counts.
    at: u64,
    messages: u64,
    commands: u64,
    /// Commands by [`ACK_MS`] bucket (the last one: slower than them all).
    latency: Vec<u64>,
}

fn epoch_second() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

impl Recent {
    /// This second's slot, emptied first if it last counted an older second.
    fn now(&mut self) -> &mut Second {
        let at = epoch_second();
        if self.seconds.is_empty() {
            self.seconds = vec![Second::default(); WINDOW as usize];
        }
        let second = &mut self.seconds[(at % WINDOW) as usize];
        if second.at != at {
            *second = Second { at, latency: vec![0; ACK_MS.len() + 1], ..Default::default() };
        }
        second
    }
}

fn recent() -> std::sync::MutexGuard<'static, Recent> {
    static RECENT: std::sync::Mutex<Recent> =
        std::sync::Mutex::new(Recent { seconds: Vec::new(), errors: BTreeMap::new() });
    RECENT.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The last minute's rates and ack percentiles, and the refusals so far, as the admin page
/// shows them.
pub struct Traffic {
    pub messages_per_second: f64,
    pub commands_per_second: f64,
    pub ack_p50_ms: Option<f64>,
    pub ack_p99_ms: Option<f64>,
    /// Most frequent first.
    pub errors: Vec<(String, u64)>,
}

pub fn traffic() -> Traffic {
    let recent = recent();
    let now = epoch_second();
    let live: Vec<&Second> =
        recent.seconds.iter().filter(|s| s.at + WINDOW > now && s.at <= now).collect();
    let messages: u64 = live.iter().map(|s| s.messages).sum();
    let commands: u64 = live.iter().map(|s| s.commands).sum();
    let mut latency = vec![0u64; ACK_MS.len() + 1];
    for second in &live {
        for (total, count) in latency.iter_mut().zip(&second.latency) {
            *total += count;
        }
    }
    let percentile = |q: f64| -> Option<f64> {
        let wanted = (q * commands as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        latency.iter().enumerate().find_map(|(bucket, count)| {
            seen += count;
            // Slower than every bound: the last bound is what can be said.
            (seen >= wanted).then(|| ACK_MS[bucket.min(ACK_MS.len() - 1)])
        })
    };
    let (p50, p99) = if commands == 0 { (None, None) } else { (percentile(0.5), percentile(0.99)) };
    let mut errors: Vec<(String, u64)> =
        recent.errors.iter().map(|(code, count)| (code.clone(), *count)).collect();
    errors.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Traffic {
        messages_per_second: messages as f64 / WINDOW as f64,
        commands_per_second: commands as f64 / WINDOW as f64,
        ack_p50_ms: p50,
        ack_p99_ms: p99,
        errors,
    }
}

/// A refusal by the limit called `limit`.
pub fn rate_limited(limit: &'static str) {
    counter!("parley_rate_limited_total", "limit" => limit).increment(1);
}

pub fn sign_in_failed() {
    counter!("parley_sign_in_failures_total").increment(1);
}

/// Broadcast packets `count` receivers did not get (full queues).
pub fn broadcast_dropped(count: usize) {
    counter!("parley_broadcast_dropped_total").increment(count as u64);
}

/// A catch-up reply of `changes` changes.
pub fn catch_up(changes: usize) {
    histogram!("parley_catch_up_changes").record(changes as f64);
}

/// An assistant answer that `finished`, was `stopped`, `failed` or was `cut_at_limit`, after
/// streaming `tokens` pieces.
pub fn answer(outcome: &'static str, tokens: u64) {
    counter!("parley_assistant_answers_total", "outcome" => outcome).increment(1);
    counter!("parley_assistant_tokens_total").increment(tokens);
}

/// The states, read now: sockets by transport and rooms with someone online (from `io`), and
/// the process's memory.
pub async fn sample(io: &super::broadcast::Io) {
    let (websocket, polling, rooms) = io.census().await;
    gauge!("parley_sockets_connected", "transport" => "websocket").set(websocket as f64);
    gauge!("parley_sockets_connected", "transport" => "polling").set(polling as f64);
    gauge!("parley_rooms_online").set(rooms as f64);
    if let Some(bytes) = resident_bytes() {
        gauge!("parley_process_resident_bytes").set(bytes as f64);
    }
}

/// The process's resident memory, from `/proc/self/status` (Linux).
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Turns sqlx's event for each statement (target `sqlx::query`, with `elapsed_secs` and the
/// statement's first line as `summary`) into `parley_db_query_seconds`, labelled by the
/// statement's first word (`select`, `insert`, …: a handful of values).
pub struct DbLatency;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for DbLatency {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        let mut fields = QueryFields::default();
        event.record(&mut fields);
        if let Some(seconds) = fields.seconds {
            histogram!("parley_db_query_seconds", "statement" => fields.kind).record(seconds);
        }
    }
}

#[derive(Default)]
struct QueryFields {
    seconds: Option<f64>,
    kind: &'static str,
}

impl tracing::field::Visit for QueryFields {
    fn record_f64(&mut self, field: &tracing::field::Field, value: f64) {
        if field.name() == "elapsed_secs" {
            self.seconds = Some(value);
        }
    }

    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "summary" {
            self.kind = statement_kind(value);
        }
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "summary" {
            self.kind = statement_kind(&format!("{value:?}").replace('"', ""));
        }
    }
}

/// The first word of a statement, from a fixed set (labels must not grow without bound).
fn statement_kind(summary: &str) -> &'static str {
    let word = summary.split_whitespace().next().unwrap_or_default().to_ascii_lowercase();
    match word.as_str() {
        "select" => "select",
        "insert" => "insert",
        "update" => "update",
        "delete" => "delete",
        "with" => "with",
        "begin" | "commit" | "rollback" | "savepoint" | "release" => "transaction",
        _ => "other",
    }
}
