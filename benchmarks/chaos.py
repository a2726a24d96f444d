"""A bad day on the production recipe: Redis and a worker killed, a full disk, strangers.

Run: .venv/bin/python benchmarks/chaos.py [--participants 300] [--seconds 50]

Everything on loopback, bounded in time (issue 21, "Done when"). In a mount namespace
of its own (``unshare -rm``, re-executed automatically), so that the instance folder
can be a 2 MB tmpfs that really fills up:

- gunicorn as deployed (``--preload``, 2 workers × 4 threads), the live walk in a
  redis-server started with ``deploy/redis-tourapp.conf`` (append-only, fsync always);
- participants poll ``/live/state.json`` every 4 s with their ETag (Python threads,
  several participants each: default 300, ``--participants 1000`` on a bigger machine);
- a guide posts a message every 2 s, each with a report id; a report not acknowledged
  (error, 5xx, 429) stays queued and is sent again, in order, as a queueing page does
  (a Python loop here, not ``static/js/guide.js``);
- a link revoked with ``tour guide-link --revoke-all`` before the chaos is tried again
  after each event;
- at 20 % of the run Redis is SIGKILLed and restarted 3 s later; at 40 % a gunicorn
  worker is SIGKILLed; at 60 % the instance disk is filled for 10 s while the stops file
  is edited, then freed;
- strangers send the inputs of issue 21: a lone surrogate, a 1,900-digit number, JSON
  nested 1,000 deep, random ``Host:`` headers, ``?at=`` previews with random arguments,
  ``//`` in paths; and fetch ``/fr/`` noting the version served.

Prints: acknowledged reports lost, revocations undone, 5xx seen by participants outside
the Redis outage window (its start to 2 s after Redis answers again), versions served
that the history does not hold, p95 poll latency, guide post to phone p95. Exits 1 when
one of the first four is not 0.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tourapp.testing import Gunicorn, wait_for  # noqa: E402

SECRET = "chaos-benchmark-secret-key-0123456789"
POLL_S = 4.0
GUIDE_EVERY_S = 2.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Redis:
    """redis-server with the shipped settings, killable and restartable on the same files."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.conf = folder / "redis.conf"
        self.conf.write_text(f"include {ROOT / 'deploy' / 'redis-tourapp.conf'}\n"
                             f"port {self.port}\nbind 127.0.0.1\ndir {folder}\n"
                             f"logfile {folder / 'redis.log'}\n")
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        self.process = subprocess.Popen(["redis-server", str(self.conf)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self.answers, "redis-server", timeout_s=20)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)


def request(base: str, method: str, path: str, body: bytes | None = None,
            headers: dict | None = None, timeout: float = 10) -> tuple[int, dict, bytes]:
    """One request on a fresh connection: (status, headers, body); status 0 on a socket error."""
    host, port = base.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    except OSError:
        return 0, {}, b""
    finally:
        conn.close()


class Run:
    """What every thread notes, with the time of each observation."""

    def __init__(self):
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.polls: list[tuple[float, int, float]] = []  # (time, status, latency)
        self.seen: dict[str, float] = {}  # message text -> first time a participant saw it
        self.sent: dict[str, float] = {}  # message text -> first time the guide sent it
        self.acked: list[str] = []
        self.stranger: list[tuple[float, str, int]] = []
        self.versions: set[str] = set()
        self.undone = 0
        self.outages: list[list[float]] = []


def participants(run: Run, base: str, count: int) -> None:
    """``count`` phones in one thread, each with its ETag, polling every POLL_S."""
    etags = [""] * count
    due = [time.monotonic() + random.uniform(0, POLL_S) for _ in range(count)]
    while not run.stop.is_set():
        i = min(range(count), key=due.__getitem__)
        time.sleep(max(0.0, due[i] - time.monotonic()))
        started = time.monotonic()
        status, headers, body = request(base, "GET", "/live/state.json",
                                        headers={"If-None-Match": etags[i]} if etags[i] else {})
        with run.lock:
            run.polls.append((time.time(), status, time.monotonic() - started))
        if status == 200:
            etags[i] = headers.get("ETag", "")
            message = (json.loads(body).get("message") or {}).get("text", "")
            with run.lock:
                run.seen.setdefault(message, time.time())
        due[i] = time.monotonic() + POLL_S


