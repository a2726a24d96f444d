"""First render on a slow phone network: time until the itinerary is visible.

Run: .venv/bin/python benchmarks/slow_network.py [--runs 5]

Chromium's DevTools network emulation (CDP ``Network.emulateNetworkConditions``)
at Lighthouse's mobile setting: 150 ms round trip, 1.6 Mbps down, 750 kbps up;
cold cache, phone viewport, tiles blocked. Measured from the navigation's
start: first contentful paint, the itinerary's first stop rendered (visible in
the layout and painted: not before first contentful paint), and the numbered
markers on the map. Median of ``--runs``
loads, for tourapp's page (both languages) and, for comparison, folium's
defaults (files from the local npm mirror). Target: itinerary ≤ 1.5 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys

from _common import (
    OUT,
    SEEDED,
    build_cdn_mirror,
    file_app,
    folium_default_page,
    machine,
    quiet,
    tourapp_server,
    warm,
)

from tourapp import stopsfile
from tourapp.testing import LiveServer, launch_chromium, phone_context

CONDITIONS = {
    "offline": False,
    "latency": 150,  # ms, round trip
    "downloadThroughput": 1.6 * 1000 * 1000 / 8,  # bytes per second
    "uploadThroughput": 750 * 1000 / 8,
}
# Times from navigation start, taken in the page from the first byte of the document:
# when each selector first has a layout box.
WATCH_INIT = """(() => {
  window.__seen = {};
  const sel = %s;
  const tick = () => {
    for (const [name, css] of Object.entries(sel)) {
      if (window.__seen[name] === undefined) {
        const el = document.querySelector(css);
        if (el && el.getBoundingClientRect().height > 0) window.__seen[name] = performance.now();
      }
    }
    if (Object.keys(window.__seen).length < Object.keys(sel).length) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  new MutationObserver(tick).observe(document, {childList: true, subtree: true});
})();"""


def first_render(browser, url: str, selectors: dict) -> dict:
    """Milliseconds from navigation start until each selector has a box, and FCP."""
    import json

    # Outside hosts blocked by the launch flags: no request routing, which could
    # change the emulated network's timings.
    context = phone_context(browser, block_outside=False)
    # Watch from the first byte of the document, not from when Playwright returns.
    context.add_init_script(WATCH_INIT % json.dumps(selectors))
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", CONDITIONS)
    response = page.goto(url, wait_until="load", timeout=60_000)
    if response is None or response.status != 200:  # an error page is not the page timed
        raise SystemExit(f"benchmark invalid: {url} answered {response and response.status}")
    page.wait_for_function(
        "n => Object.keys(window.__seen || {}).length >= n", arg=len(selectors), timeout=60_000
    )
    seen = page.evaluate("window.__seen")
    fcp = page.evaluate(
        "(performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime"
    )
    context.close()
    # Nothing is on screen before the first contentful paint: an element laid out
    # earlier becomes visible with that paint.
    return {**{name: max(t, fcp) for name, t in seen.items()}, "fcp": fcp}


def summary(label: str, runs: list[dict]) -> dict:
    """Print medians (and the range) of several runs."""
    keys = list(runs[0])
    medians = {k: statistics.median(r[k] for r in runs) for k in keys}
    cells = "  ".join(
        f"{k} {medians[k] / 1000:.2f} s "
        f"[{min(r[k] for r in runs) / 1000:.2f}–{max(r[k] for r in runs) / 1000:.2f}]"
        for k in keys
    )
    print(f"  {label:<30} {cells}")
    return medians


def main() -> int:
    """Load each page several times under emulation and print the medians."""
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    quiet()
    print(f"slow_network — {machine()}")
    print(
        "150 ms RTT, 1.6 Mbps down / 750 kbps up (CDP emulation), cold cache, tiles blocked; "
        f"median [min–max] of {args.runs} loads, from navigation start"
    )
    tour = stopsfile.load(SEEDED)
    mirror = OUT / "cdn-mirror"
    build_cdn_mirror(mirror)
    folium_default_page(tour, mirror)
    ours = {"itinerary": ".stops > li.stop", "markers": ".leaflet-marker-icon.stop-marker"}
    theirs = {"map": ".leaflet-container", "markers": ".leaflet-marker-icon"}
    with tourapp_server() as app, LiveServer(file_app(mirror)) as cdn, sync_playwright() as pw:
        warm(cdn.url, mirror)
        for lang in ("fr", "en"):  # render and compress once before timing
            __import__("urllib.request").request.urlopen(f"{app.url}/{lang}/").read()
        browser = launch_chromium(pw)
        results = {}
        for lang in ("fr", "en"):
            runs = [first_render(browser, f"{app.url}/{lang}/", ours) for _ in range(args.runs)]
            results[lang] = summary(f"tourapp /{lang}/", runs)
        runs = [first_render(browser, f"{cdn.url}/folium/", theirs) for _ in range(args.runs)]
        summary("folium defaults (no itinerary)", runs)
        browser.close()
    worst = max(r["itinerary"] for r in results.values()) / 1000
    print(
        f"\nTarget: itinerary visible ≤ 1.5 s: {worst:.2f} s — "
        + ("met" if worst <= 1.5 else f"MISSED by {worst - 1.5:.2f} s")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
