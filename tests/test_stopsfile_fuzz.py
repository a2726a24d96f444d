"""Fuzzing the loader: whatever the bytes, a valid tour or a TourError with a message."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tourapp import stopsfile
from tourapp.domain.tour import Tour
from tourapp.stopsfile import TourError

from .conftest import small_doc

FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

KNOWN_KEYS = [
    "id", "order", "name_fr", "name_en", "description_fr", "description_en", "address_fr",
    "address_en", "duration_min", "arrive_at", "tour_title_fr", "tour_title_en", "tour_date",
    "tour_timezone", "tour_start", "tour_end", "tour_speed_kmh", "tour_attribution",
    "tour_organiser", "leg_from", "leg_to", "distance_m", "walk_min", "steps",
]

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(
        ["13:30", "13:30:00", "25:00", "2018-11-20", "2018/11/20", "9999-12-31", "Europe",
         "Europe/Paris", "../../etc/passwd", "a" * 300, "\x00", "\ud800", "30", "1e999",
         "[]", '[{"maneuver": "depart"}]', "hotel-de-metropole", "a", "b", "c"]
    )
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


def base_doc() -> dict:
    """The small tour plus a routed leg with steps, so legs are fuzzed too."""
    document = small_doc()
    steps = [
        {"maneuver": "depart", "direction": "", "street": "Rue A", "distance_m": 500,
         "location": [3.88, 43.6]},
        {"maneuver": "arrive", "direction": "", "street": "", "distance_m": 0},
    ]
    document["features"].append({
        "type": "Feature",
        "properties": {"leg_from": "a", "leg_to": "b", "distance_m": 1010, "walk_min": 14,
                       "steps": json.dumps(steps)},
        "geometry": {"type": "LineString",
                     "coordinates": [[3.88, 43.60], [3.8801, 43.6045], [3.88, 43.608993]]},
    })
    return document


BASE_BYTES = json.dumps(base_doc(), ensure_ascii=False).encode()


@st.composite
def mutated_docs(draw) -> dict:
    """A valid document with a few structure-aware changes."""
    document = copy.deepcopy(base_doc())
    for _ in range(draw(st.integers(1, 4))):
        features = document.get("features")
        feature = None
        if isinstance(features, list) and features:
            feature = features[draw(st.integers(0, len(features) - 1))]
        action = draw(st.sampled_from(
            ["set", "delete", "coords", "geometry", "feature", "drop", "dup", "top"]
        ))
        if not isinstance(feature, dict) or action == "top":
            document[draw(st.sampled_from(["type", "features", "crs"]))] = draw(json_values)
            continue
        props = feature.get("properties")
        if action == "set" and isinstance(props, dict):
            key = draw(st.sampled_from(KNOWN_KEYS) | st.text(max_size=8))
            props[key] = draw(json_values)
        elif action == "delete" and isinstance(props, dict) and props:
            props.pop(draw(st.sampled_from(sorted(props))))
        elif action == "coords" and isinstance(feature.get("geometry"), dict):
            feature["geometry"]["coordinates"] = draw(json_values)
        elif action == "geometry":
            feature["geometry"] = draw(json_values)
        elif action == "feature":
            feature[draw(st.sampled_from(["type", "properties", "geometry"]))] = draw(json_values)
        elif action == "drop":
            features.remove(feature)
        elif action == "dup":
            features.append(copy.deepcopy(feature))
    return document


def check(data: bytes) -> None:
    """The loader's contract: a consistent Tour, or TourError with printable messages."""
    try:
        tour = stopsfile.parse(data, "fuzz.geojson")
    except TourError as exc:
        assert exc.problems and all(isinstance(p, str) and p.strip() for p in exc.problems)
        str(exc).encode("utf-8")  # printable in a terminal, a log, a page
        return
    assert isinstance(tour, Tour) and tour.stops
    assert len(tour.legs) == len(tour.stops) - 1 and len(tour.visits) == len(tour.stops)
    assert tour.version
    for stop in tour.stops:
        stop.name.fr.encode("utf-8")
        stop.name.en.encode("utf-8")


def test_the_base_document_is_valid():
    tour = stopsfile.parse(BASE_BYTES)
    assert tour.legs[0].routed and len(tour.legs[0].steps) == 2


@FUZZ
@given(mutated_docs())
def test_mutated_documents(document):
    check(json.dumps(document, ensure_ascii=False).encode("utf-8", "surrogatepass"))


@FUZZ
@given(json_values)
def test_random_json(value):
    check(json.dumps(value).encode())


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes(data):
    check(data)


@FUZZ
@given(st.integers(0, len(BASE_BYTES)), st.binary(max_size=20))
def test_truncated_and_corrupted_writes(cut, tail):
    # A half-written file, sometimes with garbage (or zero-filled blocks) after the cut.
    check(BASE_BYTES[:cut] + tail)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("name_fr", "A\x00B",
         '"name_fr" contains the invisible control character U+0000 at position 2'),
        ("name_en", "x\ud800", '"name_en" contains the invisible control character U+D800'),
        ("duration_min", 10**400, '"duration_min" must be a number from 0 to 1440, got 1000'),
        ("order", 10**30, '"order" must be a whole number from 1 to 10000'),
    ],
)
def test_regressions_found_by_fuzzing_stops(doc, key, value, message):
    doc["features"][1]["properties"][key] = value
    with pytest.raises(TourError) as caught:
        stopsfile.parse(json.dumps(doc).encode("utf-8", "surrogatepass"))
    (problem,) = caught.value.problems
    assert problem.startswith('stops.geojson: feature 1 ("b"): ' + message)
    problem.encode("utf-8")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("tour_date", "9999-12-31", '"tour_date" must be a date between 1900 and 2200'),
        ("tour_date", "2018-W47-2", '"tour_date" must be a date written YYYY-MM-DD'),
        ("tour_timezone", "Europe", '"tour_timezone" must be a time zone name'),
        ("tour_timezone", "x" * 5000, '"tour_timezone" must be a time zone name'),
        ("tour_timezone", ["Europe/Paris"], '"tour_timezone" must be a time zone name'),
        ("tour_title_fr", "\x1b[31m", '"tour_title_fr" contains the invisible control character'),
    ],
)
def test_regressions_found_by_fuzzing_tour(doc, key, value, message):
    doc["features"][0]["properties"][key] = value
    with pytest.raises(TourError) as caught:
        stopsfile.parse(json.dumps(doc).encode())
    (problem,) = caught.value.problems
    assert problem.startswith('stops.geojson: feature 0 ("a"): ' + message)


def test_huge_coordinates_are_a_problem_not_a_crash(doc):
    doc["features"][1]["geometry"]["coordinates"] = [10**400, 43.6]
    with pytest.raises(TourError, match="coordinates must be"):
        stopsfile.parse(json.dumps(doc).encode())


def test_messages_show_unprintable_keys_as_escapes(doc):
    doc["features"][2]["properties"]["tour_\x07"] = "x"
    doc["features"][1]["properties"]["tour_\x07"] = "y"
    with pytest.raises(TourError) as caught:
        stopsfile.parse(json.dumps(doc).encode())
    assert "\x07" not in str(caught.value)
    assert '"tour_\\u0007" is "x" here but "y"' in str(caught.value)
