"""GPX export: schema validity, round trips, independent readers (gpsbabel, GDAL), escaping."""

from __future__ import annotations

import copy
import csv
import dataclasses
import datetime as dt
import gc
import io
import json
import re
import shutil
import subprocess

import gpxpy
import pytest

from tourapp import stopsfile
from tourapp.domain.tour import Localized
from tourapp.render import gpx

from .conftest import GPX_XSD, SEEDED, small_doc

CREATED = dt.datetime(2018, 11, 19, 18, 0, tzinfo=dt.UTC)
PAGE = "https://walk.example.org/fr/"
HOSTILE = "<img src=x onerror=alert(1)> & \"quotes\" 'single' 🚶‍♀️ ]]> end"
HOSTILE_READ = HOSTILE  # control characters are refused by the loader (test_geojson)
# XML 1.0 cannot carry these at all: a file holding one is unreadable, so they are replaced.
CONTROL = "bell\x07 soh\x01 vt\x0b nul\x00 lone\ud800 end"
CONTROL_READ = "bell\ufffd soh\ufffd vt\ufffd nul\ufffd lone\ufffd end"


@pytest.fixture(scope="module")
def schema():
    etree = pytest.importorskip("lxml.etree")
    return etree.XMLSchema(etree.parse(str(GPX_XSD)))


def assert_valid(schema, text: str) -> None:
    from lxml import etree

    document = etree.fromstring(text.encode("utf-8"))
    assert schema.validate(document), schema.error_log.filter_from_errors()


@pytest.fixture(scope="module")
def seeded():
    return stopsfile.load(SEEDED)


def hostile_tour():
    """The small tour with hostile texts everywhere an organiser can type."""
    doc = copy.deepcopy(small_doc())
    for feature in doc["features"]:
        props = feature["properties"]
        for key in (
            "name_fr",
            "name_en",
            "description_fr",
            "description_en",
            "address_fr",
            "address_en",
        ):
            props[key] = f"{props[key]} {HOSTILE}"
    first = doc["features"][0]["properties"]
    first["tour_title_fr"] = first["tour_title_en"] = f"Titre {HOSTILE}"
    first["tour_organiser"] = f"Org {HOSTILE}"
    first["tour_attribution"] = f"Data {HOSTILE} https://example.org/licence?a=1&b=2"
    return stopsfile.parse(json.dumps(doc).encode(), "hostile.geojson")


def flat(points) -> list[float]:
    """(lat, lon) pairs as one list, for pytest.approx."""
    return [value for point in points for value in point]


def all_files(tour):
    """Every GPX file of a tour, in both languages."""
    for lang in ("fr", "en"):
        yield f"{lang} tour", gpx.tour_gpx(tour, lang, f"https://walk.example.org/{lang}/", CREATED)
        for number in range(1, len(tour.legs) + 1):
            text = gpx.leg_gpx(tour, number, lang, f"https://walk.example.org/{lang}/", CREATED)
            yield f"{lang} leg {number}", text


@pytest.mark.parametrize("which", ["seeded", "hostile"])
def test_every_file_validates_against_the_gpx_11_schema(schema, seeded, which):
    tour = seeded if which == "seeded" else hostile_tour()
    files = list(all_files(tour))
    assert len(files) == 2 * (1 + len(tour.legs))
    for _label, text in files:
        assert_valid(schema, text)


def test_schema_check_is_not_a_formality(schema, seeded):
    text = gpx.tour_gpx(seeded, "fr", PAGE, CREATED)
    # <sym> after <type> is out of the schema's order: the validator must say so.
    broken = text.replace("<sym>Flag, Green</sym>", "").replace("</type>", "</type><sym>x</sym>", 1)
    from lxml import etree

    assert not schema.validate(etree.fromstring(broken.encode()))


