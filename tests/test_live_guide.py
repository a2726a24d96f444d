"""One guide request checked and applied to the document (pure: no app, no store)."""

from __future__ import annotations

import pytest

from tourapp import stopsfile
from tourapp.live import guide
from tourapp.live.guide import GuideError, apply

from .conftest import SEEDED

NOW = 1_700_000_000.0


@pytest.fixture(scope="module")
def tour():
    return stopsfile.load(SEEDED)


def test_first_report_starts_the_walk_clock_on_today(tour):
    doc, point = apply({}, {"type": "arrive", "stop": "hotel-de-metropole"}, tour, "Marie", NOW)
    assert doc["clock"]["real_s"] == NOW and doc["clock"]["speed"] == 1
    assert doc["events"] == [{"stop": "hotel-de-metropole", "kind": "arrive", "t": NOW,
                              "by": "Marie", "guide": "Marie"}]
    assert doc["guide"] == "Marie" and doc["contact"] == NOW and point is None


def test_a_clock_request_sets_the_walk_time_and_speed(tour):
    doc, _ = apply({}, {"type": "clock", "at": "13:48", "speed": 10}, tour, "R", NOW)
    assert doc["clock"] == {"real_s": NOW, "plan_min": 828, "speed": 10}
    # A rehearsal anchors its clock when it started, not when the request arrived.
    doc, _ = apply({}, {"type": "clock", "at": "13:30", "speed": 10, "t": NOW - 2}, tour, "R", NOW)
    assert doc["clock"]["real_s"] == NOW - 2


def test_position_is_rounded_shared_and_tracked(tour):
    body = {"type": "position", "lat": 43.6091251234, "lon": 3.88437051234, "accuracy": 12.34,
            "t": NOW - 3}
    doc, point = apply({}, body, tour, "Marie", NOW, "id-m")
    assert doc["guides"]["id-m"]["sharing"] is True and doc["holder"] == "id-m"
    position = {"lat": 43.609125, "lon": 3.884371, "acc": 12.3, "t": NOW - 3}
    assert doc["guides"]["id-m"]["position"] == position
    assert point == [NOW - 3, 43.609125, 3.884371, 12.3, "id-m"]


def test_a_timestamp_a_little_ahead_is_clamped_to_now(tour):
    body = {"type": "position", "lat": 43.61, "lon": 3.88, "accuracy": 5, "t": NOW + 20}
    assert apply({}, body, tour, "M", NOW)[0]["guides"]["M"]["position"]["t"] == NOW


def test_stop_sharing_removes_the_position(tour):
    doc, _ = apply({}, {"type": "position", "lat": 43.61, "lon": 3.88, "accuracy": 5}, tour, "M", NOW)
    doc, _ = apply(doc, {"type": "stop"}, tour, "M", NOW + 5)
    assert "position" not in doc["guides"]["M"] and doc["guides"]["M"]["sharing"] is False
    assert doc["holder"] is None


def test_the_document_given_is_not_changed(tour):
    before = {"events": [], "guide": "M"}
    apply(before, {"type": "arrive", "stop": "musee-fabre"}, tour, "M", NOW)
    assert before == {"events": [], "guide": "M"}


@pytest.mark.parametrize("lat, lon, ok", [
    (43.6078, 3.8907, True),     # at the start
    (43.78, 3.88, True),         # 19 km north
    (43.80, 3.88, False),        # 21 km north
    (-43.6, -3.88, False),
])
def test_coordinates_within_20_km_of_the_walk(tour, lat, lon, ok):
    body = {"type": "position", "lat": lat, "lon": lon, "accuracy": 5}
    if ok:
        apply({}, body, tour, "M", NOW)
    else:
        with pytest.raises(GuideError, match="20 km"):
            apply({}, body, tour, "M", NOW)


def test_the_number_of_reports_is_bounded(tour, monkeypatch):
    monkeypatch.setattr(guide, "MAX_EVENTS", 2)
    doc, _ = apply({}, {"type": "arrive", "stop": "musee-fabre"}, tour, "M", NOW)
    doc, _ = apply(doc, {"type": "leave", "stop": "musee-fabre"}, tour, "M", NOW)
    with pytest.raises(guide.Conflict, match="too many"):
        apply(doc, {"type": "arrive", "stop": "hotel-de-metropole"}, tour, "M", NOW)


def test_repeated_reports_of_an_older_release_do_not_count(tour):
    doc = {"events": [{"stop": "musee-fabre", "kind": "arrive", "t": NOW}] * guide.MAX_EVENTS}
    doc, _ = apply(doc, {"type": "leave", "stop": "musee-fabre"}, tour, "M", NOW + 1)
    assert doc["events"] == [{"stop": "musee-fabre", "kind": "arrive", "t": NOW},
                             {"stop": "musee-fabre", "kind": "leave", "t": NOW + 1,
                              "by": "M", "guide": "M"}]


@pytest.mark.parametrize("speed", [0, -1, 101, "10"])
def test_rehearsal_speed_is_bounded(tour, speed):
    with pytest.raises(GuideError):
        apply({}, {"type": "clock", "at": "13:30", "speed": speed}, tour, "M", NOW)


def test_booleans_are_not_numbers(tour):
    with pytest.raises(GuideError, match="number"):
        apply({}, {"type": "position", "lat": True, "lon": 3.88, "accuracy": 5}, tour, "M", NOW)
