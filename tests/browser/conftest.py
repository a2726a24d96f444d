"""Browser fixtures: the app on a loopback port, Debian's Chromium driven by Playwright.

The live server, Chromium's flags, the phone viewport and the blocking of outside hosts
come from ``tourapp.testing``, which the benchmarks share. Map tiles are answered
locally with a blank PNG, so no test touches the network.
"""

from __future__ import annotations

import base64

import pytest

from tourapp import create_app
from tourapp.testing import LiveServer, launch_chromium, phone_context, wait_until

__all__ = ["BLANK_PNG", "TILE_PATTERN", "LiveServer", "new_context", "record", "wait_until", "where"]

BLANK_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
TILE_PATTERN = "https://tile.openstreetmap.org/**"


@pytest.fixture
def live_server(tour_file):
    """The app serving a copy of the seeded walk (the test may edit ``tour_file``)."""
    app = create_app({"TESTING": True, "TOUR_DATA": tour_file})
    with LiveServer(app) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


def new_context(browser, **options):
    """A phone context: outside hosts aborted, tile requests answered locally."""
    # No service worker unless a test asks for one (service_workers="allow"): its
    # background downloads would outlive the test and its server.
    options.setdefault("service_workers", "block")
    context = phone_context(browser, **options)
    # With CORS, like the OpenStreetMap tile servers: the map asks for CORS tiles.
    context.route(
        TILE_PATTERN,
        lambda route: route.fulfill(
            status=200, content_type="image/png", body=BLANK_PNG,
            headers={"Access-Control-Allow-Origin": "*"},
        ),
    )
    return context


@pytest.fixture
def context(browser):
    context = new_context(browser)
    yield context
    context.close()


def record(page):
    """Record the page's console errors and uncaught exceptions in ``page.errors``, the URLs
    it requests in ``page.urls``."""
    page.errors = []
    page.urls = []
    page.on("console", lambda msg: msg.type == "error" and page.errors.append(msg.text))
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("request", lambda request: page.urls.append(request.url))
    return page


@pytest.fixture
def page(context):
    """A phone page that records console errors and requests in ``page.errors``/``page.urls``."""
    return record(context.new_page())


def where(lat: float, lon: float, accuracy: float = 10) -> dict:
    """A position for Playwright's ``geolocation``."""
    return {"latitude": lat, "longitude": lon, "accuracy": accuracy}


@pytest.fixture
def open_phone(browser):
    """Open the walk's page on a phone of its own; every phone is closed after the test.

    ``open_phone(server_url, lang, query, position=(lat, lon[, accuracy]), at=datetime,
    scripts=[init script, …], viewport=…, **other context options)``: the page records
    (``record``), its clock is fixed at ``at``, the position is granted, and it is returned
    once the card is ready, the stops drawn and the position (if any) shown.
    """
    contexts = []

    def open_page(url, lang="en", query="", *, position=None, at=None, scripts=(), **options):
        if position is not None:
            options.update(geolocation=where(*position), permissions=["geolocation"])
        context = new_context(browser, **options)
        contexts.append(context)
        if scripts:
            context.add_init_script("\n".join(scripts))
        page = record(context.new_page())
        if at is not None:
            page.clock.set_fixed_time(at)
        page.goto(f"{url}/{lang}/{query}")
        page.wait_for_selector("#follow[data-ready]")
        page.wait_for_selector(".stop-marker")
        if position is not None:
            page.wait_for_selector("path.follow-position")
        return page

    yield open_page
    for context in contexts:
        context.close()
