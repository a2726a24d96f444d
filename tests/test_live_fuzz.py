"""The guide API fuzzed with arbitrary JSON and Unicode (issue 21): never a 5xx, never a
state the phones cannot read."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tourapp import create_app
from tourapp.live import guide as rules
from tourapp.live.views import get_live, guide_token
from tourapp.testing import sign_in

# Every code point; lone surrogates (hypothesis leaves them out unless asked by range),
# bidi overrides, zero-width and control characters drawn often.
TEXT = st.text(st.one_of(
    st.characters(codec=None, exclude_categories=()),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
    st.sampled_from(list("\u202e\u2066\u200b\u200d\ufeff\u00ad\x00\n\t\r=")),
), max_size=40)
NUMBERS = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40), st.floats(allow_nan=True),
    st.integers(min_value=10**300, max_value=10**320),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT)
JSON = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)), max_leaves=12)
STOPS = st.sampled_from(["hotel-de-metropole", "espace-french-tech", "nowhere", ""])
NOW = time.time()


def report():
    """Bodies that look like reports (a known type, mostly well-formed fields), any value."""
    kind = st.sampled_from(rules.KINDS)
    fields = {
        "stop": st.one_of(STOPS, STOPS, JSON),
        "text": st.one_of(TEXT, TEXT, JSON),
        "t": st.one_of(st.floats(NOW - 900, NOW + 60), st.none(), NUMBERS, JSON),
        "lat": st.one_of(st.floats(43.55, 43.65), st.floats(43.55, 43.65), NUMBERS),
        "lon": st.one_of(st.floats(3.84, 3.92), st.floats(3.84, 3.92), NUMBERS),
        "accuracy": st.one_of(st.floats(1, 50), st.floats(0, 2000), NUMBERS),
        "at": st.one_of(st.sampled_from(["13:30", "25:00", "9:5"]), TEXT),
        "speed": st.one_of(st.floats(0.5, 20), NUMBERS),
        "id": st.one_of(st.text("abc-", min_size=1, max_size=3), st.text("abc-", min_size=1,
                                                                          max_size=3), JSON),
    }
    return st.fixed_dictionaries({"type": kind}, optional=fields)


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    from tests.conftest import SEEDED

    folder = tmp_path_factory.mktemp("fuzz")
    data = folder / "stops.geojson"
    data.write_bytes(SEEDED.read_bytes())
    return create_app({"TESTING": True, "TOUR_DATA": data, "SECRET_KEY": "k" * 32,
                       "LIVE_STORE": f"sqlite:///{folder / 'live.sqlite3'}"})


def _post(app, raw: bytes):
    client = app.test_client()
    with app.app_context():
        token = guide_token("Fuzz", 8)
        live = get_live()
        getattr(live, "store", live)._connect().execute("DELETE FROM kv WHERE key LIKE 'rate:%'")
    return client.post("/live/guide", data=raw, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})


def _still_readable(app):
    client = app.test_client()
    state = client.get("/live/state.json")
    assert state.status_code == 200
    json.loads(state.data.decode("utf-8"))  # strict UTF-8: what a phone's JSON.parse needs
    sign_in(client)  # the status page, actuals and track are the organisers' (issue 19)
    for url in ("/fr/status", "/en/actuals.csv", "/fr/track.gpx"):
        assert client.get(url).status_code == 200, url


FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@FUZZ
@given(body=report())
def test_any_report_is_answered_2xx_or_4xx(fuzz_app, body):
    response = _post(fuzz_app, json.dumps(body).encode())
    assert 200 <= response.status_code < 500, (response.status_code, response.data[:200])
    _still_readable(fuzz_app)


@FUZZ
@given(body=JSON)
def test_any_json_is_answered_2xx_or_4xx(fuzz_app, body):
    response = _post(fuzz_app, json.dumps(body).encode())
    assert 200 <= response.status_code < 500, (response.status_code, response.data[:200])
    _still_readable(fuzz_app)


@FUZZ
@given(raw=st.one_of(st.binary(max_size=300),
                    TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
                    st.integers(1, 1200).map(lambda n: b"[" * n + b"]" * n)))
def test_any_bytes_are_answered_2xx_or_4xx(fuzz_app, raw):
    response = _post(fuzz_app, raw)
    assert 200 <= response.status_code < 500
    _still_readable(fuzz_app)
