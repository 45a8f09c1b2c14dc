#!/usr/bin/env python3
"""Runs Parley's benchmarks against Parley and the Node reference, interleaved (Parley, Node,
Parley, Node, ...), each run on a freshly started server with an empty database, the server
pinned to CPU 0 and the load generator to CPU 1. Prints medians and the Parley / Node ratio of
every figure, and writes raw.json and results.md under target/bench/<date>/.

Called by scripts/bench, which builds everything first. Options: --reps N (default 3),
--quick (smaller and shorter, to try the harness), --storm N (only the join storm: N clients
joining the lobby, Parley as configured against the same binary announcing every arrival one by
one, PARLEY_BATCH_ABOVE=1000000000, interleaved).
"""
import argparse, datetime, gzip, http.client, json, os, pathlib, platform, shutil, signal
import statistics, subprocess, sys, tempfile, time, urllib.error, urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
BENCH = ROOT / "scripts" / "benchmarks"
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
PARLEY = TARGET / "release" / "parley"
LOADGEN = TARGET / "release" / "parley-loadgen"
PORTS = {"parley": 3300, "node": 3301, "parley-unbatched": 3302}


class Server:
    """One server under test, started pinned to CPU 0 on a fresh database."""

    def __init__(self, kind):
        self.kind, self.port = kind, PORTS[kind]
        self.dir = tempfile.mkdtemp(prefix=f"parley-bench-{kind}-")
        if kind.startswith("parley"):
            env = dict(os.environ, LEPTOS_SITE_ADDR=f"127.0.0.1:{self.port}",
                       LEPTOS_SITE_ROOT=str(ROOT / "target" / "site"), LEPTOS_ENV="PROD",
                       PARLEY_DATABASE_URL=f"sqlite:{self.dir}/parley.db", RUST_LOG="warn",
                       # The reference has no limits; the load is synthetic (every client
                       # signs up from this one address).
                       PARLEY_MESSAGES_PER_MINUTE="1000000000", PARLEY_MESSAGE_BURST="1000000000",
                       PARLEY_SIGNUPS_PER_HOUR="1000000000", PARLEY_ROOMS_PER_HOUR="1000000000")
            if kind == "parley-unbatched":
                env["PARLEY_BATCH_ABOVE"] = "1000000000"
            command, cwd = [str(PARLEY)], ROOT
        else:
            env = dict(os.environ, PORT=str(self.port), DB=f"{self.dir}/reference.db",
                       NODE_ENV="production")
            command, cwd = ["node", "server.js"], BENCH / "node-reference"
        self.process = subprocess.Popen(["taskset", "-c", "0", *command], cwd=cwd, env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{self.url}/healthz", timeout=1).read()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{kind} did not start")

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def loadgen(server, scenario, **options):
    args = ["taskset", "-c", "1", str(LOADGEN), scenario, "--url", server.url,
            "--server-pid", str(server.process.pid)]
    for key, value in options.items():
        args += [f"--{key}", str(value)]
    out = subprocess.run(args, capture_output=True, text=True, timeout=900)
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
    return figures, steps


def polling(kind, seconds, clients=50, senders=5, rate=400):
    """A fixed load over HTTP long-polling: 50 clients, 400 messages/s, 20,000 deliveries/s."""
    r = with_server(kind, lambda s: loadgen(s, "polling", clients=clients, senders=senders,
                                            rate=rate, seconds=seconds))
    return {"polling: deliveries/s (20,000 offered)": r["deliveries_per_s"],
            "polling: lost": r["lost"],
            "polling: p50 ms": r["latency_p50_ms"], "polling: p99 ms": r["latency_p99_ms"],
            "polling: server CPU": r["server_cpu"]}


def browser(kind, visits):
    """Headless Chromium (CPU 1): navigation to a connected, joined socket, fresh context each."""
    def work(server):
        out = subprocess.run(["taskset", "-c", "1", "node", str(BENCH / "browser.mjs"),
                              f"{server.url}/r/lobby", str(visits)],
                             capture_output=True, text=True, timeout=300)
        if out.returncode != 0:
            raise RuntimeError(f"browser on {kind}: {out.stderr.strip()}")
        times = json.loads(out.stdout)["connected_ms"]
        return {"browser: navigation to connected p50 ms": statistics.median(times),
                "browser: navigation to connected max ms": max(times)}
    return with_server(kind, work)


def ack(kind, seconds, clients=50):
    r = with_server(kind, lambda s: loadgen(s, "ack", clients=clients, seconds=seconds))
    return {"ack: round trip p50 ms": r["ack_p50_ms"], "ack: round trip p99 ms": r["ack_p99_ms"],
            "ack: messages/s": r["acked"] / seconds}


