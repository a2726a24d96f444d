"""An afternoon with two guides (Marie, Paul) and two participants (French, English): one
server, the walk clock set to 13:20, positions, a message, an outage on Marie's phone, the
end at the last stop. What each participant reads, at each moment."""

from __future__ import annotations

import pytest

from tourapp.live.views import get_live

from .conftest import wait_until
from .test_live import (
    FRENCH_TECH,
    contexts,  # noqa: F401 - a fixture
    nb,
    open_guide,
    open_participant,
    server,  # noqa: F401 - a fixture
    token_for,
    where,
)

SQLITE_ONLY = pytest.mark.parametrize("live_backend", ["sqlite"], indirect=True)
HOTEL = (43.6078, 3.8907432)


def shows(page, selector, pattern, timeout_s=15):
    wait_until(page, "([s, p]) => { const n = document.querySelector(s);"
               " return !!n && !n.hidden && new RegExp(p).test(n.textContent); }",
               [selector, pattern], timeout_s=timeout_s)
    return page.locator(selector).inner_text()


@SQLITE_ONLY
def test_two_guides_two_participants_one_afternoon(contexts, server):  # noqa: F811
    fr = open_participant(contexts, server, position=HOTEL)
    en = open_participant(contexts, server, position=HOTEL, lang="en")
    marie = open_guide(contexts, server, query="?at=13:20", position=HOTEL)
    paul = open_guide(contexts, server, token=token_for(server, "Paul"), position=FRENCH_TECH)
    for guide in (marie, paul):
        guide.wait_for_selector(".guide-actions:not([hidden])")
    assert paul.locator(".guide-link").inner_text().startswith("Lien de Paul")

    # 13:20, early at the meeting point: not « 9 min d'avance », the walk starts at 13:30.
    wait_until(marie, "() => document.querySelector('.guide-pending').hidden")
    marie.locator(".guide-main").click()  # « Nous sommes à l'étape 1 »
    group = shows(fr, ".live-group", "départ à")
    assert group == nb("Groupe : Hôtel de Métropole, départ à 13 h 30")
    assert shows(en, ".live-group", "starts at") == nb("Group: at Hôtel de Métropole (Metropolitan Council building), the walk starts at 1:30 PM")
    assert fr.locator(".live-start").is_hidden()  # no solo start during a guided walk
    assert nb("prévu 13 h 39 → estimé 13 h 39") == fr.locator("#stop-espace-french-tech .live-times").inner_text()

    # Both share; Paul writes. The group is Marie's (she shared first), the message Paul's.
    marie.locator(".guide-share").click()
    wait_until(fr, "() => !!document.querySelector('.live-group-label')", timeout_s=15)
    paul.locator(".guide-share").click()
    paul.locator(".guide-text").fill("Paul ici : rendez-vous devant la fontaine")
    paul.locator(".guide-send").click()
    assert shows(fr, ".live-banner__from", "Paul").startswith("Message de Paul à ")
    marie.locator(".guide-text").wait_for()
    assert "Marie" in fr.locator(".live-group-label").inner_text()
    assert fr.locator(".live-away").is_hidden()  # she stands next to Marie: not « 520 m »
    # Paul stops sharing: the group stays on the map (Marie still shares).
    paul.locator(".guide-share").click()
    wait_until(paul, "() => document.querySelector('.guide-pending').hidden")
    with server.app.app_context():
        doc = get_live().read()[1]
    assert [g["sharing"] for g in doc["guides"].values()].count(True) == 1
    fr.wait_for_timeout(5000)  # two polls
    assert fr.locator("path.live-group-marker").count() == 1
    assert "Marie" in fr.locator(".live-group-label").inner_text()
    assert shows(marie, ".guide-current", "fontaine")  # the guide sees the message posted

    # An outage on Marie's phone: the departure waits, counted, and goes when it is back.
    marie.context.set_offline(True)
    marie.locator(".guide-main").click()  # « Nous partons pour l'étape 2 »
    assert shows(marie, ".guide-pending", "attente") == "1 envoi en attente"
    fr.wait_for_timeout(5000)
    assert "départ à" in fr.locator(".live-group").inner_text()  # nothing reached the server
    marie.context.set_offline(False)
    assert shows(fr, ".live-group", "en route vers").startswith("Groupe : en route vers Espace French Tech")
    assert "groupe" in fr.locator(".live-group").inner_text().split("·")[1]  # the group's verdict, named

    # At the last stop: the end of the walk, in both languages.
    marie.context.set_geolocation(where(43.6117157, 3.8807356))
    marie.locator(".guide-other summary").click()
    marie.locator('.guide-at[data-stop="musee-fabre"]').click()
    assert shows(fr, ".live-group", "fin de la") == "Groupe : fin de la déambulation"
    assert shows(en, ".live-group", "end of") == "Group: end of the walk"
    assert marie.locator(".guide-main").is_hidden()

    events = get_events(server)
    assert [(e["stop"], e["kind"], e["guide"]) for e in events] == [
        ("hotel-de-metropole", "arrive", "Marie"), ("hotel-de-metropole", "leave", "Marie"),
        ("musee-fabre", "arrive", "Marie")]
    for page in (fr, en, marie, paul):
        assert page.errors == []


def get_events(running):
    with running.app.app_context():
        return get_live().read()[1]["events"]


@SQLITE_ONLY
def test_old_news_is_shown_as_old(contexts, server):  # noqa: F811
    """No guide has reported for 20 minutes: the group's line says so, in both languages."""
    import json
    import time

    client = server.app.test_client()
    token = token_for(server)
    headers = {"Authorization": f"Bearer {token}"}
    client.post("/live/guide", json={"type": "clock", "at": "14:00"}, headers=headers)
    with server.app.app_context():  # past the rate limit (one request a second)
        get_live()._connect().execute("DELETE FROM kv WHERE key LIKE 'rate:%'")
    client.post("/live/guide", json={"type": "arrive", "stop": "espace-french-tech"}, headers=headers)
    state = client.get("/live/state.json").get_json()
    state["contact"] = time.time() - 20 * 60

    for lang, words in (("fr", "dernières nouvelles il y a 20 min"), ("en", "last news 20 min ago")):
        page = open_participant(contexts, server, lang=lang)
        page.context.route("**/live/state.json", lambda route: route.fulfill(
            status=200, content_type="application/json", body=json.dumps(state)))
        assert shows(page, ".live-group", "20").endswith(words)
