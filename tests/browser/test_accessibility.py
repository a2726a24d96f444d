"""Accessible and bilingual in the browser: axe-core, keyboard, touch targets, small screens.

axe-core (bundled by axe-playwright-python) runs every rule it has, best practices
included, on every HTML page of both languages, with the map loaded and with a
stop's popup open.
"""

from __future__ import annotations

import pytest

from tests.test_translations import foreign_phrases, page_urls
from tourapp.domain.tour import LANGUAGES
from tourapp.testing import (
    LANDSCAPE_PHONE,
    SMALL_PHONE,
    sign_in,
    sign_in_browser,
    wait_until,
)

from .conftest import new_context

axe_sync = pytest.importorskip("axe_playwright_python.sync_playwright")

# Text a person meets in the rendered page (scripts included): text nodes and the
# labels a screen reader speaks, in the page's language only (lang="…" elsewhere skipped).
RENDERED_TEXT = """lang => {
  const chunks = [];
  const inLang = el => (el.closest('[lang]') || document.documentElement).lang === lang;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const parent = walker.currentNode.parentElement;
    if (parent && !parent.closest('script, style') && inLang(parent)) {
      chunks.push(walker.currentNode.data);
    }
  }
  for (const el of document.querySelectorAll('[aria-label], [title], [alt]')) {
    if (!inLang(el)) continue;
    for (const name of ['aria-label', 'title', 'alt']) {
      if (el.getAttribute(name)) chunks.push(el.getAttribute(name));
    }
  }
  chunks.push(document.title);
  return chunks;
}"""

# Interactive elements a finger may aim at, with their size. Links inside a
# sentence are exempt (WCAG 2.5.5 "inline"), and so are elements moved out of
# view to the left (the skip links until focused).
TARGETS = """() => {
  const found = [];
  const selector =
    'a[href], button, [role=button], input, select, textarea, summary, [tabindex="0"]';
  for (const el of document.querySelectorAll(selector)) {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || box.right <= 0) continue;  // hidden, or moved out of view
    if (el.classList.contains('leaflet-container')) continue;  // the map itself
    const style = getComputedStyle(el);
    const parentText = (el.parentElement.textContent || '').trim();
    const inline = el.tagName === 'A' && style.display === 'inline';
    if (inline && parentText.length > el.textContent.trim().length) continue;
    found.push({what: el.outerHTML.slice(0, 80), width: box.width, height: box.height});
  }
  return found;
}"""

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  return {
    tag: el.tagName.toLowerCase(), id: el.id, cls: el.className && String(el.className),
    label: el.getAttribute('aria-label') || el.getAttribute('title')
      || el.textContent.trim().slice(0, 40),
    visible: outline || style.boxShadow !== 'none',
    onScreen: (b => b.right > 0 && b.bottom > 0 && b.width > 0)(el.getBoundingClientRect()),
  };
}"""


def html_pages(live_server, lang: str) -> list[str]:
    """Every HTML page of ``lang``, found in the app's URL map."""
    app = live_server.server.app
    client = app.test_client()
    sign_in(client, lang)  # the organisers' pages are pages too (the browser signs in as well)
    pages = []
    for url in page_urls(app, lang):
        response = client.get(url)
        if response.mimetype == "text/html":
            pages.append(url)
        response.close()
    return pages


def open_page(page, url: str) -> None:
    page.goto(url)
    if page.locator("#map_tour").count():
        page.wait_for_selector(".stop-marker")
        wait_until(page, "() => [...document.querySelectorAll('img.leaflet-tile')].every(i => i.complete)")


def open_popup(page) -> None:
    """Open the first stop's details and wait for the end of Leaflet's fade-in."""
    page.locator(".leaflet-marker-icon.stop-marker").first.click()
    wait_until(page, "() => (p => p && getComputedStyle(p).opacity === '1')(document.querySelector('.leaflet-popup'))")


def axe_violations(page) -> tuple[list[str], int]:
    """axe-core's violations on the page, as readable lines, and how many rules ran."""
    results = axe_sync.Axe().run(page, options={"resultTypes": ["violations"]}).response
    kinds = ("violations", "passes", "incomplete", "inapplicable")
    rules = sum(len(results[kind]) for kind in kinds)
    lines = [
        f"{v['id']} ({v['impact']}): {node['target']} {node['failureSummary']}"
        for v in results["violations"] for node in v["nodes"]
    ]
    return lines, rules