def test_round_trip_through_gpxpy(seeded):
    text = gpx.tour_gpx(seeded, "en", "https://walk.example.org/en/", CREATED)
    doc = gpxpy.parse(text)
    assert doc.version == "1.1"
    assert doc.creator == "tourapp"
    assert doc.name == seeded.title.en
    assert doc.description == seeded.description.en
    assert doc.author_name == seeded.organiser
    # The English file carries the English credit (issue 12, point 8).
    assert doc.copyright_author == seeded.attribution_en == (
        "Data: Ville de Montpellier — Licence Ouverte"
    )
    assert gpxpy.parse(gpx.tour_gpx(seeded, "fr", "https://w.example/fr/", CREATED)).copyright_author == (
        "Données : Ville de Montpellier — Licence Ouverte"
    )
    assert doc.link == "https://walk.example.org/en/"
    assert doc.time == CREATED
    assert [w.name for w in doc.waypoints] == [gpx.short_name(s, "en") for s in seeded.stops]
    assert doc.waypoints[1].name == "2 Espace French Tech"
    assert doc.waypoints[1].comment == "13:39 – 14:09"
    assert doc.waypoints[1].link == "https://walk.example.org/en/#stop-espace-french-tech"
    assert seeded.stops[1].address.en in doc.waypoints[1].description
    assert seeded.stops[1].description.en in doc.waypoints[1].description
    assert [w.symbol for w in doc.waypoints] == [
        "Flag, Green",
        "Flag, Blue",
        "Flag, Blue",
        "Flag, Red",
    ]
    assert {w.type for w in doc.waypoints} == {"Stop"}
    for wpt, stop in zip(doc.waypoints, seeded.stops, strict=True):
        assert (wpt.latitude, wpt.longitude) == pytest.approx(stop.location, abs=1e-7)
    (route,) = doc.routes
    assert [p.name for p in route.points] == [w.name for w in doc.waypoints]
    (track,) = doc.tracks
    assert len(track.segments) == len(seeded.legs)
    for segment, leg in zip(track.segments, seeded.legs, strict=True):
        assert len(segment.points) == len(leg.path)
        read = [(p.latitude, p.longitude) for p in segment.points]
        assert flat(read) == pytest.approx(flat(leg.path), abs=1e-7)
        assert all(p.time is None for p in segment.points)  # a plan, not a recording
    assert "<time>" not in text.split("</metadata>", 1)[1]
    south_west, north_east = seeded.bounds()
    assert (doc.bounds.min_latitude, doc.bounds.min_longitude) == pytest.approx(
        south_west, abs=1e-7
    )
    assert (doc.bounds.max_latitude, doc.bounds.max_longitude) == pytest.approx(
        north_east, abs=1e-7
    )


def test_waypoints_are_where_the_file_says_lon_lat_not_swapped(seeded):
    # Read the GeoJSON without the app's loader: [lon, lat] per RFC 7946.
    features = json.loads(SEEDED.read_text(encoding="utf-8"))["features"]
    points = {
        f["properties"]["id"]: f["geometry"]["coordinates"]
        for f in features
        if f["geometry"]["type"] == "Point"
    }
    doc = gpxpy.parse(gpx.tour_gpx(seeded, "fr", PAGE, CREATED))
    for wpt, stop in zip(doc.waypoints, seeded.stops, strict=True):
        lon, lat = points[stop.id]
        assert (wpt.longitude, wpt.latitude) == pytest.approx((lon, lat), abs=1e-7)


def test_leg_file_has_its_two_stops_route_and_track(seeded):
    doc = gpxpy.parse(gpx.leg_gpx(seeded, 2, "fr", PAGE, CREATED))
    assert [w.name for w in doc.waypoints] == [
        "2 Espace French Tech",
        gpx.short_name(seeded.stops[2], "fr"),
    ]
    assert len(doc.routes[0].points) == 2
    assert len(doc.tracks[0].segments) == 1
    assert len(doc.tracks[0].segments[0].points) == len(seeded.legs[1].path)
    assert doc.tracks[0].number == 2
    with pytest.raises(IndexError):
        gpx.leg_gpx(seeded, 0, "fr", PAGE, CREATED)
    with pytest.raises(IndexError):
        gpx.leg_gpx(seeded, len(seeded.legs) + 1, "fr", PAGE, CREATED)


