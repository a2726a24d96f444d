"""Stop pop-ups on a small phone (issue 20, point 10): inside the screen, clear of the map's
buttons, focus moves in, Escape closes them and gives the focus back to the marker."""

from __future__ import annotations

from tourapp.testing import SMALL_PHONE

from .conftest import new_context, wait_until


def test_popup_fits_320_px_takes_the_focus_and_closes_with_escape(browser, live_server):
    context = new_context(browser, viewport=SMALL_PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/fr/")
    page.wait_for_selector('[data-stop="msh-saint-charles"]')
    marker = page.locator('[data-stop="msh-saint-charles"]')
    marker.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(".leaflet-popup")
    wait_until(page, "() => document.activeElement.closest('.leaflet-popup') !== null")
    popup = page.locator(".leaflet-popup-content-wrapper").bounding_box()
    close = page.locator(".leaflet-popup-close-button").bounding_box()
    assert popup["x"] >= 0 and popup["x"] + popup["width"] <= SMALL_PHONE["width"], popup
    assert close["x"] + close["width"] <= SMALL_PHONE["width"], close
    zoom = page.locator(".leaflet-control-zoom").bounding_box()
    clear = popup["x"] >= zoom["x"] + zoom["width"] or popup["y"] >= zoom["y"] + zoom["height"]
    assert clear, (popup, zoom)  # no map button over the start of its lines
    page.keyboard.press("Escape")
    page.wait_for_selector(".leaflet-popup", state="detached")
    assert page.evaluate("() => document.activeElement.dataset.stop") == "msh-saint-charles"
    context.close()
