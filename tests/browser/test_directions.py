"""On a phone, each leg's steps are folded away until asked for; the links are at hand."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("lang", "summary", "first"),
    [
        ("fr", "Itinéraire : 7 étapes", "Partez vers le nord dans la rue Léon Blum"),
        ("en", "Directions: 7 steps", "Head north on Rue Léon Blum"),
    ],
)
def test_leg_steps_fold_and_unfold(page, live_server, lang, summary, first):
    page.goto(f"{live_server.url}/{lang}/")
    legs = page.locator("li.leg")
    assert legs.count() == 3
    leg = legs.first
    step = leg.locator(".leg-steps li").first
    assert not step.is_visible()  # collapsed by default
    leg.locator("summary").click()
    assert leg.locator("summary").inner_text() == summary
    assert step.is_visible() and step.inner_text().startswith(first)
    links = leg.locator("a.leg-app")
    assert links.count() == 4
    for index in range(4):
        box = links.nth(index).bounding_box()
        assert box["height"] >= 44 and box["x"] + box["width"] <= 390  # thumb-sized, on screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.errors == []
