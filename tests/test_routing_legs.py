"""Routed legs in the stops file: the format survives GDAL and QGIS."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tourapp import stopsfile

from .conftest import SEEDED

OGR2OGR = shutil.which("ogr2ogr")


def legs_of(tour):
    return [(leg.from_id, leg.to_id, leg.distance_m, leg.walk_min, leg.steps) for leg in tour.legs]


@pytest.mark.parametrize("via", [None, "GPKG"])
def test_legs_round_trip_through_gdal(tmp_path, via):
    """ogr2ogr (the library under QGIS) writes the steps text back as a JSON list: both load."""
    assert OGR2OGR, "gdal-bin is needed (make test installs it)"
    source = SEEDED
    if via:
        source = tmp_path / "stops.gpkg"
        subprocess.run([OGR2OGR, "-f", via, str(source), str(SEEDED)], check=True)
    copy = tmp_path / "copy.geojson"
    subprocess.run([OGR2OGR, "-f", "GeoJSON", str(copy), str(source)], check=True)
    written = json.loads(copy.read_text(encoding="utf-8"))
    legs = [f for f in written["features"] if f["geometry"]["type"] == "LineString"]
    assert isinstance(legs[0]["properties"]["steps"], list)  # what GDAL does with JSON text

    original, again = stopsfile.load(SEEDED), stopsfile.load(copy)
    assert again.warnings == ()
    assert legs_of(again) == legs_of(original)
    for a, b in zip(again.legs, original.legs, strict=True):
        assert len(a.path) == len(b.path)
        for p, q in zip(a.path, b.path, strict=True):
            assert p == pytest.approx(q, abs=1e-7)


def test_steps_as_a_list_or_as_text_load_the_same(tmp_path):
    doc = json.loads(SEEDED.read_text(encoding="utf-8"))
    for feature in doc["features"]:
        if feature["geometry"]["type"] == "LineString":
            feature["properties"]["steps"] = json.loads(feature["properties"]["steps"])
    as_list = stopsfile.parse(json.dumps(doc).encode())
    assert legs_of(as_list) == legs_of(stopsfile.load(SEEDED))


@pytest.mark.parametrize(
    ("steps", "message"), [({"a": 1}, "text holding a JSON list"), ([{"a": 1}], "item 0 must")]
)
def test_steps_that_are_not_a_list_of_steps(steps, message):
    doc = json.loads(SEEDED.read_text(encoding="utf-8"))
    leg = next(f for f in doc["features"] if f["geometry"]["type"] == "LineString")
    leg["properties"]["steps"] = steps
    with pytest.raises(stopsfile.TourError, match=message):
        stopsfile.parse(json.dumps(doc).encode())
