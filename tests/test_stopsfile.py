"""The loader: every kind of bad input gets one clear sentence; good input a whole tour."""

from __future__ import annotations

import json

import pytest

from tourapp import stopsfile
from tourapp.stopsfile import TourError

from .conftest import small_doc


def problems(document, source="stops.geojson") -> list[str]:
    """The loader's messages for a document (bytes or JSON-able object)."""
    data = document if isinstance(document, bytes) else json.dumps(document).encode()
    with pytest.raises(TourError) as caught:
        stopsfile.parse(data, source)
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


def test_valid_tour_loads_in_order(doc):
    doc["features"].reverse()  # file order does not matter, "order" does
    tour = stopsfile.parse(json.dumps(doc).encode())
    assert [s.id for s in tour.stops] == ["a", "b", "c"]
    assert tour.title.fr == "Balade d'essai" and tour.title["en"] == "Test walk"
    assert tour.stops[0].location == (43.60, 3.88)  # (lat, lon) after the loader
    assert len(tour.legs) == 2 and not tour.legs[0].routed
    assert tour.version and tour.warnings == ()


def test_invalid_json_names_line_and_column():
    data = b'{\n  "type": "FeatureCollection",\n  "features": [,]\n}'
    assert problems(data, "data/stops.geojson") == [
        "data/stops.geojson: invalid JSON at line 3, column 16: a value is expected here: "
        "a text in double quotes, a number, true, false, null, a list [ ] or an object { }"
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "stops.geojson: file is empty: was it saved completely? Save it again, or "
               "restore a version (flask --app tourapp tour history)"),
        (b"\xff\xfe{}", "stops.geojson: not UTF-8 text (byte 0): save it again as UTF-8"),
        (b'{"type": "Feature"}', 'stops.geojson: must be a GeoJSON FeatureCollection, got "Feature"'),
        (b"[1, 2]", 'stops.geojson: must be a GeoJSON FeatureCollection, got "list"'),
        (b'{"type": "FeatureCollection"}', 'stops.geojson: "features" must be a list'),
        (
            b'{"type": "FeatureCollection", "features": []}',
            "stops.geojson: the tour has no stops: add at least one Point feature",
        ),
        (b'{"a": NaN}', "stops.geojson: invalid JSON: NaN is not allowed in JSON"),
    ],
)
def test_document_errors(data, message):
    assert problems(data) == [message]


def test_file_size_is_capped():
    with pytest.raises(TourError, match="more than the limit of 10"):
        stopsfile.parse(b" " * 11, "f", max_bytes=10)


@pytest.mark.parametrize(
    ("coordinates", "message"),
    [
        (None, "coordinates must be [longitude, latitude]"),
        ([3.88], "coordinates must be [longitude, latitude]"),
        (["3.88", 43.6], "coordinates must be [longitude, latitude]"),
        ([200, 43.6], "longitude -180 to 180 and latitude -90 to 90, got [200, 43.6]"),
        ([3.88, 95], "got [3.88, 95]"),
    ],
)
def test_bad_coordinates(doc, coordinates, message):
    doc["features"][1]["geometry"]["coordinates"] = coordinates
    (found,) = problems(doc)
    assert found.startswith('stops.geojson: feature 1 ("b"): coordinates must be')
    assert message in found


def test_swapped_coordinates_are_recognised(doc):
    doc["features"][2]["geometry"]["coordinates"] = [43.617986, 3.88]
    assert problems(doc) == [
        'stops.geojson: feature 2 ("c"): coordinates [43.617986, 3.88] look swapped: '
        "GeoJSON wants [longitude, latitude], so write [3.88, 43.617986]"
    ]


def test_stop_far_from_the_others(doc):
    doc["features"][2]["geometry"]["coordinates"] = [2.35, 48.85]  # Paris
    (found,) = problems(doc)
    assert found.startswith('stops.geojson: feature 2 ("c"): coordinates [2.35, 48.85] are ')
    assert found.endswith(" km from the other stops (limit 20 km)")


