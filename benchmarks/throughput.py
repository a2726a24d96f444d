"""Server throughput: requests per second of each page and download against a trivial endpoint.

Run: .venv/bin/python benchmarks/throughput.py [--seconds 3] [--rounds 5] [--connections 16]

gunicorn serves the app with 2 sync workers on a loopback port; ``wrk``
(Debian package) loads one URL at a time, asking for compressed bodies like a
phone does. The trivial endpoint is ``/healthz`` of the same app (a stat of the
data file and a few bytes of JSON). Target: every page and download ≥ 80 % of
its requests per second (pages rendered and compressed once per tour version,
not per request). URLs other features add (GPX, guides page, manifest, service
worker) are measured when the app has them, and listed as skipped otherwise.

On a shared machine the load changes from second to second: each URL is timed
right after the trivial endpoint, in several rounds, and the median of the
ratios is reported (with the load average, to judge the noise).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request

from _common import LOOPBACK_HOSTS, ROOT, SECRET_KEY, SEEDED, machine

from tourapp.testing import Gunicorn

TRIVIAL = "/healthz"
CANDIDATES = [
    "/fr/",
    "/en/",
    "/fr/map.js",
    "/en/map.js",
    "/tour.geojson",
    "/fr/tour.gpx",
    "/en/tour.gpx",
    "/fr/guides",
    "/en/guides",
    "/manifest.webmanifest",
    "/sw.js",
]
ACCEPT = "gzip, deflate, br"


def status(url: str) -> int:
    """HTTP status of one GET."""
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, headers={"Accept-Encoding": ACCEPT})
        ) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


def wrk(url: str, seconds: int, connections: int, headers: dict | None = None) -> float:
    """Requests per second ``wrk`` sustains on ``url``."""
    command = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{seconds}s",
        "-H",
        f"Accept-Encoding: {ACCEPT}",
    ]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non2xx:
        raise RuntimeError(f"{url}: {non2xx.group(1)} error responses")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def cpu_per_request(paths: list[str], n: int = 3000) -> dict[str, float]:
    """CPU seconds per request in-process (WSGI, no network): load on the machine skews it less."""
    from tourapp import create_app

    client = create_app({"TOUR_DATA": str(SEEDED), "SECRET_KEY": SECRET_KEY,
                         "TRUSTED_HOSTS": LOOPBACK_HOSTS}).test_client()
    headers = {"Accept-Encoding": ACCEPT}
    result = {}
    for path in paths:
        for _ in range(20):
            client.get(path, headers=headers)
        start = time.process_time()
        for _ in range(n):
            client.get(path, headers=headers)
        result[path] = (time.process_time() - start) / n
    return result


def main() -> int:
    """Measure each URL against the trivial one and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is missing: `bash .ci/install-system-deps` installs it")
        return 1
    print(f"throughput — {machine()}")
    print(
        f"gunicorn {args.workers} sync workers, wrk 2 threads × {args.connections} connections, "
        f"{args.seconds} s per URL, Accept-Encoding: {ACCEPT}; "
        "wrk shares the 2 cores with the server"
    )
    server = Gunicorn(
        ["--workers", str(args.workers)],
        {"TOUR_DATA": str(SEEDED), "FLASK_SECRET_KEY": SECRET_KEY},
        cwd=ROOT,
    )
    with server:
        base = server.url
        urls, skipped = [], []
        for path in CANDIDATES:
            code = status(base + path)
            (urls if code == 200 else skipped).append(path if code == 200 else f"{path} ({code})")
        for path in [TRIVIAL, *urls]:
            for _ in range(4):  # every worker renders and compresses once before timing
                status(base + path)
        wrk(base + TRIVIAL, 2, args.connections)  # warm-up
        etag = urllib.request.urlopen(
            urllib.request.Request(base + "/fr/", headers={"Accept-Encoding": ACCEPT})
        ).headers["ETag"]
        runs = [(path, path, {}) for path in urls]
        runs.append(("/fr/ revalidated (304)", "/fr/", {"If-None-Match": etag}))
        print(
            f"\n  {'URL':<24} {'req/s':>9} {'/healthz':>9} {'ratio':>6}"
            f"   (median of {args.rounds} rounds)"
        )
        worst = 1.0
        for label, path, headers in runs:
            rates, refs, ratios = [], [], []
            for _ in range(args.rounds):
                ref = wrk(base + TRIVIAL, args.seconds, args.connections)
                rate = wrk(base + path, args.seconds, args.connections, headers)
                refs.append(ref)
                rates.append(rate)
                ratios.append(rate / ref)
            ratio = statistics.median(ratios)
            if label == path:
                worst = min(worst, ratio)
            verdict = "ok" if ratio >= 0.8 else "BELOW 80 %"
            print(
                f"  {label:<24} {statistics.median(rates):9.0f} {statistics.median(refs):9.0f} "
                f"{ratio:6.0%}   {verdict}"
            )
        print(f"  load average after the run: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
        cpu = cpu_per_request([TRIVIAL, *urls])
        print(
            "\n  CPU time per request in-process (Flask test client, no network, load-independent):"
        )
        for path, seconds in cpu.items():
            print(
                f"  {path:<24} {seconds * 1e6:7.0f} µs   "
                f"{cpu[TRIVIAL] / seconds:6.0%} of {TRIVIAL}'s rate"
            )
        if skipped:
            print(f"\n  skipped (not in this app yet): {', '.join(skipped)}")
    print(
        f"\nTarget: every page ≥ 80 % of {TRIVIAL}: "
        + ("met" if worst >= 0.8 else f"MISSED, worst {worst:.0%} ({0.8 - worst:.0%} points short)")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
