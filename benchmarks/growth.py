"""Growth: time and peak memory of each stage for tours of 10, 100 and 1,000 stops,
legs up to 10,000 points.

Run: .venv/bin/python benchmarks/growth.py [--repeat 3]

Synthetic tours (written to benchmarks/out/growth/, git-ignored) snake across
central Montpellier, one stop every ~60 m, each leg a LineString with a fixed
number of points. Two series: more stops (legs of 100 points), and longer legs
(10 stops). Stages: load + validate the file, schedule, page render, map
script render, GPX export (``GET /fr/tour.gpx`` through the app, the file built anew
each run: the benchmark stops if a cache answers or the status is not 200). Time is CPU time
per run (best of ``--repeat``, quick stages looped for ≥ 50 ms; the machine's
load skews CPU time less than wall time); peak
memory comes from tracemalloc in a separate pass. Target: roughly linear,
×10 stops ≤ ×12 time.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import tracemalloc
from pathlib import Path

from _common import LOOPBACK_HOSTS, OUT, SECRET_KEY, Calls, expect, machine

from tourapp import create_app, stopsfile
from tourapp.domain import schedule

CENTRE = (43.6085, 3.8790)  # (lat, lon), place de la Comédie
STEP_DEG = 0.00055  # ~60 m of latitude between neighbouring stops


def synthetic(stops: int, points: int) -> dict:
    """A valid stops file: ``stops`` stops on a snake-shaped grid, legs of ``points`` points."""
    side = math.ceil(math.sqrt(stops))
    coords = []
    for i in range(stops):
        row, col = divmod(i, side)
        col = col if row % 2 == 0 else side - 1 - col  # snake, so legs stay short
        coords.append(
            (CENTRE[0] + (row - side / 2) * STEP_DEG, CENTRE[1] + (col - side / 2) * STEP_DEG * 1.4)
        )
    features = []
    for i, (lat, lon) in enumerate(coords):
        props = {
            "id": f"s{i + 1}",
            "order": i + 1,
            "name_fr": f"Étape {i + 1} — façade « remarquable »",
            "name_en": f"Stop {i + 1} — a notable façade",
            "description_fr": (
                "Une description de quelques phrases, comme en écrivent les organisateurs. "
            ) * 2,
            "description_en": "A description of a few sentences, as organisers write them. " * 2,
            "address_fr": f"{i + 1}, rue de l'Exemple, 34000 Montpellier",
            "address_en": f"{i + 1} Rue de l'Exemple, 34000 Montpellier",
            "duration_min": 0 if i == 0 else 5,
        }
        if i == 0:
            props.update(
                tour_title_fr="Balade synthétique",
                tour_title_en="Synthetic walk",
                tour_date="2018-11-20",
                tour_timezone="Europe/Paris",
                tour_start="09:00",
                tour_speed_kmh=4.5,
            )
        features.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": {"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]},
            }
        )
    for i, ((lat1, lon1), (lat2, lon2)) in enumerate(zip(coords, coords[1:], strict=False)):
        line = []
        for k in range(points):
            t = k / (points - 1)
            wiggle = (
                0 if k in (0, points - 1) else 0.00002 * math.sin(k)
            )  # a street is not straight
            line.append(
                [
                    round(lon1 + (lon2 - lon1) * t + wiggle, 7),
                    round(lat1 + (lat2 - lat1) * t + wiggle, 7),
                ]
            )
        features.append(
            {
                "type": "Feature",
                "properties": {"leg_from": f"s{i + 1}", "leg_to": f"s{i + 2}"},
                "geometry": {"type": "LineString", "coordinates": line},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def stages(path: Path, data: bytes):
    """(name, callable) for each stage, sharing one app whose store serves ``path``."""
    from flask import render_template

    from tourapp.render import gpx
    from tourapp.stopsfile.store import get_store
    from tourapp.web import views
    from tourapp.web.assets import AssetCache

    app = create_app(
        {"TOUR_DATA": str(path), "TOUR_MAX_BYTES": 200 * 1024 * 1024, "SECRET_KEY": SECRET_KEY,
         "TRUSTED_HOSTS": LOOPBACK_HOSTS}
    )
    tour = stopsfile.parse(data, path.name, max_bytes=len(data) + 1)
    context = app.test_request_context("/fr/")
    context.push()
    app.preprocess_request()  # as a request would: takes the language from the URL
    status = get_store().status()
    expect(status.tour is not None, f"the app serves no tour from {path}: {status.problems}")
    views.map_script_version("fr")  # the page links to it: render it before timing the page

    client = app.test_client()
    builds = Calls(gpx, "tour_gpx")

    def http_gpx():
        before = builds.count
        # Forget what the last run kept (the memo, the replayed responses): this run builds
        # the file again, and old copies do not pile up in memory and skew the timing.
        # These are internals: the count below stops the benchmark if they change.
        get_store()._memo.clear()
        app.extensions["tourapp_assets"] = AssetCache()
        response = client.get("/fr/tour.gpx")  # identity: no compression
        expect(response.status_code == 200, f"GET /fr/tour.gpx answered {response.status}")
        expect(builds.count == before + 1,
               "GET /fr/tour.gpx did not build the GPX (a cache answered)")
        return response.data

    result = [
        ("load+validate", lambda: stopsfile.parse(data, path.name, max_bytes=len(data) + 1)),
        (
            "schedule",
            lambda: schedule.compute(tour.stops, tour.legs, tour.date, tour.timezone, tour.start),
        ),
        ("page render", lambda: render_template("tour.html", tour=tour)),
        ("map script", lambda: views.render_map_script(tour, "fr")),
        ("GPX export", http_gpx),
    ]
    return result, context, builds


def measure(path: Path, repeat: int) -> dict:
    """CPU seconds and peak MiB of each stage for the tour in ``path``."""
    data = path.read_bytes()
    steps, context, builds = stages(path, data)
    figures = {}
    try:
        for name, run in steps:
            # Quick stages run in a loop long enough (≥ 50 ms) for the clock to resolve them.
            start = time.process_time()
            run()
            once = time.process_time() - start
            number = max(1, min(1000, int(0.05 / once) if once > 0 else 1000))
            best = math.inf
            for _ in range(repeat):
                start = time.process_time()
                for _ in range(number):
                    run()
                best = min(best, (time.process_time() - start) / number)
            tracemalloc.start()
            run()
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            figures[name] = (best, peak / 1024 / 1024)
    finally:
        builds.restore()
        context.pop()
    return figures


def series(label: str, sizes: list[tuple[int, int]], repeat: int) -> float:
    """Print one series; return its worst ×10 time ratio."""
    folder = OUT / "growth"
    folder.mkdir(parents=True, exist_ok=True)
    results = []
    for stops, points in sizes:
        path = folder / f"tour-{stops}-stops-{points}-points.geojson"
        if not path.exists():
            path.write_text(
                json.dumps(synthetic(stops, points), ensure_ascii=False), encoding="utf-8"
            )
        results.append(((stops, points), path.stat().st_size, measure(path, repeat)))
    print(f"\n{label}")
    names = list(results[0][2])
    header = "".join(f"{(f'{s} stops × {p} pts'):>26}" for (s, p), _, _ in results)
    print(f"  {'stage':<15}{header}   ratios (×10 size)")
    worst = 0.0
    for name in names:
        cells, ratios = "", []
        for i, (_, _, figures) in enumerate(results):
            seconds, mib = figures[name]
            cells += f"{seconds * 1000:12.1f} ms {mib:8.1f} MiB"
            if i:
                prev = results[i - 1][2][name][0]
                ratios.append(seconds / prev if prev > 0 else float("nan"))
        worst = max([worst, *[r for r in ratios if r == r]])
        print(f"  {name:<15}{cells}   " + "  ".join(f"×{r:.1f}" for r in ratios))
    sizes_line = "  ".join(f"{size / 1024 / 1024:.2f} MiB" for _, size, _ in results)
    print(f"  file size: {sizes_line}")
    return worst


def main() -> int:
    """Run both series and print the ratios against the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"growth — {machine()}")
    print(
        "GPX export: GET /fr/tour.gpx through the app, built anew on each run "
        "(checked: one call of gpx.tour_gpx per GET, status 200)"
    )
    by_stops = series(
        "More stops (legs of 100 points)", [(10, 100), (100, 100), (1000, 100)], args.repeat
    )
    by_points = series("Longer legs (10 stops)", [(10, 100), (10, 1000), (10, 10000)], args.repeat)
    worst = max(by_stops, by_points)
    print(
        f"\nTarget: ×10 size ≤ ×12 time: worst ratio ×{worst:.1f} — "
        + ("met" if worst <= 12 else f"MISSED by ×{worst - 12:.1f}")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