def test_duplicate_id_and_order(doc):
    doc["features"][2]["properties"].update(id="b", order=2)
    assert problems(doc) == [
        'stops.geojson: feature 2 ("b"): "id" "b" is already used by feature 1 ("b")',
        'stops.geojson: feature 2 ("b"): "order" 2 is already used by feature 1 ("b")',
    ]


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("duration_min", "abc", '"duration_min" must be a number from 0 to 1440, got "abc"'),
        ("duration_min", -5, '"duration_min" must be a number from 0 to 1440, got -5'),
        ("duration_min", True, '"duration_min" must be a number from 0 to 1440, got true'),
        ("duration_min", None, '"duration_min" is missing'),
        ("order", 1.5, '"order" must be a whole number from 1 to 10000, got 1.5'),
        ("order", [2], '"order" must be a whole number from 1 to 10000, got [2]'),
        ("id", "a b", '"id" must be a short identifier (letters, digits, "-" or "_"), got "a b"'),
        ("name_fr", 12, '"name_fr" must be text, got 12'),
        ("name_en", None, '"name_en" is missing: "name" needs French and English (name_fr, name_en)'),
        (
            "description_fr",
            "",
            '"description_fr" is missing: "description" needs French and English '
            "(description_fr, description_en)",
        ),
        ("arrive_at", "2 pm", '"arrive_at" must be a time written HH:MM, got "2 pm"'),
        ("arrive_at", "25:00", '"arrive_at" must be a time written HH:MM, got "25:00"'),
        (
            "short_name_en",
            "MSH",
            '"short_name_fr" is missing: "short_name" needs French and English '
            "(short_name_fr, short_name_en)",
        ),
    ],
)
def test_bad_stop_property(doc, key, value, message):
    doc["features"][1]["properties"][key] = value
    label = 'stops.geojson: feature 1 ("b")' if key != "id" else 'stops.geojson: feature 1 ("a b")'
    assert problems(doc) == [f"{label}: {message}"]


@pytest.mark.parametrize(
    ("fr", "en", "message"),
    [
        (
            "Saint-Charles",
            "MSH",
            '"short_name_fr" must be 1 to 10 characters (what a GPS watch shows of a stop; '
            'the full name stays in "name_fr"), got 13: "Saint-Charles"',
        ),
        (
            "MSH",
            "  ",
            '"short_name_en" must be 1 to 10 characters (what a GPS watch shows of a stop; '
            'the full name stays in "name_en"), got 0: "  "',
        ),
        ("MSH", 3, '"short_name_en" must be text, got 3'),
    ],
)
def test_bad_short_name(doc, fr, en, message):
    doc["features"][1]["properties"].update(short_name_fr=fr, short_name_en=en)
    assert problems(doc) == [f'stops.geojson: feature 1 ("b"): {message}']


def test_a_short_name_in_both_languages_is_kept_with_spaces_collapsed(doc):
    doc["features"][1]["properties"].update(short_name_fr=" Espace  FT ", short_name_en="FT hub")
    tour = stopsfile.parse(json.dumps(doc).encode())
    assert (tour.stops[1].short_name.fr, tour.stops[1].short_name.en) == ("Espace FT", "FT hub")
    assert tour.stops[0].short_name.fr == tour.stops[0].short_name.en == ""  # optional


@pytest.mark.parametrize("value", ["+33 4 67 00 00 00", "04.67.00.00.00", "(0)467-000 000", "112 112"])
def test_the_organisers_phone_is_kept_as_written(doc, value):
    doc["features"][0]["properties"]["tour_phone"] = value
    assert stopsfile.parse(json.dumps(doc).encode()).phone == value


def test_numbers_typed_as_text_are_accepted(doc):
    # uMap and spreadsheet-like editors store every value as text.
    doc["features"][1]["properties"].update(duration_min="30", order="2")
    tour = stopsfile.parse(json.dumps(doc).encode())
    assert tour.stops[1].duration_min == 30


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("tour_start", "1:30 PM", '"tour_start" must be a time written HH:MM, got "1:30 PM"'),
        ("tour_start", None, '"tour_start" is missing'),
        ("tour_date", "20/11/2018", '"tour_date" must be a date written YYYY-MM-DD, got "20/11/2018"'),
        ("tour_timezone", "Europe/Montpellier", '"tour_timezone" must be a time zone name'),
        ("tour_speed_kmh", 40, '"tour_speed_kmh" must be a number from 1 to 10, got 40'),
        ("tour_title_en", None, '"tour_title_en" is missing: "tour_title" needs French and English'),
        ("tour_phone", "call Marie", '"tour_phone" must be a phone number: 6 to 15 digits'),
        ("tour_phone", "12345", '"tour_phone" must be a phone number: 6 to 15 digits'),
        ("tour_phone", "+33 4 67 00 00 00 00 00 00", '"tour_phone" must be a phone number'),
        ("tour_phone", 33467000000, '"tour_phone" must be text, got 33467000000'),
    ],
)
def test_bad_tour_property(doc, key, value, message):
    doc["features"][0]["properties"][key] = value
    (found,) = problems(doc)
    assert found.startswith('stops.geojson: feature 0 ("a"): ' + message)


