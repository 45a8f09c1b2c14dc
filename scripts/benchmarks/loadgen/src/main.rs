//! Load generator for `scripts/bench`: thousands of Socket.IO v5 clients (Engine.IO v4 over
//! WebSocket) from one single-threaded process, speaking Parley's events (`room:join`,
//! `message:send` with acks, `room:changed` broadcasts). Every message carries its send time
//! (`t<nanoseconds since the epoch>`) so that each delivery's end-to-end latency is known.
//!
//! Usage: `loadgen <scenario> --url http://127.0.0.1:3000 [options]`; prints one JSON object.
//! Scenarios: `idle` (connect, join, hold: handshake latency and server memory per connection),
//! `fanout` (senders at a fixed total rate, every client receives: latency, loss, throughput),
//! `ack` (clients send in a closed loop: ack round trip), `seed` (post messages, for pages),
//! `catchup` (Parley only: readers away while messages are posted catch up by `room:sync`),
//! `polling` (like `fanout`, every client on HTTP long-polling instead of WebSocket), `hostile`
//! (an honest `fanout` at a low rate while `--attackers` connections attack as `--attack` says:
//! `none`, `slowloris`, `half-open`, `non-reading`, `polling-batch` or `join-flood`), `soak`
//! (clients spread over `--rooms` rooms, one sender per room, `--churn` of the clients
//! reconnecting each minute, for `--seconds`: memory and latency minute by minute, loss), and
//! `reconnect` (every client dropped at once, messages posted meanwhile, everyone back and caught
//! up: how long that takes and the server's peak memory).
//!
//! Several nodes of one cluster: `--nodes URL,URL` (the accounts are made at `--url`). The
//! senders connect to the first node, the other clients to each node in turn, and `fanout`
//! reports latencies per node (same-node against cross-node delivery). `--server-pid` takes a
//! comma-separated list (nodes, Redis, Postgres' postmaster): CPU is counted per process with its
//! children.

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, http::HeaderValue, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;
type Error = Box<dyn std::error::Error>;

#[derive(Clone)]
struct Options {
    url: String,
    clients: usize,
    senders: usize,
    rate: f64,
    seconds: f64,
    /// The processes serving (the first one's memory is what `idle` measures).
    server_pids: Vec<u32>,
    /// Where clients connect (`--url` unless `--nodes` is given).
    nodes: Vec<String>,
    room: String,
    count: usize,
    /// `hostile`: the attack, and how many attacking connections.
    attack: String,
    attackers: usize,
    /// Clients are spread over this many rooms (`<room>0` …), created first; 1: `room` alone.
    rooms: usize,
    /// `soak`: the share of clients that reconnect each minute.
    churn: f64,
}

fn options() -> (String, Options) {
    let mut args = std::env::args().skip(1);
    let scenario = args.next().unwrap_or_default();
    let mut o = Options {
        url: "http://127.0.0.1:3000".into(),
        clients: 100,
        senders: 5,
        rate: 100.0,
        seconds: 5.0,
        server_pids: Vec::new(),
        nodes: Vec::new(),
        room: "lobby".into(),
        count: 50,
        attack: "none".into(),
        attackers: 100,
        rooms: 1,
        churn: 0.05,
    };
    while let (Some(key), Some(value)) = (args.next(), args.next()) {
        match key.as_str() {
            "--url" => o.url = value,
            "--clients" => o.clients = value.parse().expect("--clients"),
            "--senders" => o.senders = value.parse().expect("--senders"),
            "--rate" => o.rate = value.parse().expect("--rate"),
            "--seconds" => o.seconds = value.parse().expect("--seconds"),
            "--server-pid" => {
                o.server_pids = value.split(',').map(|p| p.parse().expect("--server-pid")).collect()
            }
            "--nodes" => o.nodes = value.split(',').map(str::to_owned).collect(),
            "--room" => o.room = value,
            "--count" => o.count = value.parse().expect("--count"),
            "--attack" => o.attack = value,
            "--attackers" => o.attackers = value.parse().expect("--attackers"),
            "--rooms" => o.rooms = value.parse().expect("--rooms"),
            "--churn" => o.churn = value.parse().expect("--churn"),
            other => panic!("unknown option {other}"),
        }
    }
    // Bounded: this runs on a shared machine.
    assert!(o.clients <= 20_000 && o.seconds <= 3_600.0, "too many clients or too long");
    if o.nodes.is_empty() {
        o.nodes.push(o.url.clone());
    }
    (scenario, o)
}

fn now_nanos() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default()
}

/// CPU seconds (user + system) used so far by a process, from `/proc/<pid>/stat`.
fn cpu_seconds(pid: &str) -> f64 {
    // Fields 14 and 15 of stat (utime, stime), counted after the command name.
    stat_seconds(pid, 11)
}

/// CPU seconds of a process's children that ended (cutime and cstime, fields 16 and 17).
fn ended_children_cpu_seconds(pid: u32) -> f64 {
    stat_seconds(&pid.to_string(), 13)
}

/// The sum of the two clock-tick fields of `/proc/<pid>/stat` from `first` on (counted after
/// the command name), in seconds.
fn stat_seconds(pid: &str, first: usize) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(first) + ticks(first + 1)) / 100.0
}

/// CPU seconds used so far by a process and its children (Postgres' backends, for its
/// postmaster): the living ones found in `/proc` now, and those that ended (waited for).
fn tree_cpu_seconds(pid: u32) -> f64 {
    let mut total = cpu_seconds(&pid.to_string()) + ended_children_cpu_seconds(pid);
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let name = entry.file_name();
        let Some(child) = name.to_str().filter(|n| n.bytes().all(|b| b.is_ascii_digit())) else {
            continue;
        };
        let stat = std::fs::read_to_string(format!("/proc/{child}/stat")).unwrap_or_default();
        let parent = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1));
        if parent == Some(pid.to_string().as_str()) {
            total += cpu_seconds(child);
        }
    }
    total
}

/// The CPU seconds of every serving process so far.
fn servers_cpu(o: &Options) -> Vec<f64> {
    o.server_pids.iter().map(|pid| tree_cpu_seconds(*pid)).collect()
}

/// The node client `i` connects to: the senders (the first `senders` clients) to the first,
/// the others to each in turn.
fn node_of(o: &Options, i: usize) -> usize {
    if i < o.senders {
        0
    } else {
        (i - o.senders) % o.nodes.len()
    }
}

/// Resident memory of a process in KiB, from `/proc/<pid>/status`.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at]
}

