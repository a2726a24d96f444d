#!/usr/bin/env python3
"""Load and fault benchmark: pages under load while the data file is rewritten badly.

gunicorn serves the app with two worker processes on loopback; wrk (Debian package)
keeps 100 connections busy for 30 s on /fr/ and /en/, while another process rewrites
the data file every 200 ms, in place, cycling through a valid change, a truncated
write and invalid JSON. wrk's Lua hooks check every response: status 200, a complete
page (``</html>``), an ``X-Tour-Version`` header, and a page that links the map
script of that same version. At the end every version served must be one that was
written whole and valid. The target is 0 errors.

    .venv/bin/python benchmarks/reload_under_load.py [--duration 30] [--connections 100]

Prints figures; records nothing by itself (copy them to benchmarks/RESULTS.md).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import platform
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDED = ROOT / "data" / "stops.geojson"

WRK_SCRIPT = r"""
counts = {ok = 0, status = 0, incomplete = 0, noversion = 0, mismatch = 0}
versions = {}
statuses = {}
local threads = {}
local paths = {"/fr/", "/en/"}
local n = 0

function setup(thread)
  table.insert(threads, thread)
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
  -- The page must be of the version the header names: its map script URL carries it.
  if not string.find(body, "map.js?v=" .. v, 1, true) then
    counts.mismatch = counts.mismatch + 1 return
  end
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=30, help="seconds of load")
    parser.add_argument("--connections", type=int, default=100, help="concurrent clients")
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between rewrites")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (as README)")
    args = parser.parse_args()

    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("wrk is missing: `make system-deps` installs the Debian package")
    work = Path(tempfile.mkdtemp(prefix="tourapp-bench-"))
    data = work / "stops.geojson"
    data.write_bytes(SEEDED.read_bytes())
    (work / "load.lua").write_text(WRK_SCRIPT)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "TOUR_DATA": str(data), "FLASK_SECRET_KEY": secrets.token_hex()}
    env.pop("FLASK_DEBUG", None)
    server_log = open(work / "gunicorn.log", "wb")  # noqa: SIM115 - closed at the end
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--preload", "--workers", str(args.workers),
         "--threads", str(args.threads), "--bind", f"127.0.0.1:{port}",
         "--backlog", "2048", "tourapp:create_app()"],
        cwd=ROOT, env=env, stdout=server_log, stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(300):
            try:
                for path in ("/fr/", "/en/"):
                    urllib.request.urlopen(url + path, timeout=10).read()
                break
            except OSError:
                time.sleep(0.1)
        initial = version(data.read_bytes())
        stop = multiprocessing.Event()
        writer_log = work / "writer.json"
        writer = multiprocessing.Process(
            target=rewriter, args=(str(data), args.interval, stop, str(writer_log))
        )
        writer.start()
        started = time.time()
        load_before = os.getloadavg()[0]
        result = subprocess.run(
            [wrk, "-t2", f"-c{args.connections}", f"-d{args.duration}s", "--timeout", "10s",
             "-s", str(work / "load.lua"), url + "/fr/"],
            capture_output=True, text=True,
        )
        stop.set()
        writer.join(10)
        health = json.loads(urllib.request.urlopen(url + "/healthz", timeout=10).read())
    finally:
        server.terminate()
        server.wait(20)
        server_log.close()

    line = next((x for x in result.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        print(result.stdout, result.stderr)
        return 2
    figures = json.loads(line.removeprefix("RESULT "))
    written = json.loads(writer_log.read_text())
    valid = {initial, *written["versions"]}
    served = figures["versions"]
    foreign = {v: n for v, n in served.items() if v not in valid}
    server_output = (work / "gunicorn.log").read_text(errors="replace")
    tracebacks = server_output.count("Traceback")
    refusals = len(re.findall(r"refused .*stops\.geojson", server_output))
    # wrk counts non-2xx answers in errors.status too: count them once, as figures["status"].
    errors = sum(v for k, v in figures["errors"].items() if k != "status")
    errors += figures["status"] + figures["incomplete"]
    errors += figures["noversion"] + figures["mismatch"] + sum(foreign.values()) + tracebacks
    seconds = figures["duration_us"] / 1e6
    lat = figures["latency_us"]

    print(f"date            {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))}")
    print(f"machine         {platform.machine()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, load average before "
          f"{load_before:.1f}")
    print(f"server          gunicorn {args.workers} workers x {args.threads} thread(s), "
          f"loopback")
    print(f"load            wrk, {args.connections} connections, {seconds:.1f} s, "
          f"/fr/ and /en/")
    print(f"rewrites        {written['counts']} every {args.interval * 1000:.0f} ms, in place")
    print(f"requests        {figures['requests']:,} ({figures['requests'] / seconds:,.0f}/s), "
          f"{figures['bytes'] / 1e6:,.1f} MB")
    print(f"latency         p50 {lat['p50'] / 1000:.1f} ms, p90 {lat['p90'] / 1000:.1f} ms, "
          f"p99 {lat['p99'] / 1000:.1f} ms, max {lat['max'] / 1000:.1f} ms")
    print(f"complete pages  {figures['ok']:,} of a valid version; "
          f"{len(served)} versions served of {len(valid)} written valid")
    print(f"errors          socket {figures['errors']}, non-200 {figures['status']} "
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
