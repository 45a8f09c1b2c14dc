#!/usr/bin/env python3
"""Runs Parley's benchmarks against Parley and the Node reference, interleaved (Parley, Node,
Parley, Node, ...), each run on a freshly started server with an empty database, the server
pinned to CPU 0 and the load generator to CPU 1. Prints medians and the Parley / Node ratio of
every figure, and writes raw.json and results.md under target/bench/<date>/.

Called by scripts/bench, which builds everything first. Options: --reps N (default 3),
--quick (smaller and shorter, to try the harness), --storm N (only the join storm: N clients
joining the lobby, Parley as configured against the same binary announcing every arrival one by
one, PARLEY_BATCH_ABOVE=1000000000, interleaved), --cluster (fan-out of two Parley nodes on
Postgres + Redis against one node on SQLite, and of the reference on two processes with
@socket.io/redis-adapter against one; cross-node latency at 20,000 deliveries/s), --before DIR
(the usual scenarios, Parley against an earlier build of itself: DIR/parley and DIR/site),
--hostile (an honest room alone and under each hostile-client attack, Parley against the
reference: the honest clients' p99 and how many attacking connections each server cut off),
--soak [--minutes M] (2,000 clients in 20 rooms, 200 messages/s, 5 % reconnecting each minute,
for M minutes, default 10, one repetition unless --reps says otherwise: memory and p99 minute by
minute, loss), --floor (memory per idle connection, handshakes and pages of Parley, of the
floor, its own stack doing nothing of Parley's, and of the reference).

On two cores, every server process (nodes, Redis, Postgres) shares CPU 0 and the load generator
has CPU 1: cluster figures show what the software costs, not what two machines would give.
"""
import argparse, datetime, http.client, json, os, pathlib, platform, shutil, signal, socket
import statistics, subprocess, sys, tempfile, time, urllib.error, urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
BENCH = ROOT / "scripts" / "benchmarks"
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
PARLEY = TARGET / "release" / "parley"
LOADGEN = TARGET / "release" / "parley-loadgen"
FLOOR = TARGET / "release" / "parley-floor"
PORTS = {"parley": 3300, "node": 3301, "parley-unbatched": 3302, "parley-before": 3303,
         "parley-cluster": 3310, "node-cluster": 3320, "floor": 3330}
# Set by --before: the earlier build's folder (its `parley` binary and its `site`).
BEFORE = None
# Set by --hostile: Parley keeps its default limit on commands per connection (the other runs
# lift it, as the reference has none).
HOSTILE = False


def services(script, cwd=ROOT):
    """Runs bash with scripts/services.sh sourced (CPU 0 for what it starts); its output words."""
    out = subprocess.run(["taskset", "-c", "0", "bash", "-c",
                          f"source scripts/services.sh; {script}"],
                         cwd=cwd, capture_output=True, text=True, check=True)
    return out.stdout.split()


