"""Page weight: bytes on the wire per origin, tourapp's page against folium's defaults.

Run: .venv/bin/python benchmarks/page_weight.py

Both pages are loaded cold in headless Chromium (phone viewport, tiles answered
locally and left out). tourapp's page comes from the app; the folium page is
the same tour drawn with folium's defaults (``folium.Map``, markers with popups
and tooltips, polylines, ``.save()``), its CDN files served by a local mirror
of their npm packages with the same compression a CDN applies (brotli). Bytes
are Chromium's ``encodedDataLength`` (compressed body + headers).
Each language is compared with a folium page built with that language's texts.
Targets: ≤ 35 % of folium's bytes in each language, no third-party origin
besides the tile server, ≤ 6 requests before first render. The offline base map
(``static/basemap/``, ``static/js/basemap.js``) is fetched here, after the load event,
only because no tile loads (outside hosts do not resolve): it is printed apart and not
counted. Exit status 1 when a page is an error or a target is missed.
"""

from __future__ import annotations

import sys
from collections import defaultdict

from _common import (
    OUT,
    SEEDED,
    build_cdn_mirror,
    file_app,
    folium_default_page,
    machine,
    origin_of,
    quiet,
    tourapp_server,
    warm,
)

from tourapp import stopsfile
from tourapp.testing import LiveServer, launch_chromium, phone_context

LANGS = ("fr", "en")

FIRST_RENDER_JS = """() => {
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  const t = fcp ? fcp.startTime : Infinity;
  const resources = performance.getEntriesByType('resource')
      .filter(e => !e.name.includes('openstreetmap.org'));
  const before = resources.filter(e => e.startTime < t).length;
  const blocking = resources.filter(e => e.renderBlockingStatus === 'blocking').length;
  // + the document itself
  return {fcp: fcp ? fcp.startTime : null, before: before + 1, blocking: blocking + 1};
}"""


def load(context, url: str, mirror_base: str | None = None, wait_for: str | None = None) -> dict:
    """Load ``url`` in a new page; bytes and requests per origin, tiles left out."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    urls: dict[str, str] = {}
    done: dict[str, int] = {}
    cached: set[str] = set()
    cdp.on(
        "Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"])
    )
    cdp.on(
        "Network.loadingFinished",
        lambda e: done.__setitem__(e["requestId"], e["encodedDataLength"]),
    )
    cdp.on(
        "Network.responseReceived",
        lambda e: (
            (e["response"].get("fromDiskCache") or e["response"].get("fromMemoryCache"))
            and cached.add(e["requestId"])
        ),
    )
    page.goto(url, wait_until="load")
    if wait_for:
        page.wait_for_selector(wait_for)
    page.wait_for_load_state("networkidle")
    render = page.evaluate(FIRST_RENDER_JS)
    page.close()
    by_origin: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    basemap = 0
    for rid, size in done.items():
        address = urls.get(rid, "")
        # Tiles are out of scope; the favicon is the browser's own request, after the page.
        if (
            address.startswith("data:")
            or "openstreetmap.org" in address
            or address.endswith("/favicon.ico")
        ):
            continue
        # The offline base map: fetched after the load event, only because no tile loads
        # here (outside hosts do not resolve); online, the tiles come and it is not fetched.
        # Counted apart, and printed.
        # (Its script a bundle of its own since b7bff78: /bundles/basemap.js.)
        if "/static/basemap/" in address or "/basemap.js" in address:
            basemap += size
            continue
        origin = origin_of(address, mirror_base)
        by_origin[origin][0] += size
        by_origin[origin][1] += 0 if rid in cached else 1
    return {"origins": dict(by_origin), "basemap": basemap, **render}


def report(name: str, result: dict, page_origin: str) -> int:
    """Print one page's figures; return its total bytes."""
    total = sum(b for b, _ in result["origins"].values())
    requests = sum(n for _, n in result["origins"].values())  # cache hits left out
    third = sorted(o for o in result["origins"] if o != page_origin)
    print(
        f"\n{name}: {total / 1024:.1f} KiB in {requests} requests, "
        f"{result['before']} requests started before first render "
        f"({result['blocking']} render-blocking; "
        f"FCP {result['fcp']:.0f} ms on loopback), "
        f"{len(third)} third-party origin(s)"
    )
    for origin, (size, count) in sorted(result["origins"].items(), key=lambda kv: -kv[1][0]):
        label = "this site" if origin == page_origin else origin
        print(f"  {label:<28} {size / 1024:8.1f} KiB  {count:3d} requests over the network")
    if result.get("basemap"):
        print(f"  (not counted: the offline base map, {result['basemap'] / 1024:.1f} KiB, "
              "fetched after the load event because no tile loaded)")
    return total