def catchup(clients, count):
    """Parley only: readers away while `count` messages are posted catch up by room:sync."""
    r = with_server("parley", lambda s: loadgen(s, "catchup", clients=clients, count=count))
    return {f"catch-up: {clients} clients, {count} messages: ms until all hold all":
            r["all_caught_up_ms"]}


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


def pages(kind, seconds):
    def work(server):
        room = "lobby"
        loadgen(server, "seed", count=50, room=room)
        path = f"/r/{room}"
        cookie = reader_cookie(server)
        ttfb = []
        for _ in range(30):
            connection = http.client.HTTPConnection("127.0.0.1", server.port)
            start = time.perf_counter()
            connection.request("GET", path, headers={"Cookie": cookie})
            response = connection.getresponse()
            response.read(1)
            ttfb.append((time.perf_counter() - start) * 1000)
            response.read()
            connection.close()
        figures = {"page: time to first byte p50 ms": statistics.median(ttfb)}
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
        return figures
    return with_server(kind, work)


def to_ms(text):
    for unit, factor in (("ms", 1), ("us", 0.001), ("s", 1000)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float("nan")


def bundle():
    """Parley's first-page transfer: the release WASM, JS and CSS, raw and gzipped."""
    site = ROOT / "target" / "site"
    sizes = {}
    for path in sorted(site.rglob("*")):
        if path.suffix in {".wasm", ".js", ".css"} and path.is_file():
            data = path.read_bytes()
            sizes[str(path.relative_to(site))] = (len(data), len(gzip.compress(data, 6)))
    return sizes


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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--storm", type=int)
    args = parser.parse_args()
    if args.storm:
        return storm(args.storm, args.reps)
    seconds = 2 if args.quick else 5
    rates = [100, 400, 1600] if args.quick else [100, 200, 400, 800, 1600, 3200, 6400]
    idle_sizes = [500] if args.quick else [1000, 5000]

    results = {"parley": [], "node": []}
    raw = {"parley": [], "node": []}
    for rep in range(args.reps):
        for kind in ("parley", "node") if rep % 2 == 0 else ("node", "parley"):
            print(f"repetition {rep + 1}/{args.reps}: {kind}", file=sys.stderr, flush=True)
            figures = {}
            for clients in idle_sizes:
                figures.update(idle(kind, clients))
            fan, steps = fanout(kind, rates, seconds)
            figures.update(fan)
            figures.update(ack(kind, seconds))
            figures.update(polling(kind, seconds))
            figures.update(pages(kind, seconds))
            figures.update(browser(kind, 3 if args.quick else 10))
            if kind == "parley":
                figures.update(catchup(100, 300) if args.quick else catchup(500, 1000))
            results[kind].append(figures)
            raw[kind].append({"figures": figures, "fanout_steps": steps})

    names = list(dict.fromkeys(k for run in results["parley"] + results["node"] for k in run))
    def median(kind, name):
        values = [run[name] for run in results[kind] if run.get(name) is not None]
        return statistics.median(values) if values else float("nan")
    rows = []
    for name in names:
        p, n = median("parley", name), median("node", name)
        ratio = p / n if n == n and n != 0 else float("nan")
        rows.append((name, p, n, ratio))

    cpu = os.cpu_count()
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    stamp = datetime.datetime.now(datetime.timezone.utc)
    lines = [f"Measured {stamp:%Y-%m-%d %H:%M} UTC on {cpu} cores ({platform.machine()}), "
             f"{rustc}, Node {node}; medians of {args.reps} interleaved runs"
             f"{' (quick)' if args.quick else ''}. Ratio = Parley / Node.", "",
             "| figure | Parley | Node | ratio |", "|---|---:|---:|---:|"]
    for name, p, n, ratio in rows:
        lines.append(f"| {name} | {p:,.2f} | {n:,.2f} | {ratio:.2f} |")
    lines += ["", "Parley's bundle (first page), bytes raw / gzip:", "",
              "| file | raw | gzip |", "|---|---:|---:|"]
    sizes = bundle()
    for name, (size, zipped) in sizes.items():
        lines.append(f"| {name} | {size:,} | {zipped:,} |")
    total = sum(z for _, z in sizes.values())
    lines.append(f"| total | {sum(s for s, _ in sizes.values()):,} | {total:,} ({total / 1024:.0f} KiB) |")
    table = "\n".join(lines)
    print(table)

    out = ROOT / "target" / "bench" / stamp.strftime("%Y-%m-%dT%H%M")
    out.mkdir(parents=True, exist_ok=True)
    (out / "raw.json").write_text(json.dumps({"raw": raw, "bundle": sizes}, indent=1))
    (out / "results.md").write_text(table + "\n")
    print(f"\nwritten to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
