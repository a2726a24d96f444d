"""tools/clip_montpellier.py: the clip of the city's data, and the committed clip itself."""

from __future__ import annotations

import csv
import importlib.util
import json
import re

import pytest
from geopy.distance import great_circle

from .conftest import CITY, ROOT, SEEDED

spec = importlib.util.spec_from_file_location("clip_montpellier", ROOT / "tools/clip_montpellier.py")
clip = importlib.util.module_from_spec(spec)
spec.loader.exec_module(clip)

BOX = (3.0, 43.0, 3.1, 43.1)  # west, south, east, north
HEADER = "X,Y,ADR,NUM_VOI,SUF_VOI,LIB_OFF\n"
ATTRIBUTION = "Données : Ville de Montpellier — Licence Ouverte"


def street(name, *coords):
    return {
        "type": "Feature",
        "properties": {"LIB_OFF": name, "OCCUPATION": None, "LONGUEUR": 12.5},
        "geometry": {"type": "LineString", "coordinates": [list(c) for c in coords]},
    }


@pytest.mark.parametrize(
    ("coords", "kept"),
    [
        ([(3.05, 43.05), (3.06, 43.06)], True),  # inside
        ([(2.9, 43.05), (3.2, 43.05)], True),  # crosses the box, no vertex inside
        ([(3.1, 43.2), (3.1, 43.1)], True),  # ends on a corner
        ([(2.9, 42.9), (2.95, 42.95)], False),  # outside
        # An L around the south-west corner: its bounding box overlaps, the line does not.
        ([(2.99, 43.05), (2.99, 42.99), (3.05, 42.99)], False),
        ([(2.9, 43.01), (3.1, 43.21)], False),  # a diagonal passing the north-west corner by
        ([(3.05, 43.05)], True),  # one vertex
    ],
)
def test_a_line_is_kept_when_it_meets_the_box(coords, kept):
    assert clip.geometry_touches({"type": "LineString", "coordinates": coords}, BOX) is kept


def test_a_zone_around_the_box_is_kept():
    around = [[[2.0, 42.0], [4.0, 42.0], [4.0, 44.0], [2.0, 44.0], [2.0, 42.0]]]
    beside = [[[3.2, 43.0], [3.3, 43.0], [3.3, 43.1], [3.2, 43.0]]]
    assert clip.geometry_touches({"type": "Polygon", "coordinates": around}, BOX)
    assert not clip.geometry_touches({"type": "Polygon", "coordinates": beside}, BOX)
    assert clip.geometry_touches({"type": "MultiPolygon", "coordinates": [beside, around]}, BOX)


def test_streets_crossing_the_edge_are_kept_whole():
    crossing = street("Rue du Bord", (3.09, 43.05), (3.15, 43.05), (3.3, 43.2))
    source = {
        "type": "FeatureCollection",
        "name": "VilleMTP_MTP_FilaireVoies",
        "features": [street("Rue Loin", (4, 44), (4.1, 44)), crossing, street("Rue é", (3.01, 43.01), (3.02, 43.02))],
    }
    text, kept, read = clip.clip_geojson(json.dumps(source), BOX)
    assert (kept, read) == (2, 3)
    out = json.loads(text)
    assert out["name"] == "VilleMTP_MTP_FilaireVoies"
    assert out["features"] == [crossing, source["features"][2]]  # nothing cut, nothing changed
    assert "Rue é" in text  # written as UTF-8, not \u escapes
    assert len(text.splitlines()) == 4 + 2 + 2  # head, one feature per line, closing


def test_address_lines_are_copied_byte_for_byte():
    inside = '3.05,43.05,"12 bis, Rue Exemple","12",bis,Rue Exemple\n'
    outside = '3.5,43.05,"1, Rue Loin","1",,Rue Loin\n'
    text, kept, read = clip.clip_csv(HEADER + outside + inside, BOX)
    assert (text, kept, read) == (HEADER + inside, 1, 2)
    with pytest.raises(ValueError, match="line 2: 2 fields, the header has 6"):
        clip.clip_csv(HEADER + "3.05,43.05\n", BOX)


def test_the_margin_is_never_less_than_asked():
    box = clip.widen(BOX, 1000)
    west, south, east, north = box
    for far_lat in (BOX[1], BOX[3]):
        assert 1000 <= great_circle((far_lat, west), (far_lat, BOX[0])).m < 1015
        assert 1000 <= great_circle((far_lat, BOX[2]), (far_lat, east)).m < 1015
    assert 1000 <= great_circle((south, 3.05), (BOX[1], 3.05)).m < 1015
    assert 1000 <= great_circle((BOX[3], 3.05), (north, 3.05)).m < 1015
    assert all(round(edge * 10_000) == edge * 10_000 for edge in box)