/// The cookies that make a client `name`: Parley's session, from signing the account up (or in,
/// when an earlier run made it), and the display name the Node reference reads. Each name signs
/// in once per process; the time it takes is not part of any measurement.
async fn cookies(url: &str, name: &str) -> Result<String, Error> {
    static HTTP: OnceLock<reqwest::Client> = OnceLock::new();
    static KNOWN: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    let known = KNOWN.get_or_init(Mutex::default);
    if let Some(cookies) = known.lock().unwrap_or_else(|p| p.into_inner()).get(name) {
        return Ok(cookies.clone());
    }
    let http = HTTP.get_or_init(|| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default()
    });
    let mut cookies = format!("parley_name={name}");
    for action in ["sign_up", "sign_in"] {
        let form = [("name", name), ("password", "benchmark password")];
        let response = http.post(format!("{url}/api/{action}")).form(&form).send().await?;
        let session = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| v.strip_prefix("parley_session="))
            .and_then(|rest| rest.split(';').next())
            .filter(|token| !token.is_empty())
            .map(str::to_owned);
        // The reference has no accounts: its 404 leaves the display name alone.
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            break;
        }
        if let Some(session) = session {
            cookies.push_str(&format!("; parley_session={session}"));
            break;
        }
    }
    known.lock().unwrap_or_else(|p| p.into_inner()).insert(name.to_owned(), cookies.clone());
    Ok(cookies)
}

/// One Socket.IO client: connected, with the namespace joined.
struct Client {
    ws: Ws,
    next_ack: u64,
}

impl Client {
    /// Opens the WebSocket to `node`, completes the Engine.IO and Socket.IO handshakes as `name`
    /// (its account made at `accounts`); returns the client and how long that took.
    async fn connect(accounts: &str, node: &str, name: &str) -> Result<(Self, Duration), Error> {
        let cookies = cookies(accounts, name).await?;
        let started = Instant::now();
        let ws_url = node.replacen("http", "ws", 1);
        let mut request =
            format!("{ws_url}/socket.io/?EIO=4&transport=websocket").into_client_request()?;
        request.headers_mut().insert("Cookie", HeaderValue::from_str(&cookies)?);
        let (ws, _) = tokio_tungstenite::connect_async_with_config(request, None, true).await?;
        let mut client = Client { ws, next_ack: 0 };
        let open = client.next_text().await?;
        if !open.starts_with('0') {
            return Err(format!("expected the open packet, got {open}").into());
        }
        client.ws.send(Message::text("40")).await?;
        loop {
            let packet = client.next_text().await?;
            if packet.starts_with("40") {
                break;
            }
            if packet.starts_with("44") {
                return Err(format!("connection refused: {packet}").into());
            }
        }
        Ok((client, started.elapsed()))
    }

    /// The next text frame, answering pings on the way.
    async fn next_text(&mut self) -> Result<String, Error> {
        loop {
            match self.ws.next().await {
                Some(Ok(Message::Text(text))) => {
                    if text.as_str() == "2" {
                        self.ws.send(Message::text("3")).await?;
                        continue;
                    }
                    return Ok(text.to_string());
                }
                Some(Ok(_)) => continue,
                Some(Err(error)) => return Err(error.into()),
                None => return Err("closed".into()),
            }
        }
    }

    /// Emits an event with an ack id; returns the id.
    async fn emit(&mut self, event: &str, data: serde_json::Value) -> Result<u64, Error> {
        let id = self.next_ack;
        self.next_ack += 1;
        let packet = format!("42{id}{}", json!([event, data]));
        self.ws.send(Message::text(packet)).await?;
        Ok(id)
    }

    /// Emits and waits for that ack, ignoring other packets.
    async fn request(&mut self, event: &str, data: serde_json::Value) -> Result<String, Error> {
        let id = self.emit(event, data).await?;
        let prefix = format!("43{id}[");
        loop {
            let packet = self.next_text().await?;
            if packet.starts_with(&prefix) {
                if packet.contains("\"error\"") {
                    return Err(format!("{event} refused: {packet}").into());
                }
                return Ok(packet);
            }
        }
    }

    async fn join(&mut self, room: &str) -> Result<(), Error> {
        self.request("room:join", json!({"room": room})).await.map(|_| ())
    }
}

/// The send time in a broadcast of one of our messages (`"body":"t<nanos>"`).
fn sent_at(packet: &str) -> Option<u128> {
    let at = packet.find("\"body\":\"t")? + 9;
    let digits: &str = &packet[at..at + packet[at..].find('"')?];
    digits.parse().ok()
}

/// The ack id of an ack packet (`43<id>[…]`).
fn ack_id(packet: &str) -> Option<u64> {
    let rest = packet.strip_prefix("43")?;
    rest[..rest.find('[')?].parse().ok()
}

/// Makes the accounts `bot0` … `bot<n-1>` (once per process). Parley hashes each password with
/// Argon2: seconds of server CPU, and memory its allocator keeps, that belong to no measurement,
/// so every scenario makes its accounts before it measures anything.
async fn make_accounts(o: &Options, n: usize) -> Result<(), Error> {
    let mut accounts = futures_util::stream::iter(0..n)
        .map(|i| {
            let url = o.url.clone();
            async move { cookies(&url, &format!("bot{i}")).await }
        })
        .buffer_unordered(8);
    while let Some(result) = accounts.next().await {
        result?;
    }
    Ok(())
}

/// Connects `n` clients named `bot<i>` (a bounded number at a time), each joined to `room`,
/// handing each (with its number) to `connected` as soon as it is; returns the handshake times,
/// sorted.
async fn connect_all(
    o: &Options,
    n: usize,
    mut connected: impl FnMut(usize, Client),
) -> Result<Vec<f64>, Error> {
    make_accounts(o, n).await?;
    create_rooms(o).await?;
    let mut handshakes = Vec::with_capacity(n);
    let mut pending = futures_util::stream::iter(0..n)
        .map(|i| {
            let (accounts, node, room) =
                (o.url.clone(), o.nodes[node_of(o, i)].clone(), room_of(o, i));
            async move {
                let (mut client, took) =
                    Client::connect(&accounts, &node, &format!("bot{i}")).await?;
                client.join(&room).await?;
                Ok::<_, Error>((i, client, took))
            }
        })
        .buffer_unordered(64);
    while let Some(result) = pending.next().await {
        let (i, client, took) = result?;
        handshakes.push(took.as_secs_f64() * 1000.0);
        connected(i, client);
    }
    handshakes.sort_by(f64::total_cmp);
    Ok(handshakes)
}

/// The room client `i` is in: `--room`, or with `--rooms N` each of `<room>0` … `<room>N-1` in
/// turn.
fn room_of(o: &Options, i: usize) -> String {
    if o.rooms > 1 {
        format!("{}{}", o.room, i % o.rooms)
    } else {
        o.room.clone()
    }
}

/// Creates the rooms of `--rooms N` (as `bot0`, made already); one that exists is fine.
async fn create_rooms(o: &Options) -> Result<(), Error> {
    if o.rooms <= 1 {
        return Ok(());
    }
    let (mut client, _) = Client::connect(&o.url, &o.url, "bot0").await?;
    for r in 0..o.rooms {
        let name = format!("{}{r}", o.room);
        match client.request("room:create", json!({"name": name})).await {
            Err(error) if !error.to_string().contains("room_exists") => return Err(error),
            _ => {}
        }
    }
    Ok(())
}

/// Reads a client's packets (answering pings) until `stop` fires, as an idle browser tab would.
async fn hold(mut client: Client, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            frame = client.ws.next() => match frame {
                Some(Ok(Message::Text(text))) if text.as_str() == "2" => {
                    let _ = client.ws.send(Message::text("3")).await;
                }
                Some(Ok(_)) => {}
                _ => break,
            },
        }
    }
}

