"""Unchanged polls answered 304 in front of Flask, with the very headers Flask gave."""

from __future__ import annotations

import pytest

from tourapp import create_app
from tourapp.live.views import guide_token


@pytest.fixture
def app(tour_file, live_backend):
    app = create_app({"TESTING": True, "TOUR_DATA": tour_file, "SECRET_KEY": "k" * 32})
    app.flask_calls = 0

    @app.before_request
    def count():
        app.flask_calls += 1

    return app


def poll(client, etag=None, encoding="gzip, br"):
    headers = {"Accept-Encoding": encoding}
    if etag:
        headers["If-None-Match"] = etag
    return client.get("/live/state.json", headers=headers)


@pytest.mark.parametrize("encoding", ["gzip, br", "gzip", ""])
def test_replays_flasks_own_304_without_flask(app, encoding):
    client = app.test_client()
    first = poll(client, encoding=encoding)
    by_flask = poll(client, first.headers["ETag"], encoding)  # Flask answers, and is recorded
    calls = app.flask_calls
    replayed = poll(client, first.headers["ETag"], encoding)
    assert by_flask.status_code == replayed.status_code == 304
    assert app.flask_calls == calls  # not through Flask
    assert sorted(replayed.headers.items()) == sorted(by_flask.headers.items())
    assert replayed.headers["X-Content-Type-Options"] == "nosniff" and replayed.data == b""


def test_a_new_state_goes_through_flask(app):
    client = app.test_client()
    etag = poll(client).headers["ETag"]
    poll(client, etag)
    with app.app_context():
        token = guide_token("Marie", 1)
    assert client.post("/live/guide", json={"type": "message", "text": "Départ !"},
                       headers={"Authorization": f"Bearer {token}"}).status_code == 200
    calls = app.flask_calls
    changed = poll(client, etag)
    assert changed.status_code == 200 and app.flask_calls == calls + 1
    assert changed.headers["ETag"] != etag


def test_other_requests_are_flasks(app):
    client = app.test_client()
    etag = poll(client).headers["ETag"]
    poll(client, etag)
    calls = app.flask_calls
    same = {"If-None-Match": etag, "Accept-Encoding": "gzip, br"}
    assert client.get("/live/state.json?x=1", headers=same).status_code == 304
    assert client.head("/live/state.json", headers=same).status_code == 304
    assert poll(client, '"not-the-etag"').status_code == 200
    assert app.flask_calls == calls + 3
