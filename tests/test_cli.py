"""`flask tour check`: every problem listed with where and why; the exit status says it all."""

from __future__ import annotations

import json

import pytest

from tourapp.cli import tour_cli

from .conftest import small_doc, write_doc


def check(runner, *args):
    return runner.invoke(tour_cli, ["check", *args])


def test_a_valid_file(runner, tour_file):
    result = check(runner, str(tour_file))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{tour_file}: OK: 4 stops, 3.5 km, 13:30–16:00 on 2018-11-20\n"
    assert result.stderr == ""


def test_the_default_file_is_the_apps(runner):
    result = check(runner)
    assert result.exit_code == 0 and "OK: 4 stops" in result.stdout


def test_every_problem_is_listed_with_feature_id_property_and_reason(runner, tmp_path, doc):
    doc["features"][1]["properties"]["duration_min"] = "abc"
    doc["features"][2]["properties"]["name_en"] = 5
    doc["features"][2]["properties"]["arrive_at"] = "2 pm"
    doc["features"][0]["geometry"]["coordinates"] = [43.6, 3.88]  # swapped
    path = write_doc(tmp_path / "bad.geojson", doc)
    result = check(runner, str(path))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f'error: {path}: feature 1 ("b"): "duration_min" must be a number from 0 to 1440, '
        'got "abc"',
        f'error: {path}: feature 2 ("c"): "name_en" must be text, got 5',
        f'error: {path}: feature 2 ("c"): "arrive_at" must be a time written HH:MM, got "2 pm"',
        f'error: {path}: feature 0 ("a"): coordinates [43.6, 3.88] look swapped: GeoJSON wants '
        "[longitude, latitude], so write [3.88, 43.6]",
        "4 error(s): the app would refuse this file.",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"type": "FeatureCollection", "features": [', "the file ends early (line 1, column 44)"),
        (b"", "file is empty"),
        (b"\x00" * 10, "invalid JSON at line 1, column 1"),
    ],
)
def test_unreadable_files(runner, tmp_path, content, message):
    path = tmp_path / "stops.geojson"
    path.write_bytes(content)
    result = check(runner, str(path))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {path}: {message}")


def test_a_missing_file(runner, tmp_path):
    result = check(runner, str(tmp_path / "nope.geojson"))
    assert result.exit_code == 1
    assert "cannot read the file: there is no such file" in result.stderr


def late_doc() -> dict:
    document = small_doc()
    document["features"][0]["properties"]["tour_end"] = "14:00"
    document["features"][2]["properties"]["arrive_at"] = "14:00"
    return document


def test_warnings_are_printed_and_strict_makes_them_errors(runner, tmp_path):
    path = write_doc(tmp_path / "late.geojson", late_doc())
    result = check(runner, str(path))
    assert result.exit_code == 0
    warnings = result.stderr.splitlines()
    assert warnings == [
        f'warning: {path}: stop 3 ("c"): fixed arrival 14:00 cannot be met: the group arrives '
        "at 14:28, 28 min late",
        f"warning: {path}: the walk ends at 14:48, 48 min after tour_end 14:00",
    ]
    assert result.stdout.endswith(", 2 warnings\n")

    strict = check(runner, "--strict", str(path))
    assert strict.exit_code == 1
    assert strict.stderr.splitlines()[:2] == warnings
    assert strict.stderr.splitlines()[-1] == "2 warnings treated as errors (--strict)."


def test_strict_passes_a_clean_file(runner, tmp_path):
    result = check(runner, "--strict", str(write_doc(tmp_path / "ok.geojson", small_doc())))
    assert result.exit_code == 0


def test_hostile_text_in_messages_is_printable(runner, tmp_path, doc):
    doc["features"][1]["properties"]["name_fr"] = "\x1b]0;pwned\x07<b>"
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(doc))
    result = check(runner, str(path))
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr  # no terminal escapes
    expected = '"name_fr" contains the invisible control character U+001B at position 1'
    assert expected in result.stderr


def test_through_the_flask_command(tmp_path, doc):
    # The real entry point: `flask --app tourapp tour check FILE`, in a subprocess.
    import subprocess
    import sys

    doc["features"][1]["properties"]["order"] = 1
    path = write_doc(tmp_path / "dup.geojson", doc)
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "tourapp", "tour", "check", str(path)],
        capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1
    assert f'{path}: feature 1 ("b"): "order" 1 is already used by feature 0 ("a")' in result.stderr


@pytest.mark.parametrize(
    ("args", "french"),
    [
        (["tour", "init", "{file}"], "existe déjà : il est laissé tel quel"),
        (["tour", "organiser-link", "--hours", "100"], "plus de 0 et au plus 72 heures"),
        (["tour", "organiser-link", "--url", "https://example.org"],
         "valable 24 h ; gardez-le secret"),
        (["tour", "gpx"], "donnez l'adresse du site avec --url"),
        (["tour", "gpx", "--url", "https://example.org", "--leg", "9"],
         "la déambulation a les trajets 1 à 3"),
        (["tour", "check", "{file}"], " : OK : 4 étapes, 3.5 km, 13:30–16:00 le 2018-11-20"),
        (["tour", "guide-link", "--hours", "100"], "plus de 0 et au plus 72 heures"),
        (["tour", "guide-link", "--url", "https://example.org"],
         "gardez-le secret : qui le détient mène le groupe"),
        (["tour", "actuals", "--csv", "{dir}/actuals.csv", "--gpx", "{dir}/track.gpx"],
         "actuals.csv : 0 relevés d'étapes"),
    ],
)
def test_organiser_commands_speak_french_under_a_french_locale(runner, tour_file, args, french):
    """Issue 19, point 4: every organiser command, not only check and history."""
    args = [arg.replace("{file}", str(tour_file)).replace("{dir}", str(tour_file.parent))
            for arg in args]
    result = runner.invoke(args=args, env={"LANG": "fr_FR.UTF-8", "LC_ALL": "", "LANGUAGE": ""})
    assert french in result.output, result.output
