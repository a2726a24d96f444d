"""The live walk against what phones, stores and strangers do to it (issue 21)."""

from __future__ import annotations

import json

import pytest

from tourapp import create_app
from tourapp.live import tokens
from tourapp.live.views import get_live


@pytest.fixture
def app(tour_file, live_backend):
    return create_app({"TESTING": True, "TOUR_DATA": tour_file, "SECRET_KEY": "k" * 32})


@pytest.fixture
def client(app):
    return app.test_client()


def _unlimit(app):
    with app.app_context():
        live = get_live()
        if hasattr(live, "client"):
            live.client.delete(*live.client.keys("tourapp:live:rate:*") or ["none"])
        else:
            live._connect().execute("DELETE FROM kv WHERE key LIKE 'rate:%'")


@pytest.fixture
def guide(app, client):
    """Post raw bytes or JSON as a guide, the rate limit skipped between posts."""
    with app.app_context():
        token = tokens.make(app.config["SECRET_KEY"], "Marie", 8, get_live().generation())
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def post(body, raw: bytes | None = None):
        data = raw if raw is not None else json.dumps(body).encode()
        response = client.post("/live/guide", data=data, headers=headers)
        _unlimit(app)
        return response

    post.headers = headers
    return post


def revision(app):
    with app.app_context():
        return get_live().revision()


# --- 1. text that cannot be encoded, or that hides itself ------------------------------

LONE = b'{"type":"message","text":"Hello \\ud800 world"}'


def test_a_lone_surrogate_is_refused_and_the_state_stays_readable(app, client, guide):
    response = guide(None, raw=LONE)
    assert response.status_code == 422 and "Unicode" in response.get_json()["error"]
    assert revision(app) == 0
    assert client.get("/live/state.json").status_code == 200


@pytest.mark.parametrize("text", ["a\ud800b", "\udfff", "x\udc80"])
def test_lone_surrogates_anywhere_in_the_text_are_refused(app, guide, text):
    raw = json.dumps({"type": "message", "text": text}).encode()  # ensure_ascii: \udXXX escapes
    assert guide(None, raw=raw).status_code == 422
    assert revision(app) == 0


def test_a_proper_pair_is_an_emoji_and_passes(client, guide):
    raw = b'{"type":"message","text":"Pause \\ud83d\\ude00"}'
    assert guide(None, raw=raw).status_code == 200
    assert client.get("/live/state.json").get_json()["message"]["text"] == "Pause \U0001f600"


def _store_raw_doc(app, doc_text: str):
    with app.app_context():
        live = get_live()
        if hasattr(live, "client"):
            live.client.set("tourapp:live:doc", doc_text.encode("utf-8", "surrogatepass"))
            live.client.incr("tourapp:live:rev")
        else:
            db = live._connect()
            db.execute("INSERT OR REPLACE INTO kv VALUES ('doc', ?)", (doc_text,))
            db.execute("INSERT OR REPLACE INTO kv VALUES ('rev', '7')")


@pytest.mark.parametrize("doc_text", [
    # What the old code stored: the message with its lone surrogate, as JSON escapes.
    '{"guide":"Marie","message":{"text":"Hello \\ud800 world","t":1},"contact":1}',
    # Damaged shapes: events that are not events, a clock that is not a clock.
    '{"events":[{"stop":1}],"clock":"noon","guide":"Marie"}',
    '{"events":"lots","sharing":true,"position":{"lat":"x"}}',
    "not json at all",
    "[1, 2, 3]",
])
def test_a_bad_stored_document_never_stops_the_polls(app, client, doc_text):
    _store_raw_doc(app, doc_text)
    for _ in range(2):
        response = client.get("/live/state.json")
        assert response.status_code == 200, response.data[:300]
        body = response.get_json()
        assert body["tour"] and "where" in body
        assert "\ud800" not in json.dumps(body, ensure_ascii=False).encode(
            "utf-8", "surrogatepass").decode("utf-8", "replace")


@pytest.mark.parametrize("text, shown", [
    ("\u202eevil\u202c text", "evil text"),             # right-to-left override
    ("a\u200bb\u200cc\u2060d\ufeffe", "abcde"),         # zero-width space, non-joiner, joiner
    ("\u2066isolate\u2069 \u200fmark\u200e", "isolate mark"),
    ("\u061carabic mark", "arabic mark"),
    ("soft\u00adhyphen", "softhyphen"),
    ("famille \U0001f468\u200d\U0001f469\u200d\U0001f467", "famille \U0001f468\u200d\U0001f469\u200d\U0001f467"),
    ("x\u200dy", "xy"),                                  # a joiner between letters hides nothing useful
    ("\u202e", None),                                   # nothing left: the banner is cleared
])
def test_bidi_and_zero_width_characters_never_reach_the_banner(client, guide, text, shown):
    guide({"type": "message", "text": "before"})
    assert guide({"type": "message", "text": text}).status_code == 200
    message = client.get("/live/state.json").get_json().get("message")
    assert (message and message["text"]) == shown
