"""Growth: time and peak memory of each stage for tours of 10, 100 and 1,000 stops, legs up to 10,000 points.

Run: .venv/bin/python benchmarks/growth.py [--repeat 3]

Synthetic tours (written to benchmarks/out/growth/, git-ignored) snake across
central Montpellier, one stop every ~60 m, each leg a LineString with a fixed
number of points. Two series: more stops (legs of 100 points), and longer legs
(10 stops). Stages: load + validate the file, schedule, page render, map
script render, GPX export (when the app has ``tourapp.gpx``). Time is CPU time
per run (best of ``--repeat``, quick stages looped for ≥ 50 ms; the machine's
load skews CPU time less than wall time); peak
memory comes from tracemalloc in a separate pass. Target: roughly linear,
×10 stops ≤ ×12 time.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import OUT, SECRET_KEY, machine  # noqa: E402

from tourapp import create_app, schedule, stopsfile  # noqa: E402

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
            "description_fr": "Une description de quelques phrases, comme en écrivent les organisateurs. "
            * 2,
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


def gpx_exporter():
    """The app's GPX export function, or None with the reason."""
    if importlib.util.find_spec("tourapp.gpx") is None:
        return None, "tourapp.gpx does not exist in this tree"
    module = importlib.import_module("tourapp.gpx")
    for name in (
        "tour_gpx",
        "to_gpx",
        "to_xml",
        "render",
        "build",
        "export",
        "tour_to_gpx",
        "dumps",
    ):
        function = getattr(module, name, None)
        if callable(function):
            return function, f"tourapp.gpx.{name}"
    return None, "tourapp.gpx has none of the expected function names"


def _gpx_url(app) -> str | None:
    """The whole tour's GPX URL when the app serves one."""
    from werkzeug.exceptions import HTTPException

    try:
        app.url_map.bind("localhost").match("/fr/tour.gpx")
    except HTTPException:
        return None
    return "/fr/tour.gpx"


def stages(path: Path, data: bytes, gpx):
    """(name, callable) for each stage, sharing one app whose store serves ``path``."""
    from flask import render_template

    from tourapp import views
    from tourapp.store import get_store

    app = create_app(
        {"TOUR_DATA": str(path), "TOUR_MAX_BYTES": 200 * 1024 * 1024, "SECRET_KEY": SECRET_KEY}
    )
    tour = stopsfile.parse(data, path.name, max_bytes=len(data) + 1)
    context = app.test_request_context("/fr/")
    context.push()
    app.preprocess_request()  # as a request would: takes the language from the URL
    get_store().tour()
    views.map_script_version("fr")  # the page links to it: render it before timing the page

    def call_gpx():
        try:
            return gpx(tour, "fr")
        except TypeError:
            return gpx(tour)

    gpx_url = _gpx_url(app)
    client = app.test_client()

    def http_gpx():
        get_store()._memo.clear()  # rendered once per version: time the rendering
        response = client.get(gpx_url)  # no Accept-Encoding: compression not counted
        assert response.status_code == 200, response.status
        return response.data

    result = [
        ("load+validate", lambda: stopsfile.parse(data, path.name, max_bytes=len(data) + 1)),
        (
            "schedule",
            lambda: schedule.compute(tour.stops, tour.legs, tour.date, tour.timezone, tour.start),
        ),
        ("page render", lambda: render_template("tour.html", tour=tour)),
        ("map script", lambda: views.render_map_script(tour, "fr")),
    ]
    if gpx_url:
        result.append(("GPX export", http_gpx))
    elif gpx is not None:
        result.append(("GPX export", call_gpx))
    return result, context


def measure(path: Path, repeat: int, gpx) -> dict:
    """CPU seconds and peak MiB of each stage for the tour in ``path``."""
    data = path.read_bytes()
    steps, context = stages(path, data, gpx)
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
        context.pop()
    return figures


def series(label: str, sizes: list[tuple[int, int]], key: int, repeat: int, gpx) -> float:
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
        results.append(((stops, points), path.stat().st_size, measure(path, repeat, gpx)))
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
    gpx, note = gpx_exporter()
    if _gpx_url(create_app({"TOUR_DATA": "none", "SECRET_KEY": SECRET_KEY})):
        note = "GET /fr/tour.gpx through the app (memo cleared before each run)"
        gpx = gpx or True
    print(f"GPX export: {note}" + ("" if gpx else " — stage skipped"))
    by_stops = series(
        "More stops (legs of 100 points)", [(10, 100), (100, 100), (1000, 100)], 0, args.repeat, gpx
    )
    by_points = series(
        "Longer legs (10 stops)", [(10, 100), (10, 1000), (10, 10000)], 1, args.repeat, gpx
    )
    worst = max(by_stops, by_points)
    print(
        f"\nTarget: ×10 size ≤ ×12 time: worst ratio ×{worst:.1f} — "
        + ("met" if worst <= 12 else f"MISSED by ×{worst - 12:.1f}")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