class Server:
    """One server under test, started pinned to CPU 0 on a fresh database: one process, or (the
    `-cluster` kinds) two nodes sharing Redis (and Postgres, for Parley) on throwaway data."""

    # What pids() lists for each kind, by name.
    LABELS = {"parley-cluster": ["node 1", "node 2", "Postgres", "Redis"],
              "node-cluster": ["node 1", "node 2", "Redis"]}

    def __init__(self, kind):
        self.kind, self.port = kind, PORTS[kind]
        self.dir = tempfile.mkdtemp(prefix=f"parley-bench-{kind}-")
        os.chmod(self.dir, 0o755)  # Postgres runs as its own user under it
        self.processes, self.services = [], []
        try:
            self.start()
        except BaseException:
            self.stop()  # what did start
            raise

    def start(self):
        kind = self.kind
        cluster = kind.endswith("-cluster")
        ports = [self.port, self.port + 1] if cluster else [self.port]
        for port in ports:
            # A server left over from an interrupted run would answer in this one's place.
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    raise RuntimeError(f"port {port} is taken: a server left from another run?")
        shared = {}
        if cluster:
            if kind.startswith("parley"):
                pg, redis = services(f"start_postgres {self.dir}/postgres; "
                                     f"start_redis {self.dir}/redis; echo $PG_URL $REDIS_URL")
                shared = dict(PARLEY_DATABASE_URL=f"{pg}/postgres", PARLEY_REDIS_URL=redis,
                              PARLEY_SECRET_KEY=os.urandom(32).hex())
                self.services.append(pathlib.Path(f"{self.dir}/postgres/data/postmaster.pid"))
            else:
                (redis,) = services(f"start_redis {self.dir}/redis; echo $REDIS_URL")
                shared = dict(REDIS_URL=redis)
            self.services.append(pathlib.Path(f"{self.dir}/redis/redis.pid"))
        for port in ports:
            if kind.startswith("parley"):
                binary, site = PARLEY, ROOT / "target" / "site"
                if kind == "parley-before":
                    binary, site = BEFORE / "parley", BEFORE / "site"
                env = dict(os.environ, LEPTOS_SITE_ADDR=f"127.0.0.1:{port}",
                           LEPTOS_SITE_ROOT=str(site), LEPTOS_ENV="PROD",
                           PARLEY_DATABASE_URL=f"sqlite:{self.dir}/parley.db", RUST_LOG="warn",
                           # The reference has no limits; the load is synthetic (every client
                           # signs up from this one address).
                           PARLEY_MESSAGES_PER_MINUTE="1000000000",
                           PARLEY_MESSAGE_BURST="1000000000",
                           PARLEY_SIGNUPS_PER_HOUR="1000000000",
                           PARLEY_ROOMS_PER_HOUR="1000000000")
                if not HOSTILE:
                    env["PARLEY_COMMANDS_PER_SECOND"] = "1000000000"
                env.update(shared)
                if kind == "parley-unbatched":
                    env["PARLEY_BATCH_ABOVE"] = "1000000000"
                command, cwd = [str(binary)], ROOT
            elif kind == "floor":
                env = dict(os.environ, LEPTOS_SITE_ADDR=f"127.0.0.1:{port}",
                           LEPTOS_OUTPUT_NAME="floor", LEPTOS_ENV="PROD")
                command, cwd = [str(FLOOR)], BENCH / "floor"
            else:
                env = dict(os.environ, PORT=str(port), DB=f"{self.dir}/reference.db",
                           NODE_ENV="production", **shared)
                command, cwd = ["node", "server.js"], BENCH / "node-reference"
            self.processes.append(subprocess.Popen(
                ["taskset", "-c", "0", *command], cwd=cwd, env=env,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            # One at a time: the first node migrates an empty database.
            self.wait_for(f"http://127.0.0.1:{port}")
        self.urls = [f"http://127.0.0.1:{port}" for port in ports]

        self.url = self.urls[0]
        self.process = self.processes[0]

    def wait_for(self, url):
        for _ in range(400):
            if any(p.poll() is not None for p in self.processes):
                raise RuntimeError(f"{self.kind} exited at start")
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=1).read()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{self.kind} did not start")

    def pids(self):
        """The serving processes: the nodes, then Redis and Postgres' postmaster (whose CPU
        counts with its backends')."""
        return [p.pid for p in self.processes] + [
            int(path.read_text().split()[0]) for path in self.services]

    def stop(self):
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        if self.kind.endswith("-cluster"):
            services(f"PG_DIR={self.dir}/postgres; stop_postgres; "
                     f"REDIS_DIR={self.dir}/redis; stop_redis")
        shutil.rmtree(self.dir, ignore_errors=True)


def loadgen(server, scenario, **options):
    args = ["taskset", "-c", "1", str(LOADGEN), scenario, "--url", server.url,
            "--nodes", ",".join(server.urls),
            "--server-pid", ",".join(map(str, server.pids()))]
    for key, value in options.items():
        args += [f"--{key}", str(value)]
    # 15 minutes beyond the scenario's own length (a soak of --minutes 30 runs for 30).
    timeout = 900 + int(options.get("seconds", 0))
    out = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"loadgen {scenario} on {server.kind}: {out.stderr.strip()}")
    return json.loads(out.stdout)


def with_server(kind, work):
    server = Server(kind)
    try:
        return work(server)
    finally:
        server.stop()


def idle(kind, clients):
    r = with_server(kind, lambda s: loadgen(s, "idle", clients=clients))
    return {f"idle {clients}: KiB per connection": r["bytes_per_connection"] / 1024,
            f"idle {clients}: handshake p50 ms": r["handshake_p50_ms"],
            f"idle {clients}: handshake p99 ms": r["handshake_p99_ms"]}


