"""A stop's programme, practical notes and entrance photo as a participant sees them (issue
20): in the itinerary and the stop's pop-up, as text, the photo lazy and in its room."""

from __future__ import annotations

import json

import pytest

from tourapp import create_app
from tourapp.testing import LANDSCAPE_PHONE, PHONE, SMALL_PHONE

from ..conftest import SEEDED
from ..test_stop_extras import png
from .conftest import LiveServer, new_context, wait_until
from .test_popups import POPUP_PLACE, tap_stop

HOSTILE = '<img src=x onerror="window.pwned=1"><script>window.pwned=1</script>'


@pytest.fixture
def server(tmp_path):
    document = json.loads(SEEDED.read_text(encoding="utf-8"))
    fabre = next(f for f in document["features"] if f["properties"].get("id") == "musee-fabre")
    fabre["properties"].update({
        "activity_fr": "Visite commentée", "activity_en": "A guided visit",
        "notes_fr": HOSTILE, "notes_en": HOSTILE, "step_free": True,
        "photo": "fabre.png", "photo_alt_fr": "L'entrée du musée",
        "photo_alt_en": "The museum's entrance", "photo_credit": HOSTILE,
    })
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "fabre.png").write_bytes(png(300, 200))
    path = tmp_path / "stops.geojson"
    path.write_text(json.dumps(document), encoding="utf-8")
    with LiveServer(create_app({"TESTING": True, "TOUR_DATA": path})) as live:
        yield live


def test_the_photo_waits_until_near_and_keeps_its_room(browser, server):
    context = new_context(browser, viewport=SMALL_PHONE)
    page = context.new_page()
    photos = []
    page.on("request", lambda r: "/photos/" in r.url and photos.append(r.url))
    page.goto(f"{server.url}/fr/")
    page.wait_for_selector(".stop-marker")
    page.wait_for_load_state("networkidle")
    assert photos == []  # far below the first screen: not fetched
    image = page.locator("#stop-musee-fabre .stop-photo img")
    box_before = image.bounding_box()
    assert box_before["height"] > 0  # its room is kept before it arrives
    image.scroll_into_view_if_needed()
    wait_until(page, "() => document.querySelector('.stop-photo img').complete")
    assert len(photos) == 1
    box = image.bounding_box()
    assert box["width"] <= SMALL_PHONE["width"]
    assert abs(box["height"] / box["width"] - 200 / 300) < 0.02
    assert abs(box["height"] - box_before["height"]) < 1  # nothing moved when it came
    assert image.get_attribute("alt") == "L'entrée du musée"
    item = page.locator("#stop-musee-fabre")
    assert "Au programme : Visite commentée" in item.inner_text()
    assert "Accès de plain-pied" in item.inner_text()
    assert HOSTILE in item.inner_text()  # the note, as text
    assert page.evaluate("() => window.pwned") is None
    context.close()


def test_the_pop_up_shows_them_too(browser, server):
    context = new_context(browser, viewport=SMALL_PHONE)
    page = context.new_page()
    page.goto(f"{server.url}/en/")
    page.wait_for_selector('[data-stop="musee-fabre"]')
    page.locator('[data-stop="musee-fabre"]').focus()
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup")
    # Copied by extras.js, which the key press fetched (opened before it came, or after).
    page.wait_for_selector(".leaflet-popup .stop-photo img")
    assert "On the programme: A guided visit" in popup.inner_text()
    assert "Step-free access" in popup.inner_text()
    assert f"Photo: {HOSTILE}" in popup.inner_text()
    image = popup.locator(".stop-photo img")
    assert image.get_attribute("alt") == "The museum's entrance"
    wait_until(page, "() => document.querySelector('.leaflet-popup .stop-photo img').complete")
    box = image.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= SMALL_PHONE["width"], box
    assert page.evaluate("() => window.pwned") is None
    context.close()


@pytest.mark.parametrize("viewport", [SMALL_PHONE, PHONE, LANDSCAPE_PHONE], ids=["320x568", "390x844", "844x390"])
def test_the_pop_up_with_its_photo_stays_inside_the_map(browser, server, viewport):
    """The programme, notes and photo come into the pop-up after it opened (extras.js): it
    grew upwards past the map's top, its name and close button cut off (500 px of pop-up
    in a map of 216 to 380). Now it is placed again, its text scrolling when taller."""
    context = new_context(browser, viewport=viewport)
    page = context.new_page()
    page.goto(f"{server.url}/fr/")
    page.wait_for_selector('[data-stop="musee-fabre"]')
    tap_stop(page, "musee-fabre")
    page.wait_for_selector(".leaflet-popup .stop-photo img")
    place = page.evaluate(POPUP_PLACE)
    assert place["inside"] and place["closeShown"], place
    # Its whole text is there, reachable by scrolling the pop-up.
    content = page.locator(".leaflet-popup-content")
    assert "Visite commentée" in content.inner_text()
    context.close()
