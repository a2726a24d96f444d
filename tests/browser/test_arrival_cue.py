"""Issue 20, beyond the fixes: the cue on arrival (the card says it, the phone vibrates once
where allowed), "Read aloud" with the phone's own voice in the page's language, and
"Share the walk". speechSynthesis, vibrate, share and the clipboard are stubbed by an init
script that records their calls: the test checks what the page asks of the phone."""

from __future__ import annotations

import pytest

from .conftest import wait_until, where
from .test_follow import FIRST_LEG_M, on_first_leg, paris

PHONE = """
window.calls = { spoken: [], vibrated: [], shared: [], copied: [] };
Object.defineProperty(Navigator.prototype, "vibrate", { configurable: true,
  value: function (pattern) { calls.vibrated.push(pattern); return true; } });
if (window.speechSynthesis) {
  speechSynthesis.speak = function (u) { calls.spoken.push({ text: u.text, lang: u.lang }); };
  speechSynthesis.cancel = function () {};
}
"""
NO_SPEECH = "delete window.SpeechSynthesisUtterance; delete window.speechSynthesis;"
# Playwright's own evaluate() counts as a gesture for Chromium: the page is told there was none.
UNTOUCHED = """Object.defineProperty(Navigator.prototype, "userActivation", { configurable: true,
  get: function () { return { hasBeenActive: false, isActive: false }; } });"""
SHARE = """Object.defineProperty(Navigator.prototype, "share", { configurable: true,
  value: function (data) { calls.shared.push(data); return Promise.resolve(); } });"""
CLIPBOARD = """delete Navigator.prototype.share;
Object.defineProperty(Navigator.prototype, "clipboard", { configurable: true, get: function () {
  return { writeText: function (t) { calls.copied.push(t); return Promise.resolve(); } }; } });"""

ARRIVED = {
    "fr": "Vous êtes arrivés à l'étape Espace French Tech · Départ prévu à 14\u00a0h\u00a009",
    "en": "You have arrived at Espace French Tech · Departure planned at 2:09\u00a0PM",
}
AT = paris(13, 35)  # on the way to the Espace French Tech, due at 13:39
STOP_TEXT = {
    "fr": "Espace French Tech. Le socle numérique de la cité intelligente",
    "en": "Espace French Tech. The digital foundation of the smart city",
}


def arrive(page) -> None:
    """Walk into the Espace French Tech's radius (30 m short of it, 10 m accuracy)."""
    page.context.set_geolocation(where(*on_first_leg(1 - 30 / FIRST_LEG_M)))
    page.wait_for_selector('#follow.is-arrived[data-at="espace-french-tech"]')


@pytest.mark.parametrize(("lang", "voice"), [("fr", "fr-FR"), ("en", "en-GB")])
def test_arrival_is_said_felt_and_can_be_read_aloud(open_phone, live_server, lang, voice):
    page = open_phone(live_server.url, lang, scripts=[PHONE], position=on_first_leg(0.5), at=AT)
    # Nothing of it is fetched for the first render (the stops are drawn).
    assert not any("/bundles/extras.js" in url for url in page.urls)
    assert page.locator(".follow-read").count() == 0
    page.locator(".follow-name").click()  # the walker has touched the page: vibrating is allowed
    wait_until(page, "() => !!document.querySelector('.follow-read')")
    assert page.locator(".follow-read").is_hidden()  # not at a stop yet
    arrive(page)
    assert page.locator(".follow-here").inner_text() == ARRIVED[lang]
    wait_until(page, "() => calls.vibrated.length === 1")
    assert page.evaluate("calls.vibrated") == [200]
    button = page.locator(".follow-read")
    assert button.is_visible() and button.inner_text() == {"fr": "Lire à voix haute",
                                                           "en": "Read aloud"}[lang]
    box = button.bounding_box()
    assert box["height"] >= 44
    button.click()
    spoken = page.evaluate("calls.spoken")
    assert len(spoken) == 1 and spoken[0]["lang"] == voice
    assert spoken[0]["text"].startswith(STOP_TEXT[lang]), spoken
    assert "(" not in spoken[0]["text"][:20]  # neither the stop's number nor its status
    # The compact card (scrolled, stuck) still says it.
    page.mouse.wheel(0, 900)
    page.wait_for_selector("#follow.is-stuck")
    assert page.locator(".follow-here").is_visible()
    assert page.evaluate("calls.vibrated") == [200]  # once
    assert page.errors == []


def test_no_vibration_without_a_gesture_and_no_button_without_a_voice(open_phone, live_server):
    page = open_phone(live_server.url, "en", scripts=[PHONE, NO_SPEECH, UNTOUCHED],
                      position=on_first_leg(0.5), at=AT)
    arrive(page)
    assert page.locator(".follow-here").inner_text() == ARRIVED["en"]
    wait_until(page, "() => tourapp.extrasReady === true")  # fetched for the arrival
    assert page.evaluate("calls.vibrated") == []
    assert page.locator(".follow-read").count() == 0
    assert page.errors == []


def test_share_uses_the_share_sheet(open_phone, live_server):
    page = open_phone(live_server.url, "fr", scripts=[PHONE, SHARE], at=AT)
    page.get_by_role("button", name="Partager la déambulation").click()
    wait_until(page, "() => calls.shared.length === 1")
    shared = page.evaluate("calls.shared[0]")
    assert shared["url"] == f"{live_server.url}/fr/"
    assert shared["title"] == "Déambulation urbaine autour de la Cité intelligente"


@pytest.mark.parametrize(("lang", "said"), [
    ("fr", "Lien copié."),
    ("en", "Link copied."),
])
def test_share_copies_the_link_where_there_is_no_sheet(open_phone, live_server, lang, said):
    page = open_phone(live_server.url, lang, scripts=[PHONE, CLIPBOARD], at=AT)
    name = {"fr": "Partager la déambulation", "en": "Share the walk"}[lang]
    page.get_by_role("button", name=name).click()
    page.wait_for_selector(f".share-done:text-is('{said}')")
    assert page.evaluate("calls.copied") == [f"{live_server.url}/{lang}/"]
    assert page.locator(".share-done").get_attribute("role") == "status"
    assert page.errors == []