def test_tour_properties_may_sit_on_another_stop_but_must_agree(doc):
    doc["features"][2]["properties"]["tour_start"] = "14:00"
    assert problems(doc) == [
        'stops.geojson: feature 2 ("c"): "tour_start" is "14:00" here but "13:30" in '
        'feature 0 ("a"): keep it on one stop'
    ]


def test_missing_tour_properties(doc):
    for key in list(doc["features"][0]["properties"]):
        if key.startswith("tour_"):
            del doc["features"][0]["properties"][key]
    assert problems(doc) == [
        'stops.geojson: no tour properties: put "tour_title_fr", "tour_title_en", '
        '"tour_date" and "tour_start" on the first stop'
    ]


def test_every_problem_is_reported_at_once(doc):
    doc["features"][1]["properties"]["duration_min"] = "abc"
    doc["features"][2]["properties"]["name_en"] = 5
    assert len(problems(doc)) == 2


def test_other_geometries_are_refused(doc):
    doc["features"].append({"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": []}})
    assert problems(doc) == [
        'stops.geojson: feature 3: geometry must be a Point (a stop) or a LineString (a leg), got "Polygon"'
    ]


def _leg(doc, a, b, **props):
    start = next(f for f in doc["features"] if f["properties"].get("id") == a)
    end = next(f for f in doc["features"] if f["properties"].get("id") == b)
    coords = [start["geometry"]["coordinates"], [3.881, 43.604], end["geometry"]["coordinates"]]
    feature = {
        "type": "Feature",
        "properties": {"leg_from": a, "leg_to": b, **props},
        "geometry": {"type": "LineString", "coordinates": coords},
    }
    doc["features"].append(feature)
    return feature


def test_legs_from_the_file_are_used(doc):
    steps = [
        {"maneuver": "depart", "direction": "", "street": "Rue A", "distance_m": 600, "location": [3.88, 43.6]},
        {"maneuver": "arrive", "direction": "", "street": "", "distance_m": 0},
    ]
    _leg(doc, "a", "b", distance_m=1200, walk_min=17, steps=json.dumps(steps))
    tour = stopsfile.parse(json.dumps(doc).encode())
    leg = tour.legs[0]
    assert leg.routed and leg.distance_m == 1200 and leg.walk_min == 17 and len(leg.path) == 3
    assert leg.steps[0].street == "Rue A" and leg.steps[0].location == (43.6, 3.88)
    assert not tour.legs[1].routed


def test_leg_without_figures_is_measured(doc):
    _leg(doc, "a", "b")
    leg = stopsfile.parse(json.dumps(doc).encode()).legs[0]
    assert 1000 < leg.distance_m < 1100 and leg.walk_min == 14  # 1,013 m at 75 m/min


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"steps": "[{"}, '"steps" must be a JSON list of steps: Expecting property name'),
        ({"steps": '[{"maneuver": 1}]'}, '"steps" item 0 must have "maneuver"'),
        ({"distance_m": 0}, '"distance_m" must be a positive number to 100000, got 0'),
        ({"leg_to": None}, '"leg_to" is missing'),
    ],
)
def test_bad_leg(doc, props, message):
    _leg(doc, "a", "b", **props)
    (found,) = problems(doc)
    assert found.startswith("stops.geojson: feature 3: " + message)


def test_stale_and_stray_legs_are_ignored_with_a_warning(doc):
    stale = _leg(doc, "a", "b")
    stale["geometry"]["coordinates"][0] = [3.89, 43.60]  # ~800 m from stop a
    _leg(doc, "a", "c")
    tour = stopsfile.parse(json.dumps(doc).encode())
    assert not tour.legs[0].routed
    assert any('leg 1 ("a" → "b") ends' in w for w in tour.warnings)
    assert any('leg "a" → "c" does not join two consecutive stops' in w for w in tour.warnings)


def test_load_reports_a_missing_file(tmp_path):
    with pytest.raises(TourError, match="cannot read the file"):
        stopsfile.load(tmp_path / "nope.geojson")


def test_dumps_round_trips():
    document = small_doc()
    assert json.loads(stopsfile.dumps(document)) == document
