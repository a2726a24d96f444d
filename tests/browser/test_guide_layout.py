"""The guide's page and the organisers' status page on a 320 px phone: side margins (no text
touching the screen's edge), nothing wider than the screen; the participants' group label
and compact card keep the group's line whole."""

from __future__ import annotations

import pytest

from tourapp.live.views import get_live
from tourapp.testing import SMALL_PHONE, sign_in_browser

from .conftest import wait_until
from .test_live import (
    FRENCH_TECH,
    contexts,  # noqa: F401 - a fixture
    open_guide,
    open_participant,
    server,  # noqa: F401 - a fixture
    token_for,
)

SQLITE_ONLY = pytest.mark.parametrize("live_backend", ["sqlite"], indirect=True)
EDGE_PX = 8

TEXT_BOXES = """(edge) => {
  // Every visible piece of text: the rectangles of its lines, as the screen shows them.
  const out = [], width = document.documentElement.clientWidth;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim()) continue;
    const parent = node.parentElement;
    if (parent.closest('.leaflet-container, .visually-hidden, .skip-link, [hidden], details:not([open]) > :not(summary)')) continue;
    const style = getComputedStyle(parent);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      if (!r.width || !r.height) continue;
      if (r.left < edge || r.right > width - edge)
        out.push({text: node.textContent.trim().slice(0, 40), left: Math.round(r.left), right: Math.round(r.right)});
    }
  }
  return {touching: out, scrollWidth: document.documentElement.scrollWidth, width: width};
}"""


def no_text_at_the_edge(page):
    found = page.evaluate(TEXT_BOXES, EDGE_PX)
    assert found["scrollWidth"] <= found["width"], f"wider than the screen: {found['scrollWidth']} px"
    assert found["touching"] == [], f"text within {EDGE_PX} px of the screen's edge"


def post(running, token, body):
    """A guide report straight to the server, past the one-a-second limit."""
    with running.app.app_context():
        get_live()._connect().execute("DELETE FROM kv WHERE key LIKE 'rate:%'")
    answer = running.app.test_client().post(
        "/live/guide", json=body, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.get_json()


@SQLITE_ONLY
def test_guide_page_has_side_margins_on_a_small_phone(contexts, server):  # noqa: F811
    page = open_guide(contexts, server, query="?at=13:48")
    page.set_viewport_size(SMALL_PHONE)
    page.wait_for_selector(".guide-actions:not([hidden])")
    page.locator(".guide-main").click()  # a report: the state, delay and timetable filled
    page.locator(".guide-text").fill("Rendez-vous devant la fontaine du Peyrou, côté jardin")
    page.locator(".guide-send").click()
    wait_until(page, "() => !document.querySelector('.guide-current').hidden", timeout_s=15)
    wait_until(page, "() => document.querySelectorAll('.guide-timetable li').length === 4", timeout_s=15)
    for summary in page.locator("details summary").all():
        summary.click()
    wait_until(page, "() => Number(document.getElementById('guide-map').dataset.drawn) > 0", timeout_s=15)
    no_text_at_the_edge(page)
    assert page.errors == []


@SQLITE_ONLY
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_status_page_has_side_margins_on_a_small_phone(contexts, server, lang):  # noqa: F811
    token = token_for(server)
    post(server, token, {"type": "clock", "at": "13:48"})
    post(server, token, {"type": "arrive", "stop": "hotel-de-metropole"})
    post(server, token, {"type": "leave", "stop": "hotel-de-metropole"})
    page = contexts(viewport=SMALL_PHONE).new_page()
    sign_in_browser(page, server.url, server.app, lang)
    page.goto(f"{server.url}/{lang}/status")
    page.wait_for_selector(".live-times-table")
    no_text_at_the_edge(page)


@SQLITE_ONLY
def test_group_label_and_compact_card_keep_the_groups_line_on_a_small_phone(contexts, server):  # noqa: F811
    participant = open_participant(contexts, server, position=FRENCH_TECH)
    participant.set_viewport_size(SMALL_PHONE)
    guide = open_guide(contexts, server, query="?at=14:05", position=FRENCH_TECH)
    guide.wait_for_selector(".guide-actions:not([hidden])")
    guide.locator(".guide-other summary").click()
    wait_until(guide, "() => document.querySelector('.guide-pending').hidden")
    guide.locator('.guide-at[data-stop="espace-french-tech"]').click()
    guide.locator(".guide-share").click()
    wait_until(participant, "() => !!document.querySelector('.live-group-label')", timeout_s=20)
    wait_until(participant, "() => /retard/.test(document.querySelector('.live-group').textContent)", timeout_s=20)

    # The label beside the group's marker lies inside the map, whichever side it is drawn.
    for lon_shift in (0.0, 0.0012, -0.0012):
        participant.evaluate("(d) => window.tourapp.map.setView([43.609125, 3.8843705 + d], 17, {animate: false})",
                             lon_shift)
        label = participant.locator(".live-group-label").bounding_box()
        box = participant.locator("#map_tour").bounding_box()
        assert label["x"] >= box["x"] and label["x"] + label["width"] <= box["x"] + box["width"], lon_shift

    # Stuck to the top while scrolling the itinerary, the compact card shows the group's line whole.
    participant.locator("#itinerary-heading").scroll_into_view_if_needed()
    participant.mouse.wheel(0, 400)
    wait_until(participant, "() => document.getElementById('follow').classList.contains('is-stuck')")
    cut = participant.evaluate("""() => { const n = document.querySelector('.live-group');
        return n.scrollHeight > n.clientHeight + 1 || n.scrollWidth > n.clientWidth + 1; }""")
    participant.screenshot(path="/tmp/stuck.png")
    assert not cut, participant.locator(".live-group").inner_text()
    assert participant.errors == [] and guide.errors == []
