//! What an operator watches, through the `metrics` facade and rendered for Prometheus at
//! `/metrics` by `metrics-exporter-prometheus`. The use cases count as they go (the functions
//! below, one per kind of fact); what is a state rather than an event (sockets connected, rooms
//! with someone online, the process's memory) is read when the page is scraped. Database query
//! times come from sqlx's own per-statement events ([`DbLatency`]).
//!
//! Figures are this node's: Prometheus sums nodes. `/metrics` answers to a server admin's
//! session or to `Authorization: Bearer <PARLEY_METRICS_TOKEN>`; see the README's *Metrics and logs*.

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;

/// Upper bounds of the latency histograms, in seconds (Prometheus histograms, so that nodes
/// aggregate).
const SECONDS: &[f64] =
    &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];
/// Upper bounds of the catch-up sizes, in changes.
const CHANGES: &[f64] = &[0.0, 1.0, 10.0, 100.0, 1000.0, 10000.0];

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
}

/// A socket command answered after `took`.
pub fn command(event: &'static str, took: Duration) {
    histogram!("parley_command_seconds", "event" => event).record(took.as_secs_f64());
}

/// A command or request refused with `code` (the wire name), whatever carried it.
pub fn refusal(code: &str) {
    counter!("parley_refusals_total", "code" => code.to_owned()).increment(1);
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
