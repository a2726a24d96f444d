"""An open participant page takes a version the organisers accepted, by itself and in place:
no reload, the live group kept on screen across the edit (issue 19, "open phones")."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest

from tourapp import create_app
from tourapp.live.views import guide_token
from tourapp.testing import LiveServer, edit_form, sign_in, wait_for, wait_until

from .conftest import new_context

FRENCH_TECH = (43.609125, 3.8843705)


def _save(app, **changes: str) -> str:
    """Change fields of the walk through the console's save path, as an organiser; the new
    version (``changes``: see ``tourapp.testing.edit_form``)."""
    client = app.test_client()
    sign_in(client)
    form = edit_form(client.get("/fr/console/edit").text, **changes)
    assert client.post("/fr/console/edit", data=form).status_code == 303
    return client.get("/healthz").json["version"]


def _version(page) -> str:
    return json.loads(page.locator("#live").get_attribute("data-live"))["version"]


def _version_or_none(page) -> str | None:
    try:  # the page may be between two documents (the old code reloaded)
        return json.loads(page.evaluate(
            "() => document.getElementById('live').getAttribute('data-live')"))["version"]
    except Exception:  # noqa: BLE001 - a navigation destroys the context: ask again
        return None


@pytest.fixture
def server(tour_file):
    app = create_app({"TESTING": True, "TOUR_DATA": tour_file, "SECRET_KEY": "k" * 32})
    with LiveServer(app) as running:
        running.app = app
        yield running


def _guide_reports(server, *reports: dict) -> None:
    """Reports of a guide, through the guide API as the guide's page sends them."""
    with server.app.app_context():
        token = guide_token("Marie", 8.0)

    def sent(report: dict) -> bool:
        request = urllib.request.Request(
            f"{server.url}/live/guide", data=json.dumps(report).encode(), method="POST",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request) as answer:
                return answer.status == 200
        except urllib.error.HTTPError as error:
            if error.code == 429:  # one report a second per guide: sent again, as the page does
                return False
            raise

    for report in reports:
        wait_for(lambda report=report: sent(report), "the guide's report to be accepted")


class StatePolls:
    """The page's polls of the live state (``/live/state.json``), each with the version of
    the walk its answer named (``X-Tour-Version``).

    "Within one poll" is counted in polls, not seconds: on a loaded machine a poll may come
    late, but the first answer sent after the save must name the new version, and the page
    must take it from that answer."""

    def __init__(self, page):
        self.answers: list[tuple[int, str | None]] = []  # (request number, version)
        self.sent = 0
        self.saved_at: int | None = None  # number of requests sent before the save
        page.on("request", self._request)
        page.on("response", self._response)

    def _request(self, request) -> None:
        if "/live/state.json" in request.url:
            self.sent += 1
            request.number = self.sent  # type: ignore[attr-defined]

    def _response(self, response) -> None:
        number = getattr(response.request, "number", None)
        if number is not None:
            self.answers.append((number, response.headers.get("x-tour-version")))

    def save(self) -> None:
        """Mark the moment of the save: polls sent from now on may know of it."""
        self.saved_at = self.sent

    def first_after_save(self) -> str | None:
        """The version named by the first poll sent after the save, once answered."""
        assert self.saved_at is not None
        later = sorted(a for a in self.answers if a[0] > self.saved_at)
        return later[0][1] if later else None


def _taken_within_one_poll(page, polls: StatePolls, new: str, *, while_waiting=None) -> None:
    """Wait (up to 60 s, however loaded the machine) for the page to show ``new``; the
    first poll sent after the save must have named it."""
    deadline = time.monotonic() + 60
    while _version_or_none(page) != new:
        assert time.monotonic() < deadline, "the page did not take the new version"
        if while_waiting is not None:
            while_waiting()
        page.wait_for_timeout(50)
    assert polls.first_after_save() in (None, new), "a poll after the save named the old version"


HOSTILE = "Nouveau texte <img src=x onerror=\"window.hostileRan=1\"> {{ 7*7 }} ${1+1}"

GROUP_SHOWN = """() => {
  const line = document.querySelector('.live-group');
  return !!document.querySelector('.live-group-marker') && !!line && !line.hidden
    && line.textContent.length > 0;
}"""


