"""The guide's map: the walk's legs and stops as participants see them (done, next, later),
the group's position and the guide's own; fetched after the page is usable, and drawn
offline from the first load."""

from __future__ import annotations

import pytest

from tourapp.testing import SMALL_PHONE

from .conftest import new_context, wait_until
from .test_live import (
    FRENCH_TECH,
    contexts,  # noqa: F401 - a fixture
    server,  # noqa: F401 - a fixture
    token_for,
    where,
)
from .test_offline import wait_for_worker

SQLITE_ONLY = pytest.mark.parametrize("live_backend", ["sqlite"], indirect=True)
HOTEL = (43.6078, 3.8907432)
EDGE_PX = 8


def statuses(page):
    """Each stop marker's status and each leg's class, in the walk's order."""
    return page.evaluate("""() => ({
        stops: [...document.querySelectorAll('#guide-map .stop-marker')].map(n => n.dataset.status),
        legs: [...document.querySelectorAll('#guide-map path[data-leg]')]  // in the walk's order
            .sort((a, b) => a.dataset.leg - b.dataset.leg).map(
            n => n.classList.contains('leg-done') ? 'done' : n.classList.contains('leg-next') ? 'next' : 'later')
    })""")


def drawn(page, after=0):
    """Wait until the map has been drawn more than ``after`` times; how many times."""
    wait_until(page, "(n) => Number((document.getElementById('guide-map') || {dataset: {}}).dataset.drawn) > n",
               after, timeout_s=15)
    return int(page.locator("#guide-map").get_attribute("data-drawn"))


def inside(inner, outer, margin=0):
    return (inner["x"] >= outer["x"] + margin and inner["y"] >= outer["y"] + margin
            and inner["x"] + inner["width"] <= outer["x"] + outer["width"] - margin
            and inner["y"] + inner["height"] <= outer["y"] + outer["height"] - margin)


@SQLITE_ONLY
@pytest.mark.parametrize("viewport", [None, SMALL_PHONE], ids=["phone", "320px"])
def test_the_guide_sees_the_walk_the_group_and_herself(contexts, server, viewport):  # noqa: F811
    held = []
    context = contexts(geolocation=where(*HOTEL), permissions=["geolocation"],
                       **({"viewport": viewport} if viewport else {}))
    # The map's bundle is held back: the page must be usable without it.
    context.route("**/bundles/guide-map.js*", lambda route: held.append(route))
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server.url}/fr/guide?at=13:20#token={token_for(server)}")
    page.wait_for_selector(".guide-actions:not([hidden])")
    box = page.locator("#guide-map").bounding_box()
    wait_until(page, "() => document.querySelector('.guide-pending').hidden")  # the clock went
    page.locator(".guide-main").click()  # « Nous sommes à l'étape 1 », without the map
    wait_until(page, "() => document.querySelector('.guide-feedback').textContent === 'Envoyé.'", timeout_s=15)
    wait_until(page, "() => !!document.querySelector('link[href*=\"guide-map.css\"]')")
    assert held and not page.evaluate("!!window.L")
    after = page.locator("#guide-map").bounding_box()
    assert (after["width"], after["height"]) == (box["width"], box["height"]) > (250, 200)  # its room, kept
    for route in held:
        route.continue_()
    context.unroute("**/bundles/guide-map.js*")

    count = drawn(page)
    n_stops = page.locator("#guide-map .stop-marker").count()
    assert n_stops == page.locator(".guide-stops > li").count() == 4
    assert statuses(page) == {"stops": ["current", "next", "later", "later"],
                              "legs": ["next", "later", "later"]}
    assert page.locator("#guide-map .stop-marker").first.get_attribute("aria-label") == "1. Hôtel de Métropole"

    # Sharing: this phone's dot at once, the group's marker (hers) once the server has it.
    page.locator(".guide-share").click()
    wait_until(page, "() => !!document.querySelector('#guide-map path.guide-me-marker')")
    wait_until(page, "() => !!document.querySelector('.guide-group-label')", timeout_s=20)
    label = page.locator(".guide-group-label")
    assert label.inner_text() == "Marie, à l'instant"
    map_box = page.locator("#guide-map").bounding_box()
    # The hotel is the walk's east end, by the map's right edge: the label goes left of it.
    assert inside(label.bounding_box(), map_box), "the group's label is clipped by the map's edge"
    assert EDGE_PX <= map_box["x"] and map_box["x"] + map_box["width"] <= page.viewport_size["width"] - EDGE_PX

    # Leaving: the first stop done, the leg and stop 2 next.
    count = drawn(page, count)
    page.locator(".guide-main").click()  # « Nous partons pour l'étape 2 »
    wait_until(page, "() => document.querySelector('#guide-map .stop-marker').dataset.status === 'done'")
    assert statuses(page) == {"stops": ["done", "next", "later", "later"],
                              "legs": ["next", "later", "later"]}
    assert errors == []


@SQLITE_ONLY
def test_the_map_is_drawn_offline_after_the_first_load(browser, server):  # noqa: F811
    context = new_context(browser, service_workers="allow", permissions=["geolocation"],
                          geolocation=where(*FRENCH_TECH))
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{server.url}/fr/guide#token={token_for(server)}")
        page.wait_for_selector(".guide-actions:not([hidden])")
        drawn(page)
        wait_for_worker(page)
        context.set_offline(True)
        page.reload()
        page.wait_for_selector(".guide-actions:not([hidden])")
        drawn(page)
        assert page.locator("#guide-map .stop-marker").count() == 4
        assert page.locator("#guide-map path[data-leg]").count() == 3
        # No tiles offline: the city's streets from the base map, stored with the page.
        wait_until(page, "() => document.getElementById('guide-map').hasAttribute('data-basemap-drawn')",
                   timeout_s=15)
        assert errors == []
    finally:
        context.close()
