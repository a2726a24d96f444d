"""The live walk against what phones, stores and strangers do to it (issue 21)."""

from __future__ import annotations

import json

import pytest

from tourapp import create_app
from tourapp.live import tokens
from tourapp.live.views import get_live, guide_token
from tourapp.testing import RedisServer, sign_in

from .conftest import reset_rate_limits


@pytest.fixture
def app(tour_file, live_backend):
    return create_app({"TESTING": True, "TOUR_DATA": tour_file, "SECRET_KEY": "k" * 32})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def guide(app, client):
    """Post raw bytes or JSON as a guide, the rate limit skipped between posts."""
    with app.app_context():
        token = guide_token("Marie", 8)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def post(body, raw: bytes | None = None):
        data = raw if raw is not None else json.dumps(body).encode()
        response = client.post("/live/guide", data=data, headers=headers)
        reset_rate_limits(app)
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


def test_a_stored_document_of_several_guides_is_cleaned_guide_by_guide(app, client):
    """The guides' document (issue 23) kept through ``readable``: every name and text
    cleaned, the malformed parts dropped, the rest (position, holder, events) served."""
    import time

    now = time.time()
    doc = {
        "clock": {"real_s": now - 120, "plan_min": 13 * 60 + 30, "speed": 1},
        "guides": {
            "g1": {"name": "\u202eMarie\ud800", "sharing": True, "contact": now,
                   "position": {"lat": 43.6078, "lon": 3.8907, "acc": 5, "t": now - 10}},
            "g2": "not a guide",
            "g3": {"name": 5, "sharing": True, "position": {"lat": "x"}},
        },
        "holder": "g1",
        "events": [{"stop": "hotel-de-metropole", "kind": "arrive", "t": now - 60,
                    "by": "g1", "guide": "Mar\u200bie"}, {"stop": 3}],
        "message": {"text": "on\u200b repart \ud800", "t": now - 5, "guide": "Pa\u202eul",
                    "by": "g3"},
        "visits": {"hotel-de-metropole": "long"},
        "ended": "never",
        "ids": ["r-1", 3],
    }
    _store_raw_doc(app, json.dumps(doc))
    body = client.get("/live/state.json").get_json()
    assert body["position"]["guide"] == "Marie" and body["position"]["lat"] == 43.6078
    assert body["guides"] == ["Marie"]  # g3 shares nothing it could show
    assert body["message"] == {"text": "on repart", "t": now - 5, "guide": "Paul"}
    assert body["stop"] == "hotel-de-metropole" and body["where"] == "at"
    sign_in(client, "en")
    page = client.get("/en/status")
    assert page.status_code == 200 and "Marie" in page.text and "\u202e" not in page.text
    with app.app_context():
        from tourapp.live import present

        kept = present.readable(get_live().read()[1])
    assert kept["events"] == [{"stop": "hotel-de-metropole", "kind": "arrive", "t": now - 60,
                               "by": "g1", "guide": "Marie"}]
    assert set(kept["guides"]) == {"g1", "g3"} and kept["holder"] == "g1"
    assert kept["ids"] == ["r-1"] and "visits" in kept and kept["visits"] == {}
    assert "ended" not in kept


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


# --- 2 and 5. the cap, replays and the order of stop reports --------------------------


def _events(app):
    with app.app_context():
        return get_live().read()[1].get("events", [])


def test_after_the_cap_reports_answer_409_and_the_walk_keeps_working(app, client, guide,
                                                                     monkeypatch):
    from tourapp.live import guide as rules

    monkeypatch.setattr(rules, "MAX_EVENTS", 2)
    assert guide({"type": "arrive", "stop": "hotel-de-metropole"}).status_code == 200
    assert guide({"type": "leave", "stop": "hotel-de-metropole"}).status_code == 200
    response = guide({"type": "arrive", "stop": "espace-french-tech"})
    assert response.status_code == 409 and "too many" in response.get_json()["error"]
    assert len(_events(app)) == 2
    # Positions and messages still go through, and a correction of a recorded stop too.
    assert guide({"type": "message", "text": "on continue"}).status_code == 200
    assert guide({"type": "leave", "stop": "hotel-de-metropole"}).status_code == 200
    assert client.get("/live/state.json").get_json()["message"]["text"] == "on continue"