async fn idle(o: &Options) -> Result<serde_json::Value, Error> {
    let pid = *o.server_pids.first().ok_or("--server-pid is needed")?;
    make_accounts(o, o.clients).await?;
    let before = rss_kib(pid);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    // Connected clients keep reading while the others connect.
    let handshakes = connect_all(o, o.clients, |_, client| {
        drop(tokio::task::spawn_local(hold(client, stop_rx.clone())))
    })
    .await?;
    // Let the server settle; the clients hold their sockets open meanwhile.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = rss_kib(pid);
    let _ = stop_tx.send(true);
    let per_connection = (after.saturating_sub(before)) as f64 * 1024.0 / o.clients as f64;
    Ok(json!({
        "scenario": "idle",
        "clients": o.clients,
        "rss_before_kib": before,
        "rss_after_kib": after,
        "bytes_per_connection": per_connection,
        "handshake_p50_ms": percentile(&handshakes, 0.5),
        "handshake_p99_ms": percentile(&handshakes, 0.99),
    }))
}

/// What one client saw during a timed run.
#[derive(Default)]
struct Seen {
    latencies_ms: Vec<f64>,
    acks_ms: Vec<f64>,
    sent: u64,
    refused: u64,
}

impl Seen {
    /// Notes what a received packet tells (a broadcast's latency, an ack's round trip); returns
    /// the ack id of an ack.
    fn note(
        &mut self,
        packet: &str,
        in_flight: &mut HashMap<u64, Instant>,
        measure_from: u128,
    ) -> Option<u64> {
        if packet.starts_with("42[\"room:changed\"") {
            if let Some(t) = sent_at(packet).filter(|t| *t >= measure_from) {
                self.latencies_ms.push((now_nanos().saturating_sub(t)) as f64 / 1e6);
            }
            return None;
        }
        let id = ack_id(packet)?;
        self.refused += u64::from(packet.contains("\"error\""));
        if let Some(at) = in_flight.remove(&id) {
            if now_nanos() >= measure_from {
                self.acks_ms.push(at.elapsed().as_secs_f64() * 1000.0);
            }
        }
        Some(id)
    }
}

/// The next tick of a sender's ticker; never, for a client that does not send.
async fn next_tick(ticker: Option<&mut tokio::time::Interval>) {
    match ticker {
        Some(ticker) => {
            ticker.tick().await;
        }
        None => std::future::pending::<()>().await,
    }
}

/// Runs one client until `end`: receives broadcasts (recording latencies) and, if it sends,
/// sends every `interval` (open loop) or right after each ack (closed loop, `interval` = None).
async fn run_client(
    mut client: Client,
    room: String,
    send: Option<Option<Duration>>,
    start: tokio::time::Instant,
    measure_from: u128,
    stop_sending: tokio::time::Instant,
    end: tokio::time::Instant,
) -> Seen {
    let mut seen = Seen::default();
    let mut in_flight: HashMap<u64, Instant> = HashMap::new();
    let mut ticker = match send {
        Some(Some(interval)) => {
            let mut t = tokio::time::interval_at(start, interval);
            t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            Some(t)
        }
        _ => None,
    };
    let closed_loop = matches!(send, Some(None));
    let mut counter = 0u64;
    let message = |counter: &mut u64| {
        *counter += 1;
        json!({"room": room, "client_id": format!("c{}-{}", now_nanos(), counter), "body": format!("t{}", now_nanos())})
    };
    if closed_loop {
        if let Ok(id) = client.emit("message:send", message(&mut counter)).await {
            in_flight.insert(id, Instant::now());
            seen.sent += 1;
        }
    }
    loop {
        tokio::select! {
            () = tokio::time::sleep_until(end) => break,
            () = next_tick(ticker.as_mut()), if tokio::time::Instant::now() < stop_sending => {
                if let Ok(id) = client.emit("message:send", message(&mut counter)).await {
                    in_flight.insert(id, Instant::now());
                    seen.sent += u64::from(now_nanos() >= measure_from);
                }
            }
            frame = client.ws.next() => {
                let text = match frame {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(_)) => continue,
                    _ => break,
                };
                let packet = text.as_str();
                if packet == "2" {
                    let _ = client.ws.send(Message::text("3")).await;
                } else if seen.note(packet, &mut in_flight, measure_from).is_some()
                    && closed_loop
                    && tokio::time::Instant::now() < stop_sending
                {
                    // Closed loop: the next message as soon as the previous one is acknowledged.
                    if let Ok(id) = client.emit("message:send", message(&mut counter)).await {
                        in_flight.insert(id, Instant::now());
                        seen.sent += u64::from(now_nanos() >= measure_from);
                    }
                }
            }
        }
    }
    seen
}

/// The timeline of a timed run: sending starts shortly after setup; the first second warms the
/// server up (JIT, caches, buffers) and is not counted; then `seconds` of measured sending, and
/// two more for the last messages to arrive.
struct Schedule {
    start: tokio::time::Instant,
    /// Messages sent before this (nanoseconds since the epoch) are not counted.
    measure_from: u128,
    stop_sending: tokio::time::Instant,
    end: tokio::time::Instant,
}

impl Schedule {
    fn new(seconds: f64) -> Self {
        let (lead, warmup) = (Duration::from_millis(200), Duration::from_secs(1));
        let start = tokio::time::Instant::now() + lead;
        let measure_from = now_nanos() + (lead + warmup).as_nanos();
        let stop_sending = start + warmup + Duration::from_secs_f64(seconds);
        Self { start, measure_from, stop_sending, end: stop_sending + Duration::from_secs(2) }
    }
}

/// Every client receives; `senders` of them send: at `rate` messages a second in all (open
/// loop), or each as fast as its acks come back (closed loop, `rate` = 0).
async fn timed(o: &Options, scenario: &str) -> Result<serde_json::Value, Error> {
    let mut clients = Vec::with_capacity(o.clients);
    connect_all(o, o.clients, |i, client| clients.push((i, client))).await?;
    clients.sort_by_key(|(i, _)| *i);
    let Schedule { start, measure_from, stop_sending, end } = Schedule::new(o.seconds);
    let interval = (o.rate > 0.0).then(|| Duration::from_secs_f64(o.senders as f64 / o.rate));
    let mut tasks = Vec::new();
    for (i, client) in clients {
        let send = (i < o.senders).then_some(interval);
        tasks.push(tokio::task::spawn_local(run_client(
            client,
            o.room.clone(),
            send,
            start,
            measure_from,
            stop_sending,
            end,
        )));
    }
    let (server_cpu_0, own_cpu_0) = (servers_cpu(o), cpu_seconds("self"));
    let mut results = Vec::with_capacity(tasks.len());
    for task in tasks {
        results.push(task.await.unwrap_or_default());
    }
    let wall = (end - start).as_secs_f64();
    Ok(summary(scenario, o, results, wall, &server_cpu_0, own_cpu_0))
}

