"""The live walk over HTTP (Flask's client), on both backends: guide API, state, pages."""

from __future__ import annotations

import json
import re

import pytest

from tourapp import create_app
from tourapp.live import tokens
from tourapp.live.views import get_live, guide_token
from tourapp.stopsfile.store import get_store
from tourapp.testing import sign_in

from .conftest import reset_rate_limits


def nb(text: str) -> str:
    """Times as the app writes them, with no-break spaces: « 15 h 27 », "3:27 PM"."""
    return re.sub(r"(\d) (h|AM|PM)( ?)(?=\d|\b)", lambda m: m[1] + "\u00a0" + m[2] + ("\u00a0" if m[3] else ""), text)


FRENCH_TECH = (43.609125, 3.8843705)


@pytest.fixture
def app(tour_file, live_backend):
    return create_app({"TESTING": True, "TOUR_DATA": tour_file, "SECRET_KEY": "k" * 32})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def clock(monkeypatch):
    """The server's clock, moved by the test (rate limit and expiry without waiting)."""
    import time

    class Clock:
        now = time.time()

        def __call__(self):
            return self.now

    fake = Clock()
    monkeypatch.setattr("tourapp.live.views.time.time", fake)
    return fake


def make_token(app, name="Marie", hours=8.0):
    with app.app_context():
        return guide_token(name, hours)


@pytest.fixture
def guide(app, client, clock):
    """Post as a guide, one second apart (the rate limit counts real seconds: skip it)."""
    headers = {"Authorization": f"Bearer {make_token(app)}"}

    def post(body, **kw):
        with app.app_context():
            get_live().allow("unused", 0)  # warm the connection outside the timing
        response = client.post("/live/guide", json=body, headers=kw.pop("headers", headers), **kw)
        reset_rate_limits(app)
        return response

    post.headers = headers
    return post


def state(client):
    return client.get("/live/state.json").get_json()


def revision(app):
    with app.app_context():
        return get_live().revision()


