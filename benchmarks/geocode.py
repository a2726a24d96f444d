"""Geocoding latency against a local addok, and the end-to-end time of ``tour add-stop``.

Usage: .venv/bin/python benchmarks/geocode.py

1. Loads the address points shipped in data/montpellier/adresses.csv into a private
   addok (tourapp/local_addok.py) and prints how long that took.
2. Geocodes 100 addresses drawn from that file (fixed seed), one at a time, through
   geopy as ``tour add-stop`` does (tourapp.geodata.geocoding), and prints the median and p95
   latency. Every address must come back within 30 m of its point: a miss or an error
   is counted and makes the script exit with status 1 (no figure for failed work).
3. Runs ``flask --app tourapp tour add-stop`` (the Opéra Comédie after the French Tech)
   on a fresh copy of the seeded walk, 3 times, as a new process each time (Python start,
   network load, geocoding, routing two legs, validation, atomic write), and prints the
   median wall-clock time.
"""

from __future__ import annotations

import csv
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tourapp.domain.geo import distance_m
from tourapp.geodata import geocoding
from tourapp.geodata.local_addok import ADDRESSES, local_addok

ROOT = Path(__file__).resolve().parent.parent

SAMPLE = 100
SEED = 13
ADD_STOP = ["add-stop", "opera-comedie", "--name-fr", "Opéra Comédie", "--name-en",
            "Opéra Comédie", "--address", "Opéra Comédie, 11 boulevard Victor Hugo",
            "--after", "espace-french-tech", "--duration", "15"]


def sample_addresses() -> list[tuple[str, tuple[float, float]]]:
    """100 address points as an organiser would type them: « 27 rue Frédéric Peyson »."""
    with open(ADDRESSES, encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["NUM_VOI"] and r["LIB_OFF"]]
    picked = random.Random(SEED).sample(rows, SAMPLE)
    out = []
    for row in picked:
        street = row["LIB_OFF"]
        typed = street[0].lower() + street[1:]  # « rue … », « place … », as people write
        number = row["NUM_VOI"] + (f" {row['SUF_VOI']}" if row["SUF_VOI"] else "")
        out.append((f"{number} {typed}, Montpellier", (float(row["Y"]), float(row["X"]))))
    return out


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    addresses = sample_addresses()
    started = time.perf_counter()
    with local_addok(ADDRESSES) as url:
        loaded = time.perf_counter() - started
        points = sum(1 for _ in open(ADDRESSES, encoding="utf-8")) - 1
        print(f"addok: {points:,} address points loaded (convert, batch, ngrams, serve) "
              f"in {loaded:.1f} s at {url}")
        geocoder = geocoding.from_config({"GEOCODER": f"addok:{url}"})
        geocoder.candidates("1 place de la Comédie")  # first connection, not counted
        timings, misses = [], []
        for address, point in addresses:
            t0 = time.perf_counter()
            try:
                place = geocoder.locate(address)
            except geocoding.GeocodingError as exc:
                misses.append(f"{address}: {exc}")
                continue
            finally:
                timings.append(time.perf_counter() - t0)
            gap = distance_m(place.location, point)
            if gap > 30:
                misses.append(f"{address}: « {place.label} », {gap:.0f} m away")
        median, p95 = statistics.median(timings) * 1000, percentile(timings, 0.95) * 1000
        print(f"geocoding {len(addresses)} addresses through geopy: median {median:.1f} ms, "
              f"p95 {p95:.1f} ms, max {max(timings) * 1000:.1f} ms; "
              f"{len(addresses) - len(misses)} within 30 m")

        env = {**os.environ, "FLASK_GEOCODER": f"addok:{url}"}
        walls = []
        for _ in range(3):
            with tempfile.TemporaryDirectory() as folder:
                stops = Path(folder) / "stops.geojson"
                shutil.copy(ROOT / "data" / "stops.geojson", stops)
                env["TOUR_DATA"] = str(stops)
                env["FLASK_TOUR_HISTORY_DIR"] = str(Path(folder) / "history")
                t0 = time.perf_counter()
                done = subprocess.run([str(ROOT / ".venv" / "bin" / "flask"), "--app", "tourapp",
                                       "tour", *ADD_STOP], env=env, cwd=ROOT,
                                      capture_output=True, text=True)
                walls.append(time.perf_counter() - t0)
                if done.returncode != 0 or "opera-comedie" not in stops.read_text("utf-8"):
                    print(done.stdout, done.stderr, file=sys.stderr)
                    print("error: add-stop failed: its time is not a figure", file=sys.stderr)
                    return 1
        print(f"tour add-stop (Opéra Comédie after the French Tech), new process each: "
              f"median {statistics.median(walls):.2f} s of 3 (min {min(walls):.2f} s)")
        print(done.stdout.strip().splitlines()[-1])
    for miss in misses:
        print(f"miss: {miss}", file=sys.stderr)
    if misses:
        print(f"error: {len(misses)} of {len(addresses)} addresses missed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