/// The figures of a timed run: what was sent, delivered and lost, latencies (per node too, with
/// several), CPU use (each serving process's share of a core, and their sum).
fn summary(
    scenario: &str,
    o: &Options,
    results: Vec<Seen>,
    wall: f64,
    server_cpu_0: &[f64],
    own_cpu_0: f64,
) -> serde_json::Value {
    let each_cpu: Vec<f64> =
        servers_cpu(o).iter().zip(server_cpu_0).map(|(b, a)| (b - a) / wall).collect();
    let server_cpu = (!each_cpu.is_empty()).then(|| each_cpu.iter().sum::<f64>());
    let by_node: Vec<serde_json::Value> = (0..o.nodes.len())
        .map(|node| {
            let mut latencies: Vec<f64> = results
                .iter()
                .enumerate()
                .filter(|(i, _)| node_of(o, *i) == node)
                .flat_map(|(_, s)| s.latencies_ms.iter().copied())
                .collect();
            latencies.sort_by(f64::total_cmp);
            json!({
                "url": o.nodes[node],
                "delivered": latencies.len(),
                "latency_p50_ms": percentile(&latencies, 0.5),
                "latency_p99_ms": percentile(&latencies, 0.99),
            })
        })
        .collect();
    let own_cpu = (cpu_seconds("self") - own_cpu_0) / wall;
    let sent: u64 = results.iter().map(|s| s.sent).sum();
    let refused: u64 = results.iter().map(|s| s.refused).sum();
    let mut latencies: Vec<f64> =
        results.iter().flat_map(|s| s.latencies_ms.iter().copied()).collect();
    let mut acks: Vec<f64> = results.iter().flat_map(|s| s.acks_ms.iter().copied()).collect();
    latencies.sort_by(f64::total_cmp);
    acks.sort_by(f64::total_cmp);
    let expected = sent * o.clients as u64;
    let delivered = latencies.len() as u64;
    json!({
        "scenario": scenario,
        "clients": o.clients,
        "senders": o.senders,
        "rate": o.rate,
        "seconds": o.seconds,
        "sent": sent,
        "refused": refused,
        "acked": acks.len(),
        "expected_deliveries": expected,
        "delivered": delivered,
        "lost": expected.saturating_sub(delivered),
        "deliveries_per_s": delivered as f64 / o.seconds,
        "latency_p50_ms": percentile(&latencies, 0.5),
        "latency_p99_ms": percentile(&latencies, 0.99),
        "ack_p50_ms": percentile(&acks, 0.5),
        "ack_p99_ms": percentile(&acks, 0.99),
        "server_cpu": server_cpu,
        "server_cpu_each": each_cpu,
        "by_node": by_node,
        "loadgen_cpu": own_cpu,
    })
}

/// Posts `count` chat-line-sized messages one after the other, each acknowledged.
async fn post_many(client: &mut Client, room: &str, count: usize, tag: &str) -> Result<(), Error> {
    for i in 0..count {
        let body = format!("Message {i} from {tag}, about as long as a chat line usually is.");
        let message = json!({"room": room, "client_id": format!("{tag}-{i}"), "body": body});
        client.request("message:send", message).await?;
    }
    Ok(())
}

async fn seed(o: &Options) -> Result<serde_json::Value, Error> {
    let (mut client, _) = Client::connect(&o.url, &o.url, "seeder").await?;
    client.join(&o.room).await?;
    post_many(&mut client, &o.room, o.count, "seed").await?;
    Ok(json!({"scenario": "seed", "count": o.count}))
}

/// A number that follows `key` in a JSON text (`"upto":41` → 41).
fn number_after(packet: &str, key: &str) -> Option<i64> {
    let at = packet.find(key)? + key.len();
    let digits: String = packet[at..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Opens `room` after position `from` (`room:join {after}`) and follows with `room:sync` until
/// complete; returns how many posted messages came.
async fn catch_up(client: &mut Client, room: &str, from: i64) -> Result<usize, Error> {
    let mut reply = client.request("room:join", json!({"room": room, "after": from})).await?;
    let mut posted = 0;
    loop {
        posted += reply.matches("\"kind\":\"posted\"").count();
        let upto = number_after(&reply, "\"upto\":").ok_or("no upto")?;
        if reply.contains("\"complete\":true") {
            return Ok(posted);
        }
        reply = client.request("room:sync", json!({"room": room, "after": upto})).await?;
    }
}

/// `clients` readers note where the room's log
/// stands and disconnect; `count` messages are posted; the readers reconnect and catch up with
/// `room:join {after}` and `room:sync` until complete. Measures the time until every reader holds
/// every message.
async fn catchup(o: &Options) -> Result<serde_json::Value, Error> {
    let mut clients = Vec::with_capacity(o.clients);
    connect_all(o, o.clients, |_, client| clients.push(client)).await?;
    let (mut poster, _) = Client::connect(&o.url, &o.url, "poster").await?;
    let joined = poster.request("room:join", json!({"room": o.room})).await?;
    let from = number_after(&joined, "\"upto\":").ok_or("no position in the join reply")?;
    drop(clients);
    post_many(&mut poster, &o.room, o.count, "catch-up").await?;
    let started = Instant::now();
    let mut readers = futures_util::stream::iter(0..o.clients)
        .map(|i| {
            let (url, room, count) = (o.url.clone(), o.room.clone(), o.count);
            async move {
                let (mut client, _) = Client::connect(&url, &url, &format!("bot{i}")).await?;
                let posted = catch_up(&mut client, &room, from).await?;
                if posted < count {
                    return Err(format!("bot{i} caught up {posted} of {count}").into());
                }
                Ok::<_, Error>(started.elapsed().as_secs_f64() * 1000.0)
            }
        })
        .buffer_unordered(64);
    let mut done = Vec::with_capacity(o.clients);
    while let Some(result) = readers.next().await {
        done.push(result?);
    }
    done.sort_by(f64::total_cmp);
    Ok(json!({
        "scenario": "catchup",
        "clients": o.clients,
        "messages": o.count,
        "all_caught_up_ms": done.last().copied().unwrap_or(f64::NAN),
        "caught_up_p50_ms": percentile(&done, 0.5),
    }))
}

/// What one soak client saw: its room's messages by the minute they arrived in (latencies), how
/// many it received, and (a sender) how many of its own were acknowledged or refused.
#[derive(Default)]
struct SoakSeen {
    by_minute: Vec<Vec<f64>>,
    received: u64,
    acked: u64,
    refused: u64,
    reconnected: bool,
}

/// One soak client until `end`: receives its room's broadcasts; a sender posts every `interval`
/// until `stop_sending`; a client with a `churn_at` drops its connection then and comes back as
/// a browser tab would (a new connection, the room joined again).
#[allow(clippy::too_many_arguments)]
async fn soak_client(
    o: Rc<Options>,
    i: usize,
    mut client: Client,
    interval: Option<Duration>,
    churn_at: Option<tokio::time::Instant>,
    start: tokio::time::Instant,
    stop_sending: tokio::time::Instant,
    end: tokio::time::Instant,
) -> Result<SoakSeen, Error> {
    // The last messages arriving after `stop_sending` count in the last minute.
    let minutes = ((stop_sending - start).as_secs_f64() / 60.0).ceil().max(1.0) as usize;
    let mut seen = SoakSeen { by_minute: vec![Vec::new(); minutes], ..SoakSeen::default() };
    let room = room_of(&o, i);
    let mut ticker = interval.map(|every| {
        let mut t = tokio::time::interval_at(start, every);
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        t
    });
    let mut churn = churn_at;
    let mut counter = 0u64;
    loop {
        tokio::select! {
            () = tokio::time::sleep_until(end) => break,
            () = next_tick(ticker.as_mut()), if tokio::time::Instant::now() < stop_sending => {
                counter += 1;
                let message = json!({"room": room, "client_id": format!("s{i}-{counter}"),
                                     "body": format!("t{}", now_nanos())});
                client.emit("message:send", message).await?;
            }
            () = tokio::time::sleep_until(churn.unwrap_or(end)), if churn.is_some() => {
                churn = None;
                drop(client);
                let (again, _) =
                    Client::connect(&o.url, &o.nodes[node_of(&o, i)], &format!("bot{i}")).await?;
                client = again;
                client.join(&room).await?;
                seen.reconnected = true;
            }
            frame = client.ws.next() => {
                let text = match frame {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(_)) => continue,
                    Some(Err(error)) => return Err(format!("bot{i}: {error}").into()),
                    None => return Err(format!("bot{i}: the server closed the connection").into()),
                };
                let packet = text.as_str();
                if packet == "2" {
                    client.ws.send(Message::text("3")).await?;
                } else if packet.starts_with("42[\"room:changed\"") {
                    if let Some(t) = sent_at(packet) {
                        let minute = ((tokio::time::Instant::now() - start).as_secs() / 60) as usize;
                        seen.by_minute[minute.min(minutes - 1)]
                            .push(now_nanos().saturating_sub(t) as f64 / 1e6);
                        seen.received += 1;
                    }
                } else if ack_id(packet).is_some() {
                    if packet.contains("\"error\"") {
                        seen.refused += 1;
                    } else {
                        seen.acked += 1;
                    }
                }
            }
        }
    }
    Ok(seen)
}

/// Samples a process's resident memory every `every` until `stop` fires: (seconds since the
/// start, KiB) pairs.
async fn sample_rss(
    pid: u32,
    every: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> Vec<(f64, u64)> {
    let started = Instant::now();
    let mut samples = vec![(0.0, rss_kib(pid))];
    let mut ticker = tokio::time::interval(every);
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            _ = ticker.tick() => samples.push((started.elapsed().as_secs_f64(), rss_kib(pid))),
        }
    }
    samples.push((started.elapsed().as_secs_f64(), rss_kib(pid)));
    samples
}