def guide(run: Run, base: str, token: str) -> None:
    """A message every GUIDE_EVERY_S; unacknowledged reports stay queued, sent again in order."""
    queue: list[dict] = []
    n = 0
    while not run.stop.is_set():
        n += 1
        text = f"chaos {n}"
        queue.append({"type": "message", "text": text, "id": f"c-{n}"})
        run.sent.setdefault(text, time.time())
        while queue:
            status, _h, _b = request(base, "POST", "/live/guide",
                                     json.dumps(queue[0]).encode(),
                                     {"Authorization": f"Bearer {token}",
                                      "Content-Type": "application/json"}, timeout=5)
            if status != 200:
                break  # kept: sent again at the next tick
            with run.lock:
                run.acked.append(queue.pop(0)["id"])
            time.sleep(1.05)  # one request a second per link
        run.stop.wait(GUIDE_EVERY_S)


def strangers(run: Run, base: str, token: str) -> None:
    """The inputs of issue 21, over and over; the version each /fr/ names."""
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    inputs = [
        ("POST", "/live/guide", b'{"type":"message","text":"Hello \\ud800 world"}', auth),
        ("POST", "/live/guide", b'{"type":"clock","at":"13:30","speed":' + b"9" * 1900 + b"}",
         auth),
        ("POST", "/live/guide", b"[" * 1000 + b"]" * 1000, auth),
        ("GET", "/fr/guides", None, {"Host": "evil.example"}),
        ("GET", "/fr//guides", None, {"Host": "evil.example"}),
        ("GET", "/fr/tour.gpx", None, {"Host": "evil2.example"}),
    ]
    while not run.stop.is_set():
        method, path, body, headers = random.choice(inputs)
        status, _h, _b = request(base, method, path, body, headers)
        at = f"/fr/?at={random.randrange(24):02d}:{random.randrange(60):02d}&r={random.random()}"
        page, page_headers, _ = request(base, "GET", random.choice([at, "/fr/"]))
        with run.lock:
            run.stranger.append((time.time(), path, status))
            run.stranger.append((time.time(), "/fr/", page))
            if page == 200:
                run.versions.add(page_headers.get("X-Tour-Version", ""))
        run.stop.wait(0.2)


