"""Following the walk on a phone: emulated position and clock, the card, the itinerary marks."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from geopy.distance import great_circle

from tourapp import stopsfile
from tourapp.domain.tour import path_length_m, walk_minutes
from tourapp.testing import LANDSCAPE_PHONE, PHONE, wait_until

from ..conftest import SEEDED, small_doc, write_doc
from .conftest import new_context, where

PARIS = ZoneInfo("Europe/Paris")
HOTEL = (43.6077999, 3.8907432)  # stop 1, data/stops.geojson
FRENCH_TECH = (43.609125, 3.884371)  # stop 2
NBSP = "\u00a0"
SEEDED_TOUR = stopsfile.load(SEEDED)
# The first leg follows the streets; the script gets its path joined to both stops.
FIRST_LEG = (HOTEL, *SEEDED_TOUR.legs[0].path, FRENCH_TECH)
FIRST_LEG_M = path_length_m(FIRST_LEG)
AT_FRENCH_TECH = SEEDED_TOUR.visits[1]  # due at 13:39, leaves at 14:09


def on_first_leg(fraction: float) -> tuple[float, float]:
    """A point on the first leg's path, ``fraction`` of its length to the Espace French Tech."""
    left = fraction * FIRST_LEG_M
    for a, b in zip(FIRST_LEG, FIRST_LEG[1:], strict=False):
        step = path_length_m((a, b))
        if left <= step:
            ratio = left / step if step else 0.0
            return tuple(x + ratio * (y - x) for x, y in zip(a, b, strict=True))
        left -= step
    return FRENCH_TECH


def left_on_first_leg(fraction: float) -> float:
    """Metres the card gives from ``on_first_leg(fraction)`` to the Espace French Tech.

    The path's length is scaled to the leg's own distance, so that the card and the
    itinerary give the same figure at the start of the leg.
    """
    return (1 - fraction) * SEEDED_TOUR.legs[0].distance_m


def clock_en(moment: dt.datetime | dt.time) -> str:
    """How the English page writes a time of day: 1:39 PM."""
    return f"{moment.hour % 12 or 12}:{moment.minute:02d}{NBSP}{'AM' if moment.hour < 12 else 'PM'}"


def metres_text(metres: float) -> str:
    """How the card writes a distance under 1 km: rounded to 10 m."""
    return f"{round(metres / 10) * 10}{NBSP}m"


def paris(hour: int, minute: int, day: int = 20) -> dt.datetime:
    return dt.datetime(2018, 11, day, hour, minute, tzinfo=PARIS)


def card(page) -> dict:
    follow = page.locator("#follow")
    return {
        "next": follow.get_attribute("data-next"),
        "at": follow.get_attribute("data-at"),
        "name": page.locator(".follow-name").inner_text(),
        "distance": page.locator(".follow-distance").inner_text(),
        "verdict": page.locator(".follow-verdict").inner_text()
        if page.locator(".follow-verdict").is_visible() else None,
    }


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_position_near_a_stop_gives_the_next_stop_and_distance(open_phone, live_server, lang):
    here = on_first_leg(0.85)
    page = open_phone(live_server.url, position=here, at=paris(13, 35), lang=lang)
    now = card(page)
    assert now["next"] == "espace-french-tech"
    assert now["name"] == "Espace French Tech"
    metres = left_on_first_leg(0.85)  # ≈ 100 m along the leg, on the leg itself
    minutes = f"{walk_minutes(metres, SEEDED_TOUR.speed_kmh)}{NBSP}min"  # rounded up
    walk = {"fr": "environ", "en": "about"}[lang]
    assert now["distance"] == f"{metres_text(metres)}, {walk} {minutes} " + {
        "fr": "à pied", "en": "on foot"}[lang]
    assert page.locator(".follow-count").inner_text() == {"fr": "(2 sur 4)", "en": "(2 of 4)"}[lang]
    # The position and its accuracy circle are on the map; the locate control is a 44 px button.
    assert page.locator("path.follow-accuracy").count() == 1
    locate = page.locator("button.follow-locate__button")
    assert locate.get_attribute("aria-label") == {
        "fr": "Afficher ma position sur la carte", "en": "Show my position on the map"}[lang]
    assert locate.get_attribute("aria-pressed") == "true"
    box = locate.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    assert page.errors == []