def test_an_open_page_takes_an_edit_in_place_and_keeps_the_live_group(browser, server):
    context = new_context(browser, geolocation=None)
    try:
        page = context.new_page()
        errors, navigations = [], []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("framenavigated", lambda frame: frame == page.main_frame
                and navigations.append(frame.url))
        polls = StatePolls(page)
        # A live walk: the guide is at the first stop and shares the group's position.
        _guide_reports(server, {"type": "arrive", "stop": "hotel-de-metropole"},
                       {"type": "position", "lat": FRENCH_TECH[0], "lon": FRENCH_TECH[1],
                        "accuracy": 10})
        page.goto(f"{server.url}/fr/")
        page.wait_for_selector(".stop-marker")
        wait_until(page, GROUP_SHOWN)
        before = _version(page)
        assert "13\u00a0h\u00a030" in page.locator(".tour-when").inner_text()
        # The walker zoomed in and opened a leg's directions; the page keeps a mark of its own.
        page.evaluate("""() => {
          window.keptAcrossTheEdit = true;
          tourapp.map.setView([43.6095, 3.8850], 17, { animate: false });
          document.querySelector('.itinerary details').open = true;
        }""")
        view = page.evaluate("() => [tourapp.map.getZoom(), tourapp.map.getCenter()]")
        stored = page.evaluate(f"() => localStorage.getItem('tourapp-live-{before}')")
        assert stored and json.loads(stored)["state"]["active"]

        polls.save()
        new = _save(server.app, tour__tour_start="14:00",
                    **{"espace-french-tech__description_fr": HOSTILE})
        assert new != before

        def group_shown() -> None:
            assert page.evaluate(GROUP_SHOWN), "the group vanished during the edit"

        # Within one poll, and the group on screen all the while.
        _taken_within_one_poll(page, polls, new, while_waiting=group_shown)
        assert page.evaluate("() => window.keptAcrossTheEdit === true"), "the page reloaded"
        assert navigations == [f"{server.url}/fr/"]
        # The new version everywhere: header, itinerary, card, map; the old marks gone.
        assert "14\u00a0h\u00a000" in page.locator(".tour-when").inner_text()
        assert page.locator("h1").get_attribute("data-tour-version") == new
        description = page.locator("#stop-espace-french-tech .stop-description")
        assert description.inner_text() == HOSTILE  # text, never markup
        assert description.locator("img").count() == 0
        assert page.evaluate("() => window.hostileRan === undefined")
        first_time = page.locator("#stop-hotel-de-metropole .stop-time").inner_text()
        assert "14\u00a0h\u00a000" in first_time
        assert page.locator(".stop-marker").count() == 4
        assert page.locator("path.leaflet-interactive").count() == 3  # the legs, once each
        # The walker's view and open directions stayed.
        assert page.evaluate("() => [tourapp.map.getZoom(), tourapp.map.getCenter()]") == view
        assert page.locator(".itinerary details").first.evaluate("d => d.open")
        # A marker's pop-up has the new texts.
        page.locator('.stop-marker[data-stop="espace-french-tech"]').click()
        assert HOSTILE in page.locator(".stop-popup").inner_text()
        # The group is still there, on the new version's state; stored under the new version.
        assert page.evaluate(GROUP_SHOWN)
        wait_until(page, f"() => !localStorage.getItem('tourapp-live-{before}')"
                         f" && JSON.parse(localStorage.getItem('tourapp-live-{new}'))"
                         f".state.tour === '{new}'")
        # The card follows the new times.
        card = page.locator("#follow").get_attribute("data-follow")
        assert json.loads(card)["version"] == new
        assert errors == []
    finally:
        context.close()


