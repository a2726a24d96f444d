"""The page on small phones and held sideways: the card, the focus, the first screen, line breaks.

Issue 12, points 1, 2 and 12 (the layout part). Viewports: 320×568 (the smallest phone
still sold), 844×390 (a phone held sideways).
"""

from __future__ import annotations

import pytest

SMALL = {"width": 320, "height": 568}
LANDSCAPE = {"width": 844, "height": 390}
AT_1335 = "?at=13:35"  # the page previewed at 13:35, on the way to stop 2
NEXT_AT_1335 = {"fr": "Espace French Tech", "en": "Espace French Tech"}

# For the element that has the focus: is its centre on screen, and is it what the
# browser would hit there (not a sticky card drawn over it)?
FOCUS_HIDDEN = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const r = el.getBoundingClientRect();
  const x = Math.min(Math.max(r.left + r.width / 2, 0), innerWidth - 1);
  const y = r.top + Math.min(r.height, 20) / 2;
  const label = el.tagName + "." + el.className + " " + (el.textContent || "").trim().slice(0, 40);
  if (y < 0 || y >= innerHeight) return {label: label, why: "off screen at y=" + y};
  const hit = document.elementFromPoint(x, y);
  if (hit && (hit === el || el.contains(hit))) return {label: label, why: ""};
  return {label: label, why: "covered by " + (hit ? hit.tagName + "." + hit.className : "nothing")};
}"""


def settle(page) -> None:
    """Wait two frames: scroll events have been handled and the page laid out again."""
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")


@pytest.mark.parametrize("viewport", [SMALL, LANDSCAPE], ids=["320x568", "844x390"])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_stuck_card_takes_at_most_a_quarter_of_the_screen(open_phone, live_server, viewport, lang):
    # With a position, the card has all it can show: distance, verdict, preview banner.
    page = open_phone(live_server.url, lang, AT_1335, viewport=viewport, position=(43.6085, 3.8875))
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    settle(page)
    box = page.evaluate("document.getElementById('follow').getBoundingClientRect().toJSON()")
    assert box["top"] <= 1  # stuck at the top of the screen
    assert box["height"] <= 0.25 * viewport["height"], box
    # The essentials stay: next stop, distance, verdict.
    for part in (".follow-name", ".follow-distance", ".follow-verdict"):
        assert page.locator(part).is_visible(), part


@pytest.mark.parametrize("viewport", [SMALL, LANDSCAPE], ids=["320x568", "844x390"])
def test_tabbing_never_hides_the_focus_under_a_sticky_element(open_phone, live_server, viewport):
    page = open_phone(live_server.url, "fr", AT_1335, viewport=viewport)
    hidden, seen = [], 0
    for _ in range(80):
        page.keyboard.press("Tab")
        settle(page)
        result = page.evaluate(FOCUS_HIDDEN)
        if result is None:
            break
        seen += 1
        if result["why"]:
            hidden.append(result)
    assert seen > 20  # the whole page was walked through, not just the header
    assert hidden == []
    # The map's skip link leads to the itinerary heading, not under the card.
    page.evaluate("window.scrollTo(0, 0)")
    page.locator(".skip-map").focus()
    page.keyboard.press("Enter")
    settle(page)
    result = page.evaluate(FOCUS_HIDDEN)
    assert result["label"].startswith("H2") and result["why"] == ""


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_next_stop_is_on_the_first_screen_of_a_small_phone(open_phone, live_server, lang):
    page = open_phone(live_server.url, lang, AT_1335, viewport=SMALL)
    name = page.locator(".follow-name")
    assert name.inner_text() == NEXT_AT_1335[lang]
    box = name.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= SMALL["height"], box


def test_landscape_shows_the_whole_map_and_every_marker(open_phone, live_server):
    page = open_phone(live_server.url, "fr", AT_1335, viewport=LANDSCAPE)
    map_box = page.locator("#map_tour").bounding_box()
    assert map_box["y"] >= 0 and map_box["y"] + map_box["height"] <= LANDSCAPE["height"] + 1
    markers = page.locator(".leaflet-marker-icon.stop-marker")
    for index in range(markers.count()):
        box = markers.nth(index).bounding_box()
        assert 0 <= box["y"] and box["y"] + box["height"] <= LANDSCAPE["height"], index


# Every time of day ("13 h 30", "1:30 PM") and distance ("1,3 km") in the element's
# text: how many line boxes each one spreads over.
BROKEN_FIGURES = r"""(selector) => {
  const re = /\d{1,2}[\s\u00a0\u202f]h[\s\u00a0\u202f]\d{2}|\d{1,2}:\d{2}[\s\u00a0\u202f][AP]M|\d+(?:[.,]\d)?[\s\u00a0\u202f](?:km|m|min)\b/g;
  const broken = [];
  document.querySelectorAll(selector).forEach((root) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(re)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (tops.size > 1) broken.push(match[0]);
      }
    }
  });
  return broken;
}"""


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_times_and_distances_never_break_across_lines(open_phone, live_server, lang):
    page = open_phone(live_server.url, lang, "?at=14:20", viewport=SMALL)
    for width in (320, 300, 280, 260):  # a narrower column moves the breaks around
        page.set_viewport_size({"width": width, "height": 568})
        assert page.evaluate(BROKEN_FIGURES, ".site-header, #follow, .itinerary") == [], width


def test_attribution_leaves_the_scale_readable_in_landscape(open_phone, live_server):
    page = open_phone(live_server.url, "fr", AT_1335, viewport=LANDSCAPE)
    scale = page.locator(".leaflet-control-scale").bounding_box()
    credit = page.locator(".leaflet-control-attribution").bounding_box()
    overlap = not (
        scale["x"] + scale["width"] <= credit["x"] or credit["x"] + credit["width"] <= scale["x"]
        or scale["y"] + scale["height"] <= credit["y"] or credit["y"] + credit["height"] <= scale["y"]
    )
    assert not overlap, (scale, credit)


# The map's controls (zoom, locate, re-centre, scale) and its credit: none over another,
# each inside the map's box.
CONTROLS_CLASH = """() => {
  const map = document.getElementById("map_tour").getBoundingClientRect();
  const boxes = [...document.querySelectorAll(
    ".leaflet-control-zoom, .follow-locate button, .leaflet-control-scale, .leaflet-control-attribution")]
    .filter((el) => el.getClientRects().length)
    .map((el) => ({ name: el.className.split(" ")[0], r: el.getBoundingClientRect() }));
  const clash = [];
  boxes.forEach((a, i) => {
    if (a.r.top < map.top || a.r.bottom > map.bottom + 0.5) clash.push(a.name + " outside the map");
    boxes.slice(i + 1).forEach((b) => {
      if (a.r.right > b.r.left && b.r.right > a.r.left && a.r.bottom > b.r.top && b.r.bottom > a.r.top)
        clash.push(a.name + " over " + b.name);
    });
  });
  return clash;
}"""


@pytest.mark.parametrize("viewport", [SMALL, LANDSCAPE, {"width": 390, "height": 844}],
                         ids=["320x568", "844x390", "390x844"])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_map_buttons_stay_clear_of_the_credit_with_a_position(open_phone, live_server, viewport, lang):
    """With a position the re-centre button comes under the locate one: on a 320×568 phone
    it was half under the map's two-line credit (a tap there followed the link)."""
    page = open_phone(live_server.url, lang, AT_1335, viewport=viewport, position=(43.609125, 3.884371))
    page.wait_for_selector(".follow-recentre:not([hidden])")
    settle(page)
    assert page.evaluate(CONTROLS_CLASH) == []


FRAMES = """() => new Promise((resolve) => {
  const seen = [];
  (function frame() {
    seen.push([Math.round(scrollY), document.getElementById("follow").classList.contains("is-stuck")]);
    if (seen.length < 20) requestAnimationFrame(frame); else resolve(seen);
  })();
})"""


@pytest.mark.parametrize("viewport", [SMALL, LANDSCAPE, {"width": 390, "height": 844}],
                         ids=["320x568", "844x390", "390x844"])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_link_to_the_itinerary_lands_still(open_phone, live_server, viewport, lang):
    """Opened at #itinerary-heading (the language switch keeps it), the card sticks and
    turns compact. The room it gives back must not move what follows: the browser's scroll
    anchoring would then scroll the page, the card would come unstuck, grow, and so on,
    every frame."""
    page = open_phone(live_server.url, lang, "?at=14:05#itinerary-heading", viewport=viewport)
    frames = page.evaluate(FRAMES)
    assert len(set(map(tuple, frames))) == 1, frames