def test_walking_into_the_radius_advances_the_card(open_phone, live_server):
    page = open_phone(live_server.url, position=on_first_leg(0.5), at=paris(13, 35))
    assert card(page)["next"] == "espace-french-tech"
    stops = page.locator("li.stop")
    assert stops.nth(1).get_attribute("aria-current") == "step"
    assert "is-next" in stops.nth(1).get_attribute("class")

    # 48 m short of the stop: still walking to it (radius 40 m with a 10 m accuracy).
    page.context.set_geolocation(where(*on_first_leg(1 - 48 / FIRST_LEG_M)))
    wait_until(page, "() => document.querySelector('.follow-distance').textContent.startsWith('50')")
    assert card(page)["at"] == ""

    # 30 m short: arrived; the card moves on to the next stop.
    page.context.set_geolocation(where(*on_first_leg(1 - 30 / FIRST_LEG_M)))
    page.wait_for_selector('#follow[data-at="espace-french-tech"]')
    now = card(page)
    assert now["next"] == "msh-saint-charles"
    # Reached by the position: the card says it as an arrival (issue 20).
    assert page.locator(".follow-here").inner_text().startswith(
        "You have arrived at Espace French Tech · Departure planned at"
    )
    assert "is-done" in stops.nth(0).get_attribute("class")
    assert "is-current" in stops.nth(1).get_attribute("class")
    assert stops.nth(1).get_attribute("aria-current") == "step"
    assert stops.nth(1).locator(".stop-status").inner_text().strip() == "(you are here)"
    assert "is-next" in stops.nth(2).get_attribute("class")
    assert stops.nth(2).get_attribute("aria-current") is None
    assert page.locator(".follow-announce").get_attribute("aria-live") == "polite"
    assert page.locator(".follow-announce").inner_text() == (
        "You have arrived at Espace French Tech. Next stop: Maison des Sciences de l'Homme "
        "(MSH Sud), Saint-Charles site."
    )
    assert page.errors == []


@pytest.mark.parametrize(
    "lang, ahead_min, verdict",
    [
        # ≈ 100 m from the Espace French Tech (2 min on foot), due there at 13:39:
        # the clock reads that time less the walk, plus ``ahead_min``.
        ("en", -16, "16\u00a0min early"),
        ("en", -1, "On time"),
        # Both sides of each edge of « on time » (ON_TIME_MIN = 2 minutes either way).
        ("en", 2, "On time"),
        ("en", 3, "3\u00a0min late"),
        ("en", -2, "On time"),
        ("en", -3, "3\u00a0min early"),
        ("en", 9, "9\u00a0min late"),
        ("fr", 9, "9\u00a0min de retard"),
        ("fr", -16, "16\u00a0min d'avance"),
    ],
)
def test_on_time_or_late_from_the_clock(open_phone, live_server, lang, ahead_min, verdict):
    walk = walk_minutes(left_on_first_leg(0.85), SEEDED_TOUR.speed_kmh)
    when = AT_FRENCH_TECH.arrival + dt.timedelta(minutes=ahead_min - walk)
    page = open_phone(live_server.url, position=on_first_leg(0.85), at=when, lang=lang)
    assert card(page)["verdict"] == verdict
    assert page.errors == []


def test_at_a_stop_lateness_counts_from_its_departure(open_phone, live_server):
    # At the Espace French Tech 12 min after it was time to leave (14:09).
    when = AT_FRENCH_TECH.departure + dt.timedelta(minutes=12)
    page = open_phone(live_server.url, position=FRENCH_TECH, at=when)
    assert card(page) | {"distance": None} == {
        "next": "msh-saint-charles", "at": "espace-french-tech",
        "name": "Maison des Sciences de l'Homme (MSH Sud), Saint-Charles site",
        "distance": None, "verdict": "12\u00a0min late",
    }


@pytest.mark.parametrize(
    ("when", "verdict"),
    [
        # At the stop: on time from 2 min before its arrival to 2 min after its departure.
        (AT_FRENCH_TECH.arrival - dt.timedelta(minutes=3), "3\u00a0min early"),
        (AT_FRENCH_TECH.arrival - dt.timedelta(minutes=2), "On time"),
        (AT_FRENCH_TECH.departure + dt.timedelta(minutes=2), "On time"),
        (AT_FRENCH_TECH.departure + dt.timedelta(minutes=3), "3\u00a0min late"),
    ],
)
def test_at_a_stop_both_sides_of_on_time(open_phone, live_server, when, verdict):
    page = open_phone(live_server.url, position=FRENCH_TECH, at=when)
    assert card(page)["verdict"] == verdict
    assert page.errors == []


def test_without_location_the_card_follows_the_schedule(open_phone, live_server, browser):
    context = new_context(browser)
    page = context.new_page()
    # Planned at the Espace French Tech for 8 more minutes (until 14:09).
    page.clock.install(time=AT_FRENCH_TECH.departure - dt.timedelta(minutes=8))
    page.goto(f"{live_server.url}/en/")
    page.wait_for_selector("#follow[data-ready]")
    assert card(page) | {"name": None} == {
        "next": "msh-saint-charles", "at": "espace-french-tech", "name": None,
        "distance": "", "verdict": None,  # the clock alone cannot tell whether we are late
    }
    page.clock.fast_forward("10:00")
    page.wait_for_selector('#follow[data-at=""]')
    assert card(page)["next"] == "msh-saint-charles"
    assert card(page)["verdict"] is None
    assert "is-done" in page.locator("li.stop").nth(1).get_attribute("class")
    context.close()


