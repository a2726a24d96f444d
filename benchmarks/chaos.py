"""A bad day on the production recipe: Redis and a worker killed, a full disk, strangers.

Run: .venv/bin/python benchmarks/chaos.py [--participants 1000] [--seconds 60]

Everything on loopback, bounded in time (issue 21, "Done when"). In a mount namespace
of its own (``unshare -rm``, re-executed automatically), so that the instance folder
can be a 2 MB tmpfs that really fills up:

- gunicorn as deployed (``--preload``, 2 workers × 4 threads), the live walk in a
  redis-server started with ``deploy/redis-tourapp.conf`` (append-only, fsync always);
- participants poll ``/live/state.json`` with their ETag, each on a keep-alive connection
  of its own, 4 s after the previous answer as ``static/js/live.js`` does (Python threads
  with ``http.client``, 10 phones a thread; the load generator's own CPU is printed),
  default 1,000;
- the guide is the real guide page (``static/js/guide.js``) in headless Chromium: every
  2 s the benchmark types a message and taps « Send », and the page queues the report
  (kept on the phone, retried on network errors and 5xx). What the page counted as
  acknowledged is what the server answered 2xx to, seen from the page's own requests;
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
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tourapp.testing import (  # noqa: E402
    Gunicorn,
    RedisServer,
    fill_disk,
    launch_chromium,
    phone_context,
    wait_until,
)

SECRET = "chaos-benchmark-secret-key-0123456789"
POLL_S = 4.0
GUIDE_EVERY_S = 2.0
PHONES_PER_THREAD = 10  # a slow answer delays the thread's other phones a little
QUEUE_KEY = "tourapp-guide-queue"  # static/js/guide.js keeps unacknowledged reports there


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

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.polls: list[tuple[float, int, float]] = []  # (time, status, latency)
        self.seen: dict[str, float] = {}  # message text -> first time a participant saw it
        self.sent: dict[str, float] = {}  # message text -> first time the guide sent it
        self.acked: list[str] = []  # report ids the guide page had answered 2xx
        self.refused: list[tuple[int, str]] = []  # 4xx the page dropped (none expected)
        self.guide_answers: list[tuple[float, int]] = []
        self.page_errors: list[str] = []
        self.left_in_queue = -1
        self.guide_done = threading.Event()
        self.strange_links = 0  # answers naming a stranger's Host:
        self.resent = 0  # polls sent again on a new connection, the old one found closed
        self.stranger: list[tuple[float, str, int]] = []
        self.versions: set[str] = set()
        self.undone = 0
        self.outages: list[list[float]] = []


class Phone:
    """One participant: its own keep-alive connection and ETag, as a browser keeps them."""

    def __init__(self, base: str):
        host, port = base.split("//")[1].split(":")
        self.address = (host, int(port))
        self.conn: http.client.HTTPConnection | None = None
        self.etag = ""

    def poll(self, run: Run) -> tuple[int, dict, bytes]:
        reused = self.conn is not None
        status, headers, body = self._poll()
        if status == 0 and reused:
            # A kept-alive connection found closed (its worker was killed): a browser
            # sends an idempotent GET again on a new connection, and so does this phone.
            with run.lock:
                run.resent += 1
            status, headers, body = self._poll()
        return status, headers, body

    def _poll(self) -> tuple[int, dict, bytes]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(*self.address, timeout=10)
        try:
            self.conn.request("GET", "/live/state.json",
                              headers={"If-None-Match": self.etag} if self.etag else {})
            response = self.conn.getresponse()
            body = response.read()
            if response.will_close:
                self.conn.close()
                self.conn = None
            return response.status, dict(response.getheaders()), body
        except (OSError, http.client.HTTPException):
            if self.conn is not None:
                self.conn.close()
            self.conn = None  # a new connection next time (the killed worker's, say)
            return 0, {}, b""


def participants(run: Run, base: str, count: int) -> None:
    """``count`` phones in one thread, each polling every POLL_S on its own connection."""
    phones = [Phone(base) for _ in range(count)]
    due = [time.monotonic() + random.uniform(0, POLL_S) for _ in range(count)]
    while not run.stop.is_set():
        i = min(range(count), key=due.__getitem__)
        if run.stop.wait(max(0.0, due[i] - time.monotonic())):
            break
        started = time.monotonic()
        status, headers, body = phones[i].poll(run)
        with run.lock:
            run.polls.append((time.time(), status, time.monotonic() - started))
        if status == 200:
            phones[i].etag = headers.get("ETag", "")
            message = (json.loads(body).get("message") or {}).get("text", "")
            with run.lock:
                run.seen.setdefault(message, time.time())
        due[i] = time.monotonic() + POLL_S  # live.js: setTimeout(poll, 4000) after the answer
    for phone in phones:
        if phone.conn is not None:
            phone.conn.close()


def guide_page(run: Run, base: str, token: str, ready: threading.Event) -> None:
    """The real guide page in headless Chromium: a message typed and sent every 2 s.

    The page queues each report and removes it once the server answered 2xx
    (``static/js/guide.js``); those answers, seen on the page's own requests, are the
    acknowledged reports. At the end the page's queue must be empty.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = phone_context(browser)
        page = context.new_page()

        def answered(response) -> None:
            request = response.request
            if request.method != "POST" or not request.url.endswith("/live/guide"):
                return
            try:
                body = request.post_data_json or {}
            except ValueError:
                body = {}
            with run.lock:
                run.guide_answers.append((time.time(), response.status))
                if 200 <= response.status < 300 and body.get("type") == "message":
                    run.acked.append(body["id"])
                elif response.status < 500 and response.status != 429:
                    run.refused.append((response.status, str(body.get("text"))))

        page.on("response", answered)
        page.on("pageerror", lambda error: run.page_errors.append(str(error)))
        page.goto(f"{base}/fr/guide#token={token}")
        wait_until(page, "() => !document.querySelector('.guide-actions').hidden",
                   timeout_s=60)
        ready.set()
        n, began = 0, time.monotonic()
        while not run.stop.is_set():
            n += 1
            text = f"chaos {n}"
            page.fill(".guide-text", text)
            page.click(".guide-send")
            with run.lock:
                run.sent.setdefault(text, time.time())
            # Every GUIDE_EVERY_S from the start, however long typing and tapping took.
            page.wait_for_timeout(max(0.0, began + n * GUIDE_EVERY_S - time.monotonic()) * 1000)
            if run.guide_done.is_set():
                break
        # The page sends what it still holds (a 5xx is retried every 5 s).
        queued = f"() => (JSON.parse(localStorage.getItem('{QUEUE_KEY}')) || []).length"
        try:
            wait_until(page, queued.replace("length", "length === 0"), timeout_s=60)
        except AssertionError:
            pass
        run.left_in_queue = page.evaluate(queued)
        context.close()
        browser.close()


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
        status, answer_headers, answer = request(base, method, path, body, headers)
        if b"evil" in answer or "evil" in answer_headers.get("Location", ""):
            with run.lock:
                run.strange_links += 1
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


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))] if values else float("nan")


