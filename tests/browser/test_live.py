"""A guide and a participant, two browser contexts, one real server: the group as it happens."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale
from geopy.distance import great_circle

from tourapp import create_app
from tourapp.live import tokens
from tourapp.live.views import get_live, guide_token
from tourapp.render.i18n import clock
from tourapp.stopsfile.store import get_store
from tourapp.testing import wait_for

from .conftest import LiveServer, new_context, wait_until


def nb(text: str) -> str:
    """Times as the app writes them, with no-break spaces: « 15 h 27 », "3:27 PM"."""
    return re.sub(r"(\d) (h|AM|PM)( ?)(?=\d|\b)", lambda m: m[1] + "\u00a0" + m[2] + ("\u00a0" if m[3] else ""), text)


SQLITE_ONLY = pytest.mark.parametrize("live_backend", ["sqlite"], indirect=True)
"""The walk's scenario runs on both stores; the other browser tests on one, to spare the CPU."""

# The guide's page sends a report 1.1 s after the last at the soonest (guide.js MIN_GAP_MS);
# the server takes one a second per link (tourapp.live.views.RATE_INTERVAL_S).
MIN_GAP_S = 1.1
FRENCH_TECH = (43.609125, 3.8843705)
MSH = (43.6164235, 3.872611)
# On the second leg, some 450 m from the Espace French Tech (towards the MSH).
ON_LEG_2 = (43.6120, 3.8800)


def where(lat, lon, accuracy=8):
    return {"latitude": lat, "longitude": lon, "accuracy": accuracy}


@pytest.fixture
def server(tour_file, live_backend):
    app = create_app({"TESTING": True, "TOUR_DATA": tour_file, "SECRET_KEY": "k" * 32})
    with LiveServer(app) as running:
        running.app = app
        yield running


def token_for(server, name="Marie", hours=8.0):
    with server.app.app_context():
        return guide_token(name, hours)


@pytest.fixture
def contexts(browser):
    opened = []

    def make(**options):
        context = new_context(browser, **options)
        opened.append(context)
        return context

    yield make
    for context in opened:
        context.close()


def open_guide(contexts, server, query="", token=None, position=FRENCH_TECH, lang="fr", **options):
    context = contexts(geolocation=where(*position), permissions=["geolocation"], **options)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    # The guide's reports (POST /live/guide), and when each one's answer came (monotonic s;
    # and as the time of day, in ms, to compare with the pages' own clocks).
    page.reports, page.answered, page.answered_ms = [], {}, {}

    def posted(request):
        if request.method == "POST" and request.url.endswith("/live/guide"):
            page.reports.append(request)

    def ended(request):
        page.answered[id(request)] = time.monotonic()
        page.answered_ms[id(request)] = time.time() * 1000

    page.on("request", posted)
    # The answer's headers: the page reads no report's body, so "requestfinished" never comes.
    page.on("response", lambda response: ended(response.request))
    page.on("requestfailed", ended)
    page.goto(f"{server.url}/{lang}/guide{query}#token={token or token_for(server)}")
    return page


def guide_idle(page) -> bool:
    """Whether a tap on the guide's page now is sent at once and taken by the server: no
    report queued or on its way, the last one answered at least MIN_GAP_S ago."""
    queued = page.evaluate("() => JSON.parse(localStorage.getItem('tourapp-guide-queue') || '[]').length")
    answered = [page.answered.get(id(request)) for request in page.reports]
    return (queued == 0 and bool(answered) and None not in answered
            and time.monotonic() - max(answered) >= MIN_GAP_S)


def wait_guide_idle(page) -> None:
    """Wait out the one-report-a-second limit after the guide's last report (``guide_idle``).

    The wait counts from that report's answer as this process saw it, which comes after
    the page sent it and the server took it: however late the report went, the next one
    is neither held by the page nor refused (429) by the server.
    """
    wait_for(lambda: guide_idle(page), "the guide's page ready to send at once", timeout_s=20)


