"""An afternoon with two guides (Marie, Paul) and two participants (French, English): one
server and four phones whose clocks all read the walk's day from 13:20, positions along the
legs, a message, a 15-minute outage on Marie's phone, the end at the last stop. What each
participant reads, at each moment; the actuals CSV and the timed track agree with the taps."""

from __future__ import annotations

import csv
import datetime as dt
import email.utils
import http.server
import io
import time
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import gpxpy
import pytest
from geopy.distance import great_circle

from tourapp.live.views import _tour, get_live
from tourapp.testing import sign_in, wait_for

from .conftest import wait_until
from .test_live import (
    FRENCH_TECH,
    MSH,
    contexts,  # noqa: F401 - a fixture
    nb,
    open_guide,
    open_participant,
    server,  # noqa: F401 - a fixture
    token_for,
    where,
)

SQLITE_ONLY = pytest.mark.parametrize("live_backend", ["sqlite"], indirect=True)
HOTEL = (43.6078, 3.8907432)
MUSEE_FABRE = (43.6117157, 3.8807356)
POLL_S = 4  # live.js, live-boot.js: POLL_MS


SHOWN = ("([s, p]) => { const n = document.querySelector(s);"
         " return !!n && !n.hidden && new RegExp(p).test(n.textContent); }")


def shows(page, selector, pattern, timeout_s=15, world=None):
    """Wait until ``selector`` shows text matching ``pattern``; its text. With ``world``, the
    clocks move on by a participant's poll interval whenever the page has not caught up
    (instead of waiting up to 4 real seconds for each poll)."""
    if world is not None:
        for _tick in range(8):
            if page.evaluate(SHOWN, [selector, pattern]):
                return page.locator(selector).inner_text()
            world.forward(POLL_S / 60)  # the next poll, now
            try:
                wait_until(page, SHOWN, [selector, pattern], timeout_s=1.5)
            except AssertionError:
                continue
    wait_until(page, SHOWN, [selector, pattern], timeout_s=timeout_s)
    return page.locator(selector).inner_text()


class Afternoon:
    """Every clock of the afternoon, moved together: the server's (``time.time``, hence its
    Date header, its tokens and its walk clock) and each phone's (Playwright's clock), from
    a moment of the walk's own day. ``forward`` makes walk-minutes pass in no real time."""

    def __init__(self, monkeypatch, start: dt.datetime):
        self.offset = start.timestamp() - time.time()
        # The live walk's views read the time there; the HTTP Date header (phones measure
        # their clock's offset with it) from http.server.
        monkeypatch.setattr("tourapp.live.views.time", SimpleNamespace(time=self.now))
        monkeypatch.setattr(http.server.BaseHTTPRequestHandler, "date_time_string",
                            lambda handler, timestamp=None: email.utils.formatdate(self.now(), usegmt=True))
        self.contexts = []

    def now(self) -> float:
        return time.time() + self.offset

    def phone(self, context):
        context.clock.install(time=dt.datetime.fromtimestamp(self.now(), dt.UTC))
        self.contexts.append(context)
        return context

    def forward(self, minutes: float):
        self.offset += minutes * 60
        for context in self.contexts:
            context.clock.fast_forward(int(minutes * 60_000))


def on_leg(tour, k, count):
    """``count`` points of leg ``k``'s path, evenly spread between its ends (lat, lon)."""
    path = tour.legs[k].path
    return [path[round(i * (len(path) - 1) / (count + 1))] for i in range(1, count + 1)]


def walk_to(running, guide, point, sent=True):
    """The guide's phone is at ``point``; with ``sent``, wait until the server has it."""
    guide.context.set_geolocation(where(*point))
    if sent:
        wait_for_track(running, guide, point)


def wait_for_track(running, page, point, after=0.0):
    """Wait until the server's last position is ``point``, sent at ``after`` or later."""
    def arrived():
        # A call into the page between reads: the phones' requests pass through the test's
        # routes (tourapp.testing blocks outside hosts), which Playwright serves only then.
        page.evaluate("0")
        with running.app.app_context():
            track = get_live().track()
        return (bool(track) and abs(track[-1][1] - point[0]) < 1e-5
                and abs(track[-1][2] - point[1]) < 1e-5 and track[-1][0] >= after)
    wait_for(arrived, f"the position {point} on the server", timeout_s=15)


def tapped(page, selector):
    """Click, and the phone's clock at the tap (epoch seconds)."""
    moment = page.evaluate("Date.now()") / 1000
    page.locator(selector).click()
    return moment


def sent(page):
    wait_until(page, "() => document.querySelector('.guide-pending').hidden"
                     " && !JSON.parse(localStorage.getItem('tourapp-guide-queue') || '[]').length", timeout_s=15)