def test_every_coordinate_has_at_least_six_decimals():
    # The small tour sits on round numbers (43.6, 3.88): str(float) would write "43.6".
    tour = stopsfile.parse(json.dumps(small_doc()).encode())
    text = gpx.tour_gpx(tour, "fr", PAGE, CREATED)
    values = re.findall(r'\b(?:lat|lon|minlat|maxlat|minlon|maxlon)="([^"]*)"', text)
    assert len(values) == 2 * (3 + 3 + 2 * len(tour.legs)) + 4
    assert all(re.fullmatch(r"-?\d+\.\d{6,}", v) for v in values), values


def test_hostile_texts_stay_text_and_round_trip():
    tour = hostile_tour()
    text = gpx.tour_gpx(tour, "fr", PAGE, CREATED)
    assert "<img" not in text and "]]>" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    doc = gpxpy.parse(text)
    assert doc.name == f"Titre {HOSTILE_READ}"
    assert doc.author_name == f"Org {HOSTILE_READ}"
    assert doc.copyright_author == f"Data {HOSTILE_READ} https://example.org/licence?a=1&b=2"
    assert doc.copyright_license == "https://example.org/licence?a=1&b=2"
    assert doc.waypoints[0].link_text == f"Étape a {HOSTILE_READ}"
    assert f"Description de a {HOSTILE_READ}" in doc.waypoints[0].description
    assert f"1, rue a {HOSTILE_READ}" in doc.waypoints[0].description
    assert len(doc.waypoints) == 3 and len(doc.tracks[0].segments) == 2


def test_characters_xml_cannot_carry_are_replaced():
    # The loader refuses them (test_geojson), but a Tour built another way may hold them.
    tour = hostile_tour()
    stop = dataclasses.replace(tour.stops[0], name=Localized(CONTROL, CONTROL))
    tour = dataclasses.replace(
        tour, title=Localized(CONTROL, CONTROL), organiser=CONTROL, stops=(stop, *tour.stops[1:])
    )
    tour = dataclasses.replace(tour, visits=(dataclasses.replace(tour.visits[0], stop=stop),
                                             *tour.visits[1:]))
    text = gpx.tour_gpx(tour, "fr", PAGE, CREATED)
    assert not set(text) & {"\x07", "\x01", "\x0b", "\x00", "\ud800"}
    doc = gpxpy.parse(text)
    assert doc.name == doc.author_name == CONTROL_READ
    assert doc.waypoints[0].link_text == CONTROL_READ


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Espace French Tech", "1 Espace French Tech"),
        # Whole words, never one like « de », « of », « the » last.
        ("Maison des Sciences de l'Homme, site Saint-Charles", "1 Maison des Sciences…"),
        ("The Museum of the History of Montpellier", "1 The Museum of the History…"),
        # A first word longer than the room is kept whole: never cut inside a word.
        (
            "Supercalifragilisticexpialidocious-and-more",
            "1 Supercalifragilisticexpialidocious-and-more",
        ),
        ("Supercalifragilisticexpialidocious and more", "1 Supercalifragilisticexpialidocious…"),
        ("  many   spaces\nand a newline ", "1 many spaces and a newline"),
    ],
)
def test_short_names_fit_a_gps_screen_at_a_word(seeded, name, expected):
    stop = dataclasses.replace(seeded.stops[0], name=Localized(name, name))
    assert gpx.short_name(stop, "fr") == expected
    words = expected.removesuffix("…").split()
    assert len(gpx.short_name(stop, "fr")) <= gpx.NAME_MAX or len(words) == 2
    assert name.split()[: len(words) - 1] == words[1:]  # whole words of the name


