#!/usr/bin/env python3
"""Load and fault benchmark: pages under load while the data file is rewritten badly.

gunicorn serves the app with two worker processes on loopback; wrk (Debian package)
keeps 100 connections busy for 30 s on /fr/ and /en/, while another process rewrites
the data file every 200 ms, in place, cycling through a valid change, a truncated
write and invalid JSON, and one worker is killed with SIGKILL every 10 s. wrk's Lua
hooks check every response: status 200, a complete page (``</html>``), an
``X-Tour-Version`` header, and a page that declares that same version
(``data-tour-version``); they record the version and the time each response came
back. Every version served must be one the app accepted (its shared history). The
staleness figure: responses that served a version older than the newest accepted
one more than 1 s after it was accepted (target 0). Connections cut by a kill are
counted apart; every other error counts. The target is 0 errors.

    .venv/bin/python benchmarks/reload_under_load.py [--duration 30] [--connections 100]
        [--kill-every 10] [--no-preload]

Prints figures; records nothing by itself (copy them to benchmarks/RESULTS.md).
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import hashlib
import json
import multiprocessing
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from tourapp.testing import Gunicorn

ROOT = Path(__file__).resolve().parent.parent
SEEDED = ROOT / "data" / "stops.geojson"

WRK_SCRIPT = r"""
counts = {ok = 0, status = 0, incomplete = 0, noversion = 0, mismatch = 0}
versions = {}
statuses = {}
local threads = {}
local paths = {"/fr/", "/en/"}
local n = 0
local ffi = require("ffi")
ffi.cdef[[
  typedef struct { long tv_sec; long tv_usec; } tourapp_timeval;
  int gettimeofday(tourapp_timeval *tv, void *tz);
]]
local tv = ffi.new("tourapp_timeval")
local log = nil

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  -- One file per thread: "<wall-clock seconds> <version>" for every complete page.
  log = io.open(args[1] .. "/served-" .. id .. ".txt", "w")
  log:setvbuf("line")
end

local function now()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) + tonumber(tv.tv_usec) / 1e6
end

function request()
  n = n + 1
  return wrk.format("GET", paths[n % 2 + 1])
end

function response(status, headers, body)
  if status ~= 200 then
    counts.status = counts.status + 1
    statuses[tostring(status)] = (statuses[tostring(status)] or 0) + 1
    return
  end
  if not string.find(body, "</html>%s*$") then counts.incomplete = counts.incomplete + 1 return end
  local v = headers["X-Tour-Version"]
  if v == nil then counts.noversion = counts.noversion + 1 return end
  -- The page must be of the version the header names: the page declares it.
  if not string.find(body, 'data-tour-version="' .. v .. '"', 1, true) then
    counts.mismatch = counts.mismatch + 1 return
  end
  log:write(string.format("%.6f %s\n", now(), v))
  counts.ok = counts.ok + 1
  versions[v] = (versions[v] or 0) + 1
end

function done(summary, latency, requests)
  local total = {ok = 0, status = 0, incomplete = 0, noversion = 0, mismatch = 0}
  local seen = {}
  local codes = {}
  for _, thread in ipairs(threads) do
    local c = thread:get("counts")
    for k, v in pairs(c) do total[k] = total[k] + v end
    for k, v in pairs(thread:get("versions")) do seen[k] = (seen[k] or 0) + v end
    for k, v in pairs(thread:get("statuses")) do codes[k] = (codes[k] or 0) + v end
  end
  local cparts = {}
  for k, v in pairs(codes) do table.insert(cparts, string.format('"%s": %d', k, v)) end
  local parts = {}
  for k, v in pairs(total) do table.insert(parts, string.format('"%s": %d', k, v)) end
  local vparts = {}
  for k, v in pairs(seen) do table.insert(vparts, string.format('"%s": %d', k, v)) end
  local e = summary.errors
  io.write(string.format(
    'RESULT {%s, "versions": {%s}, "codes": {%s}, ' ..
    '"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.0f}}\n',
    table.concat(parts, ", "), table.concat(vparts, ", "), table.concat(cparts, ", "),
    summary.requests,
    summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean))
end
"""


def version(data: bytes) -> str:
    """The app's version of a file: the hash of its bytes (tourapp.stopsfile.parse)."""
    return hashlib.sha256(data).hexdigest()[:16]


