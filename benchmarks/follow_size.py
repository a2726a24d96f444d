"""Print what the follow card costs a phone: script and data sizes, build and page times.

Run: .venv/bin/python benchmarks/follow_size.py [stops.geojson]
"""

from __future__ import annotations

import gzip
import json
import sys
import time
from pathlib import Path

from _common import Renders, expect, machine, view_calls

from tourapp import create_app
from tourapp.render import follow

ROOT = Path(__file__).resolve().parent.parent  # the repository


def gz(data: bytes) -> int:
    """Size after gzip -9, as a server or a service worker cache would compress it."""
    return len(gzip.compress(data, 9))


def main() -> None:
    """Measure the seeded walk, or the stops file given as argument."""
    data_file = sys.argv[1] if len(sys.argv) > 1 else ROOT / "data" / "stops.geojson"
    print(f"follow_size — {machine()}")
    app = create_app({"TESTING": True, "TOUR_DATA": data_file})
    client = app.test_client()
    for name in ("js/follow.js", "css/follow.css"):
        body = (ROOT / "static" / name).read_bytes()
        print(f"static/{name}: {len(body):,} bytes, {gz(body):,} gzipped")
    for lang in ("fr", "en"):
        page = client.get(f"/{lang}/").get_data()
        with app.test_request_context(f"/{lang}/"):
            from flask import g

            from tourapp.stopsfile.store import get_store

            g.lang = lang
            tour = get_store().tour()
            blob = json.dumps(follow.data(tour, lang)).encode()
            rounds = 200
            start = time.perf_counter()
            for _ in range(rounds):
                follow.data(tour, lang)
            build_ms = (time.perf_counter() - start) / rounds * 1000
        print(
            f"/{lang}/: page {len(page):,} bytes ({gz(page):,} gzipped), of which data-follow "
            f"{len(blob):,} bytes; follow.data() {build_ms:.2f} ms (memoised per version)"
        )
    rounds = 200
    cases = (
        # (label, URL, a new host per GET, view runs, page rendered)
        ("/fr/ again (the response replayed)", "/fr/", False, False, False),
        ("/fr/ from the memo (the view runs, no render)", "/fr/", True, True, False),
        ("/fr/?at=14:05 preview (rendered each time)", "/fr/?at=14:05", True, True, True),
    )
    for label, url, new_host, runs_view, renders in cases:
        client.get(url)
        views, pages = view_calls(app, "tour.page"), Renders(app, "tour.html")
        start = time.perf_counter()
        for n in range(rounds):
            # Responses are replayed per host and URL; the page memo is per tour version.
            host = f"http://run{n}.follow.invalid/" if new_host else "http://localhost/"
            response = client.get(url, base_url=host)
            expect(response.status_code == 200, f"GET {url} answered {response.status}")
        elapsed = time.perf_counter() - start
        views.restore()
        pages.restore()
        expect(views.count == (rounds if runs_view else 0),
               f"{label}: the view ran {views.count} times in {rounds} GETs")
        expect(pages.count == (rounds if renders else 0),
               f"{label}: the page was rendered {pages.count} times in {rounds} GETs")
        print(f"GET {label}: {elapsed / rounds * 1000:.2f} ms")
    print(f"tour: {Path(data_file).name}")


if __name__ == "__main__":
    main()
