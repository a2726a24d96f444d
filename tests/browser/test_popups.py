"""Stop pop-ups on a small phone (issue 20, point 10): inside the screen, clear of the map's
buttons, focus moves in, Escape closes them and gives the focus back to the marker."""

from __future__ import annotations

import pytest

from tourapp.testing import LANDSCAPE_PHONE, PHONE, SMALL_PHONE

from .conftest import new_context, wait_until
from .test_follow import paris


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


# The pop-up's box (its tip, 20 px under it, included) against the map's above its credit,
# and what a finger meets at the close button's centre.
POPUP_PLACE = """() => {
  const map = document.getElementById("map_tour").getBoundingClientRect().toJSON();
  map.bottom = document.querySelector(".leaflet-control-attribution").getBoundingClientRect().top;
  const box = document.querySelector(".leaflet-popup").getBoundingClientRect();
  const close = document.querySelector(".leaflet-popup-close-button").getBoundingClientRect();
  const hit = document.elementFromPoint(close.left + close.width / 2, close.top + close.height / 2);
  return { inside: box.left >= map.left && box.top >= map.top && box.right <= map.right
             && box.bottom + 20 <= map.bottom + 1,
           closeShown: !!hit && !!hit.closest(".leaflet-popup-close-button"),
           hit: hit && hit.className, box: [box.left, box.top, box.right, box.bottom], map: [map.left, map.top, map.right, map.bottom] };
}"""


def tap_stop(page, stop):
    page.locator(f'[data-stop="{stop}"]').tap()
    page.wait_for_selector(".leaflet-popup")
    wait_until(page, "() => window.tourapp.extrasReady")
    # Two frames: anything the pop-up's opening moves has moved.
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    return page.evaluate(POPUP_PLACE)


@pytest.mark.parametrize("viewport", [SMALL_PHONE, PHONE, LANDSCAPE_PHONE], ids=["320x568", "390x844", "844x390"])
def test_tapped_popups_open_inside_the_map_at_the_walks_hour(open_phone, live_server, viewport):
    """Tapped on the walk's afternoon, every stop's pop-up is inside the map, its close
    button on screen. Leaflet's animated pan times itself with Date: on a phone whose clock
    the test holds at 14:20 (as a frozen clock would) it never moved, and the pop-up of the
    Hôtel de Métropole ran off the 320 px screen."""
    for stop in ("hotel-de-metropole", "espace-french-tech", "msh-saint-charles", "musee-fabre"):
        page = open_phone(live_server.url, "fr", viewport=viewport, at=paris(14, 20))
        place = tap_stop(page, stop)
        assert place["inside"] and place["closeShown"], (stop, place)
        page.context.close()
