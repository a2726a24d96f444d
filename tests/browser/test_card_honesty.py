"""The card never misleads (issue 20, points 3 to 7).

Walking away never makes the figures look better, no stop is skipped, browsing the
stops is not saying where one is, and one end time is given everywhere.
"""

from __future__ import annotations

import math
import re

import pytest

from tourapp.domain.tour import path_length_m

from .conftest import new_context, wait_until
from .test_follow import FRENCH_TECH, SEEDED_TOUR, card, paris, where

# The test's own watcher, registered after the page's: once it has seen a position, the
# page's watcher (called first) has seen it too, and the card is drawn.
WATCH = "() => navigator.geolocation.watchPosition((p) => { window.testFix = p.coords; })"
SEEN = "([lat, lon]) => window.testFix && testFix.latitude === lat && testFix.longitude === lon"
FIGURE = re.compile(r"([\d.,\u202f\u00a0]+)\s(km|m)\b")
LATE = re.compile(r"(\d+)\s(?:min late|min de retard)")
EARLY = re.compile(r"(\d+)\s(?:min early|min d'avance)")

MSH = SEEDED_TOUR.stops[2].location
LEG2 = (FRENCH_TECH, *SEEDED_TOUR.legs[1].path, MSH)


def on_path(path, fraction: float) -> tuple[float, float]:
    """The point ``fraction`` of the way along ``path`` ((lat, lon) pairs)."""
    lengths = [path_length_m((a, b)) for a, b in zip(path, path[1:], strict=False)]
    left = fraction * sum(lengths)
    for (a, b), step in zip(zip(path, path[1:], strict=False), lengths, strict=True):
        if left <= step:
            ratio = left / step if step else 0.0
            return tuple(x + ratio * (y - x) for x, y in zip(a, b, strict=True))
        left -= step
    return path[-1]


def offset(point, bearing_deg: float, metres: float) -> tuple[float, float]:
    """The point ``metres`` from ``point`` towards ``bearing_deg`` (0: north, 90: east)."""
    lat, lon = point
    north = metres * math.cos(math.radians(bearing_deg)) / 111_195
    east = metres * math.sin(math.radians(bearing_deg)) / (111_195 * math.cos(math.radians(lat)))
    return (round(lat + north, 6), round(lon + east, 6))


def move_to(page, position) -> None:
    page.context.set_geolocation(where(*position))
    wait_until(page, SEEN, list(position))


def metres(page) -> float:
    """The card's distance, in metres."""
    text = page.locator(".follow-distance").inner_text()
    value, unit = FIGURE.search(text).groups()
    number = float(value.replace("\u202f", "").replace("\u00a0", "").replace(",", "."))
    return number * (1000 if unit == "km" else 1)


def lateness(page) -> int:
    """Minutes late (negative: early; 0: on time)."""
    text = card(page)["verdict"] or ""
    if late := LATE.search(text):
        return int(late[1])
    if early := EARLY.search(text):
        return -int(early[1])
    assert text in ("On time", "À l'heure"), text
    return 0


def open_at(browser, url, position, hour, minute, lang="fr"):
    context = new_context(browser, geolocation=where(*position), permissions=["geolocation"])
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.clock.set_fixed_time(paris(hour, minute))
    page.goto(f"{url}/{lang}/")
    page.wait_for_selector("path.follow-position")
    page.evaluate(WATCH)
    return page


@pytest.mark.parametrize("fraction", [0.25, 0.5, 0.75])
def test_wandering_off_leg_2_only_makes_the_figures_worse(browser, live_server, fraction):
    """Point 3: off the route, distance and lateness grow; never the straight line."""
    here = on_path(LEG2, fraction)
    page = open_at(browser, live_server.url, here, 14, 20)
    assert card(page)["next"] == "msh-saint-charles"
    # Square to the path, on either side (along it, one does get nearer).
    (lat1, lon1), (lat2, lon2) = on_path(LEG2, fraction - 0.002), on_path(LEG2, fraction + 0.002)
    heading = math.degrees(math.atan2((lon2 - lon1) * math.cos(math.radians(lat1)), lat2 - lat1))
    figures, verdicts = [], []
    for bearing in (heading + 90, heading - 90):
        walked = []
        for off in (0, 20, 35, 45, 55, 65, 90, 130):
            move_to(page, offset(here, bearing, off))
            walked.append((off, metres(page), lateness(page)))
        figures.append([m for _, m, _ in walked])
        verdicts.append([v for _, _, v in walked])
        # Each step away from the route: never less to walk, never a better verdict.
        for (_, m1, v1), (_, m2, v2) in zip(walked, walked[1:], strict=False):
            assert m2 >= m1 - 10, (bearing, walked)  # the card rounds to 10 m
            assert v2 >= v1, (bearing, walked)
        move_to(page, here)
    assert page.errors == []