def rewriter(path: str, interval: float, stop, log: str) -> None:
    """Every ``interval`` s rewrite ``path`` in place: valid, truncated, invalid, and again."""
    document = json.loads(SEEDED.read_text(encoding="utf-8"))
    counts = {"valid": 0, "truncated": 0, "invalid": 0}
    valid_versions = []
    n = 0
    while not stop.is_set():
        n += 1
        kind = ("valid", "truncated", "invalid")[(n - 1) % 3]
        document["features"][-1]["properties"]["description_en"] = f"Change number {n}."
        document["features"][1]["properties"]["duration_min"] = 20 + n % 20
        good = (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode()
        if kind == "valid":
            data = good
            valid_versions.append(version(data))
        elif kind == "truncated":
            data = good[: len(good) * 2 // 3]  # a writer that crashed mid-way
        else:
            data = good.replace(b'"order": 2,', b'"order": 2;', 1)  # a typo
        # In place, as a plain editor does: a reader may catch the file half-written.
        with open(path, "wb") as out:
            out.write(data)
        counts[kind] += 1
        time.sleep(interval)
    Path(log).write_text(json.dumps({"counts": counts, "versions": valid_versions}))


def worker_pids(master: int) -> list[int]:
    """gunicorn's worker processes: the master's children, oldest first."""
    try:
        text = Path(f"/proc/{master}/task/{master}/children").read_text()
    except OSError:
        return []
    return sorted(int(pid) for pid in text.split())


def kill_workers(master: int, every: float, stop, kills: list[float]) -> None:
    """SIGKILL the oldest worker every ``every`` seconds, as an OOM killer or a crash would."""
    while every > 0 and not stop.wait(every):
        pids = worker_pids(master)
        if pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pids[0], signal.SIGKILL)
                kills.append(time.time())


def staleness(work: Path, accepted: list[dict]) -> tuple[int, int, float]:
    """(stale responses, responses recorded, longest lag) against the history's acceptances.

    A response received at ``t`` is stale when it names a version other than the newest
    one accepted by ``t - 1 s`` and that version was not itself accepted again since.
    The lag of a response is how long the newer version it missed had been accepted.
    """
    times = [e["accepted_at"] for e in accepted]
    last_accepted: dict[str, list[float]] = {}
    for entry in accepted:
        last_accepted.setdefault(entry["version"], []).append(entry["accepted_at"])
    stale = responses = 0
    lag = 0.0
    for path in work.glob("served-*.txt"):
        for line in path.read_text().splitlines():
            stamp, version = line.split()
            t = float(stamp)
            responses += 1
            newest = bisect.bisect_right(times, t) - 1
            if newest < 0 or accepted[newest]["version"] == version:
                continue
            own = [a for a in last_accepted.get(version, []) if a <= t]
            if own and max(own) >= times[newest]:
                continue  # accepted again after the one above: it is the newest
            behind = t - times[newest]
            lag = max(lag, behind)
            stale += behind > 1.0
    return stale, responses, lag


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=30, help="seconds of load")
    parser.add_argument("--connections", type=int, default=100, help="concurrent clients")
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between rewrites")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (as README)")
    parser.add_argument("--kill-every", type=float, default=10.0,
                        help="seconds between SIGKILLs of one worker (0: never)")
    parser.add_argument("--no-preload", action="store_true", help="gunicorn without --preload")
    args = parser.parse_args()

    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("wrk is missing: `make system-deps` installs the Debian package")
    work = Path(tempfile.mkdtemp(prefix="tourapp-bench-"))
    data = work / "stops.geojson"
    data.write_bytes(SEEDED.read_bytes())
    (work / "load.lua").write_text(WRK_SCRIPT)
    history = work / "history"
    env = {
        **os.environ, "TOUR_DATA": str(data), "FLASK_SECRET_KEY": secrets.token_hex(),
        # The shared history the workers decide the served version by; long enough to
        # keep every version accepted during the run.
        "FLASK_TOUR_HISTORY_DIR": str(history), "FLASK_TOUR_HISTORY_KEEP": "100000",
    }
    env.pop("FLASK_DEBUG", None)
    preload = [] if args.no_preload else ["--preload"]
    server = Gunicorn(
        [*preload, "--workers", str(args.workers), "--threads", str(args.threads),
         "--backlog", "2048"],
        env, ROOT,
    )
    with server:
        url = server.url
        for path in ("/fr/", "/en/"):
            urllib.request.urlopen(url + path, timeout=60).read()
        initial = version(data.read_bytes())
        stop = multiprocessing.Event()
        writer_log = work / "writer.json"
        writer = multiprocessing.Process(
            target=rewriter, args=(str(data), args.interval, stop, str(writer_log))
        )
        writer.start()
        kills: list[float] = []
        killer = threading.Thread(
            target=kill_workers, args=(server.process.pid, args.kill_every, stop, kills),
            daemon=True,
        )
        started = time.time()
        load_before = os.getloadavg()[0]
        killer.start()
        result = subprocess.run(
            [wrk, "-t2", f"-c{args.connections}", f"-d{args.duration}s", "--timeout", "10s",
             "-s", str(work / "load.lua"), url + "/fr/", "--", str(work)],
            capture_output=True, text=True,
        )
        stop.set()
        writer.join(10)
        killer.join(10)
        health = json.loads(urllib.request.urlopen(url + "/healthz", timeout=10).read())
    (work / "gunicorn.log").write_text("".join(server.log))

    line = next((x for x in result.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        print(result.stdout, result.stderr)
        return 2
    figures = json.loads(line.removeprefix("RESULT "))
    written = json.loads(writer_log.read_text())
    accepted = json.loads((history / "log.json").read_text())
    valid = {initial, *written["versions"]}
    served = figures["versions"]
    # Only versions the app accepted may be served: never a half-written or refused one.
    foreign = {v: n for v, n in served.items() if v not in {e["version"] for e in accepted}}
    stale, responses, lag = staleness(work, accepted)
    server_output = (work / "gunicorn.log").read_text(errors="replace")
    tracebacks = server_output.count("Traceback")
    refusals = len(re.findall(r"refused .*stops\.geojson", server_output))
    # wrk counts non-2xx answers in errors.status too: count them once, as figures["status"].
    # A SIGKILL cuts the connections its worker held (read/write/connect errors): counted
    # apart when workers were killed; timeouts always count.
    cut_kinds = ("read", "write", "connect") if kills else ()
    cut = sum(figures["errors"][k] for k in cut_kinds)
    errors = sum(v for k, v in figures["errors"].items() if k not in ("status", *cut_kinds))
    errors += figures["status"] + figures["incomplete"]
    errors += figures["noversion"] + figures["mismatch"] + sum(foreign.values()) + tracebacks
    errors += stale + (responses != figures["ok"])
    seconds = figures["duration_us"] / 1e6
    lat = figures["latency_us"]

    print(f"date            {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))}")
    print(f"machine         {platform.machine()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, load average before "
          f"{load_before:.1f}")
    print(f"server          gunicorn {'' if args.no_preload else '--preload '}"
          f"{args.workers} workers x {args.threads} thread(s), loopback")
    print(f"kills           {len(kills)} SIGKILLs of one worker"
          + (f", every {args.kill_every:g} s" if kills else ""))
    print(f"load            wrk, {args.connections} connections, {seconds:.1f} s, "
          f"/fr/ and /en/")
    print(f"rewrites        {written['counts']} every {args.interval * 1000:.0f} ms, in place")
    print(f"requests        {figures['requests']:,} ({figures['requests'] / seconds:,.0f}/s), "
          f"{figures['bytes'] / 1e6:,.1f} MB")
    print(f"latency         p50 {lat['p50'] / 1000:.1f} ms, p90 {lat['p90'] / 1000:.1f} ms, "
          f"p99 {lat['p99'] / 1000:.1f} ms, max {lat['max'] / 1000:.1f} ms")
    print(f"complete pages  {figures['ok']:,} of a valid version; "
          f"{len(served)} versions served of {len(valid)} written valid, "
          f"{len(accepted)} accepted")
    print(f"staleness       {stale} responses served a version older than the newest "
          f"accepted one more than 1 s after its acceptance (of {responses:,} recorded); "
          f"longest lag behind the newest accepted version: {lag * 1000:.0f} ms")
    print(f"cut by kills    {cut} connections (wrk socket errors; workers were killed)")
    print(f"errors          socket {figures['errors']} (timeouts count), "
          f"non-200 {figures['status']} "
          f"{figures['codes'] or ''}, incomplete {figures['incomplete']}, "
          f"no version {figures['noversion']}, "
          f"page/version mismatch {figures['mismatch']}, unknown version "
          f"{sum(foreign.values())}, server tracebacks {tracebacks}")
    print(f"server log      {refusals} refusals logged (each distinct bad file, per worker)")
    print(f"healthz at end  {health['status']}, version {health.get('version')}")
    print(f"TOTAL ERRORS    {errors}")
    if errors:
        print(f"server output kept in {work}/gunicorn.log")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
