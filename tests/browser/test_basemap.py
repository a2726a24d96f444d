"""With no tiles the map still shows streets and their names (issue 20, point 1).

The base map (tools/build_basemap.py: the city's open data) is drawn on a canvas under the
tiles, fetched after the page's first render, credited on the map when it is drawn.
"""

from __future__ import annotations

import pytest

from tourapp.testing import SMALL_PHONE

from .conftest import TILE_PATTERN, new_context, wait_until

CREDIT = {"fr": "Données : Ville de Montpellier — Licence Ouverte",
          "en": "Data: Ville de Montpellier — Licence Ouverte"}


def painted_share(page) -> float:
    """The share of the base map's pixels that are not its background: streets drawn."""
    return page.evaluate(
        """() => {
          const c = document.querySelector('canvas.basemap');
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          let n = 0;
          for (let i = 0; i < d.length; i += 4) if (!(d[i] === 242 && d[i + 1] === 239 && d[i + 2] === 233)) n++;
          return n / (d.length / 4);
        }"""
    )


def no_tiles(browser):
    """A small phone with no signal for the tiles: every tile fails."""
    context = new_context(browser, viewport=SMALL_PHONE)
    context.unroute(TILE_PATTERN)
    context.route(TILE_PATTERN, lambda route: route.abort())
    return context


@pytest.fixture
def drawn(browser, live_server):
    """The French page with no tiles, once its base map is drawn."""
    context = no_tiles(browser)
    page = context.new_page()
    page.goto(f"{live_server.url}/fr/")
    page.wait_for_selector("#map_tour[data-basemap-drawn]")
    yield page
    context.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_without_tiles_the_map_shows_named_streets(browser, live_server, lang):
    context = no_tiles(browser)
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{live_server.url}/{lang}/")
    page.wait_for_selector("#map_tour[data-basemap-drawn]")
    # Fetched after the first render: after the page's load event.
    loaded = page.evaluate("() => performance.timing.loadEventStart - performance.timeOrigin")
    fetched = page.evaluate(
        "() => performance.getEntriesByType('resource').find((e) => e.name.includes('/basemap/')).startTime"
    )
    assert fetched >= loaded - 1, (fetched, loaded)
    assert any("/static/basemap/montpellier.json?v=" in url for url in requests)
    assert painted_share(page) > 0.05
    # Under the tiles: they cover it wherever they load.
    assert page.evaluate(
        "() => +getComputedStyle(tourapp.map.getPane('basemap')).zIndex"
        " < +getComputedStyle(tourapp.map.getPane('tilePane')).zIndex"
    )
    page.evaluate("() => tourapp.map.setView([43.6105, 3.8770], 17, {animate: false})")
    wait_until(page, "() => tourapp.basemap.labels.length >= 3")
    labels = page.evaluate("() => tourapp.basemap.labels")
    assert any(name.startswith(("Rue", "Boulevard", "Place", "Avenue")) for name in labels), labels
    attribution = page.locator(".leaflet-control-attribution").inner_text()
    assert attribution.count(CREDIT[lang]) == 1, attribution
    context.close()


def test_the_base_map_is_precached_for_offline_use(client):
    urls = client.get("/offline.json").get_json()
    listed = urls["precache"]
    assert any("/static/basemap/montpellier.json" in url for url in listed)


def test_online_the_page_does_not_pay_for_it(page, live_server):
    """Tiles answered: the base map is not fetched (the page budget holds)."""
    page.goto(f"{live_server.url}/fr/")
    page.wait_for_selector("#follow[data-ready]")
    wait_until(page, "() => document.querySelectorAll('.leaflet-tile-loaded').length > 0")
    page.wait_for_load_state("load")
    assert not any("/basemap/" in url for url in page.urls)


def test_a_view_is_drawn_in_short_steps(drawn):
    """No single task draws the whole city: on a slow phone one would hold the page for
    hundreds of milliseconds (Lighthouse's total blocking time). Each step traces a slice."""
    per_task = drawn.evaluate(
        """() => new Promise((done) => {
          // Segments traced per task: a task is counted from one zero-delay timer to the next.
          const counts = [0];
          let finished = false;
          (function tick() {
            if (finished) return;
            if (counts.length > 5000) return done(null);  // never drawn (about 20 s of timers)
            counts.push(0);
            setTimeout(tick, 0);
          })();
          for (const proto of [window.OffscreenCanvasRenderingContext2D, CanvasRenderingContext2D]) {
            if (!proto) continue;
            const lineTo = proto.prototype.lineTo;
            proto.prototype.lineTo = function (x, y) { counts[counts.length - 1]++; return lineTo.call(this, x, y); };
          }
          tourapp.basemap.once('drawn', () => { finished = true; done(counts); });
          tourapp.map.setView([43.6105, 3.8770], 15, {animate: false});
        })"""
    )
    assert per_task is not None, "the view was never drawn"
    assert sum(per_task) > 2000, per_task  # the streets in view, casing and fill
    assert max(per_task) <= 250, per_task  # a slice of about 200 points at a time


def test_streets_are_drawn_where_the_map_puts_them(drawn):
    """The base map projects its points itself (no object per point): the same pixels as
    Leaflet's own projection, for every point of the city."""
    worst = drawn.evaluate(
        """() => {
          const layer = tourapp.basemap, scale = layer.data.scale;
          let worst = 0, count = 0;
          layer.data.streets.forEach((s, k) => {
            let x = 0, y = 0;
            for (let i = 0; i + 1 < s.c.length; i += 2) {
              x += s.c[i]; y += s.c[i + 1];
              const p = tourapp.map.project([y / scale, x / scale], 0), xy = layer.streets[k].xy;
              worst = Math.max(worst, Math.abs(p.x - xy[i]), Math.abs(p.y - xy[i + 1]));
              count++;
            }
          });
          return {worst, count};
        }"""
    )
    assert worst["count"] > 3000
    assert worst["worst"] * 2 ** 19 < 0.01, worst  # under 1/100 of a pixel at zoom 19