def wait_for_reports(page, server, condition, timeout_s: float = 15.0) -> dict:
    """The live walk's stored document once ``condition`` holds of it (or at the timeout).

    Waiting in the page, not with ``time.sleep``: the harness routes the page's requests
    through this process's Playwright, which must keep running for a report to arrive.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        with server.app.app_context():
            doc = get_live().read()[1]
        if condition(doc) or time.monotonic() > deadline:
            return doc
        page.wait_for_timeout(50)


NOTE_CHANGE = """([selector, wanted]) => {
  window.changedAt = null;  // when the page first showed the wanted text (epoch ms)
  const look = () => {
    const node = document.querySelector(selector);
    if (window.changedAt === null && node && node.textContent === wanted) {
      window.changedAt = performance.timeOrigin + performance.now();
    }
  };
  new MutationObserver(look).observe(document.body,
    { subtree: true, childList: true, characterData: true });
}"""


def polls_before_change(guide, participant) -> int:
    """How many state polls the participant's page sent between the server's answer to the
    guide's last report and the page showing it (``NOTE_CHANGE``).

    The issue's "every phone within 5 s of the guide's action" is the poll's period (4 s,
    live.js) plus a request: counted here in polls, so that a loaded machine, which makes
    every step slower, cannot flip the test, while a page that missed the first poll after
    the report (a stale answer, an ignored change) fails it. The live_load benchmark
    measures the seconds under load."""
    deadline = time.monotonic() + 30
    while len(guide.answered_ms) < len(guide.reports):  # waiting in the page: see wait_for_reports
        assert time.monotonic() < deadline, "the guide's report was never answered"
        guide.wait_for_timeout(50)
    answered = max(guide.answered_ms[id(request)] for request in guide.reports)
    return participant.evaluate("""(answered) => performance.getEntriesByType('resource')
        .filter((e) => e.name.includes('/live/state.json'))
        .map((e) => performance.timeOrigin + e.startTime)
        .filter((sent) => sent > answered && sent < window.changedAt).length""", answered)


def open_participant(contexts, server, position=None, lang="fr"):
    options = {"geolocation": where(*position), "permissions": ["geolocation"]} if position else {}
    page = contexts(**options).new_page()
    page.requests = []
    page.errors = []
    page.on("request", lambda request: page.requests.append(request))
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.goto(f"{server.url}/{lang}/")
    wait_until(page, "() => window.tourapp && window.tourapp.liveBoot")  # live-boot.js has run
    return page


def live_script_requests(page):
    return [r for r in page.requests if "/bundles/live.js" in r.url]


def text(page, selector):
    return page.evaluate("(s) => { const n = document.querySelector(s); return n && !n.hidden ? n.textContent : null; }", selector)


def test_late_arrival_reaches_the_participant_card_and_itinerary_in_time(contexts, server):
    participant = open_participant(contexts, server, position=MSH)
    guide = open_guide(contexts, server, query="?at=13:48")
    guide.wait_for_selector(".guide-actions:not([hidden])")
    assert "Marie" in guide.locator(".guide-link").inner_text()
    wait_until(guide, "() => document.querySelector('.guide-stops li') !== null")
    guide.locator(".guide-other summary").click()
    wait_guide_idle(guide)  # the clock report went first: one report a second
    expected = nb("prévu 15 h 27 → estimé 15 h 36")
    participant.evaluate(NOTE_CHANGE, ["#stop-musee-fabre .live-times", expected])
    guide.locator('.guide-at[data-stop="espace-french-tech"]').click()
    wait_until(participant, "() => window.changedAt !== null", timeout_s=30)
    assert polls_before_change(guide, participant) <= 1
    assert text(participant, ".live-group") == nb("Groupe : Espace French Tech, depuis 13 h 48 · le groupe a 9 min de retard")
    assert text(participant, "#stop-espace-french-tech .live-times") == nb("prévu 13 h 39 → arrivé 13 h 48")
    # The card's next stop (the participant stands at the MSH: the museum) with its shifted time.
    assert participant.locator("#follow").get_attribute("data-next") == "musee-fabre"
    assert text(participant, ".live-estimate") == nb("prévu 15 h 27 → estimé 15 h 36")
    assert guide.locator(".guide-state").inner_text() == "Le groupe est à l'étape 2 : Espace French Tech."
    assert not participant.errors and not guide.errors

    # The guide walks on, sharing; the participant, still far behind, sees the way to the group.
    guide.locator(".guide-main").click()  # « Nous partons pour l'étape 3 »
    wait_guide_idle(guide)
    guide.context.set_geolocation(where(*ON_LEG_2))
    guide.locator(".guide-share").click()
    participant.context.set_geolocation(where(*FRENCH_TECH))
    wait_until(participant, "() => !document.querySelector('.live-away').hidden", timeout_s=15)
    away_m = great_circle(FRENCH_TECH, ON_LEG_2).m
    shown = text(participant, ".live-away__text")
    assert shown.startswith(f"Le groupe est à {round(away_m / 10) * 10}\u00a0m, environ "), shown
    href = participant.locator('.live-away__link[data-kind="geo"]').get_attribute("href")
    assert href.startswith(f"geo:{ON_LEG_2[0]:.6f},{ON_LEG_2[1]:.6f}")
    assert participant.locator("path.live-group-marker").count() == 1
    assert "Marie" in participant.locator(".live-group-label").inner_text()
    wait_until(participant, "() => /en route vers Maison/.test(document.querySelector('.live-group').textContent)")

    # Privacy: the participant's page asked for the state and files, and sent no coordinates.
    sent = [r for r in participant.requests if r.url.startswith(server.url)]
    assert sent and all(r.method == "GET" for r in sent)
    for request in participant.requests:
        carried = request.url + (request.post_data or "")
        for value in (*MSH, *FRENCH_TECH):
            assert f"{value:.4f}"[:7] not in carried, request.url
    assert any("/live/state.json" in r.url for r in sent)


@SQLITE_ONLY
def test_the_live_script_comes_only_when_a_walk_is_live(contexts, server):
    """Most visits have no live walk: the page polls the state, but does not fetch
    live.js until a guide reports; then it does, once, and shows the group."""
    participant = open_participant(contexts, server)
    wait_until(participant, "() => performance.getEntriesByType('resource')"
               ".some(e => e.name.includes('/live/state.json') && e.responseEnd > 0)")
    assert live_script_requests(participant) == []
    guide = open_guide(contexts, server, query="?at=13:48")
    guide.wait_for_selector(".guide-actions:not([hidden])")
    wait_guide_idle(guide)  # the clock report went first: one report a second
    guide.locator(".guide-main").click()  # « Nous sommes à l'étape 1 »
    wait_until(participant, "() => !document.querySelector('.live-group').hidden", timeout_s=15)
    assert len(live_script_requests(participant)) == 1
    assert participant.locator(".live-group").inner_text().startswith("Groupe : Hôtel de Métropole")
    assert not participant.errors


@SQLITE_ONLY
def test_hostile_message_is_shown_as_text(contexts, server):
    participant = open_participant(contexts, server)
    guide = open_guide(contexts, server)
    guide.wait_for_selector(".guide-actions:not([hidden])")
    hostile = '<img src=x onerror="document.title=\'owned\'">Rendez-vous devant le musée'
    guide.locator(".guide-text").fill(hostile)
    guide.locator(".guide-send").click()
    wait_until(participant, "() => !document.querySelector('.live-banner').hidden", timeout_s=15)
    assert participant.locator(".live-banner__text").inner_text() == hostile
    assert participant.locator(".live-banner img").count() == 0
    assert participant.title() != "owned"
    assert participant.locator(".live-banner__from").inner_text().startswith("Message de Marie à ")


@SQLITE_ONLY
@pytest.mark.parametrize("kind", ["forged", "expired", "revoked"])
def test_guide_page_refuses_bad_links(contexts, server, kind):
    if kind == "forged":
        token = token_for(server)[:-4] + "AAAA"
    elif kind == "expired":
        import itsdangerous

        signer = itsdangerous.URLSafeTimedSerializer(server.app.config["SECRET_KEY"], salt=tokens.SALT)
        signed = signer.dumps({"id": "old", "n": "Old", "h": 1, "g": 0})
        # Re-sign with a timestamp two hours ago: the signature stays genuine.
        payload, _stamp, _sig = signed.rsplit(".", 2)
        stamped = itsdangerous.TimestampSigner(
            server.app.config["SECRET_KEY"], salt=tokens.SALT)
        stamped.get_timestamp = lambda: int(time.time()) - 7200
        token = stamped.sign(payload).decode()
    else:
        token = token_for(server)
        with server.app.app_context():
            get_live().revoke_all()
    guide = open_guide(contexts, server, token=token)
    wait_until(guide, "() => /pas valable/.test(document.querySelector('.guide-link').textContent)")
    assert guide.locator(".guide-actions").is_hidden()
    with server.app.app_context():
        assert get_live().revision() == 0


@SQLITE_ONLY
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_guide_page_writes_times_on_the_walks_clock_on_a_phone_in_another_zone(contexts, server, lang):
    """A guide's phone set to New York: the link's end and the position's time read on the
    walk's clock (Europe/Paris), as every other time of the app, like participants see them."""
    token = token_for(server)
    expires = server.app.test_client().get(
        "/live/guide", headers={"Authorization": f"Bearer {token}"}).get_json()["expires"]
    with server.app.app_context():
        zone = ZoneInfo(get_store().tour().timezone)  # the stops file's: Europe/Paris

    def clock_text(seconds):
        with server.app.test_request_context(f"/{lang}/"), force_locale(lang):
            return clock(dt.datetime.fromtimestamp(seconds, zone))

    guide = open_guide(contexts, server, token=token, lang=lang, timezone_id="America/New_York")
    guide.wait_for_selector(".guide-actions:not([hidden])")
    assert clock_text(expires) in guide.locator(".guide-link").inner_text()
    before = time.time()
    guide.locator(".guide-share").click()
    wait_until(guide, "() => document.querySelector('.guide-position').textContent !== ''")
    after = time.time()
    sent = guide.locator(".guide-position").inner_text()
    assert any(clock_text(t) in sent for t in (before, after)), (sent, clock_text(before))
    assert guide.errors == []


