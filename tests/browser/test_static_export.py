"""The static export (`flask freeze`) served by a plain file server works in a browser."""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
from urllib.parse import urljoin, urlsplit

import pytest

from tourapp import create_app
from tourapp.web.export import freeze

from ..conftest import SEEDED
from .conftest import TILE_PATTERN, new_context, wait_until
from .test_follow import card, paris
from .test_follow import where as position
from .test_offline import wait_for_worker


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The seeded walk frozen to ``<tmp>/site``."""
    root = tmp_path_factory.mktemp("static-site")
    tour_file = root / "stops.geojson"
    tour_file.write_bytes(SEEDED.read_bytes())
    report = freeze(create_app({"TESTING": True, "TOUR_DATA": tour_file}), root / "site")
    assert report.missing_links == []
    return report.destination


@contextlib.contextmanager
def file_server(directory):
    """`python -m http.server` on a free loopback port, serving ``directory``."""
    server = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1",
         "--directory", str(directory)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = server.stdout.readline()  # "Serving HTTP on 127.0.0.1 port 41234 (…) ..."
        port = re.search(r"port (\d+)", line).group(1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(10)
        server.stdout.close()


@pytest.fixture(scope="module")
def static_site(exported):
    """The export under a sub-path (``/site/``), as on a project page of a static host."""
    with file_server(exported.parent) as url:
        yield f"{url}/{exported.name}"


@pytest.fixture(scope="module")
def static_root(exported):
    """The export at the root of its host."""
    with file_server(exported) as url:
        yield url


@pytest.mark.parametrize("where", ["root", "sub-path"])
def test_static_site_works_offline_at_the_root_or_under_a_sub_path(
    browser, request, where
):
    """The worker installs from the export itself, then the walk opens without a network
    (issue 12, point 13)."""
    base = request.getfixturevalue("static_root" if where == "root" else "static_site")
    context = new_context(browser, service_workers="allow")
    page = context.new_page()
    page.goto(f"{base}/fr/")
    worker = wait_for_worker(page)
    assert urlsplit(worker).path == urlsplit(base).path + "/sw.js"
    context.set_offline(True)
    try:
        page.goto(f"{base}/en/")
        page.wait_for_selector(".stop-marker")
        assert page.locator("#itinerary-heading").inner_text() == "Itinerary"
        # "Start now" loads the live group's script: the worker stored it with the rest.
        page.locator(".live-start").click()
        page.wait_for_selector("#stop-hotel-de-metropole .live-times")
        assert page.locator(".live-start").inner_text() == "Back to the planned times"
        page.goto(f"{base}/fr/guides.html")
        assert page.locator("h1").count() == 1 and page.locator("#follow").count() == 0
    finally:
        context.set_offline(False)
        context.close()


@pytest.mark.parametrize(("lang", "heading"), [("fr", "Itinéraire"), ("en", "Itinerary")])
def test_static_site_shows_the_walk(page, static_site, lang, heading):
    page.goto(f"{static_site}/{lang}/")
    page.wait_for_selector(".stop-marker")
    assert page.locator(".leaflet-marker-icon.stop-marker").count() == 4
    assert page.locator("path.leaflet-interactive").count() == 3
    assert page.locator(".stops > li.stop").count() == 4
    assert page.locator("#itinerary-heading").inner_text() == heading
    assert page.errors == []
    origins = {urlsplit(u).netloc for u in page.urls if not u.startswith("data:")}
    assert origins <= {urlsplit(static_site).netloc, "tile.openstreetmap.org"}
    # Every download and page the participant can follow is there (GeoJSON, GPX, guides…).
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    local = {
        urljoin(page.url, h).split("#")[0]
        for h in hrefs
        if not urlsplit(h).netloc and urlsplit(h).scheme in ("", "http", "https")  # not geo:
    }
    assert any(u.endswith("tour.geojson") for u in local)
    for url in local:
        assert page.request.get(url).status == 200, url


@pytest.mark.parametrize(("locale", "lang", "other"), [
    ("fr-FR", "fr", "en"), ("en-GB", "en", "fr"), ("de-DE", "fr", "en"),
])
def test_root_leads_to_the_phone_language_and_the_switch_works(
    browser, static_site, locale, lang, other
):
    """As the app's root does with Accept-Language (and the offline worker): the phone's
    language, else the default one."""
    context = new_context(browser, locale=locale)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{static_site}/")
    page.wait_for_url(re.compile(rf"/{lang}/(index\.html)?$"))
    page.wait_for_selector(".stop-marker")
    page.locator(f'.lang-switch a[hreflang="{other}"]').click()
    page.wait_for_url(re.compile(rf"/{other}/(index\.html)?$"))
    page.wait_for_selector(".stop-marker")
    assert page.locator("html").get_attribute("lang") == other
    assert errors == []
    context.close()


@pytest.mark.parametrize("where", ["root", "sub-path"])
def test_the_export_root_keeps_the_query_string_online(browser, request, where):
    """A rehearsal's link (?at=14:20) or a tracked one (?utm_source=…) given at the export's
    root keeps its query, as the worker does offline and the Flask server's root does."""
    base = request.getfixturevalue("static_root" if where == "root" else "static_site")
    context = new_context(browser, locale="en-GB")
    page = context.new_page()
    page.goto(f"{base}/?utm_source=qr&at=14:20#itinerary-heading")
    page.wait_for_url(re.compile(r"/en/index\.html\?utm_source=qr&at=14:20#itinerary-heading$"))
    # Scrolled to the itinerary, the card is compact: its preview line is there, hidden.
    page.wait_for_selector(".follow-preview", state="attached")
    assert "2:20" in page.locator(".follow-preview").text_content()
    assert page.locator("#follow").get_attribute("data-next") == "msh-saint-charles"
    context.close()