/// A long steady load: `clients` spread over `rooms` rooms, the first client of each room
/// posting (`rate` messages a second in all), `churn` of the clients (never a sender, and only
/// from the odd-numbered half) dropping and reopening their connection each minute, spread over
/// the minute, for `seconds`. Reports the server's memory at the end of each minute, each
/// minute's delivery latencies, and loss: every acknowledged message must reach every client
/// that stayed connected throughout (the even-numbered half and the senders).
async fn soak(o: &Options) -> Result<serde_json::Value, Error> {
    let pid = *o.server_pids.first().ok_or("--server-pid is needed")?;
    let o = Rc::new(Options { senders: o.rooms, ..o.clone() });
    let mut clients = Vec::with_capacity(o.clients);
    connect_all(&o, o.clients, |i, client| clients.push((i, client))).await?;
    clients.sort_by_key(|(i, _)| *i);
    let lead = Duration::from_millis(500);
    let start = tokio::time::Instant::now() + lead;
    let stop_sending = start + Duration::from_secs_f64(o.seconds);
    let end = stop_sending + Duration::from_secs(3);
    let interval = Duration::from_secs_f64(o.senders as f64 / o.rate);
    // Who reconnects when: the odd-numbered clients that do not send, `churn × clients` a minute,
    // each at its own moment of its minute.
    let per_minute = ((o.churn * o.clients as f64).round() as usize).max(1);
    let churner = |i: usize| i >= o.senders && i % 2 == 1;
    let mut tasks = Vec::with_capacity(o.clients);
    let mut k = 0;
    for (i, client) in clients {
        let churn_at = churner(i).then(|| {
            let at = Duration::from_secs(60 * (k / per_minute) as u64)
                + Duration::from_secs_f64(60.0 * (k % per_minute) as f64 / per_minute as f64);
            k += 1;
            start + at
        });
        let churn_at = churn_at.filter(|at| *at < stop_sending);
        let send = (i < o.senders).then_some(interval);
        tasks.push((
            i,
            tokio::task::spawn_local(soak_client(
                o.clone(),
                i,
                client,
                send,
                churn_at,
                start,
                stop_sending,
                end,
            )),
        ));
    }
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let sampler = tokio::task::spawn_local(sample_rss(pid, Duration::from_secs(1), stop_rx));
    let (server_cpu_0, own_cpu_0) = (servers_cpu(&o), cpu_seconds("self"));
    tokio::time::sleep_until(start).await;
    let mut seen = Vec::with_capacity(tasks.len());
    for (i, task) in tasks {
        seen.push((i, task.await.map_err(|e| e.to_string())??));
    }
    let _ = stop_tx.send(true);
    let samples = sampler.await.map_err(|e| e.to_string())?;
    let wall = (end - start).as_secs_f64();
    let server_cpu = servers_cpu(&o).iter().zip(&server_cpu_0).map(|(b, a)| (b - a) / wall).sum::<f64>();
    let own_cpu = (cpu_seconds("self") - own_cpu_0) / wall;

    // Loss: each room's acknowledged messages against what its steady clients received.
    let mut acked = vec![0u64; o.rooms];
    for (i, s) in &seen {
        acked[i % o.rooms] += s.acked;
    }
    let lost: u64 = seen
        .iter()
        .filter(|(i, _)| !churner(*i))
        .map(|(i, s)| acked[i % o.rooms].saturating_sub(s.received))
        .sum();
    let minutes = seen.first().map(|(_, s)| s.by_minute.len()).unwrap_or(0);
    let rss_at = |second: f64| {
        samples.iter().min_by(|a, b| (a.0 - second).abs().total_cmp(&(b.0 - second).abs())).map(|s| s.1)
    };
    let lead_s = lead.as_secs_f64();
    let by_minute: Vec<serde_json::Value> = (0..minutes)
        .map(|m| {
            let mut latencies: Vec<f64> =
                seen.iter().flat_map(|(_, s)| s.by_minute[m].iter().copied()).collect();
            latencies.sort_by(f64::total_cmp);
            let until = (lead_s + 60.0 * (m + 1) as f64).min(lead_s + o.seconds);
            json!({
                "minute": m + 1,
                "rss_kib": rss_at(until),
                "delivered": latencies.len(),
                "latency_p50_ms": percentile(&latencies, 0.5),
                "latency_p99_ms": percentile(&latencies, 0.99),
            })
        })
        .collect();
    Ok(json!({
        "scenario": "soak",
        "clients": o.clients,
        "rooms": o.rooms,
        "rate": o.rate,
        "seconds": o.seconds,
        "acked": acked.iter().sum::<u64>(),
        "refused": seen.iter().map(|(_, s)| s.refused).sum::<u64>(),
        "reconnected": seen.iter().filter(|(_, s)| s.reconnected).count(),
        "lost": lost,
        "rss_peak_kib": samples.iter().map(|s| s.1).max(),
        "minutes": by_minute,
        "server_cpu": server_cpu,
        "loadgen_cpu": own_cpu,
    }))
}