@SQLITE_ONLY
def test_the_departure_typed_is_read_on_the_walks_clock(contexts, server):
    """« Le groupe est parti à » 5 minutes ago on the walk's clock, typed on a phone set to
    New York: the departure is recorded then, not at the moment of the tap (the phone's own
    clock read the time as six hours ahead, which the page put back to now)."""
    with server.app.app_context():
        zone = ZoneInfo(get_store().tour().timezone)
    now = dt.datetime.now(zone)
    guide = open_guide(contexts, server, timezone_id="America/New_York")
    # The arrival tapped 8 minutes ago (the phone's clock set back, then put right): the
    # departure must come after it.
    guide.clock.install(time=now - dt.timedelta(minutes=8))
    guide.reload()
    guide.wait_for_selector(".guide-actions:not([hidden])")
    guide.locator(".guide-main").click()  # « Nous sommes à l'étape 1 »
    wait_guide_idle(guide)
    guide.clock.set_system_time(dt.datetime.now(zone))
    left = (now - dt.timedelta(minutes=5)).replace(second=0, microsecond=0)
    guide.locator(".guide-more summary").click()
    guide.locator(".guide-departure").fill(f"{left:%H:%M}")
    guide.locator(".guide-set-departure").click()

    def left_event(doc):
        return next((e for e in doc.get("events", []) if e["kind"] == "leave"), None)

    event = left_event(wait_for_reports(guide, server, left_event))
    assert event is not None and event["stop"] == "hotel-de-metropole", event
    assert event["t"] == pytest.approx(left.timestamp(), abs=1), (event, left)
    assert guide.errors == []


