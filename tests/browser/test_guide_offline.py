"""The guide's page offline from its first load: reports wait on the phone, across a reload
and server errors, keep their tap time, show while waiting and reach the server once."""

from __future__ import annotations

import time

import pytest

from tourapp import create_app
from tourapp.live.views import get_live, guide_token
from tourapp.testing import LiveServer, wait_for, wait_until

from .conftest import new_context
from .test_offline import wait_for_worker

SQLITE_ONLY = pytest.mark.parametrize("live_backend", ["sqlite"], indirect=True)
FRENCH_TECH = (43.609125, 3.8843705)
SLOW_S = 300  # under the server's 10 minutes, past which a report must be of the walk's day


@pytest.fixture
def server(tour_file, live_backend):
    app = create_app({"TESTING": True, "TOUR_DATA": tour_file, "SECRET_KEY": "k" * 32})
    with LiveServer(app) as running:
        running.app = app
        yield running


def events(server):
    with server.app.app_context():
        return get_live().read()[1].get("events", [])


def pending(page):
    return page.evaluate("() => { const n = document.querySelector('.guide-pending');"
                         " return n.hidden ? '' : n.textContent; }")


@SQLITE_ONLY
def test_reports_wait_offline_across_a_reload_and_5xx_and_are_sent_once(browser, server):
    context = new_context(browser, service_workers="allow", permissions=["geolocation"],
                          geolocation={"latitude": FRENCH_TECH[0], "longitude": FRENCH_TECH[1],
                                       "accuracy": 8})
    # The phone's clock runs SLOW_S behind until it is put right, just before the network
    # comes back: a departure stamped when sent (by the page, or by the server on receipt)
    # would then be at least SLOW_S later than the tap, however slow this machine is.
    context.clock.install(time=time.time() - SLOW_S)
    try:
        with server.app.app_context():
            token = guide_token("Paul", 8)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{server.url}/fr/guide?at=13:40#token={token}")
        page.wait_for_selector(".guide-actions:not([hidden])")
        assert page.locator(".guide-link").inner_text().startswith("Lien de Paul, valable")
        wait_for_worker(page)
        wait_until(page, "() => !localStorage.getItem('tourapp-guide-queue')"
                         " || JSON.parse(localStorage.getItem('tourapp-guide-queue')).length === 0")

        # The server fails (500): the report stays on the phone, is counted, and is retried.
        failing = {"on": True}

        def answer(route):
            if route.request.method == "POST" and failing["on"]:
                route.fulfill(status=500, body="oops")
            else:
                route.continue_()

        context.route("**/live/guide", answer)
        page.locator(".guide-main").click()  # « Nous sommes à l'étape 1 »
        wait_until(page, "() => /nouvel envoi/.test(document.querySelector('.guide-feedback').textContent)")
        assert pending(page) == "1 envoi en attente"
        # The confirmation is on screen, next to the button (an 844 px phone).
        box = page.locator(".guide-feedback").bounding_box()
        assert box["y"] + box["height"] <= page.viewport_size["height"]
        failing["on"] = False
        wait_until(page, "() => document.querySelector('.guide-pending').hidden", timeout_s=15)
        assert [e["kind"] for e in events(server)] == ["arrive"]

        # Offline: a departure tapped now, the page reloaded (from the service worker), a
        # message typed: both wait, with the tap's time, and go once the network is back.
        context.set_offline(True)
        before = page.evaluate("Date.now() / 1000")  # the phone's clock
        page.locator(".guide-main").click()  # « Nous partons pour l'étape 2 »
        after = page.evaluate("Date.now() / 1000")
        assert pending(page) == "1 envoi en attente"
        page.reload()
        page.wait_for_selector(".guide-actions:not([hidden])")
        assert pending(page) == "1 envoi en attente"
        assert page.locator(".guide-state").inner_text().startswith("Le groupe est en route vers l'étape 2")
        page.locator(".guide-text").fill("On vous attend devant le musée")
        page.locator(".guide-send").click()
        assert pending(page) == "2 envois en attente"
        context.clock.set_system_time(time.time())  # the phone's clock put right
        context.set_offline(False)
        wait_until(page, "() => document.querySelector('.guide-pending').hidden", timeout_s=20)
        sent = events(server)
        assert [e["kind"] for e in sent] == ["arrive", "leave"]
        assert before <= sent[1]["t"] <= after  # the tap's time, not the sending's
        with server.app.app_context():
            assert get_live().read()[1]["message"]["text"] == "On vous attend devant le musée"
        assert errors == []
    finally:
        context.close()


@SQLITE_ONLY
def test_sharing_resumes_after_a_reload(browser, server):
    context = new_context(browser, permissions=["geolocation"],
                          geolocation={"latitude": FRENCH_TECH[0], "longitude": FRENCH_TECH[1],
                                       "accuracy": 8})
    try:
        with server.app.app_context():
            token = guide_token("Marie", 8)
        page = context.new_page()
        page.goto(f"{server.url}/fr/guide#token={token}")
        page.wait_for_selector(".guide-actions:not([hidden])")
        page.locator(".guide-share").click()
        page.reload()
        page.wait_for_selector(".guide-actions:not([hidden])")
        assert page.locator(".guide-share").get_attribute("aria-pressed") == "true"
        assert page.locator(".guide-share").inner_text() == "Arrêter le partage"
    finally:
        context.close()


@SQLITE_ONLY
def test_a_state_asked_before_a_report_was_taken_does_not_undo_it_on_the_phone(browser, server):
    """A poll that left before the report was taken answers after it: the report stays the
    group's state on this phone, and the button does not offer it a second time."""
    context = new_context(browser)
    try:
        with server.app.app_context():
            token = guide_token("Paul", 8)
        context.clock.install()
        page = context.new_page()
        page.goto(f"{server.url}/fr/guide?at=13:40#token={token}")
        page.wait_for_selector(".guide-actions:not([hidden])")
        wait_until(page, "() => JSON.parse(localStorage.getItem('tourapp-guide-queue')).length === 0")
        wait_until(page, "() => Number(document.getElementById('guide-map').dataset.drawn) > 0", timeout_s=15)
        old = server.app.test_client().get("/live/state.json").get_data(as_text=True)
        held = []
        context.route("**/live/state.json", lambda route: held.append(route))
        page.clock.run_for(10_000)  # the page's poll (every 10 s) leaves, and waits
        wait_for(lambda: page.evaluate("0") == 0 and len(held) == 1, "the poll")
        page.locator(".guide-main").click()  # « Nous sommes à l'étape 1 »
        wait_until(page, "() => JSON.parse(localStorage.getItem('tourapp-guide-queue')).length === 0", timeout_s=15)
        assert [e["kind"] for e in events(server)] == ["arrive"]
        drawn = page.evaluate("Number(document.getElementById('guide-map').dataset.drawn)")
        held[0].fulfill(status=200, content_type="application/json", body=old)  # before the report
        wait_until(page, "(n) => Number(document.getElementById('guide-map').dataset.drawn) > n", drawn)
        assert page.locator(".guide-main").inner_text() == "Nous partons pour l'étape 2 : Espace French Tech"
        assert page.locator(".guide-state").inner_text() == "Le groupe est à l'étape 1 : Hôtel de Métropole."
        context.unroute("**/live/state.json")
        for route in held[1:]:
            route.continue_()
    finally:
        context.close()
