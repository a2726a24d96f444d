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
    command = found.split("convert it with: ")[1].split(" — ")[0]
    assert command.startswith("ogr2ogr -f GeoJSON -t_srs EPSG:4326 ")
    assert f" stops.geojson {name}" in command
    if fmt in ("GPKG", "CSV", "GPX"):
        # The command given really converts the file into one the app reads.
        subprocess.run(command.split(), cwd=tmp_path, check=True, capture_output=True)
        converted = json.loads((tmp_path / "stops.geojson").read_text(encoding="utf-8"))
        assert converted["type"] == "FeatureCollection" and converted["features"]


# --- Issue 19, point 4: every message in the organiser's language, with its fix ----------

def _said(app, message: str, lang: str) -> str:
    from flask_babel import force_locale

    from tourapp.render import wording

    with app.test_request_context(), force_locale(lang):
        return wording.problem(message)


def _one_problem(data: bytes, source: str = "stops.geojson") -> str:
    (found,) = problems_of(data, source)
    return found


def _doc_with(**changes) -> bytes:
    document = small_doc()
    props = document["features"][0]["properties"]
    for key, value in changes.items():
        props[key] = value
    return json.dumps(document).encode()


def _missing_comma() -> bytes:
    lines = pretty(small_doc()).splitlines()
    row = next(i for i, line in enumerate(lines) if '"name_fr"' in line)
    lines[row] = lines[row].rstrip(",")  # the comma at the end of this line deleted
    return "\n".join(lines).encode()


def _control_character() -> bytes:
    text = pretty(small_doc()).replace('"Étape a"', '"Étape\ta"', 1)
    return text.encode()


MISSING_COMMA_LINE = next(i for i, line in enumerate(pretty(small_doc()).splitlines(), 1)
                          if '"name_fr"' in line)
MISSING_COMMA_COLUMN = len(pretty(small_doc()).splitlines()[MISSING_COMMA_LINE - 1].rstrip(","))


MESSAGES = [
    # (what, problem of the file, English expected, French expected, English not in French)
    ("missing file", None,
     "cannot read the file: there is no such file",
     "impossible de lire le fichier : ce fichier n'existe pas", "No such file"),
    ("GeoPackage saved as stops.geojson", "gpkg",
     "this is a GeoPackage (an SQLite database), not GeoJSON",
     "ce fichier est un GeoPackage (une base SQLite), pas du GeoJSON", "SQLite database"),
    ("control character", "control",
     "a text holds a control character (a tab or a line break typed inside quotes)",
     "un texte contient un caractère de contrôle", "Invalid control character"),
    ("missing comma", "comma",
     f"invalid JSON at line {MISSING_COMMA_LINE}, column {MISSING_COMMA_COLUMN + 1}: "
     "a comma is missing here",
     f"JSON invalide ligne {MISSING_COMMA_LINE}, colonne {MISSING_COMMA_COLUMN + 1} : "
     "il manque une virgule ici", "Expecting"),
    ("15h30", {"tour_start": "15h30"},
     '"tour_start" must be a time written HH:MM, got "15h30": write "15:30"',
     'écrivez "15:30"', "write"),
    ("14 h", {"tour_start": "14 h"}, 'write "14:00"', 'écrivez "14:00"', "write"),
    ("30 min", {"duration_min": "30 min"}, 'got "30 min": write 30', "écrivez 30", "write"),
    ("decimal comma", {"duration_min": "1,5"}, 'got "1,5": write 1.5', "écrivez 1.5", "write"),
    ("speed with a comma", {"tour_speed_kmh": "4,5"}, "write 4.5", "écrivez 4.5", "write"),
]


@pytest.mark.parametrize(("what", "case", "english", "french", "not_french"), MESSAGES,
                         ids=[row[0] for row in MESSAGES])
def test_each_problem_is_said_in_french_with_its_fix(
    app, tmp_path, what, case, english, french, not_french
):
    if case is None:
        with pytest.raises(TourError) as caught:
            stopsfile.load(tmp_path / "nope.geojson")
        (found,) = caught.value.problems
    elif case == "gpkg":
        found = _one_problem(ogr("GPKG", tmp_path / "stops.gpkg"), "stops.geojson")
    elif case == "control":
        found = _one_problem(_control_character())
    elif case == "comma":
        found = _one_problem(_missing_comma())
    else:
        found = _one_problem(_doc_with(**case))
    assert english in _said(app, found, "en")
    said = _said(app, found, "fr")
    assert french in said, said
    assert not_french not in said


def test_the_geopackage_command_offered_really_converts_it(tmp_path):
    """A GeoPackage saved as stops.geojson: the command writes another file, which loads."""
    data = ogr("GPKG", tmp_path / "walk.gpkg")
    (tmp_path / "stops.geojson").write_bytes(data)
    found = _one_problem(data, "stops.geojson")
    command = found.split("convert it with: ")[1].split(" — ")[0]
    assert "stops-converted.geojson stops.geojson" in command
    subprocess.run(command.split(), cwd=tmp_path, check=True, capture_output=True)
    assert "tour check stops-converted.geojson" in found
    converted = json.loads((tmp_path / "stops-converted.geojson").read_text(encoding="utf-8"))
    assert converted["type"] == "FeatureCollection" and converted["features"]


def test_the_missing_comma_is_placed_after_the_previous_value():
    """Python names the next line; the organiser must be sent to where the comma goes."""
    found = _one_problem(_missing_comma())
    line = pretty(small_doc()).splitlines()[MISSING_COMMA_LINE - 1]
    assert f"line {MISSING_COMMA_LINE}, column {len(line.rstrip(',')) + 1}:" in found


def test_a_control_character_is_said_whole_with_its_place():
    found = _one_problem(_control_character())
    row = next(i for i, line in enumerate(pretty(small_doc()).splitlines(), 1)
               if '"Étape a"' in line)
    assert f"line {row}, column" in found
    assert found.endswith(r"write it as \t or \n, or remove it")
    assert "Invalid control character at" not in found


def test_a_comma_that_may_separate_thousands_gets_no_guess():
    (found,) = problems_of(_doc_with(duration_min="1,500"))
    assert found.endswith('got "1,500"')
