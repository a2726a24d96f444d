"""The static export (`flask freeze`) served by a plain file server works in a browser."""

from __future__ import annotations

import re
import subprocess
import sys
from urllib.parse import urljoin, urlsplit

import pytest

from tourapp import create_app
from tourapp.freeze import freeze

from ..conftest import SEEDED


@pytest.fixture(scope="module")
def static_site(tmp_path_factory):
    """The seeded walk frozen to a folder, served by `python -m http.server` on a free port.

    The server's root is the folder above the export: the site lives under a sub-path
    (``/site/``), as on a project page of a static host.
    """
    root = tmp_path_factory.mktemp("static-site")
    tour_file = root / "stops.geojson"
    tour_file.write_bytes(SEEDED.read_bytes())
    report = freeze(create_app({"TESTING": True, "TOUR_DATA": tour_file}), root / "site")
    assert report.missing_links == []
    server = subprocess.Popen(
        [
            sys.executable,
            "-u",
            "-m",
            "http.server",
            "0",
            "--bind",
            "127.0.0.1",
            "--directory",
            str(report.destination.parent),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = server.stdout.readline()  # "Serving HTTP on 127.0.0.1 port 41234 (…) ..."
        port = re.search(r"port (\d+)", line).group(1)
        yield f"http://127.0.0.1:{port}/{report.destination.name}"
    finally:
        server.terminate()
        server.wait(10)
        server.stdout.close()


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


def test_root_leads_to_the_default_language_and_the_switch_works(page, static_site):
    page.goto(f"{static_site}/")
    page.wait_for_url(re.compile(r"/fr/(index\.html)?$"))
    page.wait_for_selector(".stop-marker")
    page.locator('.lang-switch a[hreflang="en"]').click()
    page.wait_for_url(re.compile(r"/en/(index\.html)?$"))
    page.wait_for_selector(".stop-marker")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.errors == []
