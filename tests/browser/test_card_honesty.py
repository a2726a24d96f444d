"""The card never misleads (issue 20, points 3 to 8).

Walking away never makes the figures look better, no stop is skipped, browsing the
stops is not saying where one is, and one end time is given everywhere.
"""

from __future__ import annotations

import contextlib
import math
import re
import time

import pytest

from tourapp import create_app
from tourapp.domain.tour import path_length_m
from tourapp.live.views import get_live, guide_token

from ..conftest import reset_rate_limits
from .conftest import LiveServer, new_context, wait_until
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
    """Point 7: one end, the announced 16 h 00, in the itinerary, on the card and on the run
    sheet (the last visit runs until then), and no second end beside it (it read « 15 h 57
    (fin prévue : 16 h 00) »)."""
    end, other = {"fr": ("16\u00a0h\u00a000", "15\u00a0h\u00a057"),
                  "en": ("4:00\u00a0PM", "3:57\u00a0PM")}[lang]
    context = new_context(browser)
    page = context.new_page()
    page.clock.set_fixed_time(paris(15, 30))
    page.goto(f"{live_server.url}/{lang}/")
    page.wait_for_selector("#follow[data-ready]")
    header = page.locator(".tour-when").inner_text()
    assert header.rstrip().endswith(f"– {end}") and other not in header, header
    assert page.locator(".tour-when .planned").count() == 0
    assert end in page.locator(".follow-here").inner_text()
    assert other not in page.locator("main").inner_text()
    sheet = page.context.new_page()
    sheet.goto(f"{live_server.url}/{lang}/guides")
    when = sheet.locator(".runsheet-when").inner_text()
    assert f"– {end}" in when and other not in when, when
    assert other not in sheet.locator("main").inner_text()
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


# A live group on another day than the walk's (a rehearsal, a re-run) -------------------

