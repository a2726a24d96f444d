"""``flask tour gpx``: the same GPX as the download, written to a file for a GPS unit."""

from __future__ import annotations

import gpxpy

from tourapp import create_app


def test_writes_the_whole_walk(runner, tmp_path):
    target = tmp_path / "walk.gpx"
    result = runner.invoke(
        args=[
            "tour",
            "gpx",
            "--lang",
            "en",
            "--url",
            "https://walk.example.org/",
            "-o",
            str(target),
        ]
    )
    assert result.exit_code == 0, result.output
    doc = gpxpy.parse(target.read_text(encoding="utf-8"))
    assert len(doc.waypoints) == 4 and len(doc.tracks[0].segments) == 3
    assert doc.link == "https://walk.example.org/en/"
    assert doc.waypoints[0].type == "Stop"


def test_same_bytes_as_the_download(tour_file, tmp_path):
    app = create_app({"TESTING": True, "TOUR_DATA": tour_file, "PUBLIC_URL": "https://w.example/"})
    result = app.test_cli_runner().invoke(args=["tour", "gpx", "--leg", "2"])
    assert result.exit_code == 0, result.output
    assert result.output == app.test_client().get("/fr/legs/2.gpx").get_data(as_text=True)


def test_refuses_an_unknown_leg_or_a_missing_address(runner, tmp_path):
    result = runner.invoke(args=["tour", "gpx", "--leg", "9", "--url", "https://w.example/"])
    assert result.exit_code == 2 and "legs 1 to 3" in result.output
    result = runner.invoke(args=["tour", "gpx"])
    assert result.exit_code == 2 and "PUBLIC_URL" in result.output
