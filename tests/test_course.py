"""The walk as a Garmin course (TCX): its track at the plan's pace and a point per stop,
read back by gpsbabel (Garmin Training Center format)."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tourapp import stopsfile
from tourapp.domain.tour import Localized
from tourapp.render.course import COURSE_NAME_MAX, NS, POINT_NAME_MAX, course_tcx, point_name

from .conftest import SEEDED

T = f"{{{NS}}}"
TCX_XSD = Path(__file__).parent / "schemas" / "TrainingCenterDatabasev2.xsd"
HOSTILE = "<img src=x onerror=alert(1)> & \"q\" 'é' ]]> 🚶"


@pytest.fixture(scope="module")
def schema():
    etree = pytest.importorskip("lxml.etree")
    return etree.XMLSchema(etree.parse(str(TCX_XSD)))


def assert_valid(schema, text: str) -> None:
    from lxml import etree

    assert schema.validate(etree.fromstring(text.encode("utf-8"))), schema.error_log


def with_stops(tour, change):
    """``tour`` with ``change(stop)`` applied to every stop (and its visit)."""
    stops = tuple(change(s) for s in tour.stops)
    visits = tuple(dataclasses.replace(v, stop=s) for v, s in zip(tour.visits, stops, strict=True))
    return dataclasses.replace(tour, stops=stops, visits=visits)


@pytest.fixture(scope="module")
def tour():
    return stopsfile.load(SEEDED)


def test_course_has_the_track_timed_and_a_point_per_stop(tour):
    root = ET.fromstring(course_tcx(tour, "fr"))
    (course,) = root.iter(f"{T}Course")
    assert len(course.find(f"{T}Name").text) <= COURSE_NAME_MAX
    times = [p.find(f"{T}Time").text for p in course.iter(f"{T}Trackpoint")]
    assert times[0] == "2018-11-20T12:30:00Z" and times[-1] == "2018-11-20T14:27:00Z"  # 13:30, 15:27
    assert times == sorted(times)
    points = course.findall(f"{T}CoursePoint")
    assert [p.find(f"{T}Notes").text for p in points] == [
        f"{s.order}. {s.name['fr']}" for s in tour.stops]
    names = [p.find(f"{T}Name").text for p in points]
    assert all(len(n) <= POINT_NAME_MAX for n in names)
    assert names[2] == "3 Maison"  # cut at a word, never « 3 Maison d »


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_course_passes_garmins_schema(tour, schema, lang):
    assert_valid(schema, course_tcx(tour, lang))


@pytest.mark.parametrize(
    ("order", "name", "short", "expected"),
    [
        (3, "Maison des Sciences de l'Homme", "", "3 Maison"),
        (3, "Musée Fabre", "", "3 Musée"),
        (3, "The Fabre", "", "Étape 3"),  # « 3 The » would end on a dangling word
        (3, "Le Corum", "", "3 Le Corum"),
        (3, "Place de la Comédie", "", "3 Place"),  # never « 3 Place de »
        # A first word longer than the room: the stop's number in words, never a cut word.
        (3, "Hypermarchéville", "", "Étape 3"),
        (1234, "Hypermarchéville", "", "Étape 1234"),
        (10000, "Hypermarchéville", "", "10000"),
        (3, "MSH Saint-Charles", "MSH Sud", "3 MSH Sud"),
        (3, "Maison des Sciences", "Sciences", "3 Sciences"),
        (12, "Maison des Sciences", "Sciences", "Sciences"),  # "12 Sciences" is 11 characters
    ],
)
def test_course_point_names_fit_ten_characters_at_a_word(tour, order, name, short, expected):
    stop = dataclasses.replace(
        tour.stops[0], order=order, name=Localized(name, name), short_name=Localized(short, short)
    )
    assert point_name(stop, "fr", "Étape") == expected
    assert 1 <= len(expected) <= POINT_NAME_MAX


def test_short_names_in_both_languages_and_hostile_ones_stay_valid(tour, schema):
    def change(stop):
        if stop.order == 3:
            return dataclasses.replace(stop, short_name=Localized("MSH", "MSH Sud"))
        return dataclasses.replace(
            stop, name=Localized(f"{HOSTILE} fr", f"{HOSTILE} en"),
            short_name=Localized('<b>&"\'</b>', "]]>&amp;") if stop.order == 2 else stop.short_name,
        )

    hostile = dataclasses.replace(with_stops(tour, change), title=Localized(HOSTILE, HOSTILE))
    for lang, third, second in (("fr", "3 MSH", '<b>&"\'</b>'), ("en", "3 MSH Sud", "2 ]]>&amp;")):
        text = course_tcx(hostile, lang, "Stop")
        assert "<img" not in text and "<b>" not in text and "]]>" not in text
        assert_valid(schema, text)
        points = ET.fromstring(text).find(f"{T}Courses/{T}Course").findall(f"{T}CoursePoint")
        assert [p.find(f"{T}Name").text for p in points][1:3] == [second, third]
        assert points[0].find(f"{T}Notes").text == f"1. {HOSTILE} {lang}"
        assert points[0].find(f"{T}Name").text == "1 <img"  # a whole word, as text


@pytest.mark.skipif(shutil.which("gpsbabel") is None, reason="Debian's gpsbabel is missing")
def test_gpsbabel_reads_the_course_with_its_stops(tour, tmp_path):
    source = tmp_path / "course.tcx"
    source.write_text(course_tcx(tour, "en"), encoding="utf-8")
    out = subprocess.run(
        ["gpsbabel", "-w", "-i", "gtrnctr", "-f", str(source), "-o", "unicsv,utc=0", "-F", "-"],
        capture_output=True, text=True, check=True, timeout=30,
    ).stdout
    for stop in tour.stops:
        assert f"{stop.order}. {stop.name['en']}" in out
    # As GPX (the brief's check): every course point is a waypoint, its name kept.
    as_gpx = subprocess.run(
        ["gpsbabel", "-i", "gtrnctr", "-f", str(source), "-o", "gpx", "-F", "-"],
        capture_output=True, text=True, check=True, timeout=30,
    ).stdout
    names = [ET.fromstring(course_tcx(tour, "en")).find(f"{T}Courses/{T}Course")]
    expected = [p.find(f"{T}Name").text for p in names[0].findall(f"{T}CoursePoint")]
    assert expected == ["1 Hôtel", "2 Espace", "3 Maison", "4 Musée"]
    assert [f"<name>{n}</name>" in as_gpx for n in expected] == [True] * len(expected)
    for stop in tour.stops:  # gpsbabel writes the Notes as the waypoint's comment
        assert f"<cmt>{stop.order}. {stop.name['en']}</cmt>" in as_gpx
    track = subprocess.run(
        ["gpsbabel", "-t", "-i", "gtrnctr", "-f", str(source), "-o", "unicsv,utc=0", "-F", "-"],
        capture_output=True, text=True, check=True, timeout=30,
    ).stdout.splitlines()
    assert len(track) - 1 == sum(len(leg.path) for leg in tour.legs) - (len(tour.legs) - 1)


def test_course_download(client, schema):
    response = client.get("/fr/tour.tcx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert ET.fromstring(response.data).find(f"{T}Courses") is not None
    assert_valid(schema, response.get_data(as_text=True))
    assert "/fr/tour.tcx" in client.get("/fr/guides").get_data(as_text=True)


def test_hostile_walk_gives_a_valid_course_in_both_languages(tmp_path, schema):
    from tourapp import create_app

    from .test_guides import hostile_file

    app = create_app({"TESTING": True, "TOUR_DATA": hostile_file(tmp_path / "stops.geojson")})
    for lang in ("fr", "en"):
        text = app.test_client().get(f"/{lang}/tour.tcx").get_data(as_text=True)
        assert "<img" not in text
        assert_valid(schema, text)