@SQLITE_ONLY
def test_without_network_the_last_state_shows_with_its_age(contexts, server):
    guide = open_guide(contexts, server, query="?at=13:48")
    guide.wait_for_selector(".guide-actions:not([hidden])")
    participant = open_participant(contexts, server)
    wait_guide_idle(guide)
    guide.locator(".guide-main").click()  # « Nous sommes à l'étape 1 »
    wait_until(participant, "() => !document.querySelector('.live-group').hidden", timeout_s=15)
    # A static copy (or no network): the state URL fails; the last state stays, with its age.
    participant.context.route("**/live/state.json", lambda route: route.abort())
    page = participant.context.new_page()
    page.goto(f"{server.url}/fr/")
    wait_until(page, "() => !document.querySelector('.live-age').hidden", timeout_s=15)
    assert page.locator(".live-age").inner_text() == "Pas de connexion : dernières nouvelles du groupe à l'instant."
    assert page.locator(".live-group").inner_text().startswith("Groupe : Hôtel de Métropole")


@SQLITE_ONLY
def test_start_now_rebases_the_timetable_on_the_phone_only(contexts, server):
    page = open_participant(contexts, server, lang="en")
    before = len([r for r in page.requests if r.method != "GET"])
    page.locator(".live-start").click()
    now = dt.datetime.now(ZoneInfo("Europe/Paris"))
    expected = {nb(f"at your pace: {m.hour % 12 or 12}:{m.minute:02d} {'AM' if m.hour < 12 else 'PM'}")
                for m in (now - dt.timedelta(minutes=1), now)}
    first = page.locator("#stop-hotel-de-metropole .live-times").inner_text()
    assert first in expected
    # The card follows the walker's own timetable, on any day: the walk starts now, so the
    # Espace French Tech (9 min after the start) is next, and the card says when.
    wait_until(page, "() => document.querySelector('#follow').dataset.next === 'espace-french-tech'")
    assert page.locator(".live-start").inner_text() == "Back to the planned times"
    assert len([r for r in page.requests if r.method != "GET"]) == before  # nothing sent
    stored = page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('tourapp-start-'))")
    assert len(stored) == 1
    page.reload()
    page.wait_for_selector(".live-start:not([hidden])")
    assert page.locator("#stop-hotel-de-metropole .live-times").inner_text() in expected
    page.locator(".live-start").click()
    assert page.locator("#stop-hotel-de-metropole .live-times").is_hidden()
    assert json.loads(page.evaluate("() => JSON.stringify(localStorage)")).get(stored[0]) is None