def fanout(kind, rates, seconds, clients=200, senders=5):
    """Raises the send rate until p99 passes 50 ms or a delivery is lost, doubling it; then halves
    the gap between the last step that passed and the first that failed, twice. The best passing
    step wins."""
    best, steps = None, []

    def step(rate):
        r = with_server(kind, lambda s: loadgen(s, "fanout", clients=clients, senders=senders,
                                                rate=rate, seconds=seconds))
        steps.append(r)
        return r["lost"] == 0 and r["refused"] == 0 and r["latency_p99_ms"] <= 50

    failed_rate = None
    for rate in rates:
        if not step(rate):
            failed_rate = rate
            break
        best = steps[-1]
    low = best["rate"] if best else 0
    for _ in range(2 if failed_rate else 0):
        middle = (low + failed_rate) / 2
        if step(middle):
            best, low = steps[-1], middle
        else:
            failed_rate = middle
    figures = {"fan-out: deliveries/s at p99 < 50 ms": best["deliveries_per_s"] if best else 0}
    # The generator has one core: if it was (nearly) saturated at a step that failed, the limit
    # found may be its own, not the server's. Reported as 1 in the table, and on stderr.
    failures = [r for r in steps if r["lost"] or r["refused"] or r["latency_p99_ms"] > 50]
    limited = any(r["loadgen_cpu"] > 0.9 for r in failures)
    figures["fan-out: stopped by the load generator (1 = yes)"] = int(limited)
    if limited:
        print(f"warning: {kind} fan-out failed a step with the load generator above 0.9 of "
              f"its core", file=sys.stderr)
    if best:
        figures.update({"fan-out: p50 ms at that rate": best["latency_p50_ms"],
                        "fan-out: p99 ms at that rate": best["latency_p99_ms"],
                        "fan-out: server CPU at that rate": best["server_cpu"],
                        "fan-out: loadgen CPU at that rate": best["loadgen_cpu"]})
        if len(best["server_cpu_each"]) > 1:
            figures.update(cpu_each(kind, "fan-out: at that rate, CPU of", best))
    # What ran out at the knee: the CPU of each process at the lowest rate that failed.
    above = [r for r in failures if not best or r["rate"] > best["rate"]]
    if above:
        knee = min(above, key=lambda r: r["rate"])
        figures["fan-out: first failing rate, server CPU"] = knee["server_cpu"]
        if len(knee["server_cpu_each"]) > 1:
            figures.update(cpu_each(kind, "fan-out: first failing rate, CPU of", knee))
    return figures, steps


def cpu_each(kind, prefix, run):
    """Each serving process's share of a core in a run, by name."""
    labels = Server.LABELS[kind]
    return {f"{prefix} {label}": cpu for label, cpu in zip(labels, run["server_cpu_each"])}


def crossing(kind, seconds, clients=200, senders=5, rate=100):
    """A fixed 20,000 deliveries/s (100 messages/s to 200 clients), the senders on the first
    node: latency of the receivers on the senders' node and on the other one."""
    r = with_server(kind, lambda s: loadgen(s, "fanout", clients=clients, senders=senders,
                                            rate=rate, seconds=seconds))
    nodes = r["by_node"]
    figures = {"20,000/s: lost": r["lost"],
               "20,000/s: p50 ms, same node": nodes[0]["latency_p50_ms"],
               "20,000/s: p99 ms, same node": nodes[0]["latency_p99_ms"]}
    if len(nodes) > 1:
        figures.update({"20,000/s: p50 ms, other node": nodes[1]["latency_p50_ms"],
                        "20,000/s: p99 ms, other node": nodes[1]["latency_p99_ms"]})
    figures["20,000/s: server CPU (sum)"] = r["server_cpu"]
    if len(r["server_cpu_each"]) > 1:
        figures.update(cpu_each(kind, "20,000/s: CPU of", r))
    return figures


def polling(kind, seconds, clients=50, senders=5, rate=400):
    """A fixed load over HTTP long-polling: 50 clients, 400 messages/s, 20,000 deliveries/s."""
    r = with_server(kind, lambda s: loadgen(s, "polling", clients=clients, senders=senders,
                                            rate=rate, seconds=seconds))
    return {"polling: deliveries/s (20,000 offered)": r["deliveries_per_s"],
            "polling: lost": r["lost"],
            "polling: p50 ms": r["latency_p50_ms"], "polling: p99 ms": r["latency_p99_ms"],
            "polling: server CPU": r["server_cpu"]}