def test_a_stops_short_name_is_what_gps_lists_show_in_each_language(seeded):
    stops = list(seeded.stops)
    stops[2] = dataclasses.replace(stops[2], short_name=Localized("MSH", "MSH Sud"))
    tour = dataclasses.replace(
        seeded, stops=tuple(stops),
        visits=tuple(dataclasses.replace(v, stop=s) for v, s in zip(seeded.visits, stops, strict=True)),
    )
    for lang, short in (("fr", "3 MSH"), ("en", "3 MSH Sud")):
        doc = gpxpy.parse(gpx.tour_gpx(tour, lang, PAGE, CREATED))
        assert doc.waypoints[2].name == doc.routes[0].points[2].name == short
        # The full name stays in the description and the link's text.
        assert doc.waypoints[2].description.splitlines()[0] == stops[2].name[lang]
        assert doc.waypoints[2].link_text == stops[2].name[lang]
        assert doc.waypoints[1].name == "2 Espace French Tech"  # no short name: the name
        leg = gpxpy.parse(gpx.leg_gpx(tour, 2, lang, PAGE, CREATED))
        assert [w.name for w in leg.waypoints] == ["2 Espace French Tech", short]


def test_hostile_short_names_are_escaped_and_valid(schema, seeded):
    hostile = '<b>&"\'</b>'
    stops = [dataclasses.replace(s, short_name=Localized(hostile, "]]>&amp;")) for s in seeded.stops]
    tour = dataclasses.replace(
        seeded, stops=tuple(stops),
        visits=tuple(dataclasses.replace(v, stop=s) for v, s in zip(seeded.visits, stops, strict=True)),
    )
    for lang, short in (("fr", hostile), ("en", "]]>&amp;")):
        text = gpx.tour_gpx(tour, lang, PAGE, CREATED)
        assert "<b>" not in text and "]]>" not in text
        assert_valid(schema, text)
        assert gpxpy.parse(text).waypoints[0].name == f"1 {short}"


def test_same_data_gives_the_same_bytes(seeded):
    assert gpx.tour_gpx(seeded, "fr", PAGE, CREATED) == gpx.tour_gpx(seeded, "fr", PAGE, CREATED)


def test_the_cyclic_gc_does_not_rescan_a_long_walk_while_its_file_is_built():
    # Growth (benchmarks/growth.py): ×10 points per leg cost ×15–17 time, the collector
    # scanning the model's growing heap again and again. Counted, not timed: no collection
    # may start while a file is built, and the collector is back on afterwards.
    doc = small_doc()
    (lon, lat1), (_, lat2) = (f["geometry"]["coordinates"] for f in doc["features"][:2])
    path = [[lon, lat1 + (lat2 - lat1) * k / 2999] for k in range(3000)]
    leg = {"leg_from": "a", "leg_to": "b"}
    line = {"type": "LineString", "coordinates": path}
    doc["features"].append({"type": "Feature", "properties": leg, "geometry": line})
    tour = stopsfile.parse(json.dumps(doc).encode())
    assert len(tour.legs[0].path) == 3000 and gc.isenabled() and gc.get_threshold()[0] > 0
    started = []
    gc.callbacks.append(recorder := lambda phase, info: started.append(phase == "start"))
    try:
        texts = [
            gpx.tour_gpx(tour, "fr", PAGE, CREATED),
            gpx.leg_gpx(tour, 1, "fr", PAGE, CREATED),
        ]
    finally:
        gc.callbacks.remove(recorder)
    assert [t.count("<trkpt ") for t in texts] == [3000 + len(tour.legs[1].path), 3000]
    assert not any(started) and gc.isenabled()


# --- independent readers: the tools guides' apps are built on -------------------------------

needs_gpsbabel = pytest.mark.skipif(
    not shutil.which("gpsbabel"), reason="make test installs gpsbabel"
)
needs_gdal = pytest.mark.skipif(not shutil.which("ogrinfo"), reason="make test installs gdal-bin")