@SQLITE_ONLY
def test_two_guides_two_participants_one_afternoon(contexts, server, monkeypatch):  # noqa: F811
    """The walk's day from 13:20 on every clock; Marie's phone offline for 15 walk-minutes."""
    paris = ZoneInfo("Europe/Paris")
    world = Afternoon(monkeypatch, dt.datetime(2018, 11, 20, 13, 20, tzinfo=paris))
    with server.app.app_context():
        tour = _tour()
    phones = []

    def phone(**options):
        context = world.phone(contexts(timezone_id="Europe/Paris", **options))
        phones.append(context)
        return context

    fr = open_participant(phone, server, position=HOTEL)
    en = open_participant(phone, server, position=HOTEL, lang="en")
    marie = open_guide(phone, server, token=token_for(server, "Marie"), position=HOTEL)
    paul = open_guide(phone, server, token=token_for(server, "Paul"), position=FRENCH_TECH)
    for guide in (marie, paul):
        guide.wait_for_selector(".guide-actions:not([hidden])")
    assert paul.locator(".guide-link").inner_text().startswith("Lien de Paul")

    # 13:20, early at the meeting point: not « 9 min d'avance », the walk starts at 13:30.
    marie.locator(".guide-main").click()  # « Nous sommes à l'étape 1 »
    group = shows(fr, ".live-group", "départ à", world=world)
    assert group == nb("Groupe : Hôtel de Métropole, départ à 13 h 30")
    assert shows(en, ".live-group", "starts at", world=world) == nb("Group: at Hôtel de Métropole (Metropolitan Council building), the walk starts at 1:30 PM")
    assert fr.locator(".live-start").is_hidden()  # no solo start during a guided walk
    assert nb("prévu 13 h 39 → estimé 13 h 39") == fr.locator("#stop-espace-french-tech .live-times").inner_text()

    # Both share; Paul writes. The group is Marie's (she shared first), the message Paul's.
    marie.locator(".guide-share").click()
    wait_for_track(server, marie, HOTEL)
    wait_until(fr, "() => !!document.querySelector('.live-group-label')", timeout_s=15)
    paul.locator(".guide-share").click()
    paul.locator(".guide-text").fill("Paul ici : rendez-vous devant la fontaine")
    paul.locator(".guide-send").click()
    assert shows(fr, ".live-banner__from", "Paul", world=world).startswith("Message de Paul à ")
    assert "Marie" in fr.locator(".live-group-label").inner_text()
    assert fr.locator(".live-away").is_hidden()  # she stands next to Marie: not « 520 m »
    # Paul stops sharing: the group stays on the map (Marie still shares).
    paul.locator(".guide-share").click()
    sent(paul)
    with server.app.app_context():
        doc = get_live().read()[1]
    assert [g["sharing"] for g in doc["guides"].values()].count(True) == 1
    assert shows(marie, ".guide-current", "fontaine")  # the guide sees the message posted

    # 13:30: Marie leaves and walks the first leg, sharing.
    world.forward(10)
    marie.locator(".guide-main").click()  # « Nous partons pour l'étape 2 »
    assert shows(fr, ".live-group", "en route vers", world=world).startswith("Groupe : en route vers Espace French Tech")
    assert "groupe" in fr.locator(".live-group").inner_text().split("·")[1]  # the group's verdict, named
    for point in on_leg(tour, 0, 2):
        walk_to(server, marie, point)
    assert fr.locator("path.live-group-marker").count() == 1
    assert "Marie" in fr.locator(".live-group-label").inner_text()
    world.forward(11)  # 13:41
    walk_to(server, marie, FRENCH_TECH)
    at_ft = dt.datetime.fromtimestamp(tapped(marie, ".guide-main"), paris)  # « Nous sommes à l'étape 2 »
    assert at_ft.strftime("%H:%M") in ("13:41", "13:42")  # (the clocks move on while pages catch up)
    since_fr = nb(f"Groupe : Espace French Tech, depuis {at_ft.hour} h {at_ft.minute:02d}")
    assert shows(fr, ".live-group", "depuis", world=world).startswith(since_fr)

    # 14:09, leaving the Espace French Tech: Marie's phone loses the network for 15 minutes.
    world.forward(28)
    sent(marie)
    marie.context.set_offline(True)
    left = tapped(marie, ".guide-main")  # « Nous partons pour l'étape 3 »
    assert shows(marie, ".guide-pending", "attente") == "1 envoi en attente"
    for point in on_leg(tour, 1, 3):  # queued: each position replaces the last
        world.forward(5)
        walk_to(server, marie, point, sent=False)
    # 14:24: the participants read the group's state as old news, in both languages.
    old = shows(fr, ".live-group", "dernières nouvelles il y a 1[56] min", world=world)
    assert old.startswith(since_fr), old
    assert shows(en, ".live-group", "last news 1[56] min ago", world=world).startswith(
        nb(f"Group: at Espace French Tech since {at_ft.hour - 12}:{at_ft.minute:02d} PM"))
    assert "il y a 1" in fr.locator(".live-group-label").inner_text()  # the marker's age too
    with server.app.app_context():  # nothing of the outage reached the server yet
        assert [e["kind"] for e in get_live().read()[1]["events"]] == ["arrive", "leave", "arrive"]
    walk_to(server, marie, MSH, sent=False)
    arrived = tapped(marie, ".guide-main")  # « Nous sommes à l'étape 3 », still offline
    assert shows(marie, ".guide-pending", "attente") == "2 envois en attente"

    # The network is back: both reports arrive once, with their tap times.
    marie.context.set_offline(False)
    sent(marie)
    since = dt.datetime.fromtimestamp(arrived, paris)
    line = shows(fr, ".live-group", "Groupe : Maison des Sciences .*, depuis", world=world)
    assert line.startswith(nb(f"Groupe : Maison des Sciences de l'Homme, site Saint-Charles, depuis {since.hour} h {since.minute:02d}")), line
    assert "dernières nouvelles" not in line
    events = get_events(server)
    assert [(e["stop"], e["kind"], e["guide"]) for e in events] == [
        ("hotel-de-metropole", "arrive", "Marie"), ("hotel-de-metropole", "leave", "Marie"),
        ("espace-french-tech", "arrive", "Marie"), ("espace-french-tech", "leave", "Marie"),
        ("msh-saint-charles", "arrive", "Marie")]
    assert abs(events[3]["t"] - left) < 1 and abs(events[4]["t"] - arrived) < 1  # the taps' times

    # 15:12, on to the last stop; 15:27, the end of the walk, in both languages.
    standing = world.now() + 47 * 60
    world.forward(48)  # standing still, the phone says so every 2 minutes: once more now
    wait_for_track(server, marie, MSH, after=standing)
    marie.locator(".guide-main").click()  # « Nous partons pour l'étape 4 »
    for point in on_leg(tour, 2, 1):
        walk_to(server, marie, point)
    world.forward(15)
    walk_to(server, marie, MUSEE_FABRE)
    marie.locator(".guide-main").click()  # « Nous sommes à l'étape 4 »
    assert shows(fr, ".live-group", "fin de la", world=world) == "Groupe : fin de la déambulation"
    assert shows(en, ".live-group", "end of", world=world) == "Group: end of the walk"
    wait_until(marie, "() => document.querySelector('.guide-main').hidden")
    for page in (fr, en, marie, paul):
        assert page.errors == []

    # The records agree with the taps: the actuals' times are theirs, the timed track was
    # at each stop when it was reported, and the outage is a gap, not a line.
    client = server.app.test_client()
    sign_in(client)
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(client.get("/fr/actuals.csv").get_data(as_text=True)))}
    assert rows["espace-french-tech"]["actual_departure"] == f"{dt.datetime.fromtimestamp(left, paris):%H:%M}"
    assert rows["msh-saint-charles"]["actual_arrival"] == f"{since:%H:%M}"
    track = gpxpy.parse(client.get("/fr/track.gpx").get_data(as_text=True))
    marie_track = next(t for t in track.tracks if "Marie" in (t.name or ""))
    points = [p for segment in marie_track.segments for p in segment.points]
    for segment in marie_track.segments:
        gaps = [(b.time - a.time).total_seconds() for a, b in zip(segment.points, segment.points[1:], strict=False)]
        assert max(gaps, default=0) <= 180
    assert len(marie_track.segments) >= 2  # the outage
    for stop in tour.stops:
        for column in ("reported_arrival", "reported_departure"):
            if not rows[stop.id][column]:
                continue
            moment = dt.datetime.fromisoformat(rows[stop.id][column])
            # Within a minute of the report, the track was at the stop.
            near = [great_circle((p.latitude, p.longitude), stop.location).m for p in points
                    if abs((p.time - moment).total_seconds()) <= 60]
            assert near and min(near) <= 60, (stop.id, column, near)


def get_events(running):
    with running.app.app_context():
        return get_live().read()[1]["events"]


@SQLITE_ONLY
def test_old_news_is_shown_as_old(contexts, server):  # noqa: F811
    """No guide has reported for 20 minutes: the group's line says so, in both languages."""
    import json
    import time

    client = server.app.test_client()
    token = token_for(server)
    headers = {"Authorization": f"Bearer {token}"}
    client.post("/live/guide", json={"type": "clock", "at": "14:00"}, headers=headers)
    with server.app.app_context():  # past the rate limit (one request a second)
        get_live()._connect().execute("DELETE FROM kv WHERE key LIKE 'rate:%'")
    client.post("/live/guide", json={"type": "arrive", "stop": "espace-french-tech"}, headers=headers)
    state = client.get("/live/state.json").get_json()
    state["contact"] = time.time() - 20 * 60

    for lang, words in (("fr", "dernières nouvelles il y a 20 min"), ("en", "last news 20 min ago")):
        page = open_participant(contexts, server, lang=lang)
        page.context.route("**/live/state.json", lambda route: route.fulfill(
            status=200, content_type="application/json", body=json.dumps(state)))
        assert shows(page, ".live-group", "20").endswith(words)