def test_another_day_shows_planned_times_without_alarm(open_phone, live_server):
    next_day = AT_FRENCH_TECH.arrival + dt.timedelta(days=1, minutes=6)
    page = open_phone(live_server.url, position=on_first_leg(0.85), at=next_day)
    now = card(page)
    assert now["next"] == "espace-french-tech"
    assert now["verdict"] is None
    assert page.locator(".follow-time").inner_text() == (
        f"Arrival planned at {clock_en(AT_FRENCH_TECH.arrival)}"  # 1:39 PM
    )


def test_preview_at_a_chosen_time(open_phone, live_server):
    # Another day on the device; ?at= replays the walk's day 12 min after leaving (14:09).
    at = AT_FRENCH_TECH.departure + dt.timedelta(minutes=12)
    page = open_phone(live_server.url, query=f"?at={at:%H:%M}", position=FRENCH_TECH,
                       at=paris(9, 0, day=25))
    assert page.locator(".follow-preview").inner_text() == (
        f"Preview: the walk as at {clock_en(at)} on its day."
    )
    assert card(page)["verdict"] == "12\u00a0min late"
    page.goto(live_server.url + "/en/?at=99:99")
    page.wait_for_selector("path.follow-position")
    assert page.locator(".follow-preview").count() == 0
    assert card(page)["verdict"] is None
    assert page.errors == []


def test_distance_follows_the_leg_when_near_it(browser, tmp_path):
    """On a U-shaped leg the distance left runs along it; off the leg, back to it, then along it.

    Never the straight line to the stop (issue 20, point 3): walking away from the way
    never makes the figure smaller.
    """
    from tourapp import create_app
    from tourapp.testing import LiveServer

    doc = small_doc()
    east = 3.88 + 0.0062  # ≈ 500 m east of the stops' meridian
    b = (43.60 + 0.008993, 3.88)  # stop "b"; "a" is at (43.60, 3.88)
    u_turn = [[3.88, 43.60], [east, 43.60], [east, b[0]], [3.88, b[0]]]  # [lon, lat]
    doc["features"].append({
        "type": "Feature", "properties": {"leg_from": "a", "leg_to": "b"},
        "geometry": {"type": "LineString", "coordinates": u_turn},
    })
    path = write_doc(tmp_path / "stops.geojson", doc)
    on_leg = (43.6045, east)
    along = great_circle(on_leg, (b[0], east)).meters + great_circle((b[0], east), b).meters
    off_leg = (43.6045, 3.8837)  # 200 m from the leg's line, 300 m from the stops'
    back_then_along = great_circle(off_leg, on_leg).meters + along
    with LiveServer(create_app({"TESTING": True, "TOUR_DATA": path})) as server:
        context = new_context(browser, geolocation=where(*on_leg), permissions=["geolocation"])
        page = context.new_page()
        page.goto(f"{server.url}/en/")
        page.wait_for_selector("path.follow-position")
        assert card(page)["next"] == "b"
        assert page.locator(".follow-distance").inner_text().startswith(
            f"{along / 1000:.1f}{NBSP}km"
        )  # 1.0 km along the leg, not the 710 m straight line
        context.set_geolocation(where(*off_leg))
        expected = f"{back_then_along / 1000:.1f}{NBSP}km"  # 1.2 km, not the 580 m straight line
        wait_until(
            page, f"() => document.querySelector('.follow-distance').textContent.startsWith({json.dumps(expected)})"
        )
        context.close()


