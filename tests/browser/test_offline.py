"""Offline after the first visit, in Chromium: the service worker, its caches, the manifest.

Playwright routes the worker's own requests too (Chromium), so tiles stay local.
The other browser tests block service workers; these allow them.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tourapp import create_app
from tourapp.stopsfile.store import TourStore
from tourapp.testing import LiveServer, wait_until

from ..conftest import rewrite
from .conftest import TILE_PATTERN, new_context


@pytest.fixture
def context(browser):
    """A phone context where service workers run."""
    context = new_context(browser, service_workers="allow")
    yield context
    context.close()


def wait_for_worker(page, version: str = "") -> str:
    """Wait until a service worker (of ``version`` if given) controls the page; its URL."""
    wait_until(
        page,
        "v => navigator.serviceWorker.controller"
        " && navigator.serviceWorker.controller.scriptURL.includes(v)",
        version,
    )
    return page.evaluate("navigator.serviceWorker.controller.scriptURL")


def cache_names(page) -> list[str]:
    return sorted(page.evaluate("caches.keys()"))


def cached_urls(page, name: str) -> list[str]:
    return page.evaluate(
        "name => caches.open(name).then(c => c.keys()).then(ks => ks.map(r => r.url))", name
    )


def errors_without_tiles(page) -> list[str]:
    """Console errors of the page, tile loads excepted (they need a network)."""
    errors = []

    def record(message):
        url = message.location.get("url", "")
        if message.type == "error" and "tile.openstreetmap.org" not in url:
            errors.append(message.text)

    page.on("console", record)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_walk_opens_offline_in_both_languages_after_one_visit(context, live_server):
    page = context.new_page()
    errors = errors_without_tiles(page)
    page.goto(f"{live_server.url}/fr/")
    worker = wait_for_worker(page)
    assert urlsplit(worker).path == "/sw.js"
    version = urlsplit(worker).query.removeprefix("v=")
    precache = f"tourapp-precache-{version}"
    assert precache in cache_names(page)
    stored = {urlsplit(url).path for url in cached_urls(page, precache)}
    assert {"/fr/", "/en/", "/tour.geojson", "/bundles/tour.js", "/bundles/tour.css"} <= stored

    context.set_offline(True)
    try:
        page.reload()
        page.wait_for_selector(".stop-marker")
        assert page.locator(".stops > li.stop").count() == 4
        assert page.locator("path.leaflet-interactive").count() == 3  # the route line
        # The other language was never opened, yet it is there too.
        page.goto(f"{live_server.url}/en/?at=14:05")
        page.wait_for_selector(".stop-marker")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator("#itinerary-heading").inner_text() == "Itinerary"
        assert page.locator("path.leaflet-interactive").count() == 3
        # The data file too, for scripts that read it.
        features = page.evaluate(
            "fetch('/tour.geojson').then(r => r.json()).then(d => d.features.length)"
        )
        assert features == 7  # 4 stops and the 3 legs between them
    finally:
        context.set_offline(False)
    assert errors == []



@pytest.mark.parametrize("lang", ["fr", "en"])
def test_add_to_calendar_works_offline_after_one_visit(context, live_server, lang):
    """« Ajouter à mon agenda » in a basement: the event comes from the worker's store (it
    was the page's one link that gave the browser's offline error)."""
    page = context.new_page()
    page.goto(f"{live_server.url}/{lang}/")
    wait_for_worker(page)
    wait_until(page, "() => caches.keys().then((ks) => ks.some((k) => k.startsWith('tourapp-precache')))")
    link = page.locator(f'a[href$="/{lang}/walk.ics"]').get_attribute("href")
    context.set_offline(True)
    try:
        page.reload()
        page.wait_for_selector("#follow[data-ready]")
        event = page.evaluate("(url) => fetch(url).then((r) => r.ok ? r.text() : String(r.status), String)", link)
    finally:
        context.set_offline(False)
    assert event.startswith("BEGIN:VCALENDAR"), event[:200]


def test_stored_walk_is_shown_when_the_server_has_none(context, live_server, tmp_path):
    page = context.new_page()
    page.goto(f"{live_server.url}/fr/")
    wait_for_worker(page)
    # The server restarted with no readable data file: it answers 503.
    app = live_server.server.app
    app.extensions["tour_store"] = TourStore(str(tmp_path / "missing.geojson"))
    assert app.test_client().get("/fr/").status_code == 503
    page.reload()
    page.wait_for_selector(".stop-marker")
    assert page.locator(".stops > li.stop").count() == 4


def test_new_tour_data_replaces_the_cached_copies(context, live_server, tour_file):
    page = context.new_page()
    page.goto(f"{live_server.url}/en/")
    old = urlsplit(wait_for_worker(page)).query.removeprefix("v=")

    text = tour_file.read_text("utf-8")
    changed = text.replace('"name_en": "Espace French Tech"', '"name_en": "French Tech Hub"')
    assert changed != text
    rewrite(tour_file, changed)
    page.reload()  # online: the page is fetched first, and registers the new version
    new = page.locator("script[data-worker]").get_attribute("data-worker").split("v=")[1]
    assert new != old and new.split("-")[1] == old.split("-")[1]  # new data, same app files
    wait_for_worker(page, new)
    wait_until(
        page, "old => caches.keys().then(names => !names.includes('tourapp-precache-' + old))", old
    )
    assert f"tourapp-precache-{new}" in cache_names(page)

    context.set_offline(True)
    try:
        page.reload()
        page.wait_for_selector(".stop-marker")
        assert "French Tech Hub" in page.locator(".stops").inner_text()
    finally:
        context.set_offline(False)


def test_only_viewed_tiles_are_kept_up_to_the_cap(browser, tour_file):
    app = create_app({"TESTING": True, "TOUR_DATA": tour_file, "OFFLINE_TILE_CACHE_MAX": 6})
    context = new_context(browser, service_workers="allow")
    fetched = []  # what reached the tile server (Playwright routes the worker's requests too)
    context.route(TILE_PATTERN, lambda route: (fetched.append(route.request.url), route.fallback()))
    with LiveServer(app) as server:
        page = context.new_page()
        shown = set()  # every tile the page itself asked for (the map's <img> elements)
        page.on("request", lambda r: r.frame and "tile.openstreetmap" in r.url and shown.add(r.url))
        page.goto(f"{server.url}/fr/")
        assert "tiles=6" in wait_for_worker(page)
        for zoom in (14, 13, 12, 15, 16):
            page.evaluate("z => tourapp.map.setZoom(z, {animate: false})", zoom)
            wait_until(page, "() => [...document.querySelectorAll('img.leaflet-tile')].every(i => i.complete)")
        # The worker trims after answering: wait until it is down to the cap (trims run
        # one at a time and never go below it; without trimming this times out).
        wait_until(page, "() => caches.open('tourapp-tiles').then(c => c.keys())"
                         ".then(keys => keys.length <= 6)")
        kept = cached_urls(page, "tourapp-tiles")
        context.close()
    assert len(shown) > 6 and len(kept) == 6  # the cap, though more tiles were viewed
    assert set(kept) <= shown
    assert set(fetched) <= shown  # nothing fetched ahead of the map's own requests
    # The oldest are evicted: the last zoom level's tiles are kept.
    assert all("/16/" in url for url in kept)


def test_manifest_makes_the_site_installable(context, live_server):
    page = context.new_page()
    page.goto(f"{live_server.url}/fr/")
    wait_for_worker(page)
    cdp = context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == [] and manifest["url"].endswith("/fr/manifest.webmanifest")
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    # Playwright's contexts are incognito ones, where Chromium never offers to install.
    assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == []


REGISTRATION = """
window.__registered = null;
const register = ServiceWorkerContainer.prototype.register;
ServiceWorkerContainer.prototype.register = function (...args) {
  const map = document.querySelector('#map_tour');
  const tiles = [...document.querySelectorAll('img.leaflet-tile')];
  window.__registered = {
    tiles: tiles.length,
    tilesDone: tiles.length > 0 && tiles.every((t) => t.complete),
    basemap: !!(map && map.hasAttribute('data-basemap-drawn')),
    loaded: document.readyState === 'complete',
  };
  return register.apply(this, args);
};
"""


def test_the_worker_waits_for_the_map_s_tiles(context, live_server):
    """Its downloads (the whole walk, both languages) take no bandwidth from the map's tiles
    on a weak signal: it is registered once they are on the screen."""
    context.add_init_script(REGISTRATION)
    page = context.new_page()
    page.goto(f"{live_server.url}/fr/")
    wait_for_worker(page)
    registered = page.evaluate("window.__registered")
    assert registered["loaded"] and registered["tiles"] > 0 and registered["tilesDone"], registered


def test_with_tiles_failing_the_worker_waits_for_the_offline_base_map(context, live_server):
    # The tile server down (the latest route for a pattern is the one Playwright uses).
    context.route(TILE_PATTERN, lambda route: route.abort())
    context.add_init_script(REGISTRATION)
    page = context.new_page()
    page.goto(f"{live_server.url}/en/")
    wait_for_worker(page)
    registered = page.evaluate("window.__registered")
    assert registered["basemap"], registered  # drawn first (failed tiles are "complete" too)


def test_pages_without_a_map_register_the_worker_once_loaded(context, live_server):
    context.add_init_script(REGISTRATION)
    page = context.new_page()
    page.goto(f"{live_server.url}/fr/guides/")
    wait_until(page, "() => window.__registered !== null")
    assert page.evaluate("window.__registered")["loaded"]


def test_a_new_walk_half_stored_never_mixes_with_the_old_one(context, live_server, tour_file):
    """A page of a newer walk, seen online while its worker could not store it yet (the
    signal lost during its install), does not take the old walk's place among the stored
    files: offline, both languages then showed different walks, and the newer page's map
    script was missing. The stored walk stays whole until the new one is (issue 20)."""
    page = context.new_page()
    page.goto(f"{live_server.url}/fr/")
    wait_for_worker(page)
    rewrite(tour_file, tour_file.read_text("utf-8").replace("Espace French Tech", "French Tech Hub"))
    # The new worker's install never gets its list: the old worker stays in charge.
    context.route("**/offline.json", lambda route: route.abort())
    page.reload()
    page.wait_for_selector(".stop-marker")
    assert "French Tech Hub" in page.locator(".stops").inner_text()  # online: the new walk

    context.set_offline(True)
    try:
        names = {}
        for lang in ("fr", "en"):
            page.goto(f"{live_server.url}/{lang}/")
            page.wait_for_selector(".leaflet-marker-icon.stop-marker")
            assert page.locator("path.leaflet-interactive").count() == 3
            names[lang] = "French Tech Hub" in page.locator(".stops").inner_text()
        assert names == {"fr": False, "en": False}  # the stored walk, whole
    finally:
        context.set_offline(False)