@pytest.mark.parametrize("lang", LANGUAGES)
def test_axe_finds_nothing_and_no_other_language_shows(page, live_server, lang):
    sign_in_browser(page, live_server.url, live_server.server.app, lang)
    urls = html_pages(live_server, lang)
    assert f"/{lang}/" in urls
    for url in urls:
        open_page(page, live_server.url + url)
        violations, rules = axe_violations(page)
        assert violations == [], url
        assert rules > 50  # the whole rule set ran, not a subset
        assert foreign_phrases(lang, page.evaluate(RENDERED_TEXT, lang)) == [], url
        if page.locator(".stop-marker").count():
            # The same with a stop's details open: texts and controls built by the map script.
            open_popup(page)
            assert axe_violations(page)[0] == [], url
            assert foreign_phrases(lang, page.evaluate(RENDERED_TEXT, lang)) == [], url
    assert page.errors == []
    # The error page too; its only console error is its own status.
    page.goto(f"{live_server.url}/{lang}/no-such-page")
    assert axe_violations(page)[0] == []
    assert foreign_phrases(lang, page.evaluate(RENDERED_TEXT, lang)) == []
    assert len(page.errors) == 1 and "404" in page.errors[0]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_keyboard_reaches_everything_with_visible_focus(page, live_server, lang):
    open_page(page, f"{live_server.url}/{lang}/")
    seen = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["tag"] == "body":
            break
        seen.append(focused)
    not_visible = [f for f in seen if not (f["visible"] and f["onScreen"])]
    assert not_visible == []
    kinds = []
    for f in seen:
        cls = f["cls"] or ""
        kind = (
            "skip" if "skip-link" in cls and "skip-map" not in cls
            else "switch" if f["tag"] == "a" and f["label"] in ("Français", "English")
            else "skip-map" if "skip-map" in cls
            else "map" if "leaflet-container" in cls
            else "marker" if "stop-marker" in cls
            else "zoom" if "leaflet-control-zoom" in cls
            else None
        )
        if kind and kind not in kinds:
            kinds.append(kind)
    assert kinds == ["skip", "switch", "skip-map", "map", "marker", "zoom"]
    zoom = {f["label"] for f in seen if "leaflet-control-zoom" in (f["cls"] or "")}
    assert zoom == ({"Zoomer", "Dézoomer"} if lang == "fr" else {"Zoom in", "Zoom out"})
    markers = [f["label"] for f in seen if "stop-marker" in (f["cls"] or "")]
    assert len(markers) == 4 and all(label for label in markers)

    # The map's bypass leads to the itinerary, its text alternative.
    page.locator(".skip-map").focus()
    page.keyboard.press("Enter")
    focused = page.evaluate(FOCUSED)
    assert focused["id"] == "itinerary-heading" and focused["visible"]

    # A marker opens its stop's details with Enter; the close button is labelled in the language.
    page.locator(".leaflet-marker-icon.stop-marker").nth(1).focus()
    page.keyboard.press("Enter")
    close = page.locator(".leaflet-popup-close-button")
    close.wait_for()
    label = close.get_attribute("aria-label")
    assert label == ("Fermer le détail de l'étape" if lang == "fr" else "Close the stop details")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_touch_targets_are_at_least_44_px(page, live_server, lang):
    open_page(page, f"{live_server.url}/{lang}/")
    open_popup(page)
    targets = page.evaluate(TARGETS)
    assert len(targets) >= 9  # language, markers, zoom, popup close, data link
    # Half a pixel of slack: Leaflet's transforms give sizes such as 43.99999.
    small = [t for t in targets if t["width"] < 43.5 or t["height"] < 43.5]
    assert small == []


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    "viewport", [SMALL_PHONE, LANDSCAPE_PHONE],
    ids=["320-portrait", "landscape"],
)
def test_small_screens_without_sideways_scroll(browser, live_server, lang, viewport):
    context = new_context(browser, viewport=viewport)
    page = context.new_page()
    open_page(page, f"{live_server.url}/{lang}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert page.evaluate("document.body.scrollWidth") <= viewport["width"]
    map_box = page.locator("#map_tour").bounding_box()
    assert map_box["height"] >= 200 and map_box["width"] <= viewport["width"]
    for selector in (".lang-switch", ".leaflet-control-zoom", "#itinerary-heading", ".stops"):
        box = page.locator(selector).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 0.5, selector
    context.close()


def test_pinch_zoom_stays_allowed_everywhere(page, live_server):
    for lang in LANGUAGES:
        for url in html_pages(live_server, lang):
            page.goto(live_server.url + url)
            viewport = page.locator('meta[name="viewport"]').get_attribute("content")
            assert "user-scalable=no" not in viewport and "maximum-scale" not in viewport


@pytest.mark.parametrize(("start", "switch_to"), [("fr", "en"), ("en", "fr")])
def test_language_switch_keeps_the_page_query_and_place(page, live_server, start, switch_to):
    page.goto(f"{live_server.url}/{start}/?at=14:05#itinerary-heading")
    page.wait_for_selector(".stop-marker")
    page.locator(f'.lang-switch a[hreflang="{switch_to}"]').click()
    page.wait_for_url(f"{live_server.url}/{switch_to}/?at=14:05#itinerary-heading")
    assert page.locator("html").get_attribute("lang") == switch_to
    assert page.locator(".lang-switch [aria-current=page]").get_attribute("lang") == switch_to