/// `clients` spread over `rooms` rooms lose their connections at once; `count` messages are
/// posted to each room meanwhile; then everyone reconnects after socket.io-client's own delay
/// (1 s ± 50 %, spread evenly) and catches up with `room:join {after}` and `room:sync` until
/// complete. Measures the time from the end of the posting (when the reconnection delays start)
/// until every client holds every message, each client's own time from its reconnection to
/// caught up, and the server's memory before the drop and at its peak.
async fn reconnect(o: &Options) -> Result<serde_json::Value, Error> {
    let pid = *o.server_pids.first().ok_or("--server-pid is needed")?;
    let o = Rc::new(o.clone());
    let mut clients = Vec::with_capacity(o.clients);
    connect_all(&o, o.clients, |_, client| clients.push(client)).await?;
    let (mut poster, _) = Client::connect(&o.url, &o.url, "poster").await?;
    let mut from = Vec::with_capacity(o.rooms);
    for r in 0..o.rooms {
        let joined = poster.request("room:join", json!({"room": room_of(&o, r)})).await?;
        from.push(number_after(&joined, "\"upto\":").ok_or("no position in the join reply")?);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_before = rss_kib(pid);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let sampler = tokio::task::spawn_local(sample_rss(pid, Duration::from_millis(20), stop_rx));
    let dropped = Instant::now();
    drop(clients);
    for r in 0..o.rooms {
        post_many(&mut poster, &room_of(&o, r), o.count, &format!("storm-{r}")).await?;
    }
    let posted_ms = dropped.elapsed().as_secs_f64() * 1000.0;
    let storm = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(o.clients);
    for i in 0..o.clients {
        let (o, from) = (o.clone(), from[i % o.rooms]);
        // socket.io-client: reconnectionDelay 1,000 ms, randomizationFactor 0.5.
        let delay = Duration::from_secs_f64(0.5 + (i as f64 * 0.618_033_988_7).fract());
        tasks.push(tokio::task::spawn_local(async move {
            tokio::time::sleep_until(storm + delay).await;
            let room = room_of(&o, i);
            let (mut client, _) =
                Client::connect(&o.url, &o.nodes[node_of(&o, i)], &format!("bot{i}")).await?;
            let posted = catch_up(&mut client, &room, from).await?;
            if posted < o.count {
                return Err(format!("bot{i} caught up {posted} of {}", o.count).into());
            }
            let each = (storm.elapsed().saturating_sub(delay)).as_secs_f64() * 1000.0;
            Ok::<_, Error>((storm.elapsed().as_secs_f64() * 1000.0, each, client))
        }));
    }
    let (mut done, mut each, mut back) = (Vec::new(), Vec::new(), Vec::new());
    for task in tasks {
        let (ms, own, client) = task.await.map_err(|e| e.to_string())??;
        done.push(ms);
        each.push(own);
        back.push(client);
    }
    let _ = stop_tx.send(true);
    let samples = sampler.await.map_err(|e| e.to_string())?;
    done.sort_by(f64::total_cmp);
    each.sort_by(f64::total_cmp);
    Ok(json!({
        "scenario": "reconnect",
        "clients": o.clients,
        "rooms": o.rooms,
        "missed_per_room": o.count,
        "posted_ms": posted_ms,
        "all_caught_up_ms": done.last().copied().unwrap_or(f64::NAN),
        "caught_up_p50_ms": percentile(&done, 0.5),
        "own_p50_ms": percentile(&each, 0.5),
        "own_p99_ms": percentile(&each, 0.99),
        "rss_before_kib": rss_before,
        "rss_peak_kib": samples.iter().map(|s| s.1).max(),
    }))
}

/// One Socket.IO client over Engine.IO's HTTP long-polling transport: one GET outstanding at a
/// time brings what the server has for it; what it sends goes out in POSTs, one at a time, each
/// carrying every packet queued meanwhile (separated by 0x1e), as the official client does.
struct PollClient {
    http: reqwest::Client,
    url: String,
    cookie: String,
}

impl PollClient {
    /// Opens the session and joins the namespace; returns the client and how long that took.
    async fn connect(
        http: &reqwest::Client,
        url: &str,
        name: &str,
    ) -> Result<(Self, Duration), Error> {
        let cookie = cookies(url, name).await?;
        let started = Instant::now();
        let base = format!("{url}/socket.io/?EIO=4&transport=polling");
        let open = http.get(&base).header("Cookie", &cookie).send().await?.text().await?;
        let handshake: serde_json::Value =
            serde_json::from_str(open.strip_prefix('0').ok_or("expected the open packet")?)?;
        let sid = handshake["sid"].as_str().ok_or("no sid in the open packet")?;
        let client = PollClient { http: http.clone(), url: format!("{base}&sid={sid}"), cookie };
        client.post("40".into()).await?;
        loop {
            for packet in client.poll().await? {
                if packet.starts_with("40") {
                    return Ok((client, started.elapsed()));
                }
                if packet.starts_with("44") {
                    return Err(format!("connection refused: {packet}").into());
                }
            }
        }
    }

    async fn post(&self, body: String) -> Result<(), Error> {
        let response =
            self.http.post(&self.url).header("Cookie", &self.cookie).body(body).send().await?;
        if !response.status().is_success() {
            return Err(format!("POST answered {}", response.status()).into());
        }
        response.bytes().await?;
        Ok(())
    }

    /// One long-polling GET: the packets the server had, or held until it had some.
    async fn poll(&self) -> Result<Vec<String>, Error> {
        let response = self.http.get(&self.url).header("Cookie", &self.cookie).send().await?;
        if !response.status().is_success() {
            return Err(format!("GET answered {}", response.status()).into());
        }
        Ok(response.text().await?.split('\x1e').map(str::to_owned).collect())
    }

    /// Sends and waits for one ack, reading polls meanwhile.
    async fn request(&self, event: &str, data: serde_json::Value) -> Result<(), Error> {
        self.post(format!("420{}", json!([event, data]))).await?;
        loop {
            for packet in self.poll().await? {
                if packet.starts_with("430[") {
                    return if packet.contains("\"error\"") {
                        Err(format!("{event} refused: {packet}").into())
                    } else {
                        Ok(())
                    };
                }
                if packet == "2" {
                    self.post("3".into()).await?;
                }
            }
        }
    }
}

/// Writes a client's queued packets, one POST at a time (Engine.IO refuses overlapping ones).
async fn poll_writer(
    client: Rc<PollClient>,
    mut queue: tokio::sync::mpsc::UnboundedReceiver<String>,
) {
    while let Some(first) = queue.recv().await {
        let mut body = first;
        while let Ok(next) = queue.try_recv() {
            body.push('\x1e');
            body.push_str(&next);
        }
        if client.post(body).await.is_err() {
            break;
        }
    }
}

/// Like `fanout`, with every client on long-polling: `senders` of them send at `rate` messages a
/// second in all; every client receives every message through its GETs.
async fn polling(o: &Options) -> Result<serde_json::Value, Error> {
    let http = reqwest::Client::builder().pool_max_idle_per_host(usize::MAX).build()?;
    let mut clients = Vec::with_capacity(o.clients);
    let mut connecting = futures_util::stream::iter(0..o.clients)
        .map(|i| {
            let (http, url, room) = (http.clone(), o.url.clone(), o.room.clone());
            async move {
                let (client, _) = PollClient::connect(&http, &url, &format!("poller{i}")).await?;
                client.request("room:join", json!({"room": room})).await?;
                Ok::<_, Error>(client)
            }
        })
        .buffer_unordered(16);
    while let Some(client) = connecting.next().await {
        clients.push(Rc::new(client?));
    }
    drop(connecting);
    let Schedule { start, measure_from, stop_sending, end } = Schedule::new(o.seconds);
    let (senders, interval) = (o.senders, Duration::from_secs_f64(o.senders as f64 / o.rate));
    let mut tasks = Vec::new();
    for (i, client) in clients.into_iter().enumerate() {
        let (queue, outbox) = tokio::sync::mpsc::unbounded_channel::<String>();
        let writer = tokio::task::spawn_local(poll_writer(client.clone(), outbox));
        let room = o.room.clone();
        tasks.push(tokio::task::spawn_local(async move {
            let mut seen = Seen::default();
            let mut in_flight: HashMap<u64, Instant> = HashMap::new();
            let mut next_ack = 1u64;
            let mut ticker = (i < senders).then(|| {
                let mut t = tokio::time::interval_at(start, interval);
                t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
                t
            });
            let mut polling = Box::pin(client.poll());
            loop {
                tokio::select! {
                    () = tokio::time::sleep_until(end) => break,
                    () = next_tick(ticker.as_mut()), if tokio::time::Instant::now() < stop_sending => {
                        let message = json!({"room": room, "client_id": format!("p{i}-{next_ack}"),
                                             "body": format!("t{}", now_nanos())});
                        let _ = queue.send(format!("42{next_ack}{}", json!(["message:send", message])));
                        in_flight.insert(next_ack, Instant::now());
                        seen.sent += u64::from(now_nanos() >= measure_from);
                        next_ack += 1;
                    }
                    packets = &mut polling => {
                        let Ok(packets) = packets else { break };
                        for packet in packets {
                            if packet == "2" {
                                let _ = queue.send("3".into());
                            } else {
                                seen.note(&packet, &mut in_flight, measure_from);
                            }
                        }
                        polling = Box::pin(client.poll());
                    }
                }
            }
            writer.abort();
            seen
        }));
    }
    let (server_cpu_0, own_cpu_0) = (servers_cpu(o), cpu_seconds("self"));
    let mut results = Vec::with_capacity(tasks.len());
    for task in tasks {
        results.push(task.await.unwrap_or_default());
    }
    let wall = (end - start).as_secs_f64();
    Ok(summary("polling", o, results, wall, &server_cpu_0, own_cpu_0))
}

/// What the attackers saw: how many connections they opened, how many the server cut off
/// before the end, and its answers by kind.
#[derive(Default)]
struct Attacked {
    opened: u64,
    cut_off: u64,
    answers: HashMap<String, u64>,
}

impl Attacked {
    fn merge(&mut self, other: Attacked) {
        self.opened += other.opened;
        self.cut_off += other.cut_off;
        for (kind, count) in other.answers {
            *self.answers.entry(kind).or_default() += count;
        }
    }

    fn answered(&mut self, kind: &str) {
        *self.answers.entry(kind.to_owned()).or_default() += 1;
    }
}

/// The host and port of an `http://` URL.
fn authority(url: &str) -> String {
    url.trim_start_matches("http://").trim_end_matches('/').to_owned()
}

/// Whether the server has closed `tcp` (a read gives end of file or an error) by `until`.
async fn closed_by(tcp: &mut TcpStream, until: tokio::time::Instant) -> bool {
    use tokio::io::AsyncReadExt;
    let mut buffer = [0u8; 512];
    loop {
        match tokio::time::timeout_at(until, tcp.read(&mut buffer)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

/// Slowloris: a request head sent a header line every second, never finished.
async fn slowloris(url: String, until: tokio::time::Instant) -> Attacked {
    use tokio::io::AsyncWriteExt;
    let mut seen = Attacked::default();
    let Ok(mut tcp) = TcpStream::connect(authority(&url)).await else { return seen };
    seen.opened = 1;
    if tcp.write_all(b"GET /r/lobby HTTP/1.1\r\nHost: parley\r\n").await.is_err() {
        seen.cut_off = 1;
        return seen;
    }
    let mut n = 0;
    while tokio::time::Instant::now() < until {
        tokio::time::sleep(Duration::from_secs(1)).await;
        n += 1;
        if tcp.write_all(format!("X-Slow-{n}: 1\r\n").as_bytes()).await.is_err() {
            seen.cut_off = 1;
            return seen;
        }
    }
    seen.cut_off = u64::from(closed_by(&mut tcp, tokio::time::Instant::now()).await);
    seen
}

/// Half-open handshakes: every other one a TCP connection that sends nothing, the others an
/// Engine.IO session opened by a polling handshake and never used again.
async fn half_open(url: String, i: usize, until: tokio::time::Instant) -> Attacked {
    let mut seen = Attacked::default();
    if i % 2 == 0 {
        let Ok(mut tcp) = TcpStream::connect(authority(&url)).await else { return seen };
        seen.opened = 1;
        seen.cut_off = u64::from(closed_by(&mut tcp, until).await);
    } else {
        let Ok(cookie) = cookies(&url, "ghost").await else { return seen };
        let http = reqwest::Client::new();
        let open = http
            .get(format!("{url}/socket.io/?EIO=4&transport=polling"))
            .header("Cookie", cookie)
            .send()
            .await;
        if let Ok(response) = open {
            seen.opened = 1;
            seen.answered(&response.status().as_u16().to_string());
        }
        tokio::time::sleep_until(until).await;
    }
    seen
}

/// A signed-in WebSocket client in the room that stops reading once joined: the honest
/// broadcasts pile up for it.
async fn non_reading(o: Options, until: tokio::time::Instant) -> Attacked {
    let mut seen = Attacked::default();
    let Ok((mut client, _)) = Client::connect(&o.url, &o.url, "deaf").await else {
        return seen;
    };
    if client.join(&o.room).await.is_err() {
        return seen;
    }
    seen.opened = 1;
    tokio::time::sleep_until(until).await;
    // Whether the server gave up on it (it answered no ping).
    let cut = tokio::time::timeout(Duration::from_millis(500), async {
        loop {
            match client.ws.next().await {
                Some(Ok(_)) => continue,
                _ => return true,
            }
        }
    });
    seen.cut_off = u64::from(cut.await.unwrap_or(false));
    seen
}

/// A long-polling client that POSTs oversized bodies (twice the 64 KiB limit) and batches just
/// under the limit packed with `room:join` packets, as fast as the server answers.
async fn polling_batch(o: Options, until: tokio::time::Instant) -> Attacked {
    let mut seen = Attacked::default();
    let http = reqwest::Client::new();
    let Ok((client, _)) = PollClient::connect(&http, &o.url, "batcher").await else {
        return seen;
    };
    seen.opened = 1;
    let huge = format!("42[\"message:send\",{{\"room\":\"lobby\",\"client_id\":\"x\",\"body\":\"{}\"}}]", "y".repeat(128 * 1024));
    let join = |n: usize| format!("42{n}[\"room:join\",{{\"room\":\"no-such-room-{n}\"}}]");
    let mut batch = String::new();
    let mut n = 0;
    while batch.len() < 60 * 1024 {
        if !batch.is_empty() {
            batch.push('\x1e');
        }
        batch.push_str(&join(n));
        n += 1;
    }
    // The server's answers to the batch go to GETs: drain them so that its queue stays open.
    let reader = {
        let (http, url, cookie) = (client.http.clone(), client.url.clone(), client.cookie.clone());
        tokio::task::spawn_local(async move {
            while let Ok(response) = http.get(&url).header("Cookie", &cookie).send().await {
                if !response.status().is_success() || response.bytes().await.is_err() {
                    break;
                }
            }
        })
    };
    let mut turn = 0u64;
    while tokio::time::Instant::now() < until {
        turn += 1;
        let body = if turn % 2 == 0 { huge.clone() } else { batch.clone() };
        match http.post(&client.url).header("Cookie", &client.cookie).body(body).send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let _ = response.bytes().await;
                seen.answered(&status.to_string());
                if status != 200 && status != 413 {
                    seen.cut_off = 1;
                    break;
                }
            }
            Err(_) => {
                seen.cut_off = 1;
                break;
            }
        }
    }
    reader.abort();
    seen
}

/// A signed-in WebSocket client asking to join 10,000 rooms that do not exist (names unlike
/// any other), as fast as it can write: the server's answers are counted by error code.
async fn join_flood(o: Options, i: usize, until: tokio::time::Instant) -> Attacked {
    let mut seen = Attacked::default();
    let Ok((mut client, _)) = Client::connect(&o.url, &o.url, "flooder").await else {
        return seen;
    };
    seen.opened = 1;
    let mut sent = 0;
    let mut answered = 0;
    loop {
        if sent < 10_000 && tokio::time::Instant::now() < until {
            let room = format!("flood-{i}-{sent}");
            if client.emit("room:join", json!({"room": room})).await.is_err() {
                seen.cut_off = 1;
                break;
            }
            sent += 1;
            // Read what has come meanwhile without waiting.
            while let Ok(Some(frame)) =
                tokio::time::timeout(Duration::ZERO, client.ws.next()).await
            {
                match frame {
                    Ok(Message::Text(text)) => {
                        answered += u64::from(text.starts_with("43"));
                        note_ack(&mut seen, text.as_str());
                    }
                    Ok(_) => {}
                    Err(_) => {
                        seen.cut_off = 1;
                        return seen;
                    }
                }
            }
            continue;
        }
        match tokio::time::timeout_at(until.max(tokio::time::Instant::now() + Duration::from_secs(1)), client.ws.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                answered += u64::from(text.starts_with("43"));
                note_ack(&mut seen, text.as_str());
                if answered >= sent {
                    break;
                }
            }
            Ok(Some(Ok(_))) => {}
            Ok(_) => {
                seen.cut_off = 1;
                break;
            }
            Err(_) => break,
        }
    }
    seen
}

/// Counts an ack by its error code (`ok` when it carries none).
fn note_ack(seen: &mut Attacked, packet: &str) {
    if !packet.starts_with("43") {
        return;
    }
    let code = packet
        .find("\"code\":\"")
        .map(|at| &packet[at + 8..])
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("ok");
    seen.answered(code);
}

/// An honest room (`clients` joined, `senders` posting `rate` messages a second in all) while
/// `attackers` connections attack as `attack` says, from a moment before the honest run starts
/// to its end: the honest acks' and deliveries' percentiles, and what the attackers saw.
async fn hostile(o: &Options) -> Result<serde_json::Value, Error> {
    // The accounts first: signing up is not part of any attack. Each attack's connections
    // share one account (as one person's many tabs would): the limits under test are per
    // connection and per address.
    for name in ["deaf", "ghost", "batcher", "flooder"] {
        cookies(&o.url, name).await?;
    }
    make_accounts(o, o.clients).await?;
    // The attack runs from now until the honest run has ended (its schedule: a warm-up second,
    // `seconds` measured, two to drain), and at least 20 s: longer than a server's patience
    // with an unfinished request head (Parley's is 10 s), so that its cutting off is seen.
    let until = tokio::time::Instant::now() + Duration::from_secs_f64((o.seconds + 6.0).max(20.0));
    let mut attackers = Vec::new();
    for i in 0..o.attackers {
        let (o2, url) = (o.clone(), o.url.clone());
        let task = match o.attack.as_str() {
            "none" => break,
            "slowloris" => tokio::task::spawn_local(slowloris(url, until)),
            "half-open" => tokio::task::spawn_local(half_open(url, i, until)),
            "non-reading" => tokio::task::spawn_local(non_reading(o2, until)),
            "polling-batch" => tokio::task::spawn_local(polling_batch(o2, until)),
            "join-flood" => tokio::task::spawn_local(join_flood(o2, i, until)),
            other => return Err(format!("unknown attack {other:?}").into()),
        };
        attackers.push(task);
    }
    // Let the attack take hold before the honest clients arrive.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let honest = timed(o, "hostile").await?;
    let mut seen = Attacked::default();
    for task in attackers {
        seen.merge(task.await.unwrap_or_default());
    }
    Ok(json!({
        "scenario": "hostile",
        "attack": o.attack,
        "attackers": o.attackers,
        "attackers_opened": seen.opened,
        "attackers_cut_off": seen.cut_off,
        "attack_answers": seen.answers,
        "honest": honest,
    }))
}

fn main() {
    let (scenario, o) = options();
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let local = tokio::task::LocalSet::new();
    let result = local.block_on(&runtime, async {
        match scenario.as_str() {
            "idle" => idle(&o).await,
            "fanout" => timed(&o, "fanout").await,
            "ack" => timed(&Options { rate: 0.0, senders: o.clients, ..o.clone() }, "ack").await,
            "seed" => seed(&o).await,
            "catchup" => catchup(&o).await,
            "polling" => polling(&o).await,
            "hostile" => hostile(&o).await,
            "soak" => soak(&o).await,
            "reconnect" => reconnect(&o).await,
            other => Err(format!(
                "unknown scenario {other:?}: idle, fanout, ack, seed, catchup, polling, hostile, \
                 soak or reconnect"
            )
            .into()),
        }
    });
    match result {
        Ok(value) => println!("{value}"),
        Err(error) => {
            eprintln!("loadgen: {error}");
            std::process::exit(1);
        }
    }
}