def test_before_any_report_the_state_only_says_so(app, client):
    """The page has the plan: polled every few seconds, the state does not repeat it."""
    response = client.get("/live/state.json")
    body = response.get_json()
    assert response.status_code == 200
    with app.app_context():
        version = get_store().tour().version
    assert body == {"tour": version, "active": False, "where": "planned", "stop": None}
    assert "no-cache" in response.headers["Cache-Control"]
    again = client.get("/live/state.json", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_arrival_nine_minutes_late_shifts_the_times(client, guide):
    assert guide({"type": "clock", "at": "13:48"}).status_code == 200
    response = guide({"type": "arrive", "stop": "espace-french-tech"})
    assert response.status_code == 200, response.get_json()
    body = state(client)
    assert (body["active"], body["where"], body["stop"], body["delay_min"]) == (True, "at", "espace-french-tech", 9)
    assert body["guide"] == "Marie" and body["since"]["fr"] == nb("13 h 48")
    museum = body["stops"][3]
    assert (museum["planned_arrival"]["fr"], museum["arrival"]["fr"]) == (nb("15 h 27"), nb("15 h 36"))


def test_new_report_changes_the_etag(client, guide):
    first = client.get("/live/state.json").headers["ETag"]
    guide({"type": "message", "text": "On part !"})
    response = client.get("/live/state.json", headers={"If-None-Match": first})
    assert response.status_code == 200 and response.get_json()["message"]["text"] == "On part !"


@pytest.mark.parametrize("header, status", [
    (None, 401),
    ("Bearer ", 401),
    ("Bearer forged.token.value", 401),
    ("Basic bWFyaWU6c2VjcmV0", 401),
])
def test_missing_or_forged_tokens_change_nothing(app, client, guide, header, status):
    headers = {"Authorization": header} if header else {}
    response = guide({"type": "arrive", "stop": "espace-french-tech"}, headers=headers)
    assert response.status_code == status and "Bearer" in response.headers["WWW-Authenticate"]
    assert revision(app) == 0


def test_a_cookie_is_no_token(app, client, guide):
    client.set_cookie("token", make_token(app))
    response = guide({"type": "stop"}, headers={"Cookie": f"Authorization=Bearer {make_token(app)}"})
    assert response.status_code == 401 and revision(app) == 0


def test_token_signed_with_another_key_is_refused(app, guide):
    other = tokens.make("another-secret-key-0123456789abcdef", "Mallory", 8, 0)
    assert guide({"type": "stop"}, headers={"Authorization": f"Bearer {other}"}).status_code == 401
    assert revision(app) == 0


def test_expired_token_is_refused(app, guide, clock):
    token = make_token(app, hours=1)
    assert guide({"type": "stop"}, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    before = revision(app)
    clock.now += 3601
    response = guide({"type": "message", "text": "late"},
                     headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and response.get_json()["error"] == "expired token"
    assert revision(app) == before


def test_revoked_token_is_403(app, guide):
    with app.app_context():
        get_live().revoke_all()
    response = guide({"type": "arrive", "stop": "espace-french-tech"})
    assert response.status_code == 403 and revision(app) == 0


def test_guide_check_names_the_guide(client, guide):
    response = client.get("/live/guide", headers=guide.headers)
    assert response.status_code == 200 and response.get_json()["name"] == "Marie"
    assert client.get("/live/guide").status_code == 401


def position(**changes):
    body = {"type": "position", "lat": FRENCH_TECH[0], "lon": FRENCH_TECH[1], "accuracy": 10}
    body.update(changes)
    return body


@pytest.mark.parametrize("body, reason", [
    (position(lat=48.8566, lon=2.3522), "20 km"),          # Paris
    (position(lat=91), "20 km"),
    (position(lat="43.6"), "number"),
    (position(lat=float("nan")), "number"),
    (position(accuracy=0), "accuracy"),
    (position(accuracy=5000), "accuracy"),
    (position(t=10**12), "future"),
    (position(t=1), "old"),
    ({"type": "arrive", "stop": "nowhere"}, "stop"),
    ({"type": "message", "text": "x" * 281}, "280"),
    ({"type": "clock", "at": "25:00"}, "HH:MM"),
    ({"type": "teleport"}, "type"),
    ([1, 2], "type"),
])
def test_out_of_bounds_requests_are_refused_whole(app, guide, body, reason):
    response = guide(body)
    assert response.status_code == 422 and reason in response.get_json()["error"]
    assert revision(app) == 0


def test_body_size_is_bounded(app, guide):
    response = guide({"type": "message", "text": "x" * 280, "pad": "y" * 5000})
    assert response.status_code == 413 and revision(app) == 0


def test_only_json_is_accepted(app, client, guide):
    response = client.post("/live/guide", data="type=stop", headers=guide.headers,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415 and revision(app) == 0


def test_one_request_per_second_per_link(app, client, guide):
    headers = guide.headers
    first = client.post("/live/guide", json={"type": "message", "text": "un"}, headers=headers)
    second = client.post("/live/guide", json={"type": "message", "text": "deux"}, headers=headers)
    assert first.status_code == 200 and second.status_code == 429
    assert second.headers["Retry-After"] == "1"
    assert state(client)["message"]["text"] == "un"


def test_the_rate_limit_is_per_link_not_per_guide_name(app, client, guide):
    # Two links given to two phones of guides who share a name (or one guide's spare phone).
    one = guide.headers
    other = {"Authorization": f"Bearer {make_token(app, name='Marie')}"}
    assert client.post("/live/guide", json={"type": "message", "text": "un"},
                       headers=one).status_code == 200
    assert client.post("/live/guide", json={"type": "message", "text": "deux"},
                       headers=other).status_code == 200
    assert client.post("/live/guide", json={"type": "message", "text": "trois"},
                       headers=one).status_code == 429
    assert state(client)["message"]["text"] == "deux"


def test_message_of_280_characters_is_kept_as_text(client, guide):
    hostile = '<img src=x onerror="alert(1)">' + "é" * 250
    assert guide({"type": "message", "text": hostile}).status_code == 200
    assert state(client)["message"]["text"] == hostile
    guide({"type": "message", "text": "a\x00b\x1bc"})
    assert state(client)["message"]["text"] == "a b c"
    guide({"type": "message", "text": ""})
    assert state(client).get("message") is None  # cleared (and nothing else reported: not active)


def test_position_is_public_only_while_sharing_and_for_an_hour(client, guide, clock):
    assert guide(position()).status_code == 200
    assert state(client)["position"]["lat"] == FRENCH_TECH[0]
    assert state(client)["position"]["guide"] == "Marie"
    clock.now += 3601
    assert state(client)["position"] is None  # stale: gone
    assert guide(position()).status_code == 200
    assert state(client)["position"] is not None
    assert guide({"type": "stop"}).status_code == 200
    assert state(client).get("position") is None  # stopped sharing (nothing else reported)


def test_positions_make_the_track(app, client, guide, clock):
    for step in range(3):
        clock.now += 10
        guide(position(lat=FRENCH_TECH[0] + step * 0.0002))
    with app.app_context():
        track = get_live().track()
    assert [round(p[1], 4) for p in track] == [43.6091, 43.6093, 43.6095]


@pytest.mark.parametrize("lang, words", [("fr", "Mode guide"), ("en", "Guide mode")])
def test_guide_page(client, lang, words):
    response = client.get(f"/{lang}/guide")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and words in html
    assert "<script>" not in html and "data-texts=" in html
    assert "noindex" in response.headers["X-Robots-Tag"]


def test_status_page_shows_planned_and_actual_times_and_last_contact(client, guide, clock):
    guide({"type": "clock", "at": "13:48"})
    guide({"type": "arrive", "stop": "espace-french-tech"})
    sign_in(client)
    html = client.get("/en/status").get_data(as_text=True)
    assert "Last contact from the guide (Marie): 0 min ago." in html
    assert '<td class="live-actual-arrival" data-label="Actual arrival">13:48</td>' in html
    assert "/en/actuals.csv" in html and "/en/track.gpx" in html
    assert "Horaires réels" in client.get("/fr/status").get_data(as_text=True)


def test_actuals_csv_download(client, guide):
    guide({"type": "clock", "at": "13:48"})
    guide({"type": "arrive", "stop": "espace-french-tech"})
    sign_in(client)
    response = client.get("/en/actuals.csv")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = response.get_data(as_text=True).splitlines()
    assert rows[0].startswith("order,id,name,planned_arrival,actual_arrival")
    assert rows[2].startswith("2,espace-french-tech,Espace French Tech,13:39,13:48,14:09,,9,")


def test_state_json_is_compact_and_never_carries_html(client, guide):
    guide({"type": "message", "text": "</script><b>x</b>"})
    raw = client.get("/live/state.json").get_data(as_text=True)
    assert json.loads(raw)["message"]["text"] == "</script><b>x</b>"
    assert len(raw.encode()) < 4000


def test_static_export_has_no_live_walk(app, tmp_path):
    from tourapp.web.export import freeze

    freeze(app, tmp_path / "site", precompress=False)
    page = (tmp_path / "site" / "fr" / "index.html").read_text(encoding="utf-8")
    assert 'id="live"' in page and "data-live-url" not in page  # no server to ask: the plan
    assert not (tmp_path / "site" / "fr" / "status.html").exists()  # organisers only
    assert not (tmp_path / "site" / "live").exists()
    assert not (tmp_path / "site" / "fr" / "actuals.csv").exists()


@pytest.mark.parametrize(("lang", "start"), [("fr", "Commencer maintenant"), ("en", "Start now")])
def test_live_texts_are_a_file_of_their_own_not_in_the_page(client, lang, start):
    """live.js's texts (used by few visits) are out of the page's first render: the page names
    their versioned file, stored for a year and by the offline worker."""
    html = client.get(f"/{lang}/").get_data(as_text=True)
    live = re.search(r'<div id="live"[^>]*>', html, re.S).group(0)
    version = re.search(r'data-tour-version="([^"]+)"', html).group(1)
    assert json.loads(re.search(r"data-live='([^']*)'", live).group(1)) == {"version": version}
    url = re.search(r'data-live-texts="([^"]+)"', live).group(1)
    assert url.startswith(f"/{lang}/live-texts.json?v=")
    response = client.get(url)
    assert response.mimetype == "application/json"
    assert "immutable" in response.headers["Cache-Control"]
    assert response.get_json()["start"] == start
    assert start not in live  # the texts are not in the page (the button has its label)
    assert url in client.get("/offline.json").get_json()["precache"]