def run(*args: str) -> str:
    """Run a reader; its failure fails the test with its own message."""
    done = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def gpsbabel_rows(kind: str, path) -> list[dict]:
    """gpsbabel's reading of one kind of data (-w waypoints, -r routes, -t tracks) as rows."""
    out = run("gpsbabel", kind, "-i", "gpx", "-f", str(path), "-o", "unicsv", "-F", "-")
    return list(csv.DictReader(io.StringIO(out)))


@needs_gpsbabel
@pytest.mark.parametrize("which", ["seeded", "hostile"])
def test_gpsbabel_reads_waypoints_route_and_track(tmp_path, seeded, which):
    tour = seeded if which == "seeded" else hostile_tour()
    path = tmp_path / "tour.gpx"
    path.write_text(gpx.tour_gpx(tour, "fr", PAGE, CREATED), encoding="utf-8")
    waypoints = gpsbabel_rows("-w", path)
    assert [w["Name"] for w in waypoints] == [gpx.short_name(s, "fr") for s in tour.stops]
    assert [w["URL"] for w in waypoints] == [gpx.stop_url(PAGE, s) for s in tour.stops]
    for row, stop in zip(waypoints, tour.stops, strict=True):
        assert (float(row["Latitude"]), float(row["Longitude"])) == pytest.approx(
            stop.location, abs=1e-6
        )
    assert len(gpsbabel_rows("-r", path)) == len(tour.stops)
    assert len(gpsbabel_rows("-t", path)) == sum(len(leg.path) for leg in tour.legs)
    if which == "hostile":
        assert HOSTILE_READ in waypoints[0]["Name"] + waypoints[0]["Notes"]


@needs_gpsbabel
def test_gpsbabel_reads_a_leg_file(tmp_path, seeded):
    path = tmp_path / "leg.gpx"
    path.write_text(gpx.leg_gpx(seeded, 3, "en", PAGE, CREATED), encoding="utf-8")
    assert len(gpsbabel_rows("-w", path)) == 2
    assert len(gpsbabel_rows("-r", path)) == 2
    assert len(gpsbabel_rows("-t", path)) == len(seeded.legs[2].path)


def ogr_counts(path) -> dict[str, int]:
    """Layer name → feature count, as GDAL's ogrinfo lists them."""
    out = run("ogrinfo", "-ro", "-so", "-al", str(path))
    names = re.findall(r"^Layer name: (\S+)", out, re.M)
    counts = [int(c) for c in re.findall(r"^Feature Count: (\d+)", out, re.M)]
    return dict(zip(names, counts, strict=True))


@needs_gdal
@pytest.mark.parametrize("which", ["seeded", "hostile"])
def test_gdal_lists_waypoints_routes_and_tracks(tmp_path, seeded, which):
    tour = seeded if which == "seeded" else hostile_tour()
    path = tmp_path / "tour.gpx"
    path.write_text(gpx.tour_gpx(tour, "en", PAGE, CREATED), encoding="utf-8")
    assert ogr_counts(path) == {
        "waypoints": len(tour.stops),
        "routes": 1,
        "tracks": 1,
        "route_points": len(tour.stops),
        "track_points": sum(len(leg.path) for leg in tour.legs),
    }
    # The track as GDAL sees it: one line per leg, on the legs' coordinates (lon, lat).
    out = run("ogr2ogr", "-f", "GeoJSON", "/vsistdout/", str(path), "tracks")
    (feature,) = json.loads(out)["features"]
    lines = feature["geometry"]["coordinates"]
    assert len(lines) == len(tour.legs)
    for line, leg in zip(lines, tour.legs, strict=True):
        assert flat((lat, lon) for lon, lat in line) == pytest.approx(flat(leg.path), abs=1e-7)
    out = run("ogr2ogr", "-f", "GeoJSON", "/vsistdout/", str(path), "waypoints")
    names = [f["properties"]["name"] for f in json.loads(out)["features"]]
    assert names == [gpx.short_name(s, "en") for s in tour.stops]


