"""The walk as a Garmin course (TCX): its track at the plan's pace and a point per stop,
read back by gpsbabel (Garmin Training Center format)."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from tourapp import stopsfile
from tourapp.render.course import COURSE_NAME_MAX, NS, POINT_NAME_MAX, course_tcx

from .conftest import SEEDED

T = f"{{{NS}}}"


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
    track = subprocess.run(
        ["gpsbabel", "-t", "-i", "gtrnctr", "-f", str(source), "-o", "unicsv,utc=0", "-F", "-"],
        capture_output=True, text=True, check=True, timeout=30,
    ).stdout.splitlines()
    assert len(track) - 1 == sum(len(leg.path) for leg in tour.legs) - (len(tour.legs) - 1)


def test_course_download(client):
    response = client.get("/fr/tour.tcx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert ET.fromstring(response.data).find(f"{T}Courses") is not None
    assert "/fr/tour.tcx" in client.get("/fr/guides").get_data(as_text=True)
