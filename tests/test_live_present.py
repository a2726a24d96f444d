"""The live walk as participants, organisers, CSV and GPX readers (gpsbabel) see it."""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import json
import re
import shutil
import subprocess

import gpxpy
import pytest

from tourapp import create_app, stopsfile
from tourapp.live import present
from tourapp.live.guide import apply

from .conftest import SEEDED, write_doc


def nb(text: str) -> str:
    """Times as the app writes them, with no-break spaces: « 15 h 27 », "3:27 PM"."""
    return re.sub(r"(\d) (h|AM|PM)( ?)(?=\d|\b)", lambda m: m[1] + "\u00a0" + m[2] + ("\u00a0" if m[3] else ""), text)


NOW = 1_700_000_000.0


@pytest.fixture(scope="module")
def tour():
    return stopsfile.load(SEEDED)


@pytest.fixture
def ctx(tour_file):
    app = create_app({"TESTING": True, "TOUR_DATA": tour_file})
    with app.app_context():
        yield


def walked(tour, *bodies):
    doc, t, track = {}, NOW, []
    for body in bodies:
        doc, point = apply(doc, body, tour, "Marie", t)
        if point:
            track.append(point)
        t += 60
    return doc, track, t


def test_public_state_writes_every_time_in_both_languages(ctx, tour):
    doc, _, t = walked(tour, {"type": "clock", "at": "13:48"},
                       {"type": "arrive", "stop": "espace-french-tech"})
    body = present.public(tour, doc, t)
    assert body["since"] == {"min": 829, "fr": nb("13 h 49"), "en": nb("1:49 PM")}
    assert body["delay_min"] == 10  # a minute passed between the two requests
    assert body["stops"][2]["arrival"]["fr"] == nb("14 h 42") and body["stops"][1]["arrived"]


def test_a_still_guide_keeps_the_marker_for_an_hour_with_its_time(tour):
    """A guide standing at a 40-minute visit sends nothing new: the group stays on the map."""
    doc, _, t = walked(tour, {"type": "position", "lat": 43.61, "lon": 3.88, "accuracy": 5})
    stamp = doc["guides"]["Marie"]["position"]["t"]
    assert present.fresh_position(doc, stamp + 40 * 60)["t"] == stamp  # its age is shown
    assert present.fresh_position(doc, stamp + 3600) is not None
    assert present.fresh_position(doc, stamp + 3601) is None


def test_actuals_csv(ctx, tour):
    doc, _, t = walked(tour, {"type": "clock", "at": "13:30"},
                       {"type": "arrive", "stop": "hotel-de-metropole"},
                       {"type": "leave", "stop": "hotel-de-metropole"})
    rows = list(csv.DictReader(io.StringIO(present.actuals_csv(tour, doc, t, "fr"))))
    assert [r["id"] for r in rows] == [s.id for s in tour.stops]
    assert rows[0]["actual_arrival"] == "13:31" and rows[0]["actual_departure"] == "13:32"
    # When the guide reported it, in the tour's zone: 1,700,000,060 s is 23:14:20 in Paris.
    assert rows[0]["reported_arrival"] == "2023-11-14T23:14:20+01:00"
    assert rows[1]["actual_arrival"] == "" and rows[1]["planned_arrival"] == "13:39"


def test_csv_names_cannot_become_spreadsheet_formulas(ctx, tour_file):
    document = json.loads(tour_file.read_text())
    document["features"][0]["properties"]["name_fr"] = "=HYPERLINK(\"http://x\")"
    write_doc(tour_file, document)
    hostile = stopsfile.load(tour_file)
    text = present.actuals_csv(hostile, {}, NOW, "fr")
    assert "'=HYPERLINK" in text


def test_track_gpx_has_timestamps_and_reads_back(tour):
    _, track, _ = walked(tour, *({"type": "position", "lat": 43.6078 + i * 0.0003,
                                  "lon": 3.8907, "accuracy": 5} for i in range(4)))
    text = present.track_gpx(tour, track, "en")
    parsed = gpxpy.parse(text)
    points = parsed.tracks[0].segments[0].points
    assert len(points) == 4 and points[0].time.timestamp() == NOW
    assert (points[1].time - points[0].time).total_seconds() == 60


def test_a_long_track_is_written_without_the_cyclic_collector(tour, monkeypatch):
    """As the walk's GPX (tests/test_gpx.py): counted, not timed."""
    track = [[NOW + i, 43.6078 + i * 1e-6, 3.8907, 5] for i in range(3000)]
    started, built = [], []
    pause = present.gc_paused

    @contextlib.contextmanager
    def watched_pause():
        with pause():
            yield
            built.append(True)  # a collection from here on is the pause ending, not the build

    monkeypatch.setattr(present, "gc_paused", watched_pause)
    gc.callbacks.append(
        recorder := lambda phase, info: started.append(phase == "start" and not built)
    )
    try:
        text = present.track_gpx(tour, track, "fr")
    finally:
        gc.callbacks.remove(recorder)
    assert text.count("<trkpt ") == 3000
    assert not any(started) and gc.isenabled()


@pytest.mark.skipif(shutil.which("gpsbabel") is None, reason="Debian's gpsbabel is missing")
def test_gpsbabel_reads_the_track_with_its_times(tour, tmp_path):
    _, track, _ = walked(tour, *({"type": "position", "lat": 43.6078 + i * 0.0003,
                                  "lon": 3.8907, "accuracy": 5} for i in range(3)))
    source = tmp_path / "track.gpx"
    source.write_text(present.track_gpx(tour, track, "fr"), encoding="utf-8")
    out = subprocess.run(
        ["gpsbabel", "-t", "-i", "gpx", "-f", str(source), "-o", "unicsv,utc=0", "-F", "-"],
        capture_output=True, text=True, check=True, timeout=30,
    ).stdout.splitlines()
    assert len(out) == 4 and "Date" in out[0] and "Time" in out[0]
    assert "2023/11/14" in out[1] and "22:13:20" in out[1]


def test_track_gpx_has_a_track_per_guide_and_a_segment_after_each_gap(tour):
    """Two guides are two tracks; a 24-minute outage is a new segment, not a straight line."""
    marie = [[NOW + i * 10, 43.6078 + i * 1e-4, 3.8907, 5, "m1"] for i in range(3)]
    paul = [[NOW + i * 10, 43.6091, 3.8843 + i * 1e-4, 5, "p1"] for i in range(2)]
    after = [[NOW + 20 + 24 * 60, 43.6164, 3.8726, 5, "m1"]]
    text = present.track_gpx(tour, marie + paul + after, "fr", {"m1": "Marie", "p1": "Paul"})
    parsed = gpxpy.parse(text)
    assert [t.name.rsplit(" — ", 1)[1] for t in parsed.tracks] == ["Marie", "Paul"]
    assert [len(s.points) for s in parsed.tracks[0].segments] == [3, 1]
    assert [len(s.points) for s in parsed.tracks[1].segments] == [2]