def test_a_walk_recorded_with_500_reports_keeps_working(app, client, guide):
    import time

    now = time.time()
    old = [{"stop": "hotel-de-metropole", "kind": k, "t": now - 60 + i * 0.01}
           for i, k in enumerate(["arrive", "leave"] * 250)]
    with app.app_context():
        get_live().update(lambda doc: {**doc, "events": old})
    for stop in ("espace-french-tech", "hotel-de-metropole"):
        response = guide({"type": "arrive", "stop": stop})
        assert response.status_code == 200, response.get_json()
    assert len(_events(app)) <= 3
    assert client.get("/live/state.json").status_code == 200


def test_a_replayed_report_is_recorded_once_with_the_same_answer(app, guide):
    body = {"type": "arrive", "stop": "hotel-de-metropole", "id": "r-1"}
    first = guide(body)
    assert first.status_code == 200
    rev = revision(app)
    for _ in range(600):  # more than the old cap: replays never count
        again = guide(body)
        assert again.status_code == 200 and again.get_json()["ok"] is True
    assert revision(app) == rev and len(_events(app)) == 1
    # Another report after all those replays is taken.
    assert guide({"type": "leave", "stop": "hotel-de-metropole", "id": "r-2"}).status_code == 200


def test_a_replay_without_id_is_known_by_its_time(app, guide):
    import time

    body = {"type": "arrive", "stop": "hotel-de-metropole", "t": time.time() - 5}
    assert guide(body).status_code == 200
    rev = revision(app)
    assert guide(body).status_code == 200 and revision(app) == rev


@pytest.mark.parametrize("ident", ["", "x" * 65, "a b", 12, ["r"], "é"])
def test_report_ids_are_checked(app, guide, ident):
    response = guide({"type": "message", "text": "hi", "id": ident})
    assert response.status_code == 422 and "'id'" in response.get_json()["error"]
    assert revision(app) == 0


def test_a_departure_before_its_arrival_is_refused(app, client, guide):
    import time

    now = time.time()
    assert guide({"type": "arrive", "stop": "hotel-de-metropole", "t": now - 60}).status_code == 200
    response = guide({"type": "leave", "stop": "hotel-de-metropole", "t": now - 120})
    assert response.status_code == 409 and "earlier than the arrival" in response.get_json()["error"]
    # The boundary: leaving the second one arrives is fine.
    assert guide({"type": "leave", "stop": "hotel-de-metropole", "t": now - 60}).status_code == 200
    sign_in(client)  # the actuals are the organisers' (issue 19)
    csv = client.get("/fr/actuals.csv").text.splitlines()
    row = next(line for line in csv if "hotel-de-metropole" in line).split(",")
    assert row[-2] and row[-1] and row[-2] <= row[-1]


def test_a_queued_report_delivered_late_takes_its_place_in_time(app, client, guide):
    import time

    now = time.time()
    # The phone queued "leave the first stop" and sends it after "arrive at the second".
    assert guide({"type": "arrive", "stop": "hotel-de-metropole", "t": now - 300}).status_code == 200
    assert guide({"type": "arrive", "stop": "espace-french-tech", "t": now - 30}).status_code == 200
    assert guide({"type": "leave", "stop": "hotel-de-metropole", "t": now - 200}).status_code == 200
    assert [(e["stop"], e["kind"]) for e in _events(app)] == [
        ("hotel-de-metropole", "arrive"), ("hotel-de-metropole", "leave"),
        ("espace-french-tech", "arrive")]
    body = client.get("/live/state.json").get_json()
    assert (body["where"], body["stop"]) == ("at", "espace-french-tech")


def test_back_at_a_stop_after_leaving_it_undoes_the_departure(app, guide):
    import time

    now = time.time()
    guide({"type": "arrive", "stop": "hotel-de-metropole", "t": now - 100})
    guide({"type": "leave", "stop": "hotel-de-metropole", "t": now - 50})
    assert guide({"type": "arrive", "stop": "hotel-de-metropole", "t": now - 10}).status_code == 200
    assert [(e["kind"], e["t"]) for e in _events(app)] == [("arrive", now - 10)]


# --- 4. a Redis crash does not un-revoke links ---------------------------------------


@pytest.fixture
def own_redis(tmp_path):
    # No persistence at all: the worst case.
    with RedisServer(tmp_path / "redis") as server:
        yield server


