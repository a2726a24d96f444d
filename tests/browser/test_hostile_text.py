"""In a real browser: hostile stop texts show literally, run nothing; the CSP is never violated."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tourapp import create_app, stopsfile
from tourapp.testing import LiveServer, wait_until

from ..test_hostile_text import hostile_doc

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture
def hostile_server(tmp_path):
    path = tmp_path / "stops.geojson"
    path.write_text(json.dumps(hostile_doc(), ensure_ascii=False), encoding="utf-8")
    with LiveServer(create_app({"TESTING": True, "TOUR_DATA": path})) as server:
        yield server


@pytest.fixture
def watched(page):
    """The phone page, also recording dialogs and CSP violations."""
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.add_init_script(WATCH)
    return page


SETTLE = """async () => {
  // Every image has loaded or failed: an injected one's onerror would have been tried.
  await Promise.all([...document.images].map(img => img.complete ? null : new Promise(done => {
    img.addEventListener("load", done, {once: true});
    img.addEventListener("error", done, {once: true});
  })));
  await new Promise(done => setTimeout(done, 0));  // the tasks of those events have run
  // Then a violation of our own: reports are delivered in order, so once this one is in,
  // every earlier one is too.
  const marker = document.createElement("script");
  marker.textContent = "/* settled */";
  document.body.appendChild(marker);
}"""


def assert_nothing_ran(page):
    with page.expect_console_message(lambda m: "inline script" in m.text) as logged:
        page.evaluate(SETTLE)
    page.errors.remove(logged.value.text)  # the marker's own report, once
    wait_until(page, "() => window.__csp.includes('script-src-elem inline')")
    assert page.evaluate("window.__csp.pop()") == "script-src-elem inline"  # the marker's
    assert page.dialogs == []
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.evaluate("window.__csp") == []
    assert page.errors == []
    injected = page.locator(".stops img, .stops svg, .leaflet-popup img, .leaflet-tooltip img, "
                            ".leaflet-control-attribution img, h1 img, [onerror], [onload]")
    assert injected.count() == 0


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_hostile_texts_are_shown_literally_and_run_nothing(watched, hostile_server, lang):
    page = watched
    tour = stopsfile.parse(json.dumps(hostile_doc()).encode())
    response = page.goto(f"{hostile_server.url}/{lang}/")
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    page.wait_for_selector(".leaflet-marker-icon.stop-marker")

    # Every marker is on the map, with its label.
    markers = page.locator(".leaflet-marker-icon.stop-marker")
    assert markers.count() == len(tour.stops) == 4
    labels = [markers.nth(i).get_attribute("aria-label") for i in range(4)]
    assert all(stop.name[lang] in label for stop, label in zip(tour.stops, labels, strict=True))

    # The itinerary and the title, literally.
    assert page.locator("h1").text_content() == tour.title[lang]
    # Without the screen-reader status the follow card adds (« (prochaine étape) »).
    names = page.evaluate(
        """() => [...document.querySelectorAll('.stop-name')].map(h => {
            const copy = h.cloneNode(true);
            copy.querySelectorAll('.stop-status').forEach(e => e.remove());
            return copy.textContent;
        })"""
    )
    assert [n.split(" ", 1)[1] for n in names] == [s.name[lang] for s in tour.stops]
    assert page.locator(".stop-description").all_text_contents() == [
        s.description[lang] for s in tour.stops
    ]
    addresses = page.locator(".stop-address").all_text_contents()
    assert addresses == [s.address[lang] for s in tour.stops]
    attribution = page.locator(".leaflet-control-attribution").text_content()
    assert '<a href="javascript:alert(1)">data</a> {{ 6*7 }} <img src=x' in attribution

    # Tooltips, all open at once.
    page.evaluate("tourapp.markers.forEach(function (m) { m.marker.openTooltip(); })")
    tooltips = page.locator(".leaflet-tooltip").all_text_contents()
    assert sorted(tooltips) == sorted(f"{s.order}. {s.name[lang]}" for s in tour.stops)

    # Popups, one marker after the other.
    for stop in tour.stops:
        page.evaluate("tourapp.map.closePopup()")
        expect(page.locator(".leaflet-popup")).to_have_count(0)
        page.locator(f'[data-stop="{stop.id}"]').dispatch_event("click")
        page.locator(".leaflet-popup-content").wait_for()
        name = page.locator(".stop-popup__name").text_content()
        assert name == f"{stop.order}. {stop.name[lang]}"
        assert page.locator(".stop-popup__description").text_content() == stop.description[lang]
        assert page.locator(".stop-popup__address").text_content() == stop.address[lang]

    assert_nothing_ran(page)


@pytest.mark.parametrize("path", ["/fr/", "/en/", "/fr/status", "/en/nope"])
def test_no_csp_violation_on_the_pages(watched, live_server, path):
    page = watched
    response = page.goto(live_server.url + path)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    if response.status == 404:  # the browser logs the status itself
        page.errors[:] = [e for e in page.errors if "status of 404" not in e]
    if path in ("/fr/", "/en/"):
        page.wait_for_selector(".leaflet-marker-icon.stop-marker")
        page.locator('[data-stop="musee-fabre"]').dispatch_event("click")
        page.locator(".leaflet-popup-content").wait_for()
    assert_nothing_ran(page)


def test_the_policy_is_enforced_and_a_violation_would_be_seen(watched, live_server):
    # Proof that the checks above can fail: an inline script is blocked and reported.
    page = watched
    page.goto(live_server.url + "/fr/")
    page.wait_for_selector(".leaflet-marker-icon.stop-marker")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__pwned = 1'; document.body.appendChild(s); }"
    )
    wait_until(page, "() => window.__csp.length > 0")  # the report comes asynchronously
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.evaluate("window.__csp") == ["script-src-elem inline"]
