"""1,000 participants follow one live walk while a guide posts every 10 s.

Run: .venv/bin/python benchmarks/live_load.py [--participants 1000] [--seconds 60]
     [--store redis://127.0.0.1:6379/0]

The README's production command (gunicorn --preload, 2 workers × 4 threads) serves the
app on a loopback port, its live walk in a fresh SQLite file (or ``--store``). On the
same machine:

- ``wrk`` (Debian package) plays all participants but ``--probes`` of them: each
  connection polls /live/state.json every 4 s (± 1 s) with the ETag it last got, as
  static/js/live.js does (benchmarks/live_load.lua); any status but 200/304 is an error;
- ``--probes`` Python threads are participants too, and note when each guide post
  first reaches them: the delay from the guide's post to a participant seeing it;
- a guide thread posts every 10 s (positions along the legs, arrivals, departures,
  messages), with a real signed token through the real API.

Targets (issue 14): 0 errors; p95 of participant requests ≤ 100 ms; p95 delay from the
guide's post to a participant seeing it ≤ 5 s. Also printed: the app's CPU seconds per
participant-minute (gunicorn master and workers, from /proc), and wrk's own CPU, since
the load generator shares the two cores. Exits 1 when a target is missed or any
request failed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, SECRET_KEY, SEEDED, machine  # noqa: E402

from tourapp import create_app, stopsfile  # noqa: E402
from tourapp.live import rehearsal  # noqa: E402
from tourapp.live.backends import open_store  # noqa: E402
from tourapp.live.views import guide_token  # noqa: E402
from tourapp.testing import Gunicorn, wait_for  # noqa: E402

POLL_S = 4.0  # static/js/live.js POLL_MS
GUIDE_EVERY_S = 10.0
TARGET_P95_MS = 100
TARGET_DELAY_S = 5.0
TICK = os.sysconf("SC_CLK_TCK")
KEEP_ALIVE_S = 10
"""Longer than the poll: gunicorn's default (2 s) would close every phone's connection
between two polls, and each poll would pay a new connection (a TLS handshake at the proxy)."""


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of these processes, in seconds (from /proc/<pid>/stat)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return total / TICK


def children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


class Guide(threading.Thread):
    """Posts every 10 s through the real API; remembers when each post was sent."""

    def __init__(self, base: str, token: str, stop: threading.Event):
        super().__init__(daemon=True)
        self.api, self.token, self.stop = base + "/live/guide", token, stop
        self.posts: list[tuple[float, float]] = []  # (sent, answered), wall clock
        self.errors: list[str] = []
        tour = stopsfile.load(SEEDED)
        bodies = [a.body for a in rehearsal.script(tour, speed=1, step_m=15)]
        self.bodies = [b for b in bodies if b["type"] != "stop"]
        for i in range(3, len(self.bodies), 7):  # a message now and then
            self.bodies.insert(i, {"type": "message", "text": f"Message {i}: on avance !"})

    def run(self):
        for body in self.bodies:
            if self.stop.wait(GUIDE_EVERY_S if self.posts else 0.5):
                return
            request = urllib.request.Request(
                self.api, data=json.dumps(body).encode(), method="POST",
                headers={"Authorization": f"Bearer {self.token}",
                         "Content-Type": "application/json"})
            sent = time.time()
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    response.read()
                self.posts.append((sent, time.time()))
            except (OSError, urllib.error.HTTPError) as error:
                self.errors.append(f"{body['type']}: {error}")


class Probe(threading.Thread):
    """One participant polling like live.js, noting when each new state reaches it."""

    def __init__(self, url: str, stop: threading.Event):
        super().__init__(daemon=True)
        self.url, self.stop = url, stop
        self.seen: dict[float, float] = {}  # the state's "contact" → when it arrived here
        self.latencies: list[float] = []
        self.errors: list[str] = []

    def run(self):
        etag = None
        if self.stop.wait(random.uniform(0, POLL_S)):
            return
        while not self.stop.is_set():
            headers = {"Accept-Encoding": "identity"}
            if etag:
                headers["If-None-Match"] = etag
            start = time.time()
            try:
                with urllib.request.urlopen(urllib.request.Request(self.url, headers=headers),
                                            timeout=30) as response:
                    body = json.load(response)
                    etag = response.headers["ETag"]
                    if body.get("contact") is not None:
                        self.seen.setdefault(body["contact"], time.time())
            except urllib.error.HTTPError as error:
                if error.code != 304:
                    self.errors.append(f"HTTP {error.code}")
            except (OSError, ValueError) as error:
                self.errors.append(str(error))
            self.latencies.append(time.time() - start)
            self.stop.wait(POLL_S)


def wrk_runs(url: str, connections: int, seconds: int) -> list[subprocess.Popen]:
    """wrk processes of ~50 connections each, started over one poll period, ending together.

    All participants connecting in the same millisecond is not how a walk starts, and
    would measure gunicorn's accept queue rather than the steady state.
    """
    count = max(1, round(connections / 50))
    runs = []
    start = time.monotonic()
    for i in range(count):
        share = connections // count + (1 if i < connections % count else 0)
        time.sleep(max(0.0, start + i * POLL_S / count - time.monotonic()))
        left = seconds - (time.monotonic() - start)
        runs.append(subprocess.Popen(
            ["wrk", "-t1", f"-c{share}", f"-d{max(1, round(left))}s", "--timeout", "10s",
             "-s", str(ROOT / "benchmarks" / "live_load.lua"), url],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "LIVE_POLL_MS": str(int(POLL_S * 1000)), "LIVE_JITTER_MS": "1000",
                 "LIVE_PER_THREAD": str(share)},
        ))
    return runs


def merged_percentile(weighted: list[tuple[int, float]], p: float) -> int:
    """The p-th percentile of several runs' latencies, from their quantiles and sizes."""
    total = sum(weight for _, weight in weighted)
    seen = 0.0
    for value, weight in sorted(weighted):
        seen += weight
        if seen >= total * p / 100:
            return value
    return max(value for value, _ in weighted)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--probes", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--store", default="", help="LIVE_STORE (default: a fresh SQLite file; "
                        "'redis': a redis-server of its own on a loopback port)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: sudo apt-get install wrk")
    folder = Path(tempfile.mkdtemp(prefix="live-load-"))
    redis_server = None
    if args.store == "redis":
        redis_server, args.store = start_redis(folder)
    try:
        return run(args, folder)
    finally:
        if redis_server is not None:
            redis_server.terminate()
            redis_server.wait(10)


