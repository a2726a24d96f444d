"""The follow card and the position on the map, as a walker meets them (issue 12).

Points 3 (re-centre), 4 (continuous distance), 5 (far from the walk), 6 (the dot above
the markers), 9 (one number everywhere) and 11 (the plan is not a position).
"""

from __future__ import annotations

import math
import re

import pytest
from geopy.distance import great_circle

from ..conftest import small_doc, write_doc
from .conftest import LiveServer, new_context, wait_until
from .test_follow import (
    FRENCH_TECH,
    SEEDED_TOUR,
    card,
    paris,
    where,
)

PARIS_CITY = (48.8566, 2.3522)  # about 594 km from the nearest stop
# The test's own watcher, registered after the page's: once it has seen a position,
# the page's watcher (called first) has seen it too.
WATCH = "() => navigator.geolocation.watchPosition((p) => { window.testFix = p.coords; })"
SEEN = "([lat, lon]) => window.testFix && testFix.latitude === lat && testFix.longitude === lon"


def move_to(page, position, accuracy: float = 10) -> None:
    """Set the emulated position and wait until the page has been told of it."""
    page.context.set_geolocation(where(*position, accuracy))
    wait_until(page, SEEN, list(position))


@pytest.mark.parametrize(("lang", "label"), [
    ("fr", "Centrer la carte sur ma position"), ("en", "Centre the map on my position"),
])
def test_recentre_brings_the_position_back_into_view(open_phone, live_server, lang, label):
    page = open_phone(live_server.url, position=FRENCH_TECH, at=paris(13, 35), lang=lang)
    page.evaluate("() => tourapp.map.setView([43.55, 3.80], 16, {animate: false})")
    in_view = f"() => tourapp.map.getBounds().contains({list(FRENCH_TECH)})"
    assert not page.evaluate(in_view)
    button = page.get_by_role("button", name=label, exact=True)
    button.focus(timeout=3000)  # keyboard: it takes the focus, Enter presses it
    page.keyboard.press("Enter")
    wait_until(page, in_view)
    box = button.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    assert page.errors == []


def test_distance_is_continuous_when_leaving_the_leg(browser, tmp_path):
    """Between 40 and 60 m off a leg the figure never jumps by more than 10 %."""
    from tourapp import create_app

    doc = small_doc()
    east = 3.88 + 0.0062  # a U-shaped leg: out east, north, back west to "b"
    b_lat = 43.60 + 0.008993
    doc["features"].append({
        "type": "Feature", "properties": {"leg_from": "a", "leg_to": "b"},
        "geometry": {"type": "LineString",
                     "coordinates": [[3.88, 43.60], [east, 43.60], [east, b_lat], [3.88, b_lat]]},
    })
    path = write_doc(tmp_path / "stops.geojson", doc)
    lat = 43.6045
    metre_of_lon = 1 / (111_320 * math.cos(math.radians(lat)))
    with LiveServer(create_app({"TESTING": True, "TOUR_DATA": path})) as server:
        context = new_context(browser, geolocation=where(lat, east), permissions=["geolocation"])
        page = context.new_page()
        page.goto(f"{server.url}/en/")
        page.wait_for_selector("path.follow-position")
        page.evaluate(WATCH)
        figures = []
        for off in range(36, 66, 2):
            move_to(page, (lat, east + off * metre_of_lon))
            text = page.locator(".follow-distance").inner_text()
            value, unit = re.match(r"([\d.,]+)\s(km|m)\b", text).groups()
            figures.append(float(value.replace(",", "")) * (1000 if unit == "km" else 1))
        context.close()
    jumps = [abs(b - a) / a for a, b in zip(figures, figures[1:], strict=False)]
    assert max(jumps) <= 0.10, figures