def test_a_revocation_survives_a_redis_crash_on_every_machine(tour_file, tmp_path, own_redis,
                                                             monkeypatch):
    """Two app machines (instance folders of their own), one Redis that keeps nothing."""
    monkeypatch.setenv("LIVE_STORE", own_redis.url)

    def machine(name):
        monkeypatch.setenv("TOURAPP_INSTANCE", str(tmp_path / name))
        return create_app({"TESTING": True, "TOUR_DATA": tour_file, "SECRET_KEY": "k" * 32})

    here, there = machine("a"), machine("b")
    old = guide_token("Mallory", 8, here)
    kept = guide_token("Marie", 8, here)  # made after nothing: fine until Redis loses it
    result = there.test_cli_runner().invoke(args=["tour", "guide-link", "--revoke-all"])
    assert result.exit_code == 0, result.output
    fresh = guide_token("Paul", 8, there)
    for app in (here, there):
        answers = [app.test_client().get("/live/guide", headers={"Authorization": f"Bearer {t}"})
                   for t in (old, fresh)]
        assert [a.status_code for a in answers] == [403, 200]
    own_redis.kill()
    own_redis.start()  # empty: nothing was saved
    # No machine holds anything of its own: a lost generation revokes every link (never
    # restores an old one). The guides ask for new links, which work everywhere.
    for app in (here, there, machine("c")):
        for token in (old, kept, fresh):
            answer = app.test_client().get("/live/guide",
                                           headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 403, (app.instance_path, answer.get_json())
    new = guide_token("Marie", 8, here)
    for app in (here, there):
        answer = app.test_client().get("/live/guide", headers={"Authorization": f"Bearer {new}"})
        assert answer.status_code == 200
    assert not list((tmp_path / "a").glob("live-revocations*"))
    assert not list((tmp_path / "b").glob("live-revocations*"))


def test_revoking_after_a_redis_loss_never_reuses_a_generation(own_redis):
    from tourapp.live.backends import open_store

    store = open_store(own_redis.url, str(own_redis.folder))
    seen = {store.generation()}
    seen.add(store.revoke_all())
    seen.add(store.revoke_all())
    own_redis.kill()
    own_redis.start()
    # INCR of a missing key would give 1, 2…: the generations of an earlier era.
    assert store.revoke_all() not in seen and store.generation() not in seen
    store.close()


# --- 7. a store outage ----------------------------------------------------------------


@pytest.fixture
def outage_app(tour_file, tmp_path, own_redis, monkeypatch):
    monkeypatch.setenv("LIVE_STORE", own_redis.url)
    monkeypatch.setenv("TOURAPP_INSTANCE", str(tmp_path / "instance"))
    return create_app({"TESTING": True, "TOUR_DATA": tour_file, "SECRET_KEY": "k" * 32})


def test_an_outage_answers_503_quickly_with_headers_and_logs_once(outage_app, own_redis,
                                                                   caplog):
    import logging
    import time

    client = outage_app.test_client()
    first = client.get("/live/state.json")
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert client.get("/live/state.json", headers={"If-None-Match": etag}).status_code == 304
    sign_in(client, "en")  # the status page is the organisers' (issue 19)
    own_redis.kill()
    caplog.set_level(logging.INFO)
    caplog.clear()
    started = time.monotonic()
    for headers in ({"If-None-Match": etag}, {}) * 10:
        response = client.get("/live/state.json", headers=headers)
        # The phone keeps its last state and shows its age; it tries again in a while.
        assert response.status_code == 503, response.data[:200]
        assert response.headers["Retry-After"] and response.headers["X-Content-Type-Options"]
        assert response.get_json()["error"]
    assert time.monotonic() - started < 3  # 20 polls: no 4-second wait each
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "live store cannot be read" in errors[0].getMessage()
    assert not any(r.exc_info for r in caplog.records)  # no traceback per poll
    # Organisers see the outage named; the rest of the status page is there.
    page = client.get("/en/status")
    assert page.status_code == 200 and "live walk's store is unreachable" in page.text
    # The guide is told to retry, not that the link is bad.
    posted = client.post("/live/guide", json={"type": "stop"},
                         headers={"Authorization": "Bearer x.y.z"})
    assert posted.status_code == 503 and posted.headers["Retry-After"]
    own_redis.start()
    from tourapp.testing import wait_for

    wait_for(lambda: client.get("/live/state.json").status_code == 200, "the store is back",
             timeout_s=10)
    assert any("can be read again" in r.getMessage() for r in caplog.records)


def test_the_shortcut_never_gives_a_bare_500_in_an_outage(outage_app, own_redis):
    """Through the WSGI stack gunicorn sees: the 304 shortcut in front of Flask."""
    from werkzeug.test import Client

    client = Client(outage_app.wsgi_app)
    first = client.get("/live/state.json")
    etag = first.headers["ETag"]
    client.get("/live/state.json", headers={"If-None-Match": etag})  # the shortcut learns it
    own_redis.kill()
    response = client.get("/live/state.json", headers={"If-None-Match": etag})
    assert response.status_code == 503 and response.headers["X-Content-Type-Options"]


# --- 6. a full disk, a read-only instance folder ---------------------------------------


def _unshare_works() -> bool:
    import shutil
    import subprocess

    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "mount", "-t", "tmpfs", "-o", "size=8k", "tmpfs",
                            "/tmp"], capture_output=True)
    return probe.returncode == 0