LEG3 = SEEDED_TOUR.legs[2].path
# A point of leg 3 (MSH → Musée Fabre), in the old town, more than 150 m from leg 2.
ON_LEG3 = next(
    p for p in LEG3[len(LEG3) // 2:]
    if min(math.dist(p, q) for q in SEEDED_TOUR.legs[1].path) * 111_000 > 150
)
FABRE = SEEDED_TOUR.stops[3].location
COUNT = {"fr": "({} sur 4)", "en": "({} of 4)"}


@pytest.fixture
def group(tour_file):
    """Start a server whose walk is live: Marie's reports (the walk clock at ``at``, the
    group at ``stop``, a message) posted through the app's own client."""
    with contextlib.ExitStack() as stack:

        def start(at="13:48", stop="espace-french-tech", message=None):
            app = create_app({"TESTING": True, "TOUR_DATA": tour_file, "SECRET_KEY": "k" * 32})
            token = guide_token("Marie", 8.0, app)
            client = app.test_client()
            reports = [{"type": "clock", "at": at}, {"type": "arrive", "stop": stop}]
            if message:
                reports.append({"type": "message", "text": message})
            for report in reports:
                response = client.post("/live/guide", json=report,
                                       headers={"Authorization": f"Bearer {token}"})
                assert response.status_code == 200, response.get_json()
                reset_rate_limits(app)
            return stack.enter_context(LiveServer(app))

        yield start


def open_off_day(browser, url, position, lang, first=None, **options):
    """A phone on a day that is not the walk's (the machine's own date, years after it).
    ``first="position"``: live.js waits until the phone has placed the card, as on a slow
    network; ``first="group"``: the position is allowed only once the group is shown."""
    context = new_context(browser, geolocation=where(*position), **options)
    if first != "group":
        context.grant_permissions(["geolocation"])
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    held = []
    if first == "position":
        page.route("**/bundles/live.js*", lambda route: held.append(route))
    page.goto(f"{url}/{lang}/")
    if first == "position":
        wait_until(page, "() => document.querySelector('#follow').dataset.next !== ''")
        page.wait_for_selector("path.follow-position")
        wait_until(page, "() => document.querySelector('.follow-distance').textContent !== ''")
        for route in held:
            route.continue_()
    if first is not None:
        wait_until(page, "() => !document.querySelector('.live-group').hidden", timeout_s=15)
    if first == "group":
        context.grant_permissions(["geolocation"])
        page.locator(".follow-locate__button").click()
    page.wait_for_selector("path.follow-position")
    page.evaluate(WATCH)
    return page


def progress(page, lang):
    """The card's next stop and count, and the itinerary's stops marked done."""
    done = page.evaluate("() => [...document.querySelectorAll('li.stop.is-done')].map(li => li.id)")
    return card(page)["next"], page.locator(".follow-count").inner_text(), done


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("first", ["position", "group"])
def test_live_group_off_day_skips_no_stop(browser, group, lang, first):
    """Point 4: the group at stop 2 on another day, a phone in the streets of leg 3: the
    card says nothing of stop 3 done, whether the position or the group came first."""
    server = group()
    page = open_off_day(browser, server.url, ON_LEG3, lang, first=first)
    near = on_path(LEG3, 0.9)  # nearer the museum
    move_to(page, near)
    nxt, count, done = progress(page, lang)
    assert nxt != "musee-fabre" and count != COUNT[lang].format(4), (nxt, count)
    assert "stop-msh-saint-charles" not in done, done
    # At the museum's door: not « arrived at the Musée Fabre » either.
    move_to(page, FABRE)
    assert card(page)["at"] != "musee-fabre"
    assert "stop-msh-saint-charles" not in progress(page, lang)[2]
    assert page.errors == []


def test_live_group_late_on_the_clock_skips_no_stop(browser, group):
    """Point 4: the group still at stop 2 at 15:20 on its clock (the plan says walking to
    the museum): the group, not the plan, says how far anyone can have gone."""
    server = group(at="15:20")
    page = open_off_day(browser, server.url, ON_LEG3, "fr", first="group")
    nxt, count, done = progress(page, "fr")
    assert nxt != "musee-fabre" and "stop-msh-saint-charles" not in done, (nxt, count, done)


def test_the_group_moving_on_lets_the_card_follow(browser, group):
    """Point 4: the bound is the group's: once it reports stop 3, a phone on leg 3 is placed there."""
    server = group(stop="msh-saint-charles", at="14:40")
    page = open_off_day(browser, server.url, ON_LEG3, "fr", first="group")
    wait_until(page, "() => document.querySelector('#follow').dataset.next === 'musee-fabre'")
    assert page.locator(".follow-count").inner_text() == "(4 sur 4)"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_alone_off_day_the_walker_keeps_their_own_progress(browser, live_server, lang):
    """Point 4, the other side: no live group on another day, a walker on leg 3 is on leg 3
    (their own walk, at their own time), and arrives at the museum."""
    page = open_off_day(browser, live_server.url, ON_LEG3, lang)
    nxt, count, done = progress(page, lang)
    assert (nxt, count) == ("musee-fabre", COUNT[lang].format(4)), (nxt, count)
    assert "stop-msh-saint-charles" in done
    move_to(page, FABRE)
    assert card(page)["at"] == "musee-fabre"
    assert page.locator(".live-group").is_hidden()
    assert page.errors == []


# Point 8: one time format, the walk's -------------------------------------------------

@pytest.mark.parametrize("lang", ["fr", "en"])
def test_message_time_is_the_walks_on_a_phone_in_another_zone(browser, group, lang):
    """The guide's message « Message de Marie à 13 h 48 »: the walk's time, written as the
    group's line writes it (« depuis 13 h 48 »), not New York's."""
    server = group(message="Rendez-vous devant le musée")
    page = open_off_day(browser, server.url, FRENCH_TECH, lang, first="group", timezone_id="America/New_York")
    wait_until(page, "() => !document.querySelector('.live-banner').hidden", timeout_s=15)
    shown = page.locator(".live-banner__from").inner_text()
    expected = {"fr": "Message de Marie à 13\u00a0h\u00a048", "en": "Message from Marie at 1:48\u00a0PM"}[lang]
    assert shown.startswith(expected), shown
    since = {"fr": "depuis 13\u00a0h\u00a048", "en": "since 1:48\u00a0PM"}[lang]
    assert since in page.locator(".live-group").inner_text()


def test_a_kept_solo_start_gives_way_to_a_live_group(browser, group):
    """Point 6 on another day: a « Start now » kept on this phone from an earlier visit does
    not hide a group that is walking now (nor put the card on the walker's old timetable)."""
    server = group()
    page = open_off_day(browser, server.url, FRENCH_TECH, "fr", first="group")
    version = page.locator("h1").get_attribute("data-tour-version")
    started = time.time() - 3 * 3600  # three hours ago: on that timetable the walk is over
    page.evaluate(
        "([key, start]) => localStorage.setItem(key, JSON.stringify(start))",
        [f"tourapp-start-{version}", {"real_s": started, "plan_min": 810, "speed": 1, "wall_min": 600}],
    )
    page.reload()
    page.wait_for_selector("#follow[data-ready]")
    wait_until(page, "() => !document.querySelector('.live-group').hidden", timeout_s=15)
    assert page.locator(".live-group").inner_text().startswith("Groupe : Espace French Tech")
    assert "votre rythme" not in page.locator("#follow").inner_text()
    assert page.locator(".follow-name").inner_text() != "Fin de la déambulation"
    assert page.locator(".live-start").is_hidden()


def test_a_walker_ahead_of_the_live_group_keeps_their_progress(browser, group):
    """Point 4, the other side with a group: one who reached stop 3 (by position) while the
    group is at stop 2 has been there: walking on towards the museum, the card goes on."""
    server = group()
    msh = SEEDED_TOUR.stops[2].location
    page = open_off_day(browser, server.url, msh, "fr", first="group")
    wait_until(page, "() => document.querySelector('#follow').dataset.at === 'msh-saint-charles'")
    move_to(page, on_path(LEG3, 0.5))
    page.evaluate("() => window.tourapp.follow.refresh()")  # as a new state of the group does
    nxt, count, done = progress(page, "fr")
    assert (nxt, count) == ("musee-fabre", "(4 sur 4)"), (nxt, count, done)
    assert "stop-msh-saint-charles" in done


def test_a_group_left_live_the_day_before_bounds_nobody(browser, group):
    """A rehearsal nobody reset (`tour live-reset`), its guide silent since yesterday: not a
    walk happening now (nor its clock, a day on: « Fin de la déambulation »). A walker alone
    on leg 3 keeps their own progress."""
    server = group()

    def yesterday(doc):
        day = 86_400
        for event in doc["events"]:
            event["t"] -= day
        return {**doc, "contact": doc["contact"] - day,
                "clock": {**doc["clock"], "real_s": doc["clock"]["real_s"] - day}}

    with server.server.app.app_context():
        get_live().update(yesterday)
    page = open_off_day(browser, server.url, ON_LEG3, "fr", first="group")
    page.evaluate("() => window.tourapp.follow.refresh()")
    wait_until(page, "() => document.querySelector('#follow').dataset.next === 'musee-fabre'")
    assert page.locator(".follow-count").inner_text() == "(4 sur 4)"
    assert "il y a" in page.locator(".live-group").inner_text()  # shown, as old news


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_phone_whose_clock_is_slow_keeps_the_groups_time(browser, group, lang):
    """The group's walk clock is the server's (its HTTP Date header measures the phone's
    error): a phone 20 min slow, at stop 2 at 13:48 on the group's clock, is on time, not
    « 11 min early » (nor, on a phone years out, « 4227648 min early »). The development
    server sends Date twice, as a proxy may: fetch joins them into one unparsable value."""
    server = group(at="13:48")
    context = new_context(browser, geolocation=where(*FRENCH_TECH), permissions=["geolocation"])
    page = context.new_page()
    page.clock.set_fixed_time(time.time() - 20 * 60)
    page.goto(f"{server.url}/{lang}/")
    wait_until(page, "() => !document.querySelector('.live-group').hidden", timeout_s=15)
    page.wait_for_selector("path.follow-position")
    page.evaluate("() => window.tourapp.follow.refresh()")
    assert card(page)["at"] == "espace-french-tech"
    assert lateness(page) == 0, card(page)
    context.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_i_am_here_survives_a_reload_and_the_language_switch(browser, live_server, lang):
    """Point 5, mid-walk: without a position, « I am at this stop » is all the card knows
    of the walker. A reload, the language switch or the phone discarding the tab in the
    background put it back on the clock's plan (« Planned: … »), the stop said lost."""
    context = new_context(browser)
    page = context.new_page()
    page.clock.set_fixed_time(paris(14, 20))  # planned: walking to stop 3
    page.goto(f"{live_server.url}/{lang}/")
    page.wait_for_selector("#follow[data-ready]")
    page.locator(".follow-prev").click()
    here = {"fr": "Je suis à cette étape", "en": "I am at this stop"}[lang]
    page.get_by_role("button", name=here).click()
    said = card(page)
    assert said["at"] == "espace-french-tech"
    page.reload()
    page.wait_for_selector("#follow[data-ready]")
    assert card(page) == said
    other = "en" if lang == "fr" else "fr"
    page.locator(f'.lang-switch a[hreflang="{other}"]').click()
    page.wait_for_selector(f'html[lang="{other}"] #follow[data-ready]')
    assert card(page)["at"] == "espace-french-tech" and card(page)["next"] == "msh-saint-charles"
    context.close()
