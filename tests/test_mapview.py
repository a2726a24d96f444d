"""The folium map: local assets only, stable output, stop texts as data."""

from __future__ import annotations

import json
import re

from tourapp import stopsfile
from tourapp.render import mapview

from .conftest import SEEDED, small_doc

TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def labels(tour):
    return {
        "times": {s.id: "13 h 30" for s in tour.stops},
        "marker": {s.id: f"Étape {s.order}" for s in tour.stops},
    }


def render(tour, lang="fr"):
    return mapview.script(mapview.build(tour, lang, labels(tour), TILES, "© OSM"))


def test_script_has_numbered_markers_and_the_walking_line():
    tour = stopsfile.load(SEEDED)
    js = render(tour)
    assert js.count("L.marker(") == len(tour.stops)
    assert js.count("L.polyline(") == len(tour.legs)
    for stop in tour.stops:
        assert f'stop-marker__n\\"\\u003e{stop.order}\\u003c/span' in js
    assert "tourapp.register(map_tour" in js
    # Leaflet wants [lat, lon]: the first marker is the Hôtel de Métropole, not the Gulf of Guinea.
    lat, lon = tour.stops[0].location
    assert f"[{round(lat, 5)}, {round(lon, 5)}]" in js  # five decimals: about a metre


def test_no_cdn_and_no_folium_popup():
    js = render(stopsfile.load(SEEDED))
    assert "cdn" not in js and "jquery" not in js.lower()
    assert "bindPopup" not in js and "bindTooltip" not in js  # done by tour-map.js from text
    assert set(re.findall(r"https?://[a-z0-9.-]+", js)) == {"https://tile.openstreetmap.org"}


def test_rendering_is_stable():
    tour = stopsfile.load(SEEDED)
    assert render(tour) == render(tour)  # same bytes in every worker: one ETag


def test_hostile_texts_are_json_not_code():
    doc = small_doc()
    hostile = "</script><script>alert(1)</script>`${alert(1)}` <img src=x onerror=alert(1)> \\u \"'"
    doc["features"][1]["properties"]["name_fr"] = hostile
    tour = stopsfile.parse(json.dumps(doc).encode())
    js = render(tour)
    assert "<" not in js.split("tourapp.bindStop", 1)[1]  # <, >, & and ' are \\u-escaped
    call = re.search(r'tourapp\.bindStop\(marker_stop2, (\{.*?\})\);', js).group(1)
    assert json.loads(call)["name"] == hostile


# What a worker does without drawing the map: folium (and numpy, which it imports) stay out.
NO_MAP_REQUESTS = """
import shutil, sys
from tourapp import create_app

shutil.copy(sys.argv[1], sys.argv[2] + "/stops.geojson")
app = create_app({"TESTING": True, "TOUR_DATA": sys.argv[2] + "/stops.geojson",
                  "TOUR_HISTORY_DIR": sys.argv[2] + "/history"})
client = app.test_client()
for url in ("/healthz", "/tour.geojson", "/fr/legs/1.gpx", "/en/tour.gpx", "/live/state.json",
            "/healthz"):
    assert client.get(url).status_code == 200, url
print(sorted(name for name in ("folium", "branca", "numpy") if name in sys.modules))
client.get("/fr/map.js")
print(sorted(name for name in ("folium", "branca", "numpy") if name in sys.modules))
"""


def test_the_app_and_its_requests_that_draw_no_map_import_neither_folium_nor_numpy(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", NO_MAP_REQUESTS, str(SEEDED), str(tmp_path)],
        capture_output=True, text=True, timeout=120, check=True,
    )
    # The map script, drawn once per version and language, is where folium comes in.
    assert result.stdout.splitlines() == ["[]", "['branca', 'folium', 'numpy']"], result.stderr
