"""A private addok geocoder over the city's address points, for tests, benchmarks and offline use.

    .venv/bin/python -m tourapp.geodata.local_addok [data/montpellier/adresses.csv]

prints the geocoder's URL and the ``GEOCODER`` setting to use, and serves until Ctrl-C.

What it does, in a temporary folder it removes afterwards:
1. converts the address points (CSV: ``X`` longitude, ``Y`` latitude, ``NUM_VOI``,
   ``SUF_VOI``, ``LIB_OFF``) into addok's JSON: one document per street, with its house
   numbers and their positions;
2. starts Debian's ``redis-server`` on a Unix socket only (no TCP port to collide with
   anything), without persistence;
3. ``addok batch`` then ``addok ngrams``, with a config file (addok-fr and addok-france
   processors, as the national address service) pointing at that Redis;
4. ``addok serve --port 0`` on the loopback: the OS picks a free port, read back from
   ``/proc`` (addok prints the port it was asked for, not the one it got).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..system import resources
from .geocoding import LOCAL_ATTRIBUTION

ADDRESSES = resources.CITY / "adresses.csv"
CITY = "Montpellier"
CITYCODE = "34172"  # INSEE code of the commune

CONFIG = """\
# addok configuration written by tourapp.geodata.local_addok: a private Redis, the French plugins.
REDIS = {{
    "unix_socket_path": {socket!r},
    "indexes": {{"db": 14}},
    "documents": {{"db": 15}},
}}
BATCH_WORKERS = 1
# Returned with every answer: tourapp's geocoder then knows it covers only the walk's area.
ATTRIBUTION = {attribution!r}
LOG_DIR = {log_dir!r}
QUERY_PROCESSORS_PYPATHS = [
    "addok.helpers.text.check_query_length",
    "addok_france.extract_address",
    "addok_france.clean_query",
    "addok_france.remove_leading_zeros",
]
PROCESSORS_PYPATHS = [
    "addok.helpers.text.tokenize",
    "addok.helpers.text.normalize",
    "addok_france.glue_ordinal",
    "addok_france.fold_ordinal",
    "addok_france.flag_housenumber",
    "addok.helpers.text.synonymize",
    "addok_fr.phonemicize",
]
SEARCH_RESULT_PROCESSORS_PYPATHS = [
    "addok.helpers.results.match_housenumber",
    "addok_france.make_labels",
    "addok.helpers.results.score_by_importance",
    "addok.helpers.results.score_by_autocomplete_distance",
    "addok.helpers.results.score_by_ngram_distance",
    "addok.helpers.results.score_by_geo_distance",
    "addok.helpers.results.adjust_scores",
]
"""


def documents(csv_path: Path = ADDRESSES) -> list[dict]:
    """addok documents: one per street, its house numbers with their positions."""
    streets: dict[str, dict[str, tuple[float, float]]] = defaultdict(dict)
    with open(csv_path, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            street = (row.get("LIB_OFF") or "").strip()
            number = (row.get("NUM_VOI") or "").strip()
            if not street or not number:
                continue
            # "4" + "bis" → "4bis", as addok-france folds a queried « 4 bis ».
            number += (row.get("SUF_VOI") or "").strip().lower()
            streets[street][number] = (float(row["Y"]), float(row["X"]))
    docs = []
    for index, (street, numbers) in enumerate(sorted(streets.items())):
        lats = [lat for lat, _ in numbers.values()]
        lons = [lon for _, lon in numbers.values()]
        docs.append(
            {
                "id": f"{CITYCODE}_{index:05d}",
                "type": "street",
                "name": street,
                "city": CITY,
                "citycode": CITYCODE,
                # The street's point: the median of its address points (on the street).
                "lat": statistics.median(lats),
                "lon": statistics.median(lons),
                "importance": min(1.0, len(numbers) / 200),
                "housenumbers": {
                    number: {"lat": lat, "lon": lon} for number, (lat, lon) in numbers.items()
                },
            }
        )
    return docs


def _listening_port(pid: int) -> int | None:
    """The TCP port process ``pid`` listens on, from /proc (Linux)."""
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        lines = Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
            return int(fields[1].rsplit(":", 1)[1], 16)
    return None


def _wait(condition, what: str, process: subprocess.Popen, timeout_s: float = 60.0):
    """Poll ``condition`` until it returns something true; fail if the process died."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        if process.poll() is not None:
            raise RuntimeError(f"{what}: the process exited with status {process.returncode}")
        time.sleep(0.05)
    raise RuntimeError(f"{what}: not ready after {timeout_s:g} s")


def _addok(*args: str, config: Path, cwd: Path) -> None:
    done = subprocess.run(
        [_bin("addok"), "--config", str(config), *args],
        cwd=cwd, capture_output=True, text=True, timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"addok {args[0]} failed:\n{done.stdout}\n{done.stderr}")


def _bin(name: str) -> str:
    """A program of this virtual environment, or of the PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} is not installed (make test installs it)")
    return found


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def local_addok(csv_path: Path = ADDRESSES) -> Iterator[str]:
    """Run a loaded addok for the time of the block; yields its base URL."""
    redis_server = shutil.which("redis-server")
    if not redis_server:
        raise RuntimeError("redis-server is not installed (Debian package redis-server)")
    with tempfile.TemporaryDirectory(prefix="tourapp-addok-") as name:
        folder = Path(name)
        socket = folder / "redis.sock"
        config = folder / "addok.conf"
        config.write_text(CONFIG.format(
            socket=str(socket), log_dir=str(folder),
            attribution=f"{LOCAL_ATTRIBUTION}: {csv_path.name}, {CITY} only",
        ))
        data = folder / "streets.json"
        with open(data, "w", encoding="utf-8") as handle:
            for doc in documents(csv_path):
                handle.write(json.dumps(doc, ensure_ascii=False) + "\n")
        redis = subprocess.Popen(
            [redis_server, "--port", "0", "--unixsocket", str(socket), "--unixsocketperm", "700",
             "--save", "", "--appendonly", "no", "--dir", str(folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        serve = None
        try:
            _wait(socket.exists, "redis-server", redis)
            _addok("batch", str(data), config=config, cwd=folder)
            _addok("ngrams", config=config, cwd=folder)
            serve = subprocess.Popen(
                [_bin("addok"), "--config", str(config), "serve", "--host", "127.0.0.1",
                 "--port", "0"],
                cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            port = _wait(lambda: _listening_port(serve.pid), "addok serve", serve)
            url = f"http://127.0.0.1:{port}"
            _wait(lambda: _healthy(url), "addok serve /health", serve)
            yield url
        finally:
            if serve is not None:
                _stop(serve)
            _stop(redis)


def _stop_on_sigterm(signum, frame) -> None:
    # SIGTERM's default ends Python at once, with no `finally`: Redis and addok would
    # outlive it. As an exception, it unwinds local_addok(), which stops them.
    raise SystemExit(128 + signum)


def main() -> None:
    """Serve the city's addresses until Ctrl-C or SIGTERM, then stop Redis and addok."""
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    csv_path = Path(sys.argv[1]) if len(sys.argv) > 1 else ADDRESSES
    started = time.perf_counter()
    with local_addok(csv_path) as url:
        print(f"addok loaded from {csv_path} in {time.perf_counter() - started:.1f} s: {url}")
        print(f"use it with: FLASK_GEOCODER=addok:{url}", flush=True)
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
