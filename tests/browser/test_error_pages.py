"""Error pages in the page's language, leading back to the walk; the English credit
(issue 12, points 7 and 8)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(("path", "title", "back", "other", "other_heading"), [
    ("/fr/legs/99.gpx", "Page introuvable", "/fr/", "/en/", "Itinerary"),
    ("/en/no-such-page", "Page not found", "/en/", "/fr/", "Itinéraire"),
])
def test_404_leads_back_to_the_walk_in_its_language(
    page, live_server, path, title, back, other, other_heading
):
    response = page.goto(live_server.url + path)
    assert response.status == 404
    assert page.locator("h1").inner_text() == title
    links = page.locator("main a")
    assert back in [links.nth(i).get_attribute("href") for i in range(links.count())]
    # Not against the screen's edge.
    box = page.locator("main p").first.bounding_box()
    assert box["x"] >= 8
    # The language switch leads to the other language's walk, not to another 404.
    page.locator(".lang-switch a[hreflang]").click()
    page.wait_for_selector("#itinerary-heading")
    assert page.url.split("?")[0].endswith(other)
    assert page.locator("#itinerary-heading").inner_text() == other_heading


def test_english_map_carries_the_english_credit(page, live_server):
    page.goto(f"{live_server.url}/en/")
    page.wait_for_selector(".leaflet-control-attribution")
    credit = page.locator(".leaflet-control-attribution").inner_text()
    assert "Data: Ville de Montpellier" in credit and "Données" not in credit
    assert "Data: Ville de Montpellier" in page.locator(".site-footer").inner_text()