needs_unshare = pytest.mark.skipif(
    not _unshare_works(),
    reason="needs unshare -rm (user and mount namespaces) to mount a small tmpfs",
)


def _run_diskfull(scenario: str, tmp_path, tour_file) -> dict:
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).with_name("diskfull.py")
    result = subprocess.run(
        ["unshare", "-rm", sys.executable, str(script), scenario, str(tmp_path / "instance"),
         str(tour_file)],
        capture_output=True, text=True, timeout=120, env=os.environ.copy(),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


@needs_unshare
def test_a_full_disk_never_serves_an_unrecorded_version(tmp_path, tour_file):
    """A real full disk: a 512 KB tmpfs filled to the last block (tests/diskfull.py)."""
    run = _run_diskfull("full", tmp_path, tour_file)
    steps = dict(run["steps"])
    before, after = run["served"][0], run["served"][-1]
    assert before != after and set(run["served"]) <= set(run["recorded"])
    for name in ("full", "full, restarted"):
        answers = steps[name]
        assert answers["/fr/"] == [200, before]  # the recorded version, not the new file
        assert answers["healthz"]["status"] == "degraded"
        assert "cannot be recorded" in answers["healthz"]["problems"][0]
        assert answers["post"] == 503  # the guide's report is refused, retried by the phone
        assert all(answers[u][0] == 200 for u in ("/live/state.json", "/fr/status", "/healthz"))
    # Space back: the same worker records the new version and serves it, without a restart.
    assert steps["space back"]["/fr/"] == [200, after]
    assert steps["space back"]["healthz"]["status"] == "ok"
    assert steps["space back"]["post"] == 200
    assert run["current"] == after


@needs_unshare
def test_a_read_only_instance_folder_keeps_every_read(tmp_path, tour_file):
    run = _run_diskfull("ro", tmp_path, tour_file)
    before = run["served"][0]
    for name, answers in run["steps"][1:]:
        for url in ("/fr/", "/healthz", "/live/state.json", "/fr/status", "/tour.geojson"):
            assert answers[url] == [200, before], (name, url, answers[url])
        assert answers["post"] == 503
    assert "cannot be recorded" in run["steps"][-1][1]["healthz"]["problems"][0]
    assert run["recorded"] == [before]


def test_an_unrecordable_version_is_retried_in_process(tmp_path, tour_file, monkeypatch):
    """The same rule where namespaces are not allowed: the history's writes raise ENOSPC."""
    import errno

    from tests.conftest import write_doc
    from tourapp.stopsfile import history

    app = create_app({"TESTING": True, "TOUR_DATA": tour_file, "SECRET_KEY": "k" * 32,
                      "TOUR_HISTORY_DIR": tmp_path / "history"})
    client = app.test_client()
    before = client.get("/fr/").headers["X-Tour-Version"]
    real = history.write_atomic

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(history, "write_atomic", full)
    doc = json.loads(tour_file.read_text(encoding="utf-8"))
    doc["features"][0]["properties"]["name_fr"] = "Nouveau nom"
    write_doc(tour_file, doc)
    assert client.get("/fr/").headers["X-Tour-Version"] == before
    health = client.get("/healthz").get_json()
    assert health["status"] == "degraded" and "No space left" in health["problems"][0]
    monkeypatch.setattr(history, "write_atomic", real)
    import time

    from tourapp.stopsfile import store
    from tourapp.testing import wait_for

    monkeypatch.setattr(store, "RETRY_S", 0.05)
    started = time.monotonic()
    wait_for(lambda: client.get("/fr/").headers["X-Tour-Version"] != before, "recorded")
    assert time.monotonic() - started < 5
    assert client.get("/healthz").get_json()["status"] == "ok"


# --- 9. inputs that must get a 4xx, links bound to their walk, the guide's track ------


@pytest.mark.parametrize("raw", [
    b'{"type":"position","lat":' + b"9" * 1900 + b',"lon":3.88,"accuracy":5}',
    b'{"type":"clock","at":"13:30","speed":' + b"1" * 1900 + b"}",
    b'{"type":"arrive","stop":"hotel-de-metropole","t":-' + b"9" * 1900 + b"}",
    b"[" * 1000 + b"]" * 1000,
    b'{"type":"message","text":' + b"[" * 900 + b"]" * 900 + b"}",
])
def test_huge_numbers_and_deep_nesting_are_4xx(app, guide, raw):
    response = guide(None, raw=raw)
    assert 400 <= response.status_code < 500 and response.get_json()["error"]
    assert revision(app) == 0


@pytest.mark.parametrize("name", ["=cmd", "\t=cmd", "\r=cmd", "+1", "-1", "@x", " =ok"])
def test_csv_cells_that_a_spreadsheet_would_run_are_text(tour_file, live_backend, name):
    import csv
    import io

    from tests.conftest import write_doc

    doc = json.loads(tour_file.read_text(encoding="utf-8"))
    doc["features"][0]["properties"]["name_fr"] = name
    write_doc(tour_file, doc)
    app = create_app({"TESTING": True, "TOUR_DATA": tour_file, "SECRET_KEY": "k" * 32})
    client = app.test_client()
    sign_in(client)  # the actuals are the organisers' (issue 19)
    rows = list(csv.reader(io.StringIO(client.get("/fr/actuals.csv").text)))
    cell = rows[1][2]
    assert cell == (name if name == " =ok" else "'" + name)


def test_a_link_of_another_walk_or_deployment_is_refused(tour_file, tmp_path, monkeypatch):
    """Same SECRET_KEY (a staging copy, another walk): its links do not lead this group."""
    key = "k" * 32
    other_data = tmp_path / "other" / "stops.geojson"
    other_data.parent.mkdir()
    other_data.write_bytes(tour_file.read_bytes())
    here = create_app({"TESTING": True, "TOUR_DATA": tour_file, "SECRET_KEY": key})
    there = create_app({"TESTING": True, "TOUR_DATA": other_data, "SECRET_KEY": key,
                        "LIVE_STORE": f"sqlite:///{tmp_path / 'other.sqlite3'}"})
    result = there.test_cli_runner().invoke(args=["tour", "guide-link", "--name", "Eve"])
    token = result.output.split("#token=")[1].split()[0]
    answer = here.test_client().get("/live/guide", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401 and "another walk" in answer.get_json()["error"]
    # A link of this walk made before links named their walk: refused, with what to do.
    with here.app_context():
        old = tokens.make(key, "Old", 8, get_live().generation())
    answer = here.test_client().get("/live/guide", headers={"Authorization": f"Bearer {old}"})
    assert answer.status_code == 401
    assert "ask the organiser for a new one" in answer.get_json()["error"]
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    mine = here.test_cli_runner().invoke(args=["tour", "guide-link", "--name", "Marie"])
    token = mine.output.split("#token=")[1].split()[0]
    answer = here.test_client().get("/live/guide", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200


@pytest.mark.parametrize("name, hint", [("\udcff\udcfe", "--name"), ("Marie\x00", "--name")])
def test_a_bad_name_is_blamed_on_name(app, name, hint):
    result = app.test_cli_runner().invoke(args=["tour", "guide-link", "--name", name])
    assert result.exit_code == 2 and hint in result.output and "--hours" not in result.output


def test_a_long_track_is_built_once_per_revision(app, client, monkeypatch):
    import time

    from tourapp.live import present

    now = time.time()
    points = [[now - 50_000 + i, 43.6 + i * 1e-6, 3.88, 5.0] for i in range(2000)]
    with app.app_context():
        for point in points:
            get_live().update(lambda doc: {**doc, "n": 1}, point)
    calls = []
    real = present.track_gpx
    monkeypatch.setattr(present, "track_gpx", lambda *a: calls.append(1) or real(*a))
    sign_in(client)  # the track is the organisers' (issue 19)
    first = client.get("/fr/track.gpx").data
    assert client.get("/fr/track.gpx").data == first and len(calls) == 1
    with app.app_context():
        get_live().update(lambda doc: {**doc, "n": 2}, points[1])
    assert client.get("/fr/track.gpx").data != first and len(calls) == 2
