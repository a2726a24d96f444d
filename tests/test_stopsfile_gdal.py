"""A real GIS round trip: the file GDAL (what QGIS uses) writes back is the same tour."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tourapp import stopsfile

from .conftest import SEEDED

OGR2OGR = shutil.which("ogr2ogr")
pytestmark = pytest.mark.skipif(
    OGR2OGR is None, reason="ogr2ogr missing: `make test` installs Debian's gdal-bin"
)


def gis_doc() -> dict:
    """The seeded walk with what organisers' tools add: a routed leg with steps, text numbers."""
    document = json.loads(SEEDED.read_text(encoding="utf-8"))
    # Only the stops of the seeded walk: this test builds its own leg, whatever the seed holds.
    document["features"] = [f for f in document["features"] if f["geometry"]["type"] == "Point"]
    stops = {f["properties"]["id"]: f for f in document["features"]
             if f["geometry"]["type"] == "Point"}
    a = stops["hotel-de-metropole"]["geometry"]["coordinates"]
    b = stops["espace-french-tech"]["geometry"]["coordinates"]
    middle = [round((a[0] + b[0]) / 2, 7), round((a[1] + b[1]) / 2 + 0.0004, 7)]
    steps = [
        {"maneuver": "depart", "direction": "", "street": "Place Zeus", "distance_m": 310.5,
         "location": a},
        {"maneuver": "turn", "direction": "left", "street": "Rue « Léon » Blum",
         "distance_m": 320, "location": middle},
        {"maneuver": "arrive", "direction": "", "street": "", "distance_m": 0, "location": b},
    ]
    document["features"].insert(1, {
        "type": "Feature",
        "properties": {"leg_from": "hotel-de-metropole", "leg_to": "espace-french-tech",
                       "distance_m": 630.5, "walk_min": 9,
                       "steps": json.dumps(steps, ensure_ascii=False)},
        "geometry": {"type": "LineString", "coordinates": [a, middle, b]},
    })
    stops["musee-fabre"]["properties"]["arrive_at"] = "15:20"
    return document


def ogr2ogr(*args: str) -> None:
    subprocess.run([OGR2OGR, *args], check=True, capture_output=True, timeout=60)


def comparable(tour) -> dict:
    """What a participant and a guide see of a tour (coordinates to 1e-7 degree)."""

    def point(p):
        return (round(p[0], 7), round(p[1], 7))

    return {
        "facts": (tour.title, tour.description, tour.date, tour.timezone, tour.start, tour.end,
                  tour.speed_kmh, tour.attribution, tour.organiser),
        "stops": [(s.id, s.order, point(s.location), s.name, s.description, s.address,
                   s.duration_min, s.arrive_at) for s in tour.stops],
        "visits": [(v.stop.id, v.arrival, v.departure, v.late_min) for v in tour.visits],
        "legs": [(leg.from_id, leg.to_id, [point(p) for p in leg.path], round(leg.distance_m, 3),
                  leg.walk_min, leg.routed,
                  [(s.maneuver, s.direction, s.street, s.distance_m,
                    s.location and point(s.location)) for s in leg.steps])
                 for leg in tour.legs],
        "warnings": tour.warnings,
    }


@pytest.mark.parametrize(
    "route",
    [
        pytest.param([["-f", "GeoJSON"]], id="geojson"),
        pytest.param([["-f", "GeoJSON", "-lco", "RFC7946=YES"]], id="geojson-rfc7946"),
        # QGIS saves layers as GeoPackage by default: a Date column, no Time type.
        pytest.param([["-f", "GPKG"], ["-f", "GeoJSON"]], id="via-geopackage"),
    ],
)
@pytest.mark.parametrize("text_numbers", [False, True], ids=["numbers", "text-numbers"])
def test_gdal_round_trip_keeps_the_tour(tmp_path, route, text_numbers):
    document = gis_doc()
    if text_numbers:  # uMap writes numbers as text: GDAL then makes every value of the column text
        for feature in document["features"]:
            props = feature["properties"]
            for key in ("duration_min", "order", "walk_min"):
                if key in props:
                    props[key] = str(props[key])
    source = tmp_path / "stops.geojson"
    source.write_text(stopsfile.dumps(document), encoding="utf-8")
    current = source
    for number, options in enumerate(route):
        target = tmp_path / f"out{number}.{'gpkg' if 'GPKG' in options else 'geojson'}"
        ogr2ogr(*options, str(target), str(current))
        current = target
    written = json.loads(current.read_text(encoding="utf-8"))
    assert written["name"] in ("stops", "out0")  # GDAL really rewrote the file
    if len(route) > 1:
        # Through a table: one column set for every feature, null where a feature has no value.
        props = [f["properties"] for f in written["features"]]
        assert all(p.keys() == props[0].keys() for p in props)
        assert any(p["id"] is None for p in props) and any(p["leg_from"] is None for p in props)
    assert {f["geometry"]["type"] for f in written["features"]} == {"Point", "LineString"}

    original = stopsfile.load(source)
    round_tripped = stopsfile.load(current)
    assert comparable(round_tripped) == comparable(original)
    assert original.legs[0].routed and len(original.legs[0].steps) == 3
    assert [v.arrival.strftime("%H:%M") for v in round_tripped.visits][0] == "13:30"


def test_gdal_writes_times_with_seconds(tmp_path):
    # The quirk the loader must accept: a time column comes back as "13:30:00".
    source = tmp_path / "stops.geojson"
    source.write_text(stopsfile.dumps(gis_doc()), encoding="utf-8")
    ogr2ogr("-f", "GeoJSON", str(tmp_path / "out.geojson"), str(source))
    first = json.loads((tmp_path / "out.geojson").read_text())["features"][0]["properties"]
    assert first["tour_start"] == "13:30:00"
    assert stopsfile.load(tmp_path / "out.geojson").start.strftime("%H:%M") == "13:30"
