"""The page's budget on a phone (issue 12, point 14): few requests before the first
render, each leg's geometry sent once, coordinates no finer than a phone can use.

The bytes against folium's default page are measured by benchmarks/page_weight.py.
"""

from __future__ import annotations

import re

import pytest

from tourapp import stopsfile

from ..conftest import SEEDED

BEFORE_FIRST_RENDER = """() => {
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  const resources = performance.getEntriesByType('resource')
      .filter((e) => !e.name.includes('openstreetmap.org'));
  return fcp ? 1 + resources.filter((e) => e.startTime < fcp.startTime).length : null;
}"""


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_at_most_six_requests_before_the_first_render(page, live_server, lang):
    page.goto(f"{live_server.url}/{lang}/")
    page.wait_for_selector(".stop-marker")
    before = page.evaluate(BEFORE_FIRST_RENDER)
    assert before is not None and before <= 6, before  # the document counts as one


def test_each_leg_is_sent_once_with_short_coordinates(page, live_server):
    urls = []
    page.on("response", lambda r: r.url.startswith(live_server.url) and urls.append(r.url))
    page.goto(f"{live_server.url}/fr/")
    page.wait_for_selector(".stop-marker")
    page.wait_for_load_state("networkidle")
    # What the page downloaded, fetched again for its text (the same URLs, the same bytes).
    bodies = {url: page.context.request.get(url).text() for url in urls}
    leg = stopsfile.load(SEEDED).legs[1]
    pairs = {
        url: [(float(a), float(b)) for a, b in re.findall(r"\[(-?\d+\.\d+),\s*(-?\d+\.\d+)\]", text)]
        for url, text in bodies.items()
    }
    for lat, lon in leg.path[5:-5:7]:  # vertices inside the leg, away from its stops
        holders = [
            url for url, found in pairs.items()
            if any(abs(a - lat) < 2e-5 and abs(b - lon) < 2e-5 for a, b in found)
        ]
        assert len(holders) == 1, (lat, lon, holders)
    map_js = next(text for url, text in bodies.items() if "/map.js" in url)
    # Five decimals of a degree (about a metre) is all a phone can show or measure.
    assert re.findall(r"\b\d{1,3}\.\d{6,}\b", map_js) == []


LAYOUT_SHIFTS = """() => new Promise((resolve) => {
  new PerformanceObserver((list, observer) => {
    observer.disconnect();
    resolve(list.getEntries().map((e) => ({
      value: e.value,
      nodes: e.sources.map((s) => s.node ? (s.node.id || s.node.className || s.node.nodeName) : ""),
    })));
  }).observe({ type: "layout-shift", buffered: true });
  // The buffered entries come in the first callback; none at all calls it with an empty list?
  // No: without entries the observer is never called, so answer after the next frame.
  requestAnimationFrame(() => requestAnimationFrame(() => resolve([])));
})"""


@pytest.mark.parametrize(
    "size", [(412, 823), (320, 568), (1350, 940)],
    ids=["lighthouse-phone", "small", "lighthouse-desktop"])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_nothing_moves_while_the_page_comes_to_life(page, live_server, lang, size):
    """What the scripts add (the card's buttons, "Start now", the map's scale and credit) has
    its place from the first paint: nothing jumps under a reader's finger (Lighthouse's
    layout shift)."""
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(f"{live_server.url}/{lang}/")
    page.wait_for_selector("#follow[data-ready]")
    page.wait_for_selector(".stop-marker")
    page.wait_for_selector("img.leaflet-tile")  # the tiles come last, in a task of their own
    # live-boot.js has asked for the state once: what it could show has had its chance.
    page.wait_for_function("() => performance.getEntriesByType('resource')"
                           ".some((e) => e.name.includes('/live/state.json') && e.responseEnd > 0)")
    assert page.evaluate(LAYOUT_SHIFTS) == []


STEPS = """
window.__steps = {};
(function () {
  var frames = 0;
  (function tick() { frames++; requestAnimationFrame(tick); })();
  function seen(name, found) { if (found && !(name in window.__steps)) window.__steps[name] = frames; }
  new MutationObserver(function () {
    var scale = document.querySelector(".leaflet-control-scale-line");
    seen("view", scale && scale.textContent.trim());
    seen("lines", document.querySelector(".leaflet-overlay-pane path"));
    seen("stops", document.querySelector(".leaflet-marker-pane .stop-marker"));
    seen("tiles", document.querySelector("img.leaflet-tile"));
  }).observe(document, { childList: true, subtree: true, characterData: true });
})();
"""


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_map_comes_in_steps_each_after_a_frame(page, live_server, lang):
    """The view, the lines, the stops, then the tiles, each once the browser has drawn the
    last step: no step lays out the page the last one changed (a long task on a slow phone,
    Lighthouse's total blocking time)."""
    page.add_init_script(STEPS)
    page.goto(f"{live_server.url}/{lang}/")
    page.wait_for_function("() => Object.keys(window.__steps).length === 4")
    steps = page.evaluate("window.__steps")
    assert steps["view"] < steps["lines"] < steps["stops"] < steps["tiles"], steps


def test_in_a_background_tab_the_map_comes_without_frames(page, live_server):
    """A tab opened in the background draws no frames: the steps do not wait for one."""
    page.add_init_script("""
      Object.defineProperty(Document.prototype, "hidden", { get: () => true });
      window.requestAnimationFrame = () => 0;  // a hidden tab's frames never come
    """)
    page.goto(f"{live_server.url}/fr/")
    page.wait_for_selector(".leaflet-marker-pane .stop-marker", state="attached")
    page.wait_for_selector("img.leaflet-tile", state="attached")
    assert page.locator(".leaflet-overlay-pane path").count() >= 3