def city_folder(path):
    """A small stand-in for the city's files."""
    path.mkdir()
    near = street("Rue Proche", (3.8800, 43.6100), (3.8810, 43.6110))
    far = street("Rue Lointaine", (3.70, 43.50), (3.71, 43.51))
    voies = {"type": "FeatureCollection", "name": "voies", "features": [near, far]}
    (path / "voies.geojson").write_text(json.dumps(voies), encoding="utf-8")
    zone = {"type": "Polygon", "coordinates": [[[3.88, 43.61], [3.89, 43.61], [3.88, 43.62], [3.88, 43.61]]]}
    zones = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"NOM": "X"}, "geometry": zone}]}
    (path / "zones-pietonnes.geojson").write_text(json.dumps(zones), encoding="utf-8")
    rows = '3.881,43.611,"2, Rue Proche","2",,Rue Proche\n3.7,43.5,"9, Rue Lointaine","9",,Rue Lointaine\n'
    (path / "adresses.csv").write_text(HEADER + rows, encoding="utf-8")
    return path


def test_the_script_writes_the_clips_and_their_readme_the_same_twice(tmp_path, capsys):
    source, out = city_folder(tmp_path / "city"), tmp_path / "out"
    argv = ["--source", str(source), "--stops", str(SEEDED), "--out", str(out)]
    assert clip.main(argv) == 0
    assert "voies.geojson: 1 of 2 kept" in capsys.readouterr().out
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    assert sorted(first) == ["README.md", "adresses.csv", "voies.geojson", "zones-pietonnes.geojson"]
    assert first["adresses.csv"].decode() == HEADER + '3.881,43.611,"2, Rue Proche","2",,Rue Proche\n'
    readme = first["README.md"].decode()
    assert ATTRIBUTION in readme and "Licence Ouverte" in readme
    assert "python3 tools/clip_montpellier.py --source ../shared/data/montpellier" in readme
    assert clip.main(argv) == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first


def test_a_missing_city_file_writes_nothing(tmp_path, capsys):
    source = city_folder(tmp_path / "city")
    (source / "adresses.csv").unlink()
    out = tmp_path / "out"
    assert clip.main(["--source", str(source), "--stops", str(SEEDED), "--out", str(out)]) == 1
    assert "adresses.csv" in capsys.readouterr().err
    assert not out.exists()


# The committed clip, as a fresh clone has it.


@pytest.fixture(scope="module")
def committed_box():
    found = re.search(
        r"west ([\d.]+), south ([\d.]+), east ([\d.]+), north ([\d.]+)",
        (CITY / "README.md").read_text(encoding="utf-8"),
    )
    return tuple(float(edge) for edge in found.groups())


def test_the_committed_clip_surrounds_the_seeded_stops(committed_box):
    """The clip was made around the stops as they are: move them far, make the clip again."""
    assert committed_box == clip.widen(clip.stops_box(SEEDED), 1000)


def test_the_committed_clip_holds_what_it_says(committed_box):
    readme = (CITY / "README.md").read_text(encoding="utf-8")
    assert ATTRIBUTION in readme
    voies = json.loads((CITY / "voies.geojson").read_text(encoding="utf-8"))
    assert len(voies["features"]) > 2000
    assert all(clip.geometry_touches(f["geometry"], committed_box) for f in voies["features"])
    assert {"LIB_OFF", "TYPVOI", "OCCUPATION", "IDARC"} <= set(voies["features"][0]["properties"])
    with (CITY / "adresses.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == HEADER.strip().split(",")  # the city's columns, for its tools
    assert len(rows) > 10_000
    assert all(clip.inside((float(r["X"]), float(r["Y"])), committed_box) for r in rows)
    zones = json.loads((CITY / "zones-pietonnes.geojson").read_text(encoding="utf-8"))
    assert {f["geometry"]["type"] for f in zones["features"]} == {"Polygon"}
    for name, size in (("voies.geojson", 3e6), ("adresses.csv", 3e6)):
        assert (CITY / name).stat().st_size < size, f"{name}: a clip, not the whole city"
    assert f"{len(voies['features']):,} of 8,011" in readme and f"{len(rows):,} of 36,395" in readme
