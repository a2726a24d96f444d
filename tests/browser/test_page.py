"""What a participant sees on a phone: the map with every stop, the itinerary, no sideways scroll."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tourapp.testing import wait_until

from .conftest import new_context


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_map_shows_every_stop_and_the_line(page, live_server, lang):
    page.goto(f"{live_server.url}/{lang}/")
    page.wait_for_selector(".stop-marker")
    markers = page.locator(".leaflet-marker-icon.stop-marker")
    assert markers.count() == 4
    assert page.locator("path.leaflet-interactive").count() == 3  # one line per leg
    assert page.locator(".stops > li.stop").count() == 4
    assert page.errors == []
    origins = {urlsplit(u).netloc for u in page.urls if not u.startswith("data:")}
    assert origins <= {urlsplit(live_server.url).netloc, "tile.openstreetmap.org"}


def test_popup_shows_the_stop_texts(page, live_server):
    page.goto(f"{live_server.url}/en/")
    page.locator('[data-stop="musee-fabre"]').click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "4. Musée Fabre" in popup.inner_text()
    assert "Fabre and the City" in popup.inner_text()


@pytest.mark.parametrize("viewport", [{"width": 360, "height": 640}, {"width": 390, "height": 844}])
def test_no_horizontal_scroll_on_phones(browser, live_server, viewport):
    context = new_context(browser, viewport=viewport)
    page = context.new_page()
    page.goto(f"{live_server.url}/fr/")
    page.wait_for_selector(".stop-marker")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"]
    # Map first, itinerary reachable by scrolling down with a thumb.
    assert page.locator("#map_tour").bounding_box()["height"] >= 200
    page.locator("#itinerary-heading").scroll_into_view_if_needed()
    assert page.locator("#itinerary-heading").is_visible()
    context.close()


def test_pinch_zoom_is_allowed(page, live_server):
    page.goto(f"{live_server.url}/fr/")
    viewport = page.locator('meta[name="viewport"]').get_attribute("content")
    assert "user-scalable=no" not in viewport and "maximum-scale" not in viewport


def test_without_script_no_button_waits_for_one(browser, live_server):
    """The card's stepping buttons and "Start now" need a script: without one they are not
    shown (noscript.css), while the walk, its first stop and the itinerary are."""
    context = new_context(browser, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/fr/")
        assert page.locator(".follow-name").inner_text() == "Hôtel de Métropole"
        assert page.locator(".stops > li.stop").count() == 4
        for selector in (".follow-prev", ".follow-next", ".live-start"):
            assert page.locator(selector).is_hidden(), selector
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("turned", [False, True], ids=["opened-sideways", "turned-sideways"])
def test_held_sideways_the_map_fills_the_screen_below_the_header(browser, live_server, lang, turned):
    """site.js gives the stylesheet the header's height when the phone is held sideways,
    opened that way or turned after loading upright."""
    upright, sideways = {"width": 390, "height": 844}, {"width": 844, "height": 390}
    context = new_context(browser, viewport=upright if turned else sideways)
    page = context.new_page()
    page.goto(f"{live_server.url}/{lang}/")
    page.wait_for_selector(".stop-marker")
    if turned:
        page.set_viewport_size(sideways)
    fits = """() => {
      const header = document.querySelector('.site-header').getBoundingClientRect();
      const map = document.getElementById('map_tour').getBoundingClientRect();
      return {header: header.height, top: map.top, height: map.height, screen: innerHeight};
    }"""
    page.wait_for_function(f"() => {{ const b = ({fits})(); return Math.abs(b.height - (b.screen - b.header)) <= 2; }}")
    box = page.evaluate(fits)
    assert box["top"] == pytest.approx(box["header"], abs=1), box
    context.close()


@pytest.mark.parametrize("lang, units", [("fr", [r"\d+ k?m"]), ("en", [r"\d+ k?m", r"\d+ (ft|mi)"])])
def test_the_scale_speaks_the_readers_units(page, live_server, lang, units):
    """Feet and miles mean nothing to a French reader: the French map's scale is metric only
    (« 200 m », not also « 500 ft »); the English one keeps both."""
    page.goto(f"{live_server.url}/{lang}/")
    wait_until(page, "() => document.querySelector('.leaflet-control-scale-line')"
                     " && [...document.querySelectorAll('.leaflet-control-scale-line')]"
                     ".every((line) => line.textContent.trim() !== '')")
    texts = page.locator(".leaflet-control-scale-line").all_inner_texts()
    assert len(texts) == len(units), texts
    for text, unit in zip(texts, units, strict=True):
        assert re.fullmatch(unit, text.strip()), texts
