"""Mistakes explained with their fix (issue 11): each reported message, through the loader."""

from __future__ import annotations

import json
import subprocess

import pytest

from tourapp import stopsfile
from tourapp.stopsfile import TourError

from .conftest import SEEDED, small_doc


def problems_of(data: bytes, source: str = "stops.geojson") -> list[str]:
    with pytest.raises(TourError) as caught:
        stopsfile.parse(data, source)
    return caught.value.problems


def pretty(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=1)


def test_a_trailing_comma_is_named_with_its_line():
    lines = pretty(small_doc()).splitlines()
    # The last property of the last stop gets a comma, as when a line is deleted by hand.
    last = max(i for i, line in enumerate(lines) if '"duration_min"' in line)
    lines[last] += ","
    found = problems_of("\n".join(lines).encode())
    assert found == [
        f"stops.geojson: line {last + 1} ends with a comma after the last item of a list "
        "or object: remove that comma"
    ]


def test_a_trailing_comma_after_the_last_feature():
    text = pretty(small_doc())
    cut = text.rindex("]")
    broken = text[:cut].rstrip() + ",\n" + text[cut:]
    comma_line = broken[: broken.rindex(",")].count("\n") + 1
    assert problems_of(broken.encode())[0].startswith(f"stops.geojson: line {comma_line} ends")


@pytest.mark.parametrize("keep", [0.2, 0.5, 0.9, 0.999])
def test_a_file_that_ends_early_looks_incomplete(keep):
    good = SEEDED.read_bytes()
    (found,) = problems_of(good[: int(len(good) * keep)])
    assert "looks incomplete: was it saved completely?" in found
    assert "Unterminated" not in found


def test_a_deleted_property_is_said_missing():
    document = small_doc()
    del document["features"][0]["properties"]["tour_date"]
    assert problems_of(json.dumps(document).encode()) == [
        'stops.geojson: feature 0 ("a"): "tour_date" is missing'
    ]


def test_suggested_coordinates_keep_every_digit():
    document = small_doc()
    document["features"][2]["geometry"]["coordinates"] = [43.6083551, 3.8807356]
    (found,) = problems_of(json.dumps(document).encode())
    assert found.endswith("so write [3.8807356, 43.6083551]")


GPX = b"""<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="https://gpx.studio" xmlns="http://www.topografix.com/GPX/1/1">
<wpt lat="43.6077999" lon="3.8907432"><name>H\xc3\xb4tel de M\xc3\xa9tropole</name></wpt>
</gpx>
"""


def ogr(fmt: str, target, *options) -> bytes:
    source = SEEDED
    if fmt == "GPX":  # as gpx.studio or OsmAnd export it
        target.write_bytes(GPX)
        return GPX
    subprocess.run(
        ["ogr2ogr", "-f", fmt, *options, str(target), str(source), "-where", "OGR_GEOMETRY='POINT'"],
        check=True, capture_output=True,
    )
    return target.read_bytes()


@pytest.mark.parametrize(
    ("fmt", "name", "kind"),
    [
        ("GPKG", "stops.gpkg", "a GeoPackage"),
        ("ESRI Shapefile", "stops.shp", "a Shapefile"),
        ("KML", "stops.kml", "a KML file"),
        ("GPX", "stops.gpx", "a GPX file"),
        ("CSV", "stops.csv", "a table (CSV)"),
    ],
)
def test_other_formats_are_recognised_with_the_command_that_converts_them(
    tmp_path, fmt, name, kind
):
    options = {"CSV": ["-lco", "GEOMETRY=AS_XY"]}
    data = ogr(fmt, tmp_path / name, *options.get(fmt, []))
    (found,) = problems_of(data, name)
    assert found.startswith(f"{name}: this is {kind}")
    command = found.split("convert it with: ")[1]
    assert command.startswith("ogr2ogr -f GeoJSON -t_srs EPSG:4326 ")
    assert f" stops.geojson {name}" in command
    if fmt in ("GPKG", "CSV", "GPX"):
        # The command given really converts the file into one the app reads.
        subprocess.run(command.split(), cwd=tmp_path, check=True, capture_output=True)
        converted = json.loads((tmp_path / "stops.geojson").read_text(encoding="utf-8"))
        assert converted["type"] == "FeatureCollection" and converted["features"]