def cli(env: dict, *args: str) -> str:
    result = subprocess.run([str(Path(sys.executable).with_name("flask")), "--app", "tourapp",
                             "tour", *args], env=env, cwd=ROOT, capture_output=True, text=True,
                            check=True)
    return result.stdout


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass  # ENOSPC: the disk is full
    finally:
        os.close(fd)
    return filler


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))] if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument("--seconds", type=int, default=50)
    args = parser.parse_args()
    if os.environ.get("CHAOS_NAMESPACE") != "1":
        os.environ["CHAOS_NAMESPACE"] = "1"
        os.execvp("unshare", ["unshare", "-rm", sys.executable, __file__, *sys.argv[1:]])
    folder = Path(tempfile.mkdtemp(prefix="chaos-"))
    instance = folder / "instance"
    instance.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(instance)], check=True)
    data = folder / "stops.geojson"
    data.write_bytes((ROOT / "data" / "stops.geojson").read_bytes())
    redis = Redis(folder / "redis")
    redis.start()
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "FLASK_TOUR_DATA": str(data),
           "FLASK_SECRET_KEY": SECRET, "FLASK_INSTANCE_PATH": str(instance),
           "FLASK_LIVE_STORE": redis.url}
    old = cli(env, "guide-link", "--name", "Old").split("#token=")[1].split()[0]
    cli(env, "guide-link", "--revoke-all")
    token = cli(env, "guide-link", "--name", "Chaos").split("#token=")[1].split()[0]
    # Their own link: the rate limit is per link, and the guide's must stay the guide's.
    odd = cli(env, "guide-link", "--name", "Odd").split("#token=")[1].split()[0]
    run = Run()
    with Gunicorn(["--preload", "--workers", "2", "--threads", "4", "--keep-alive", "10"],
                  env, ROOT) as server:
        base = server.url
        threads = [threading.Thread(target=guide, args=(run, base, token)),
                   threading.Thread(target=strangers, args=(run, base, odd))]
        per_thread = 10
        for start in range(0, args.participants, per_thread):
            count = min(per_thread, args.participants - start)
            threads.append(threading.Thread(target=participants, args=(run, base, count)))
        for thread in threads:
            thread.start()
        began = time.monotonic()

        def at(share: float) -> None:
            time.sleep(max(0.0, began + share * args.seconds - time.monotonic()))

        def revoked_still() -> None:
            status, _h, _b = request(base, "GET", "/live/guide",
                                     headers={"Authorization": f"Bearer {old}"})
            if status == 200:
                run.undone += 1

        at(0.2)
        outage = [time.time()]
        redis.kill()
        time.sleep(3)
        redis.start()
        outage.append(time.time() + 2)
        run.outages.append(outage)
        revoked_still()
        at(0.4)
        workers = [int(p) for p in Path(f"/proc/{server.process.pid}/task/{server.process.pid}"
                                         "/children").read_text().split()]
        os.kill(random.choice(workers), signal.SIGKILL)
        revoked_still()
        at(0.6)
        filler = fill(instance)
        doc = json.loads(data.read_text(encoding="utf-8"))
        doc["features"][0]["properties"]["name_fr"] = "Hôtel de Métropole (édité disque plein)"
        data.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        time.sleep(10)
        filler.unlink()
        revoked_still()
        at(1.0)
        time.sleep(2 * GUIDE_EVERY_S)  # the guide's queue drains
        run.stop.set()
        for thread in threads:
            thread.join(30)
        revoked_still()
        from tourapp.live.backends import open_store
        from tourapp.stopsfile import history

        store = open_store(redis.url, str(instance))
        _rev, live_doc = store.read()
        recorded = {e.version for e in history.History(
            history.default_folder(instance, data)).entries()}
    redis.kill()
    lost = [i for i in run.acked if i not in live_doc.get("reports", [])]

    def in_outage(t: float) -> bool:
        return any(a <= t <= b for a, b in run.outages)

    bad = [(t, s) for t, s, _lat in run.polls if (s >= 500 or s == 0) and not in_outage(t)]
    bad_5xx = [s for _t, s in bad if s >= 500]
    stranger_5xx = [(p, s) for t, p, s in run.stranger if s >= 500 and not in_outage(t)]
    unrecorded = run.versions - recorded
    latencies = [lat for _t, s, lat in run.polls if s in (200, 304)]
    delays = [run.seen[m] - run.sent[m] for m in run.sent if m in run.seen]
    print(f"participants {args.participants}, {args.seconds} s, {len(run.polls)} polls; guide: "
          f"{len(run.sent)} messages written, {len(run.acked)} acknowledged")
    print(f"acknowledged reports lost: {len(lost)} {lost[:5]}")
    print(f"revocations undone: {run.undone}")
    print(f"5xx seen by participants outside the outage window: {len(bad_5xx)} "
          f"(socket errors outside it, e.g. the killed worker's: {len(bad) - len(bad_5xx)}); "
          f"strangers' 5xx outside it: {len(stranger_5xx)} {stranger_5xx[:3]}")
    print(f"versions served that the history does not hold: {len(unrecorded)} "
          f"(served {len(run.versions)}, recorded {len(recorded)})")
    print(f"poll latency p95: {percentile(latencies, 95) * 1000:.0f} ms "
          f"(p50 {percentile(latencies, 50) * 1000:.0f} ms)")
    if delays:
        print(f"guide post to phone: p95 {percentile(delays, 95):.1f} s, "
              f"median {statistics.median(delays):.1f} s ({len(delays)} messages)")
    failed = lost or run.undone or bad_5xx or stranger_5xx or unrecorded
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