def main() -> int:
    """Measure both pages in one run and print the comparison against the targets."""
    from playwright.sync_api import sync_playwright

    quiet()
    print(f"page_weight — {machine()}")
    tour = stopsfile.load(SEEDED)
    mirror = OUT / "cdn-mirror"
    build_cdn_mirror(mirror)
    for lang in LANGS:  # the comparison page in the page's own language
        folium_default_page(tour, mirror, lang, f"folium/{lang}")
    with tourapp_server() as app, LiveServer(file_app(mirror)) as cdn, sync_playwright() as pw:
        warm(cdn.url, mirror)
        browser = launch_chromium(pw)
        ours, theirs, repeat = {}, {}, {}
        for lang in LANGS:
            check_page(f"{app.url}/{lang}/")
            # Outside hosts blocked by the launch flags only: routing would turn off the
            # HTTP cache the repeat visit measures.
            context = phone_context(browser, block_outside=False)
            ours[lang] = load(context, f"{app.url}/{lang}/", wait_for=".stop-marker")
            repeat[lang] = load(context, f"{app.url}/{lang}/", wait_for=".stop-marker")
            context.close()
            context = phone_context(browser, block_outside=False)
            theirs[lang] = load(
                context, f"{cdn.url}/folium/{lang}/", mirror_base=cdn.url,
                wait_for=".leaflet-marker-icon",
            )
            context.close()
        browser.close()
    host = app.url.split("//")[1]
    ratios = {}
    for lang in LANGS:
        ours_total = report(f"tourapp /{lang}/ (cold cache)", ours[lang], host)
        folium_total = report(
            f"folium defaults, {lang} texts (CDN files from the local npm mirror)", theirs[lang],
            cdn.url.split("//")[1],
        )
        ratios[lang] = ours_total / folium_total
    report("tourapp /en/ again (repeat visit, same browser)", repeat["en"], host)
    third = sorted({o for lang in LANGS for o in ours[lang]["origins"] if o != host})
    before = max(ours[lang]["before"] for lang in LANGS)
    worst = max(ratios.values())
    print("\nTargets")
    for lang in LANGS:
        print(f"  /{lang}/ bytes vs folium defaults in {lang}: {ratios[lang]:.2%}")
    print(
        f"  worst ratio: {worst:.1%} (target ≤ 35 %) "
        + ("met" if worst <= 0.35 else f"MISSED by {worst - 0.35:.1%} points")
    )
    print(
        f"  third-party origins besides tiles: {len(third)} (target 0) "
        + ("met" if not third else "MISSED")
    )
    print(
        f"  requests before first render: {before} (target ≤ 6) "
        + ("met" if before <= 6 else f"MISSED by {before - 6}")
    )
    return 0 if worst <= 0.35 and not third and before <= 6 else 1


def check_page(url: str) -> None:
    """Refuse to weigh an error page: the figures would be those of the error."""
    import urllib.request

    with urllib.request.urlopen(url) as response:  # raises on 4xx/5xx
        body = response.read()
    if b'id="follow"' not in body:
        raise SystemExit(f"{url} is not the participant page")


if __name__ == "__main__":
    sys.exit(main())