def start_redis(folder: Path) -> tuple[subprocess.Popen, str]:
    """Debian's redis-server on a loopback port the OS chose."""
    with socket.socket() as probe:  # the OS picks a free port; redis binds it next
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    wait_for(lambda: answers_redis(port), f"redis-server on port {port}",
             alive=lambda: process.poll() is None)
    return process, url


def answers_redis(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def run(args, folder: Path) -> int:
    """One measured run; the verdict as the exit status."""
    store_url = args.store or f"sqlite:///{folder / 'live.sqlite3'}"
    store = open_store(store_url, str(folder))
    store.reset()
    # The link `tour guide-link` would print for this walk and store.
    app = create_app({"TESTING": True, "TOUR_DATA": SEEDED, "LIVE_STORE": store_url,
                      "SECRET_KEY": SECRET_KEY})
    token = guide_token("Bench", 2, app)
    server = Gunicorn(
        ["--preload", "--workers", "2", "--threads", "4", "--keep-alive", str(KEEP_ALIVE_S)],
        {"TOUR_DATA": str(SEEDED), "FLASK_SECRET_KEY": SECRET_KEY, "LIVE_STORE": store_url},
        ROOT,
    )
    with server:
        process, base = server.process, server.url
        url = base + "/live/state.json"
        with urllib.request.urlopen(url, timeout=30) as response:
            first = json.load(response)  # a real state, not an error page
        assert "stops" in first and len(first["stops"]) == 4, first
        stop = threading.Event()
        guide = Guide(base, token, stop)
        probes = [Probe(url, stop) for _ in range(args.probes)]
        app_pids = [process.pid, *children(process.pid)]
        cpu_before, wall_before = cpu_seconds(app_pids), time.monotonic()
        load_before = os.getloadavg()[0]
        guide.start()
        for probe in probes:
            probe.start()
        connections = args.participants - args.probes
        runs = wrk_runs(url, connections, args.seconds)
        outputs, usages = [], []
        for run in runs:
            outputs.append(run.stdout.read())
            _pid, status, usage = os.wait4(run.pid, 0)
            run.returncode = os.waitstatus_to_exitcode(status)
            usages.append(usage)
        app_pids = [process.pid, *children(process.pid)]
        cpu_app, wall = cpu_seconds(app_pids) - cpu_before, time.monotonic() - wall_before
        load_after = os.getloadavg()[0]
        stop.set()
        guide.join(35)
        for probe in probes:
            probe.join(35)
    store.close()
    results, weighted = [], []
    for run, output in zip(runs, outputs, strict=True):
        match = re.search(r"LIVE_RESULT (\{.*\})", output)
        quantiles = re.search(r"LIVE_QUANTILES ([\d ]+)", output)
        if run.returncode != 0 or not match or not quantiles:
            print(output)
            sys.exit("wrk failed")
        results.append(json.loads(match[1]))
        # Each of the 199 quantiles stands for 1/199 of this run's requests.
        share = results[-1]["requests"] / 199
        weighted += [(int(v), share) for v in quantiles[1].split()]
    w = {key: sum(r[key] for r in results) for key in results[0] if not key.endswith("_us")}
    # Each wrk run has its own histogram: the worst run's percentile is the one reported.
    for key in ("p50_us", "p95_us", "p99_us", "max_us"):
        w[key] = max(r[key] for r in results)
    w["duration_us"] = max(r["duration_us"] for r in results)
    w["worst_p95_us"] = w["p95_us"]
    for key, p in (("p50_us", 50), ("p95_us", 95), ("p99_us", 99)):
        w[key] = merged_percentile(weighted, p)
    socket_errors = w["connect"] + w["read"] + w["write"] + w["timeout"]
    probe_errors = [e for p in probes for e in p.errors]
    delays = []
    for contact_sent, answered in guide.posts:
        for probe in probes:
            # The state whose "contact" was stamped during this post.
            seen = [t for c, t in probe.seen.items() if contact_sent <= c <= answered]
            if seen:
                delays.append(min(seen) - contact_sent)
    posts_seen = len(delays) / max(1, len(guide.posts) * len(probes))
    latencies = [lat for p in probes for lat in p.latencies]
    minutes = wall / 60
    wrk_cpu = sum(u.ru_utime + u.ru_stime for u in usages)

    print(f"machine: {machine()}")
    print(f"load average: {load_before:.2f} before, {load_after:.2f} after")
    print(f"server: gunicorn --preload --workers 2 --threads 4 --keep-alive {KEEP_ALIVE_S}; store: "
          f"{'Redis' if store_url.startswith('redis') else 'SQLite (WAL)'}")
    print(f"participants: {args.participants} ({connections} wrk connections + {args.probes} "
          f"probes; {len(runs)} wrk runs), polling every {POLL_S:g} s for {wall:.0f} s; "
          f"guide posts: "
          f"{len(guide.posts)} (every {GUIDE_EVERY_S:g} s)")
    print(f"wrk: {w['requests']} requests ({w['requests'] / (w['duration_us'] / 1e6):.0f}/s), "
          f"{w['full']} × 200, {w['not_modified']} × 304; latency p50 {w['p50_us'] / 1000:.1f} ms, "
          f"p95 {w['p95_us'] / 1000:.1f} ms, p99 {w['p99_us'] / 1000:.1f} ms, "
          f"max {w['max_us'] / 1000:.0f} ms (all runs merged; worst run's p95 "
          f"{w['worst_p95_us'] / 1000:.1f} ms)")
    print(f"errors: wrk bad status {w['bad_status']}, socket {socket_errors} "
          f"(connect {w['connect']}, read {w['read']}, write {w['write']}, "
          f"timeout {w['timeout']}); probes {len(probe_errors)}; guide {len(guide.errors)}")
    if latencies:
        print(f"probes: {len(latencies)} requests, p95 {percentile(latencies, 95) * 1000:.1f} ms")
    if delays:
        print(f"guide post → participant sees it: p50 {statistics.median(delays):.2f} s, "
              f"p95 {percentile(delays, 95):.2f} s, max {max(delays):.2f} s "
              f"({len(delays)} observations, {posts_seen:.0%} of posts × probes)")
    print(f"CPU: app {cpu_app:.1f} s over {minutes:.2f} min = "
          f"{cpu_app / (args.participants * minutes) * 1000:.2f} ms per participant-minute "
          f"({cpu_app / wall * 100:.0f} % of one core); wrk {wrk_cpu:.1f} s")

    errors = w["bad_status"] + socket_errors + len(probe_errors) + len(guide.errors)
    p95_ms = w["p95_us"] / 1000
    delay_p95 = percentile(delays, 95) if delays else float("inf")
    verdicts = [
        ("0 errors", errors == 0, f"{errors}"),
        (f"p95 participant request ≤ {TARGET_P95_MS} ms", p95_ms <= TARGET_P95_MS,
         f"{p95_ms:.1f} ms"),
        (f"p95 post → participant ≤ {TARGET_DELAY_S:g} s", delay_p95 <= TARGET_DELAY_S
         and posts_seen >= 0.95, f"{delay_p95:.2f} s"),
    ]
    for name, ok, value in verdicts:
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {value}")
    if guide.errors or probe_errors:
        print("first errors:", (guide.errors + probe_errors)[:5])
    return 0 if all(ok for _, ok, _ in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