def test_without_script_the_root_leads_to_the_default_language(browser, static_site):
    context = new_context(browser, locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{static_site}/")
    page.wait_for_url(re.compile(r"/fr/(index\.html)?$"))
    context.close()


# The walk as the card sees it from the export's root address: on leg 2 at 14:20.
ON_LEG_2 = (43.6092, 3.8800)
LOOKS = """() => ({
  styled: [...document.querySelectorAll('head > link[rel=stylesheet]')]
      .every((l) => l.sheet && l.sheet.cssRules.length > 0),
  header: getComputedStyle(document.querySelector('.site-header')).backgroundColor,
  mapHeight: document.getElementById('map_tour').offsetHeight,
  markers: document.querySelectorAll('.leaflet-marker-icon.stop-marker').length,
  lines: document.querySelectorAll('path.leaflet-interactive').length,
  count: document.querySelector('.follow-count').textContent,
  lang: document.documentElement.lang,
})"""


def _walk_as_seen(page) -> dict:
    page.wait_for_selector("#follow[data-ready]")
    page.wait_for_selector(".leaflet-marker-icon.stop-marker")
    page.wait_for_selector("path.follow-position")
    return {**page.evaluate(LOOKS), **card(page)}


@pytest.mark.parametrize("network", ["online", "offline"])
@pytest.mark.parametrize("where", ["root", "sub-path"])
def test_the_export_root_address_gives_the_walk_as_the_server_does(
    browser, request, live_server, where, network
):
    """Issue 20, point 14: the address people are given (the export's root), after one
    visit, opens the walk styled, with its map and the card's figures of the Flask server
    at the same place and time, online and offline, at a host's root and under /site/."""
    # The Flask server's root, the export's root and the worker offline all choose the
    # phone's language: a French phone here.
    options = {"geolocation": position(*ON_LEG_2), "permissions": ["geolocation"],
               "locale": "fr-FR"}
    server = new_context(browser, **options)
    page = server.new_page()
    page.clock.set_fixed_time(paris(14, 20))
    page.goto(f"{live_server.url}/fr/")
    expected = _walk_as_seen(page)
    server.close()
    assert expected["styled"] and expected["markers"] == 4 and expected["lines"] == 3

    base = request.getfixturevalue("static_root" if where == "root" else "static_site")
    context = new_context(browser, service_workers="allow", **options)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.clock.set_fixed_time(paris(14, 20))
    page.goto(f"{base}/")  # the first visit, at the address people are given
    page.wait_for_url(re.compile(r"/fr/(index\.html)?$"))
    page.wait_for_selector("#follow[data-ready]")
    wait_for_worker(page)
    context.set_offline(network == "offline")
    try:
        page.goto(f"{base}/")
        page.wait_for_url(re.compile(r"/fr/(index\.html)?$"))
        assert urlsplit(page.url).path.startswith(urlsplit(base).path + "/fr/")
        seen = _walk_as_seen(page)
        assert seen == expected
        assert page.errors == []
    finally:
        context.set_offline(False)
        context.close()


@pytest.mark.parametrize("where", ["root", "sub-path"])
def test_the_export_offline_draws_the_base_map(browser, request, where):
    """Issue 20, point 1 in the export: with no network after one visit, the streets are
    drawn from the stored base map, at a host's root and under /site/."""
    from .test_basemap import painted_share

    base = request.getfixturevalue("static_root" if where == "root" else "static_site")
    context = new_context(browser, service_workers="allow", locale="fr-FR")
    page = context.new_page()
    page.goto(f"{base}/")
    page.wait_for_url(re.compile(r"/fr/(index\.html)?$"))
    page.wait_for_selector(".leaflet-marker-icon.stop-marker")
    wait_for_worker(page)
    context.unroute(TILE_PATTERN)
    context.route(TILE_PATTERN, lambda route: route.abort())  # no tile at all
    context.set_offline(True)
    try:
        page.goto(f"{base}/")
        page.wait_for_url(re.compile(r"/fr/(index\.html)?$"))
        page.wait_for_selector("#map_tour[data-basemap-drawn]")
        assert painted_share(page) > 0.05
        page.evaluate("() => tourapp.map.setView([43.6105, 3.8770], 17, {animate: false})")
        wait_until(page, "() => tourapp.basemap.labels.length >= 3")
        assert "Données : Ville de Montpellier" in page.locator(
            ".leaflet-control-attribution").inner_text()
    finally:
        context.set_offline(False)
        context.close()


def _export_aged(tour_file, destination, days: float = 30) -> None:
    """Freeze ``tour_file`` to ``destination``, its files dated ``days`` ago, as on a host
    where the export has been for a while."""
    import os
    import time

    freeze(create_app({"TESTING": True, "TOUR_DATA": tour_file}), destination)
    then = time.time() - days * 86400
    for path in destination.rglob("*"):
        os.utime(path, (then, then))


def test_a_new_export_reaches_a_phone_that_knows_the_old_one(browser, tour_file, tmp_path):
    """A re-export (a corrected stop) reaches the phones that visited before, online.

    A plain host (`http.server`, nginx without `expires`) sends no Cache-Control: the
    browser's cache keeps a page it fetched fresh for a tenth of its age (3 days for a
    file a month old) and gave the old walk without asking the host. The worker asks the
    host first for pages and data (issue 20, point 14: the phone gets the new walk)."""
    from tourapp.testing import phone_context

    site = tmp_path / "site"
    _export_aged(tour_file, site)
    # No request routing: routing turns off the browser's HTTP cache, which is the point;
    # the launch flags' host rules still keep every outside host (tiles) unreachable.
    context = phone_context(browser, block_outside=False, service_workers="allow",
                            locale="fr-FR")
    try:
        with file_server(tmp_path) as url:
            page = context.new_page()
            page.goto(f"{url}/site/")
            page.wait_for_url(re.compile(r"/fr/index\.html$"))
            page.wait_for_selector("#follow[data-ready]")
            wait_for_worker(page)
            text = tour_file.read_text("utf-8")
            tour_file.write_text(text.replace("Espace French Tech", "Hub French Tech"), "utf-8")
            freeze(create_app({"TESTING": True, "TOUR_DATA": tour_file}), site)
            page.goto(f"{url}/site/")
            page.wait_for_url(re.compile(r"/fr/index\.html$"))
            page.wait_for_selector(".stop-marker")
            assert "Hub French Tech" in page.locator(".stops").inner_text()
    finally:
        context.close()


def test_the_export_s_downloads_are_saved_under_their_names(page, static_site):
    """From a static host (no Content-Disposition), a leg's GPX is saved as the Flask
    server names it, not « 1.gpx »."""
    page.goto(f"{static_site}/en/guides.html")
    with page.expect_download() as download:
        page.locator('a[href="legs/1.gpx"]').click()
    assert download.value.suggested_filename == (
        "Urban walk around the smart city – walk 1.gpx"
    )