def test_an_open_page_without_a_live_walk_shows_the_new_start_within_one_poll(page, live_server):
    polls = StatePolls(page)
    page.goto(f"{live_server.url}/fr/")
    page.wait_for_selector(".stop-marker")
    page.evaluate("() => { window.keptAcrossTheEdit = true; }")
    before = _version(page)
    assert "13\u00a0h\u00a030" in page.locator(".tour-when").inner_text()
    polls.save()
    new = _save(live_server.server.app, tour__tour_start="14:00")
    assert new != before
    _taken_within_one_poll(page, polls, new)
    assert page.evaluate("() => window.keptAcrossTheEdit === true"), "the page reloaded"
    assert "14\u00a0h\u00a000" in page.locator(".tour-when").inner_text()
    assert page.locator(".follow-time").inner_text().endswith("14\u00a0h\u00a000")
    assert page.locator(".stop-marker").count() == 4
    assert page.errors == []


def test_after_an_edit_taken_in_place_the_offline_copy_is_the_new_version(browser, live_server):
    context = new_context(browser, service_workers="allow")
    try:
        page = context.new_page()
        polls = StatePolls(page)
        page.goto(f"{live_server.url}/fr/")
        page.wait_for_selector(".stop-marker")
        wait_until(page, "() => navigator.serviceWorker.controller !== null")
        before = _version(page)
        polls.save()
        new = _save(live_server.server.app, tour__tour_start="14:00")
        _taken_within_one_poll(page, polls, new)
        wait_until(page, "v => document.documentElement.getAttribute('data-swapped') === v", new)
        # The worker of the new version took over (registered again by the swap).
        wait_until(page, "v => navigator.serviceWorker.controller"
                         " && navigator.serviceWorker.controller.scriptURL.includes('v=' + v)",
                   new, timeout_s=20)
        context.set_offline(True)
        try:
            page.reload()
            page.wait_for_selector(".stop-marker")
            assert _version(page) == new != before
            assert "14\u00a0h\u00a000" in page.locator(".tour-when").inner_text()
            assert page.locator("path.leaflet-interactive").count() == 3
        finally:
            context.set_offline(False)
    finally:
        context.close()


def test_a_swap_that_fails_falls_back_to_one_reload(page, live_server):
    # The page's own address, fetched by the swap, answers something that is not the walk.
    page.route(f"{live_server.url}/fr/", lambda route: route.fulfill(
        status=200, content_type="text/html", body="<!doctype html><p>maintenance</p>")
        if route.request.resource_type == "fetch" else route.continue_())
    polls = StatePolls(page)
    page.goto(f"{live_server.url}/fr/")
    page.wait_for_selector(".stop-marker")
    page.evaluate("() => { window.keptAcrossTheEdit = true; }")
    polls.save()
    new = _save(live_server.server.app, tour__tour_start="14:00")
    _taken_within_one_poll(page, polls, new)  # by a reload: the swap failed
    page.wait_for_selector(".stop-marker")
    assert page.evaluate("() => window.keptAcrossTheEdit === undefined")  # it reloaded
    assert "14\u00a0h\u00a000" in page.locator(".tour-when").inner_text()


def test_a_stop_removed_leaves_the_map_and_the_card_in_place(page, live_server):
    page.goto(f"{live_server.url}/fr/")
    page.wait_for_selector(".stop-marker")
    wait_until(page, "() => document.querySelector('#follow[data-ready]')")
    page.evaluate("() => { window.keptAcrossTheEdit = true; }")
    assert page.locator(".follow-count").inner_text() == "(1 sur 4)"
    new = _save(live_server.server.app, **{"espace-french-tech__remove": "1"})
    wait_until(page, "v => document.documentElement.getAttribute('data-swapped') === v", new,
               timeout_s=30)
    assert page.evaluate("() => window.keptAcrossTheEdit === true")
    # Three stops and the two legs between them (the new one routed on save), once each.
    assert page.locator(".stop-marker").count() == 3
    assert page.locator('.stop-marker[data-stop="espace-french-tech"]').count() == 0
    assert page.locator("path.leaflet-interactive").count() == 2
    assert page.evaluate("() => [tourapp.markers.length, tourapp.legs.length]") == [3, 2]
    assert page.locator(".stops > li.stop").count() == 3
    assert page.locator(".follow-count").inner_text() == "(1 sur 3)"
    # The card browses the new stops.
    page.locator(".follow-next").click()
    assert page.locator(".follow-name").inner_text() == page.locator(
        "#stop-msh-saint-charles .stop-name").inner_text().split(" ", 1)[1].strip()
    assert page.errors == []