def browser(kind, visits):
    """Headless Chromium (CPU 1): navigation to a connected, joined socket, fresh context each;
    on loopback, then throttled as Lighthouse's mobile profile."""
    def visit(server, network, count):
        out = subprocess.run(["taskset", "-c", "1", "node", str(BENCH / "browser.mjs"),
                              f"{server.url}/r/lobby", str(count), network],
                             capture_output=True, text=True, timeout=600)
        if out.returncode != 0:
            raise RuntimeError(f"browser on {kind}: {out.stderr.strip()}")
        return json.loads(out.stdout)["connected_ms"]

    def work(server):
        times = visit(server, "loopback", visits)
        mobile = visit(server, "mobile", max(3, visits // 2))
        return {"browser: navigation to connected p50 ms": statistics.median(times),
                "browser: navigation to connected max ms": max(times),
                "browser, mobile network: navigation to connected p50 ms":
                    statistics.median(mobile)}
    return with_server(kind, work)


def ack(kind, seconds, clients=50):
    r = with_server(kind, lambda s: loadgen(s, "ack", clients=clients, seconds=seconds))
    return {"ack: round trip p50 ms": r["ack_p50_ms"], "ack: round trip p99 ms": r["ack_p99_ms"],
            "ack: messages/s": r["acked"] / seconds}


def catchup(kind, clients, count):
    """Readers away while `count` messages are posted catch up by room:join {after} and
    room:sync."""
    r = with_server(kind, lambda s: loadgen(s, "catchup", clients=clients, count=count))
    return {f"catch-up: {clients} clients, {count} messages: ms until all hold all":
            r["all_caught_up_ms"]}


def reconnect_storm(kind, clients, rooms, count):
    """Every client of `rooms` rooms dropped at once, `count` messages posted to each room
    meanwhile, everyone back after socket.io-client's reconnection delay and caught up."""
    r = with_server(kind, lambda s: loadgen(s, "reconnect", clients=clients, rooms=rooms,
                                            count=count, room="storm"))
    name = f"reconnect storm: {clients} clients"
    return {f"{name}: ms until all back and caught up": r["all_caught_up_ms"],
            f"{name}: each client's own p99 ms": r["own_p99_ms"],
            f"{name}: server RSS before MiB": r["rss_before_kib"] / 1024,
            f"{name}: server peak RSS MiB": r["rss_peak_kib"] / 1024}


def soak(kind, args):
    """2,000 clients in 20 rooms, 200 messages/s in all, 5 % of the clients reconnecting each
    minute, for --minutes: memory at the end of each minute, each minute's p99, loss."""
    clients, rooms, rate = (400, 20, 100) if args.quick else (2000, 20, 200)
    r = with_server(kind, lambda s: loadgen(s, "soak", clients=clients, rooms=rooms, rate=rate,
                                            seconds=args.minutes * 60, churn=0.05, room="soak"))
    minutes = r["minutes"]
    first, last = minutes[0]["rss_kib"], minutes[-1]["rss_kib"]
    figures = {"soak: RSS after minute 1 MiB": first / 1024,
               f"soak: RSS after minute {len(minutes)} MiB": last / 1024,
               "soak: RSS growth from minute 1 %": (last - first) / first * 100,
               "soak: peak RSS MiB": r["rss_peak_kib"] / 1024,
               "soak: worst minute's p99 ms": max(m["latency_p99_ms"] for m in minutes),
               "soak: messages acknowledged": r["acked"],
               "soak: refused": r["refused"],
               "soak: lost (steady clients)": r["lost"],
               "soak: clients that reconnected": r["reconnected"],
               "soak: server CPU": r["server_cpu"],
               "soak: loadgen CPU": r["loadgen_cpu"]}
    for m in minutes:
        figures[f"soak: minute {m['minute']} p99 ms"] = m["latency_p99_ms"]
    for m in minutes:
        figures[f"soak: minute {m['minute']} RSS MiB"] = m["rss_kib"] / 1024
    return figures, []


def reader_cookie(server):
    """The page reader's cookies: a display name (the reference), a signed-in session (Parley)."""
    cookie = "parley_name=reader"
    request = urllib.request.Request(f"{server.url}/api/sign_up", method="POST",
                                     data=b"name=reader&password=benchmark+password")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None

    try:
        response = urllib.request.build_opener(NoRedirect).open(request)
    except urllib.error.HTTPError as error:  # the redirect, or the reference's 404
        response = error
    for value in response.headers.get_all("Set-Cookie") or []:
        if value.startswith("parley_session="):
            cookie += "; " + value.split(";")[0]
    return cookie


def pages(kind, seconds, members=0):
    """The room page (50 messages) for a signed-in reader: time to first byte, then requests/s
    under `wrk`. With `members`, that many people have joined the room first (the idle
    scenario's clients), and the figures are named for them."""
    def work(server):
        room = "lobby"
        if members:
            loadgen(server, "idle", clients=members)
        loadgen(server, "seed", count=50, room=room)
        path = f"/r/{room}"
        cookie = reader_cookie(server)
        ttfb = []
        for _ in range(30):
            connection = http.client.HTTPConnection("127.0.0.1", server.port)
            start = time.perf_counter()
            connection.request("GET", path, headers={"Cookie": cookie})
            response = connection.getresponse()
            body = response.read(1)
            ttfb.append((time.perf_counter() - start) * 1000)
            body += response.read()
            connection.close()
        figures = {"page: time to first byte p50 ms": statistics.median(ttfb),
                   "page: bytes": len(body)}
        if shutil.which("wrk"):
            out = subprocess.run(["taskset", "-c", "1", "wrk", "-t1", "-c32", f"-d{seconds}s",
                                  "--latency", "-H", f"Cookie: {cookie}",
                                  f"{server.url}{path}"], capture_output=True, text=True).stdout
            for line in out.splitlines():
                parts = line.split()
                if line.startswith("Requests/sec:"):
                    figures["page: requests/s"] = float(parts[1])
                if parts[:1] == ["99%"]:
                    figures["page: p99 ms"] = to_ms(parts[1])
        if members:
            figures = {k.replace("page:", f"page, {members:,} members:"): v
                       for k, v in figures.items()}
        return figures
    return with_server(kind, work)


def crowd(kind, args):
    """The room page of a crowded room against the same page of a small one."""
    seconds = 2 if args.quick else 5
    figures = pages(kind, seconds)
    figures.update(pages(kind, seconds, members=args.crowd))
    return figures, []


def to_ms(text):
    for unit, factor in (("ms", 1), ("us", 0.001), ("s", 1000)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float("nan")


# The first-page budget (issue 14): what a first visit to any page kind downloads, as served.
BUDGET_BYTES = 300 * 1024


def transfer():
    """What a first visit to each kind of page downloads, as served (brotli from the release
    build's precompressed files), in Chromium: the document and every /pkg/ file it fetched."""
    def work(server):
        out = subprocess.run(["taskset", "-c", "1", "node", str(BENCH / "transfer.mjs"),
                              server.url], capture_output=True, text=True, timeout=300)
        if out.returncode != 0:
            raise RuntimeError(f"transfer: {out.stderr.strip()}")
        return json.loads(out.stdout)
    return with_server("parley", work)


def storm(clients, reps):
    """The join storm alone: batched announcements against one by one, same binary."""
    runs = {"parley": [], "parley-unbatched": []}
    for rep in range(reps):
        kinds = ("parley", "parley-unbatched") if rep % 2 == 0 else ("parley-unbatched", "parley")
        for kind in kinds:
            print(f"storm {rep + 1}/{reps}: {kind}", file=sys.stderr, flush=True)
            runs[kind].append(idle(kind, clients))
    print(f"| figure ({clients} clients, medians of {reps}) | batched | one by one | ratio |")
    print("|---|---:|---:|---:|")
    for name in runs["parley"][0]:
        b = statistics.median(run[name] for run in runs["parley"])
        u = statistics.median(run[name] for run in runs["parley-unbatched"])
        print(f"| {name} | {b:,.1f} | {u:,.1f} | {b / u if u else float('nan'):.2f} |")
    print("all runs:", json.dumps(runs), file=sys.stderr)


def floor(kind, args):
    """What the floor (Parley's stack doing nothing of Parley's) is measured on: memory per
    idle connection, handshakes, and pages."""
    seconds = 2 if args.quick else 5
    figures = {}
    for clients in [500] if args.quick else [1000, 5000]:
        figures.update(idle(kind, clients))
    figures.update(pages(kind, seconds))
    return figures, []


def usual(kind, args):
    """The usual scenarios on one server kind: figures and the fan-out steps."""
    seconds = 2 if args.quick else 5
    rates = [100, 400, 1600] if args.quick else [100, 200, 400, 800, 1600, 3200, 6400]
    figures = {}
    for clients in [500] if args.quick else [1000, 5000]:
        figures.update(idle(kind, clients))
    fan, steps = fanout(kind, rates, seconds)
    figures.update(fan)
    figures.update(ack(kind, seconds))
    figures.update(polling(kind, seconds))
    figures.update(pages(kind, seconds))
    figures.update(browser(kind, 3 if args.quick else 10))
    figures.update(catchup(kind, 100, 300) if args.quick else catchup(kind, 500, 1000))
    figures.update(reconnect_storm(kind, 500, 20, 20) if args.quick
                   else reconnect_storm(kind, 2000, 20, 50))
    return figures, steps


# Each attack and its number of attacking connections (see the loadgen's `hostile`).
ATTACKS = {"none": 0, "slowloris": 500, "half-open": 1000, "non-reading": 200,
           "polling-batch": 20, "join-flood": 5}


def hostile(kind, args):
    """An honest room (20 clients, 2 senders, 50 messages/s) alone, then under each attack, on a
    fresh server each time: the honest clients' ack and delivery p99, what they lost, and how
    many attacking connections the server had cut off by the end."""
    seconds = 3 if args.quick else 5
    figures = {}
    for attack, attackers in ATTACKS.items():
        r = with_server(kind, lambda s: loadgen(
            s, "hostile", attack=attack, attackers=attackers, clients=20, senders=2, rate=50,
            seconds=seconds))
        honest = r["honest"]
        figures[f"{attack}: honest ack p99 ms"] = honest["ack_p99_ms"]
        alone = figures["none: honest ack p99 ms"]
        if attackers and alone:
            figures[f"{attack}: honest ack p99 / alone"] = honest["ack_p99_ms"] / alone
        figures[f"{attack}: honest delivery p99 ms"] = honest["latency_p99_ms"]
        figures[f"{attack}: honest deliveries lost"] = honest["lost"]
        figures[f"{attack}: honest refused"] = honest["refused"]
        if attackers:
            figures[f"{attack}: attacking connections opened"] = r["attackers_opened"]
            figures[f"{attack}: cut off by the server"] = r["attackers_cut_off"]
        print(f"  {kind} {attack}: {json.dumps(r['attack_answers'])}", file=sys.stderr, flush=True)
    return figures, []


def clustered(kind, args):
    """Fan-out capacity and cross-node latency on one kind (alone or a cluster)."""
    seconds = 2 if args.quick else 5
    rates = [100, 400, 1600] if args.quick else [100, 200, 400, 800, 1600, 3200, 6400]
    figures, steps = fanout(kind, rates, seconds)
    figures.update(crossing(kind, seconds))
    # The join storm through the adapter: handshakes only (memory is per process, below).
    clients = 500 if args.quick else 2000
    storm = idle(kind, clients)
    figures.update({k: v for k, v in storm.items() if "handshake" in k})
    return figures, steps


def main():
    global BEFORE, HOSTILE
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--storm", type=int)
    parser.add_argument("--cluster", action="store_true")
    parser.add_argument("--before", type=pathlib.Path)
    parser.add_argument("--hostile", action="store_true")
    parser.add_argument("--soak", action="store_true")
    parser.add_argument("--floor", action="store_true")
    parser.add_argument("--crowd", type=int)
    parser.add_argument("--minutes", type=int, default=10)
    args = parser.parse_args()
    if args.reps is None:
        args.reps = 1 if args.soak else 3
    if args.storm:
        return storm(args.storm, args.reps)
    if args.cluster:
        kinds, work = ("parley", "parley-cluster", "node", "node-cluster"), clustered
        ratios = [("Parley 2 / 1", "parley-cluster", "parley"),
                  ("Node 2 / 1", "node-cluster", "node"),
                  ("Parley 2 / Node 2", "parley-cluster", "node-cluster")]
        what = "Fan-out: one server against two nodes sharing Redis (and Postgres, for Parley)"
    elif args.hostile:
        HOSTILE = True
        kinds, work = ("parley", "node"), hostile
        ratios = [("ratio", "parley", "node")]
        what = ("Hostile clients: an honest room's p99 alone and under each attack, Parley "
                "against the Node reference; ratio = Parley / Node")
    elif args.floor:
        kinds, work = ("parley", "floor", "node"), floor
        ratios = [("Parley / floor", "parley", "floor"), ("floor / Node", "floor", "node"),
                  ("Parley / Node", "parley", "node")]
        what = ("The floor: Parley against its own stack doing nothing of Parley's "
                "(scripts/benchmarks/floor) and against the Node reference")
    elif args.soak:
        kinds, work = ("parley", "node"), soak
        ratios = [("ratio", "parley", "node")]
        what = (f"Soak: 2,000 clients in 20 rooms, 200 messages/s, 5 % reconnecting each minute, "
                f"{args.minutes} minutes; ratio = Parley / Node")
    elif args.crowd:
        kinds, work = ("parley", "node"), crowd
        if args.before:
            BEFORE = args.before.resolve()
            kinds = ("parley-before", "parley")
        ratios = ([("after / before", "parley", "parley-before")] if args.before
                  else [("ratio", "parley", "node")])
        what = (f"The room page with {args.crowd:,} members against the same page with a few"
                f"{' (after / before)' if args.before else '; ratio = Parley / Node'}")
    elif args.before:
        BEFORE = args.before.resolve()
        kinds, work = ("parley-before", "parley"), usual
        ratios = [("after / before", "parley", "parley-before")]
        what = f"Parley against an earlier build of itself ({BEFORE})"
    else:
        kinds, work = ("parley", "node"), usual
        ratios = [("ratio", "parley", "node")]
        what = "Parley against the Node reference; ratio = Parley / Node"

    results = {kind: [] for kind in kinds}
    raw = {kind: [] for kind in kinds}
    for rep in range(args.reps):
        for kind in kinds if rep % 2 == 0 else tuple(reversed(kinds)):
            print(f"repetition {rep + 1}/{args.reps}: {kind}", file=sys.stderr, flush=True)
            figures, steps = work(kind, args)
            results[kind].append(figures)
            raw[kind].append({"figures": figures, "fanout_steps": steps})

    names = list(dict.fromkeys(k for kind in kinds for run in results[kind] for k in run))
    def median(kind, name):
        values = [run[name] for run in results[kind] if run.get(name) is not None]
        return statistics.median(values) if values else float("nan")

    cpu = os.cpu_count()
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    stamp = datetime.datetime.now(datetime.timezone.utc)
    lines = [f"Measured {stamp:%Y-%m-%d %H:%M} UTC on {cpu} cores ({platform.machine()}), "
             f"{rustc}, Node {node}; medians of {args.reps} interleaved runs"
             f"{' (quick)' if args.quick else ''}. {what}.", "",
             "| figure | " + " | ".join(kinds) + " | " + " | ".join(r[0] for r in ratios) + " |",
             "|---|" + "---:|" * (len(kinds) + len(ratios))]
    for name in names:
        values = {kind: median(kind, name) for kind in kinds}
        cells = [f"{values[kind]:,.2f}" for kind in kinds]
        for _, top, bottom in ratios:
            a, b = values[top], values[bottom]
            cells.append(f"{a / b:.2f}" if a == a and b == b and b != 0 else "")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    sizes = {}
    if not (args.cluster or args.hostile or args.soak or args.floor or args.crowd):
        lines += ["", "Parley's first visit to each kind of page (fresh browser, empty cache): the "
                  "document and the /pkg/ files it fetched, bytes as served:", "",
                  "| page | files | bytes | KiB | within 300 KiB |", "|---|---:|---:|---:|---|"]
        sizes = transfer()
        for page, seen in sizes.items():
            within = "yes" if seen["bytes"] <= BUDGET_BYTES else "no"
            lines.append(f"| {page} | {seen['files']} | {seen['bytes']:,} | "
                         f"{seen['bytes'] / 1024:.0f} | {within} |")
    table = "\n".join(lines)
    print(table)

    out = ROOT / "target" / "bench" / stamp.strftime("%Y-%m-%dT%H%M")
    out.mkdir(parents=True, exist_ok=True)
    (out / "raw.json").write_text(json.dumps({"raw": raw, "bundle": sizes}, indent=1))
    (out / "results.md").write_text(table + "\n")
    print(f"\nwritten to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
