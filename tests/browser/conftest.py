"""Browser fixtures: the app on a loopback port, Debian's Chromium driven by Playwright.

Playwright's own browser download cannot work here: the tests use /usr/bin/chromium
(`make test` installs the Debian package when it is missing). Map tiles are answered
locally with a blank PNG, so no test touches the network.
"""

from __future__ import annotations

import base64
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from tourapp import create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
BLANK_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
TILE_PATTERN = "https://tile.openstreetmap.org/**"


class LiveServer:
    """A real HTTP server for one app, in a thread."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)


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
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


def new_context(browser, **options):
    """A phone-sized context whose tile requests are answered locally."""
    settings = {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
    # No service worker unless a test asks for one (service_workers="allow"): its
    # background downloads would outlive the test and its server.
    settings["service_workers"] = "block"
    settings.update(options)
    context = browser.new_context(**settings)
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


@pytest.fixture
def page(context):
    """A phone page that records console errors and requests in ``page.errors``/``page.urls``."""
    page = context.new_page()
    page.errors = []
    page.urls = []
    page.on("console", lambda msg: msg.type == "error" and page.errors.append(msg.text))
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("request", lambda request: page.urls.append(request.url))
    return page


def wait_until(page, expression: str, arg=None, timeout_s: float = 10.0) -> None:
    """Poll ``expression`` (a JS function of ``arg``) until it is truthy.

    Playwright's ``wait_for_function`` evaluates its predicate with ``eval`` inside the
    page, which the app's Content-Security-Policy (no 'unsafe-eval') rightly forbids;
    ``page.evaluate`` runs through the DevTools protocol, which the policy does not govern.
    """
    import time

    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {expression}")
        page.wait_for_timeout(50)