@SQLITE_ONLY
def test_guide_page_proposes_the_arrival_and_passes_axe(contexts, server):
    from axe_playwright_python.sync_playwright import Axe

    # The guide reported leaving the start; the phone now stands at the Espace French Tech.
    guide = open_guide(contexts, server, position=FRENCH_TECH)
    guide.wait_for_selector(".guide-actions:not([hidden])")
    wait_until(guide, "() => document.querySelector('.guide-stops li') !== null")
    guide.locator(".guide-other summary").click()
    guide.locator('.guide-leave[data-stop="hotel-de-metropole"]').click()
    wait_guide_idle(guide)
    guide.locator(".guide-share").click()
    wait_until(guide, "() => !document.querySelector('.guide-proposal').hidden")
    assert guide.locator(".guide-proposal").inner_text().startswith(
        "Vous semblez être à l'étape 2. Prévenir le groupe ?")
    results = Axe().run(guide, options={"resultTypes": ["violations"]}).response
    assert [v["id"] for v in results["violations"]] == []
    guide.locator(".guide-accept").click()
    wait_until(guide, "() => document.querySelector('.guide-state').textContent"
                      " === \"Le groupe est à l'étape 2 : Espace French Tech.\"", timeout_s=15)
    # The page shows it at once; the request follows within the one-a-second limit.
    doc = wait_for_reports(guide, server, lambda d: len(d.get("events", [])) >= 2)
    assert [(e["stop"], e["kind"]) for e in doc["events"]] == [
        ("hotel-de-metropole", "leave"), ("espace-french-tech", "arrive")]
    (marie,) = doc["guides"].values()
    assert marie["sharing"] is True and marie["position"]["lat"] == pytest.approx(FRENCH_TECH[0])
    assert guide.errors == []