def test_manual_previous_and_next_without_location(open_phone, live_server):
    page = open_phone(live_server.url, lang="fr")
    prev, nxt = page.locator(".follow-prev"), page.locator(".follow-next")
    assert card(page)["name"] == "Hôtel de Métropole"
    assert prev.is_disabled()
    assert nxt.get_attribute("aria-label") == "Afficher l'étape suivante"
    for button in (prev, nxt):
        box = button.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44
    # Keyboard: the button takes the focus and Enter presses it. It shows the next stop,
    # without saying anyone is anywhere (issue 20, point 5).
    nxt.focus()
    page.keyboard.press("Enter")
    assert card(page)["name"] == "Espace French Tech"
    assert page.locator(".follow-here").is_hidden()
    # « I am at this stop » says it: the card moves on, and announces it.
    page.get_by_role("button", name="Je suis à cette étape").click()
    here = page.locator(".follow-here").inner_text()
    assert here.startswith("Vous êtes à l'étape Espace French Tech")
    assert page.locator(".follow-announce").inner_text() == (
        "Vous êtes arrivés à l'étape Espace French Tech. Prochaine étape : "
        "Maison des Sciences de l'Homme, site Saint-Charles."
    )
    nxt.click()
    assert card(page)["name"] == "Musée Fabre"
    assert nxt.is_disabled()  # the last stop: nothing further to browse
    page.get_by_role("button", name="Je suis à cette étape").click()
    assert page.locator(".follow-kind").text_content() == "Dernière étape"
    assert page.locator("li.stop.is-done").count() == 3
    assert page.locator("li.stop.is-current").count() == 1
    assert page.locator("li.stop").nth(3).locator(".stop-status").inner_text().strip() == (
        "(vous êtes ici)"
    )
    prev.click()
    assert card(page)["at"] == "musee-fabre"  # browsing back moved no one
    page.get_by_role("button", name="Revenir à ma position").click()
    assert card(page)["name"] == "Musée Fabre"
    # The card stays in view over the itinerary, and never over the map.
    page.locator("li.stop").nth(3).scroll_into_view_if_needed()
    box = page.locator("#follow").bounding_box()
    assert 0 <= box["y"] < 844 and box["y"] + box["height"] <= 844
    assert page.evaluate("document.querySelector('#follow').getBoundingClientRect().top") == 0
    page.evaluate("window.scrollTo(0, 0)")
    map_box = page.locator("#map_tour").bounding_box()
    card_box = page.locator("#follow").bounding_box()
    assert card_box["y"] >= map_box["y"] + map_box["height"] - 1
    assert card_box["y"] + card_box["height"] <= 844  # visible without scrolling
    assert page.errors == []


@pytest.mark.parametrize("viewport", [PHONE, LANDSCAPE_PHONE])
def test_card_is_in_view_from_the_start_and_off_the_map(browser, live_server, viewport):
    context = new_context(browser, viewport=viewport)
    page = context.new_page()
    page.goto(f"{live_server.url}/en/")
    page.wait_for_selector("#follow[data-ready]")
    card_box = page.locator("#follow").bounding_box()
    map_box = page.locator("#map_tour").bounding_box()
    assert card_box["y"] >= 0 and card_box["y"] + card_box["height"] <= viewport["height"]
    apart = (
        card_box["y"] >= map_box["y"] + map_box["height"] - 1
        or card_box["x"] >= map_box["x"] + map_box["width"] - 1
    )
    assert apart, (card_box, map_box)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    context.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_refused_permission_says_so(open_phone, live_server, lang):
    page = open_phone(live_server.url, lang=lang)  # no permission given to the page
    page.locator("button.follow-locate__button").click()
    message = page.locator(".follow-message")
    expected = {"fr": "La localisation est refusée", "en": "Location is turned off"}[lang]
    wait_until(
        page, f"() => document.querySelector('.follow-message').textContent.startsWith({json.dumps(expected)})"
    )
    assert message.get_attribute("role") == "status"
    assert page.locator("button.follow-locate__button").get_attribute("aria-pressed") == "false"
    assert page.locator("path.follow-position").count() == 0


def test_an_imprecise_position_warns_and_never_arrives(open_phone, live_server):
    page = open_phone(live_server.url, position=on_first_leg(0.85), at=paris(13, 35))
    page.context.set_geolocation(where(*FRENCH_TECH, accuracy=500))
    wait_until(
        page, "() => document.querySelector('.follow-message').textContent.includes('500')"
    )
    assert page.locator(".follow-message").inner_text() == (
        f"Your position is imprecise (± 500{NBSP}m): distances are approximate."
    )
    assert card(page)["at"] == ""  # standing on the stop, but ± 500 m proves nothing
    assert page.errors == []


@pytest.mark.parametrize(
    "code, expected",
    [
        (2, "Your position is unavailable at the moment. Try again outdoors."),
        (3, "Finding your position took too long. Try again outdoors."),
    ],
)
def test_unavailable_or_slow_position_says_so(browser, live_server, code, expected):
    # Chromium cannot be made to fail these two ways: the page's geolocation reports them.
    context = new_context(browser)
    context.add_init_script(
        "navigator.geolocation.watchPosition = function (ok, fail) {"
        f"  setTimeout(function () {{ fail({{code: {code}, message: 'test'}}); }}, 0); return 7;"
        "};"
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/en/")
    page.locator("button.follow-locate__button").click()
    wait_until(
        page, f"() => document.querySelector('.follow-message').textContent === {json.dumps(expected)}"
    )
    # Still watching: the next fix may work.
    assert page.locator("button.follow-locate__button").get_attribute("aria-pressed") == "true"
    context.close()
