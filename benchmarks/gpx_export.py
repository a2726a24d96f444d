"""Sizes and build times of the GPX files and the guides page.

    .venv/bin/python benchmarks/gpx_export.py

Each HTTP row is checked for what it names: "first" builds the file once (the tour is
loaded before the clock starts), "memo" runs the view without building, "replayed"
never reaches the view; the script stops with an error otherwise.

Two walks: the seeded one (4 stops, straight legs) and a synthetic big one (40 stops,
street-like legs of 300 points each, about what a routed 40-stop city walk gives).
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import tempfile
import time
from pathlib import Path

from _common import Calls, Renders, expect, machine, view_calls

from tourapp import create_app, stopsfile
from tourapp.render import gpx

ROOT = Path(__file__).resolve().parent.parent  # the repository

CREATED = dt.datetime(2018, 11, 20, tzinfo=dt.UTC)


def timed(fn, repeat: int = 20) -> float:
    """Median wall time of ``fn()`` in milliseconds."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs)


def big_walk(stops: int = 40, points_per_leg: int = 300) -> dict:
    """A synthetic walk with many stops and dense, zig-zagging legs."""
    features = []
    coords = [(3.86 + i * 0.0011, 43.60 + (i % 7) * 0.0013) for i in range(stops)]
    for i, (lon, lat) in enumerate(coords, start=1):
        props = {
            "id": f"s{i}",
            "order": i,
            "name_fr": f"Étape {i}",
            "name_en": f"Stop {i}",
            "address_fr": f"{i}, rue de l'Aiguillerie",
            "address_en": f"{i} Rue de l'Aiguillerie",
            "description_fr": "Description. " * 10,
            "description_en": "Description. " * 10,
            "duration_min": 5,
        }
        if i == 1:
            props.update(
                tour_title_fr="Grande balade",
                tour_title_en="Big walk",
                tour_date="2018-11-20",
                tour_start="08:00",
                tour_end="23:00",
            )
        features.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
            }
        )
    for i in range(stops - 1):
        (lon0, lat0), (lon1, lat1) = coords[i], coords[i + 1]
        line = []
        for k in range(points_per_leg):
            f = k / (points_per_leg - 1)
            wiggle = 0.00005 * (k % 2) if 0 < k < points_per_leg - 1 else 0.0
            line.append([lon0 + (lon1 - lon0) * f + wiggle, lat0 + (lat1 - lat0) * f])
        features.append(
            {
                "type": "Feature",
                "properties": {"leg_from": f"s{i + 1}", "leg_to": f"s{i + 2}"},
                "geometry": {"type": "LineString", "coordinates": line},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def report(label: str, path: Path) -> None:
    tour = stopsfile.load(path)
    page = "https://walk.example.org/fr/"
    whole = gpx.tour_gpx(tour, "fr", page, CREATED)
    legs = [gpx.leg_gpx(tour, n, "fr", page, CREATED) for n in range(1, len(tour.legs) + 1)]
    points = sum(len(leg.path) for leg in tour.legs)
    print(f"{label}: {len(tour.stops)} stops, {len(tour.legs)} legs, {points} track points")
    print(
        f"  tour.gpx: {len(whole.encode()):,} bytes; legs: {min(len(x.encode()) for x in legs):,}–"
        f"{max(len(x.encode()) for x in legs):,} bytes"
    )
    whole_ms = timed(lambda: gpx.tour_gpx(tour, "fr", page, CREATED))
    leg_ms = timed(lambda: gpx.leg_gpx(tour, 1, "fr", page, CREATED))
    print(f"  build tour.gpx (gpx.tour_gpx): {whole_ms:.2f} ms")
    print(f"  build one leg (gpx.leg_gpx):   {leg_ms:.2f} ms")

    app = create_app({"TESTING": True, "TOUR_DATA": path})
    client = app.test_client()
    expect(client.get("/healthz").status_code == 200, f"no tour served from {path}")  # loaded
    builders = {  # what builds each URL's body
        "/fr/tour.gpx": ("tour.tour_gpx", Calls(gpx, "tour_gpx")),
        "/fr/legs/1.gpx": ("tour.leg_gpx", Calls(gpx, "leg_gpx")),
        "/fr/guides": ("tour.guides", Renders(app, "guides.html")),
    }
    try:
        for url, (endpoint, builds) in builders.items():
            timings = http_timings(app, client, url, endpoint, builds)
            print(
                f"  GET {url:15} first {timings['first']:6.1f} ms (built, one sample), "
                f"then {timings['memo']:5.2f} ms (memo: view runs, nothing built), "
                f"{timings['replay']:5.2f} ms (replayed), "
                f"304 in {timings['304']:5.2f} ms, {timings['bytes']:,} bytes"
            )
    finally:
        for _, builds in builders.values():
            builds.restore()


def http_timings(app, client, url: str, endpoint: str, builds: Calls | Renders) -> dict:
    """Milliseconds of the first GET, a memoised one, a replayed one and a 304, each checked."""
    views = view_calls(app, endpoint)
    try:

        def check(label: str, views_expected: int, builds_expected: int):
            expect(views.count == views_expected,
                   f"{url} {label}: the view ran {views.count} times")
            expect(builds.count == builds_expected, f"{url} {label}: built {builds.count} times")

        start = time.perf_counter()
        response = client.get(url)
        first = (time.perf_counter() - start) * 1000
        expect(response.status_code == 200, f"GET {url} answered {response.status}")
        check("first", 1, 1)
        # A new query string each time: the replay (per URL) misses, the memo (per version) hits.
        queries = iter(range(10**6))
        memo = timed(lambda: client.get(f"{url}?memo={next(queries)}"))
        check("memo", 21, 1)
        replay = timed(lambda: client.get(url))
        check("replay", 21, 1)
        etag = response.headers["ETag"]
        revalidate = timed(lambda: client.get(url, headers={"If-None-Match": etag}))
        expect(client.get(url, headers={"If-None-Match": etag}).status_code == 304, "no 304")
    finally:
        views.restore()
    return {"first": first, "memo": memo, "replay": replay, "304": revalidate,
            "bytes": len(response.data)}


def main() -> None:
    print(f"gpx_export — {machine()}")
    report("seeded walk", ROOT / "data" / "stops.geojson")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.geojson"
        path.write_text(json.dumps(big_walk()), encoding="utf-8")
        report("synthetic big walk", path)


if __name__ == "__main__":
    main()