def test_walking_the_wrong_way_from_a_stop_adds_to_the_figure(browser, live_server):
    """Point 3: 70 m the wrong way from the Espace French Tech never cuts the leg short."""
    page = open_at(browser, live_server.url, FRENCH_TECH, 14, 9)
    assert card(page)["at"] == "espace-french-tech"
    leg_m = SEEDED_TOUR.legs[1].distance_m
    for bearing in range(0, 360, 45):
        move_to(page, offset(FRENCH_TECH, bearing, 70))
        wait_until(page, "() => document.querySelector('.follow-distance').textContent !== ''")
        # At worst 70 m along the leg itself, and the card's rounding to 0.1 km: never the
        # 500 m less of a straight line.
        assert metres(page) >= leg_m - 70 - 50, bearing


def test_streets_of_leg_3_while_on_leg_2_skip_no_stop(browser, live_server):
    """Point 4: the card only moves on through the stops in their order."""
    leg3 = SEEDED_TOUR.legs[2].path
    leg2 = SEEDED_TOUR.legs[1].path
    # A point of leg 3 more than 100 m from every point of leg 2.
    far_from_leg2 = next(
        p for p in leg3[len(leg3) // 2:]
        if min(math.dist(p, q) for q in leg2) * 111_000 > 150
    )
    page = open_at(browser, live_server.url, on_path(LEG2, 0.2), 14, 20)
    assert card(page)["next"] == "msh-saint-charles"
    move_to(page, far_from_leg2)
    now = card(page)
    assert now["next"] == "msh-saint-charles", now
    assert page.locator(".follow-count").inner_text() == "(3 sur 4)"
    assert "is-done" not in page.locator("li.stop").nth(2).get_attribute("class")
    assert lateness(page) > 0  # off the way to stop 3 at 14:20: late, not « 67 min d'avance »
    # Opened there, fresh, at the same time: the same.
    fresh = open_at(browser, live_server.url, far_from_leg2, 14, 20)
    assert card(fresh)["next"] == "msh-saint-charles"
    assert "is-done" not in fresh.locator("li.stop").nth(2).get_attribute("class")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_browsing_stops_does_not_move_the_walker(browser, live_server, lang):
    """Point 5: ‹ › show another stop; « I am here » is a separate, explicit act."""
    context = new_context(browser)
    page = context.new_page()
    page.clock.set_fixed_time(paris(14, 20))  # planned: walking to stop 3
    page.goto(f"{live_server.url}/{lang}/")
    page.wait_for_selector("#follow[data-ready]")
    before = card(page)
    assert before["next"] == "msh-saint-charles"
    page.locator(".follow-prev").click()
    # The card shows stop 2, says so, and the app's idea of where one is has not moved.
    assert page.locator(".follow-name").inner_text() == SEEDED_TOUR.stops[1].name[lang]
    assert page.locator(".follow-count").inner_text() == {"fr": "(2 sur 4)", "en": "(2 of 4)"}[lang]
    assert card(page)["next"] == "msh-saint-charles" and card(page)["at"] == ""
    follow = page.locator("#follow").inner_text()
    assert "Vous êtes à" not in follow and "You are at" not in follow
    assert card(page)["verdict"] is None
    assert page.locator("li.stop.is-done").count() == 2
    page.locator(".follow-prev").click()
    assert page.locator(".follow-name").inner_text() == SEEDED_TOUR.stops[0].name[lang]
    assert page.locator(".follow-prev").is_disabled()
    # Back to the walk: the card as it was.
    back = {"fr": "Revenir à ma position", "en": "Back to my position"}[lang]
    page.get_by_role("button", name=back).click()
    assert card(page) == before
    # « I am here », on stop 2: now the card says it, and stop 2 is current.
    page.locator(".follow-prev").click()
    here = {"fr": "Je suis à cette étape", "en": "I am at this stop"}[lang]
    page.get_by_role("button", name=here).click()
    assert card(page)["at"] == "espace-french-tech"
    assert card(page)["next"] == "msh-saint-charles"
    assert "is-current" in page.locator("li.stop").nth(1).get_attribute("class")
    assert page.get_by_role("button", name=here).count() == 0
    context.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_one_end_time_everywhere(browser, live_server, lang):
    """Point 7: the computed end, with the planned one beside it, in the header and the run sheet."""
    end, planned = {"fr": ("15\u00a0h\u00a057", "16\u00a0h\u00a000"),
                    "en": ("3:57\u00a0PM", "4:00\u00a0PM")}[lang]
    context = new_context(browser)
    page = context.new_page()
    page.clock.set_fixed_time(paris(15, 30))
    page.goto(f"{live_server.url}/{lang}/")
    page.wait_for_selector("#follow[data-ready]")
    header = page.locator(".tour-when").inner_text()
    assert f"– {end}" in header and planned in header, header
    assert end in page.locator(".follow-here").inner_text()
    sheet = page.context.new_page()
    sheet.goto(f"{live_server.url}/{lang}/guides")
    when = sheet.locator(".runsheet-when").inner_text()
    assert f"– {end}" in when and planned in when, when
    context.close()


def test_after_the_end_at_the_last_stop_is_not_late(open_phone, live_server):
    """Point 7: standing at the last stop at 16:30 is the walk's end, not « 33 min late »."""
    fabre = SEEDED_TOUR.stops[3].location
    page = open_phone(live_server.url, position=fabre, at=paris(16, 30))
    assert card(page)["at"] == "musee-fabre"
    assert card(page)["verdict"] is None


def test_first_stop_popup_gives_one_time(open_phone, live_server):
    """Point 7: stop 1 has no visit: « Departure at 1:30 PM », not « 1:30 PM – 1:30 PM »."""
    page = open_phone(live_server.url)
    page.wait_for_selector('[data-stop="hotel-de-metropole"]')
    page.locator('[data-stop="hotel-de-metropole"]').click()
    time = page.locator(".stop-popup__time").inner_text()
    assert time == "Departure at 1:30\u00a0PM", time


def test_start_now_does_not_rewrite_the_walk_day(browser, live_server):
    """Point 6: on the walk's day the group's times hold: no « Start now », and a start kept
    from an earlier day changes nothing (late stays late)."""
    here = on_path(LEG2, 0.3)
    page = open_at(browser, live_server.url, here, 14, 40, lang="en")
    wait_until(page, "() => document.querySelector('.follow-verdict').textContent !== ''")
    late = lateness(page)
    assert late > 10
    assert page.locator(".live-start").is_hidden()
    # A solo start kept on this phone from a rehearsal the day before.
    version = page.locator("h1").get_attribute("data-tour-version")
    page.evaluate(
        "([key, start]) => localStorage.setItem(key, JSON.stringify(start))",
        [f"tourapp-start-{version}", {"real_s": paris(14, 35).timestamp(), "plan_min": 810,
                                      "speed": 1, "wall_min": 14 * 60 + 35}],
    )
    page.reload()
    page.wait_for_selector("path.follow-position")
    wait_until(page, "() => document.querySelector('.follow-verdict').textContent !== ''")
    assert lateness(page) == late
    assert page.locator(".live-times").count() == 0 or page.locator(".live-times").first.is_hidden()


def test_start_now_times_agree_on_card_and_itinerary(browser, live_server):
    """Point 6: another day, « Start now »: the card gives the same own-pace time as the itinerary."""
    context = new_context(browser)
    page = context.new_page()
    page.clock.install(time=paris(10, 0, day=25))
    page.goto(f"{live_server.url}/en/")
    page.wait_for_selector("#follow[data-ready]")
    page.locator(".live-start").click()
    wait_until(page, "() => document.querySelector('#follow').dataset.next === 'espace-french-tech'")
    listed = page.locator("#stop-espace-french-tech .live-times").inner_text()
    assert listed == "at your pace: 10:09\u00a0AM"
    assert page.locator(".follow-time").inner_text() == "Arrival at your pace at 10:09\u00a0AM"
    assert page.locator(".live-solo__help").is_visible()  # said, and undone by the same button
    page.locator(".live-start").click()
    assert page.locator(".follow-time").inner_text() == "Arrival planned at 1:39\u00a0PM"
    context.close()
