"""The run sheet's drawing of the route: inside its frame, to scale, numbers only."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from tourapp import stopsfile
from tourapp.domain.geo import distance_m
from tourapp.render.routemap import PAD, WIDTH, route_svg

from .conftest import SEEDED, small_doc

SVG = "{http://www.w3.org/2000/svg}"


def drawn(tour):
    root = ET.fromstring(route_svg(tour))
    _, _, width, height = (float(v) for v in root.get("viewBox").split())
    return root, width, height


def points_of(root):
    for line in root.iter(f"{SVG}polyline"):
        yield [tuple(map(float, p.split(","))) for p in line.get("points").split()]


def test_every_leg_and_stop_is_drawn_inside_the_frame():
    tour = stopsfile.load(SEEDED)
    root, width, height = drawn(tour)
    assert width == WIDTH and 350 <= height <= 700
    lines = list(points_of(root))
    assert [len(line) for line in lines] == [len(leg.path) for leg in tour.legs]
    for x, y in (p for line in lines for p in line):
        assert PAD - 0.1 <= x <= width - PAD + 0.1 and PAD - 0.1 <= y <= height - PAD + 0.1
    discs = root.findall(f".//{SVG}g[@class='routemap-stop']")
    assert [d.find(f"{SVG}text").text for d in discs] == [str(s.order) for s in tour.stops]


def test_the_drawing_keeps_distances_to_scale():
    # Small walk: three stops 1 km apart on a meridian, so a vertical line of 2 km.
    tour = stopsfile.parse(json.dumps(small_doc()).encode())
    root, _, height = drawn(tour)
    (x1, y1), (x2, y2) = (
        tuple(float(c.get(k)) for k in ("cx", "cy"))
        for c in root.findall(f".//{SVG}circle")[::2]
    )
    assert x1 == pytest.approx(x2, abs=0.2) and y1 > y2  # north is up
    units_per_m = (y1 - y2) / distance_m(tour.stops[0].location, tour.stops[2].location)
    bar = root.find(f".//{SVG}g[@class='routemap-scale']")
    length_m = int(re.match(r"(\d+) (k?m)", bar.find(f"{SVG}text").text)[1])
    length_m *= 1000 if bar.find(f"{SVG}text").text.endswith("km") else 1
    path = bar.find(f"{SVG}path").get("d")
    start, end = (float(v) for v in re.findall(r"[MH]([\d.]+)", path))
    assert (end - start) / length_m == pytest.approx(units_per_m, rel=0.01)


def test_one_stop_and_hostile_names_give_numbers_only():
    doc = small_doc()
    del doc["features"][1:]
    doc["features"][0]["properties"]["name_fr"] = "<script>alert(1)</script> ]]>"
    tour = stopsfile.parse(json.dumps(doc).encode())
    svg = route_svg(tour)
    root = ET.fromstring(svg)
    assert "script" not in svg and "]]>" not in svg
    assert [t.text for t in root.iter(f"{SVG}text")][0] == "1"
    assert root.find(f".//{SVG}g[@class='routemap-scale']") is None  # no length to show