def routed_tour():
    """The small tour with street-following legs from the file (several points each)."""
    doc = copy.deepcopy(small_doc())
    stops = [f["geometry"]["coordinates"] for f in doc["features"]]
    for (a, b), start, end in zip((("a", "b"), ("b", "c")), stops[:-1], stops[1:], strict=True):
        # A dog-leg east then north: the track must follow it, not the straight line.
        path = [start, [start[0] + 0.0005, start[1]], [start[0] + 0.0005, end[1]], end]
        doc["features"].append(
            {
                "type": "Feature",
                "properties": {"leg_from": a, "leg_to": b},
                "geometry": {"type": "LineString", "coordinates": path},
            }
        )
    return stopsfile.parse(json.dumps(doc).encode(), "routed.geojson")


def test_routed_legs_give_a_street_following_track(tmp_path, schema):
    tour = routed_tour()
    assert all(leg.routed and len(leg.path) == 4 for leg in tour.legs)
    for _label, text in all_files(tour):
        assert_valid(schema, text)
    doc = gpxpy.parse(gpx.tour_gpx(tour, "fr", PAGE, CREATED))
    assert [len(s.points) for s in doc.tracks[0].segments] == [4, 4]
    assert doc.tracks[0].segments[0].points[1].longitude == pytest.approx(3.8805, abs=1e-9)
    assert len(doc.routes[0].points) == 3  # the route still has one point per stop
    assert doc.bounds.max_longitude == pytest.approx(3.8805, abs=1e-9)
    if shutil.which("gpsbabel"):
        path = tmp_path / "routed.gpx"
        path.write_text(gpx.tour_gpx(tour, "fr", PAGE, CREATED), encoding="utf-8")
        assert len(gpsbabel_rows("-t", path)) == 8


def test_a_one_stop_tour_has_no_track_and_stays_valid(schema):
    doc = copy.deepcopy(small_doc())
    del doc["features"][1:]
    tour = stopsfile.parse(json.dumps(doc).encode())
    text = gpx.tour_gpx(tour, "en", PAGE, CREATED)
    assert_valid(schema, text)
    parsed = gpxpy.parse(text)
    assert len(parsed.waypoints) == 1 and parsed.tracks == [] and len(parsed.routes[0].points) == 1
    with pytest.raises(IndexError):
        gpx.leg_gpx(tour, 1, "en", PAGE, CREATED)


def test_the_route_is_named_apart_from_the_track(seeded):
    """Readers list both: the stops' straight lines must not pass for the walk's path."""
    doc = gpxpy.parse(gpx.tour_gpx(seeded, "en", PAGE, CREATED))
    (route,), (track,) = doc.routes, doc.tracks
    assert route.name != track.name and "straight lines" in route.name


def test_track_only_file_has_no_route_and_no_waypoints(seeded):
    doc = gpxpy.parse(gpx.tour_gpx(seeded, "fr", PAGE, CREATED, track_only=True))
    assert doc.routes == [] and doc.waypoints == []
    assert len(doc.tracks[0].segments) == len(seeded.legs)


@pytest.mark.parametrize("lang, words", [("fr", "lignes droites"), ("en", "straight lines")])
def test_track_only_download_and_route_name_in_each_language(client, lang, words):
    whole = gpxpy.parse(client.get(f"/{lang}/tour.gpx").get_data(as_text=True))
    assert words in whole.routes[0].name
    response = client.get(f"/{lang}/tour-track.gpx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    only = gpxpy.parse(response.get_data(as_text=True))
    assert only.routes == [] and only.waypoints == [] and len(only.tracks) == 1
    assert f"/{lang}/tour-track.gpx" in client.get(f"/{lang}/guides").get_data(as_text=True)
