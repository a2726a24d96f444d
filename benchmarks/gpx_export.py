"""Sizes and build times of the GPX files and the guides page: prints figures, asserts nothing.

    .venv/bin/python benchmarks/gpx_export.py

Two walks: the seeded one (4 stops, straight legs) and a synthetic big one (40 stops,
street-like legs of 300 points each, about what a routed 40-stop city walk gives).
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tourapp import create_app, gpx, stopsfile  # noqa: E402

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
    cold = {}
    for url in ("/fr/tour.gpx", "/fr/legs/1.gpx", "/fr/guides"):
        start = time.perf_counter()
        response = client.get(url)
        cold[url] = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, url
        etag = response.headers["ETag"]
        warm = timed(lambda u=url: client.get(u))
        revalidate = timed(lambda u=url, e=etag: client.get(u, headers={"If-None-Match": e}))
        print(
            f"  GET {url:15} first {cold[url]:6.1f} ms, then {warm:5.2f} ms (memo), "
            f"304 in {revalidate:5.2f} ms, {len(response.data):,} bytes"
        )


def main() -> None:
    report("seeded walk", ROOT / "data" / "stops.geojson")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.geojson"
        path.write_text(json.dumps(big_walk()), encoding="utf-8")
        report("synthetic big walk", path)


if __name__ == "__main__":
    main()