@pytest.mark.parametrize(("lang", "text"), [
    ("fr", "Vous êtes à 594\u00a0km de la déambulation"), ("en", "You are 594\u00a0km from the walk"),
])
def test_far_from_the_walk_says_how_far_and_nothing_absurd(browser, live_server, lang, text):
    assert round(min(great_circle(PARIS_CITY, s.location).km for s in SEEDED_TOUR.stops)) == 594
    context = new_context(browser, geolocation=where(*PARIS_CITY), permissions=["geolocation"])
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.clock.set_fixed_time(paris(14, 30))
    page.goto(f"{live_server.url}/{lang}/")
    wait_until(page, "(t) => document.getElementById('follow').textContent.includes(t)", text)
    follow = page.locator("#follow").inner_text()
    assert "min" not in follow  # no walking time, no lateness
    assert card(page)["verdict"] is None
    # The map stays on the walk: every stop is still in view.
    stops = [list(s.location) for s in SEEDED_TOUR.stops]
    assert page.evaluate("(s) => s.every((p) => tourapp.map.getBounds().contains(p))", stops)
    assert page.errors == []
    context.close()


def test_position_dot_is_drawn_above_the_stop_markers(open_phone, live_server):
    page = open_phone(live_server.url, position=FRENCH_TECH, at=paris(13, 45))
    box = page.locator("path.follow-position").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    # Hit testing follows the painting order: made hit-testable (taps go through it to the
    # marker), the dot is what is found at its centre if it is drawn on top.
    page.evaluate("() => { document.querySelector('path.follow-position').style.pointerEvents = 'auto'; }")
    hit = page.evaluate(
        "([x, y]) => !!document.elementFromPoint(x, y).closest('.follow-position')", [x, y]
    )
    assert hit


FIGURES = re.compile(r"([\d.,]+\s(?:km|m)).*?(\d+\smin)")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_card_and_itinerary_give_the_same_leg_figures(open_phone, live_server, lang):
    page = open_phone(live_server.url, position=FRENCH_TECH, at=paris(14, 0), lang=lang)
    page.wait_for_selector('#follow[data-at="espace-french-tech"]')
    on_card = FIGURES.search(page.locator(".follow-distance").inner_text()).groups()
    listed = page.locator("li.leg .leg-summary").nth(1).inner_text()
    assert FIGURES.search(listed).groups() == on_card


@pytest.mark.parametrize(("lang", "at_1401", "at_1530"), [
    ("en", "Planned: at Espace French Tech until 2:09\u00a0PM",
     "Planned: at Musée Fabre (Fabre Museum) until 4:00\u00a0PM"),
    ("fr", "Prévu : à l'étape Espace French Tech jusqu'à 14\u00a0h\u00a009",
     "Prévu : à l'étape Musée Fabre jusqu'à 16\u00a0h\u00a000"),
])
def test_without_a_position_the_card_speaks_of_the_plan(
    browser, live_server, lang, at_1401, at_1530
):
    context = new_context(browser)
    page = context.new_page()
    page.clock.install(time=paris(14, 1))
    page.goto(f"{live_server.url}/{lang}/")
    page.wait_for_selector("#follow[data-ready]")
    follow = page.locator("#follow")
    assert page.locator(".follow-here").inner_text() == at_1401
    assert "You are" not in follow.inner_text() and "Vous êtes" not in follow.inner_text()
    # During the last visit (15:27–16:00, the walk's end): a visit, not yet the end.
    page.clock.fast_forward("01:29:00")
    wait_until(page, "(t) => document.querySelector('.follow-here').textContent === t", at_1530)
    assert page.locator(".follow-name").inner_text() == SEEDED_TOUR.stops[3].name[lang]
    page.clock.fast_forward("28:00")  # 15:58: still the visit (it was « Fin » here, before 16:00)
    wait_until(page, "(t) => document.querySelector('.follow-here').textContent === t", at_1530)
    assert page.locator(".follow-name").inner_text() == SEEDED_TOUR.stops[3].name[lang]
    page.clock.fast_forward("03:00")  # 16:01
    wait_until(page, "() => /Fin de la|End of the walk/.test(document.querySelector('.follow-name').textContent)")
    context.close()