def children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=60)
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
    redis = RedisServer(folder / "redis", f"include {ROOT / 'deploy' / 'redis-tourapp.conf'}")
    redis.start()
    # deploy/tourapp.env's settings, on loopback.
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "FLASK_TOUR_DATA": str(data),
           "FLASK_SECRET_KEY": SECRET, "FLASK_INSTANCE_PATH": str(instance),
           "FLASK_LIVE_STORE": redis.url, "FLASK_PUBLIC_URL": "https://walk.example.org/"}
    old = cli(env, "guide-link", "--name", "Old").split("#token=")[1].split()[0]
    cli(env, "guide-link", "--revoke-all")
    token = cli(env, "guide-link", "--name", "Chaos").split("#token=")[1].split()[0]
    # Their own link: the rate limit is per link, and the guide's must stay the guide's.
    odd = cli(env, "guide-link", "--name", "Odd").split("#token=")[1].split()[0]
    run = Run()
    load_before = os.getloadavg()
    with Gunicorn(["--preload", "--workers", "2", "--threads", "4", "--keep-alive", "10"],
                  env, ROOT) as server:
        base = server.url
        ready = threading.Event()
        page = threading.Thread(target=guide_page, args=(run, base, token, ready))
        page.start()
        ready.wait(90)
        threads = [threading.Thread(target=strangers, args=(run, base, odd))]
        for start in range(0, args.participants, PHONES_PER_THREAD):
            count = min(PHONES_PER_THREAD, args.participants - start)
            threads.append(threading.Thread(target=participants, args=(run, base, count)))
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        began = time.monotonic()
        for thread in threads:
            thread.start()

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
        assert server.process is not None  # started by __enter__
        os.kill(random.choice(children(server.process.pid)), signal.SIGKILL)
        revoked_still()
        at(0.6)
        filler = fill_disk(instance)
        doc = json.loads(data.read_text(encoding="utf-8"))
        doc["features"][0]["properties"]["name_fr"] = "Hôtel de Métropole (édité disque plein)"
        data.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        time.sleep(10)
        filler.unlink()
        revoked_still()
        at(1.0)
        run.guide_done.set()
        page.join(120)  # the page's queue drains
        time.sleep(POLL_S + 1)  # participants see the last message
        run.stop.set()
        for thread in threads:
            thread.join(30)
        wall = time.monotonic() - began
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        load_after = os.getloadavg()
        revoked_still()
        from tourapp.live.backends import open_store
        from tourapp.stopsfile import history

        store = open_store(redis.url, str(instance))
        _rev, live_doc = store.read()
        recorded = {e.version for e in history.History(
            history.default_folder(instance, data)).entries()}
    redis.kill()
    kept_ids = set(live_doc.get("ids", []))
    lost = [i for i in run.acked if i not in kept_ids]
    last = max(run.sent, key=run.sent.__getitem__) if run.sent else ""

    def in_outage(t: float) -> bool:
        return any(a <= t <= b for a, b in run.outages)

    bad = [(t, s) for t, s, _lat in run.polls if (s >= 500 or s == 0) and not in_outage(t)]
    bad_5xx = [s for _t, s in bad if s >= 500]
    stranger_5xx = [(p, s) for t, p, s in run.stranger if s >= 500 and not in_outage(t)]
    unrecorded = run.versions - recorded
    latencies = [lat for _t, s, lat in run.polls if s in (200, 304)]
    delays = [run.seen[m] - run.sent[m] for m in run.sent if m in run.seen]
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    guide_5xx = sum(1 for _t, s in run.guide_answers if s >= 500)
    print(f"participants {args.participants}, {args.seconds} s of chaos ({wall:.0f} s in all), "
          f"{len(run.polls)} polls ({len(run.polls) / wall:.0f}/s, "
          f"at most {args.participants / POLL_S:.0f}/s); load average "
          f"{load_before[0]:.1f} before, {load_after[0]:.1f} after; load generator's own CPU "
          f"{cpu:.0f} s = {cpu / wall:.2f} core (Chromium aside)")
    print(f"guide page: {len(run.sent)} messages typed and sent, {len(run.acked)} acknowledged "
          f"(2xx), {guide_5xx} answers 5xx (kept and retried by the page), "
          f"{len(run.refused)} refused 4xx {run.refused[:3]}, {run.left_in_queue} left in its "
          f"queue at the end, page errors {run.page_errors[:3]}")
    print(f"acknowledged reports lost: {len(lost)} {lost[:5]}; the last message on the walk: "
          f"{(live_doc.get('message') or {}).get('text')!r} (sent last: {last!r})")
    print(f"revocations undone: {run.undone}")
    print(f"5xx seen by participants outside the outage window: {len(bad_5xx)} "
          f"(socket errors outside it: {len(bad) - len(bad_5xx)}, after {run.resent} polls "
          f"sent again on a new connection as browsers do); "
          f"strangers' 5xx outside it: {len(stranger_5xx)} {stranger_5xx[:3]}; answers naming "
          f"a stranger's host: {run.strange_links}")
    print(f"versions served that the history does not hold: {len(unrecorded)} "
          f"(served {len(run.versions)}, recorded {len(recorded)})")
    print(f"poll latency p95: {percentile(latencies, 95) * 1000:.0f} ms "
          f"(p50 {percentile(latencies, 50) * 1000:.0f} ms)")
    if delays:
        print(f"guide post to phone: p95 {percentile(delays, 95):.1f} s, "
              f"median {statistics.median(delays):.1f} s ({len(delays)} messages)")
    failed = (lost or run.undone or bad_5xx or stranger_5xx or unrecorded or run.strange_links
              or run.left_in_queue != 0 or run.refused)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
