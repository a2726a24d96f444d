"""Hot reload: a good file is served at once, a bad one is refused and explained, never a 500."""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

import pytest

from tourapp import create_app, stopsfile
from tourapp.stopsfile import store
from tourapp.testing import sign_in

from .conftest import SEEDED, small_doc, write_doc


def touch_later(path: Path) -> None:
    """Give the file a new mtime even on coarse-clocked file systems."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def seeded() -> dict:
    return json.loads(SEEDED.read_text(encoding="utf-8"))


def edited(name_en: str) -> bytes:
    """The seeded walk with another English name for the last stop."""
    document = seeded()
    fabre = next(f for f in document["features"] if f["properties"].get("id") == "musee-fabre")
    fabre["properties"]["name_en"] = name_en
    return stopsfile.dumps(document).encode()


def test_a_valid_change_is_served_at_once(client, tour_file):
    first = client.get("/en/")
    assert first.status_code == 200 and "Musée Fabre" in first.text
    version = first.headers["X-Tour-Version"]
    tour_file.write_bytes(edited("The Fabre Museum"))
    touch_later(tour_file)
    second = client.get("/en/")
    assert "The Fabre Museum" in second.text
    assert second.headers["X-Tour-Version"] not in (version, None)
    assert client.get("/healthz").json["version"] == second.headers["X-Tour-Version"]
    # The map script is rebuilt too: it is memoised per version.
    assert "The Fabre Museum" in client.get("/en/map.js").text


BAD_FILES = {
    "half-written": lambda good: good[: len(good) // 2],
    "not-json": lambda good: b"this is not JSON\n",
    "empty": lambda good: b"",
    "invalid": lambda good: good.replace(b'"duration_min": 30', b'"duration_min": "abc"', 1),
    "binary": lambda good: b"\x00" * 4096,
}


@pytest.mark.parametrize("kind", BAD_FILES)
def test_a_bad_file_is_refused_the_last_good_tour_kept(client, tour_file, caplog, kind):
    sign_in(client)
    good = client.get("/en/")
    version = good.headers["X-Tour-Version"]
    tour_file.write_bytes(BAD_FILES[kind](tour_file.read_bytes()))
    touch_later(tour_file)
    with caplog.at_level(logging.ERROR, logger="tourapp.stopsfile.store"):
        for _ in range(5):
            page = client.get("/en/")
            assert page.status_code == 200 and page.text == good.text
            assert page.headers["X-Tour-Version"] == version
        health = client.get("/healthz")
        status = client.get("/en/status")
    refusals = [r for r in caplog.records if r.message.startswith("refused ")]
    assert len(refusals) == 1, "logged once, not on every request"
    assert health.status_code == 200 and health.json["status"] == "degraded"
    assert health.json["version"] == version
    assert health.json["reason"] == "the data file is refused, the last good tour is served"
    problems = health.json["problems"]
    assert problems and all(p.startswith("stops.geojson") for p in problems)
    assert str(tour_file.parent) not in json.dumps(health.json)  # no server folders shown
    assert status.status_code == 200 and 'data-state="degraded"' in status.text
    for problem in problems:
        assert problem.replace('"', "&#34;") in status.text


def test_invalid_file_problems_are_listed_as_text(client, tour_file):
    sign_in(client)
    client.get("/en/")
    document = seeded()
    document["features"][1]["properties"]["duration_min"] = "<img src=x onerror=alert(1)>"
    document["features"][2]["properties"]["name_fr"] = None
    write_doc(tour_file, document)
    touch_later(tour_file)
    status = client.get("/fr/status")
    assert status.headers["Cache-Control"] == "no-store"
    assert "<img" not in status.text and "&lt;img src=x onerror=alert(1)&gt;" in status.text
    # In the page's language (issue 11: /fr/status listed problems in English).
    assert "élément 2 (&#34;hotel-de-metropole&#34;)" not in status.text
    assert "élément 2" in status.text and "« name_fr » manque" in status.text
    assert "&#34;duration_min&#34; must be" not in status.text
    assert "« duration_min » doit être un nombre de 0 à 1440 ; trouvé" in status.text
    assert "Problèmes dans le fichier de données" in status.text
    english = client.get("/en/status").text
    assert "feature 2" in english and "&#34;name_fr&#34; is missing" in english
    assert client.get("/en/").status_code == 200


def test_recovery_clears_the_problems(client, tour_file):
    good = tour_file.read_bytes()
    client.get("/en/")
    tour_file.write_bytes(b"{")
    touch_later(tour_file)
    assert client.get("/healthz").json["status"] == "degraded"
    tour_file.write_bytes(edited("Fabre"))
    touch_later(tour_file)
    assert client.get("/healthz").json == {
        "status": "ok", "version": stopsfile.parse(edited("Fabre")).version, "stops": 4,
        "warnings": 0, "off_schedule": False,
    }
    # Putting the served bytes back also clears the problems (no reload needed).
    tour_file.write_bytes(b"{")
    touch_later(tour_file)
    client.get("/en/")
    tour_file.write_bytes(edited("Fabre"))
    touch_later(tour_file)
    assert client.get("/healthz").json["status"] == "ok"
    assert good  # the original stays untouched in SEEDED


def test_a_refused_file_is_read_again_when_its_stat_does_not_change(app, tour_file, monkeypatch):
    # A writer caught mid-write whose last write keeps size and mtime: retried after RETRY_S.
    client = app.test_client()
    client.get("/en/")
    good = edited("Fabre!")
    st = tour_file.stat()
    tour_file.write_bytes(good[:-40] + b" " * 40)
    os.utime(tour_file, ns=(st.st_atime_ns, st.st_mtime_ns + 5))
    assert client.get("/healthz").json["status"] == "degraded"
    tour_file.write_bytes(good)
    os.utime(tour_file, ns=(st.st_atime_ns, st.st_mtime_ns + 5))  # same size, same mtime
    assert client.get("/healthz").json["status"] == "degraded"
    monkeypatch.setattr(store, "RETRY_S", 0.0)
    assert client.get("/healthz").json["status"] == "ok"


def test_a_deleted_file_keeps_the_tour(client, tour_file):
    client.get("/en/")
    tour_file.unlink()
    assert client.get("/en/").status_code == 200
    assert client.get("/healthz").json["problems"] == [
        "stops.geojson: cannot read the file: there is no such file: check its name and "
        "folder (the TOUR_DATA setting)"
    ]


@pytest.fixture
def broken_app(tmp_path):
    path = tmp_path / "stops.geojson"
    path.write_bytes(b'{"type": "FeatureCollection", "features": [')
    return create_app({"TESTING": True, "TOUR_DATA": path})


@pytest.mark.parametrize("url", ["/fr/", "/en/", "/fr/map.js", "/en/map.js", "/tour.geojson"])
def test_no_tour_at_all_is_a_503_page_not_a_500(broken_app, url):
    response = broken_app.test_client().get(url, headers={"Accept-Language": "en"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    title = "Déambulation indisponible" if url.startswith("/fr/") else "Walk unavailable"
    assert f"<h1>{title}</h1>" in response.text


def test_no_tour_at_all_in_healthz_and_status(broken_app):
    client = broken_app.test_client()
    sign_in(client)
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json["status"] == "error"
    assert health.json["reason"] == "no valid data file has been loaded"
    assert health.json["problems"][0].startswith("stops.geojson: the file ends early (line 1")
    status = client.get("/en/status")
    assert status.status_code == 503 and 'data-state="error"' in status.text
    assert "stops.geojson: the file ends early (line 1" in status.text


def test_the_french_503_page(broken_app):
    response = broken_app.test_client().get("/fr/")
    assert response.status_code == 503
    assert "Déambulation indisponible" in response.text


def test_one_request_serves_one_version(app, tour_file):
    # The view reads the tour twice (ETag, then the memoised page): both are the same version.
    with app.test_request_context("/en/"):
        first = store.get_store().status()
        tour_file.write_bytes(edited("Changed meanwhile"))
        touch_later(tour_file)
        assert store.get_store().status() is first
    with app.test_request_context("/en/"):
        assert store.get_store().status() is not first


def test_ok_status_page_lists_warnings(tmp_path):
    document = small_doc()
    document["features"][0]["properties"]["tour_end"] = "13:45"  # the walk ends at ~14:50
    path = write_doc(tmp_path / "stops.geojson", document)
    client = create_app({"TESTING": True, "TOUR_DATA": path}).test_client()
    sign_in(client)
    status = client.get("/en/status")
    assert status.status_code == 200 and 'data-state="ok"' in status.text
    assert "after tour_end 13:45" in status.text
    assert client.get("/de/status").status_code == 404


def test_a_file_with_thousands_of_mistakes_gives_a_bounded_report(client, tour_file):
    sign_in(client)
    client.get("/en/")
    document = seeded()
    stop = document["features"][1]
    document["features"] += [stop] * 3000  # the same stop pasted 3,000 times
    write_doc(tour_file, document)
    touch_later(tour_file)
    problems = client.get("/healthz").json["problems"]
    assert len(problems) == store.MAX_PROBLEMS + 1
    assert problems[-1].startswith("… and ") and "tour check" in problems[-1]
    assert len(client.get("/en/status").data) < 100_000


def test_the_same_bad_bytes_are_not_parsed_again(app, tour_file, monkeypatch):
    client = app.test_client()
    client.get("/en/")
    tour_file.write_bytes(b"{ broken")
    touch_later(tour_file)
    assert client.get("/healthz").json["status"] == "degraded"
    calls = []
    monkeypatch.setattr(store.stopsfile, "parse", lambda *a, **k: calls.append(a))
    monkeypatch.setattr(store, "RETRY_S", 0.0)
    for _ in range(3):
        assert client.get("/healthz").json["status"] == "degraded"
    assert calls == []  # re-read after RETRY_S, but the same bytes are not parsed again
    tour_file.unlink()
    assert "cannot read" in client.get("/healthz").json["problems"][0]
    monkeypatch.undo()
    tour_file.write_bytes(b"{ broken")  # back, still bad: its own message again
    assert "invalid JSON" in client.get("/healthz").json["problems"][0]


def test_status_page_shows_when_the_served_version_was_accepted_and_the_recent_ones(
    client, tour_file
):
    sign_in(client)
    first = client.get("/healthz").json["version"]
    tour_file.write_bytes(edited("The Fabre Museum"))
    touch_later(tour_file)
    second = client.get("/healthz").json["version"]
    french = client.get("/fr/status").text
    assert "Acceptée" in french and "fichier enregistré" in french
    assert "Versions récentes" in french
    assert french.index(f"<code>{second}</code>") < french.index(f"<code>{first}</code>")
    # Only the English name changed: the French page shows that one.
    assert "étape « musee-fabre » renommée : « Musée Fabre (Fabre Museum) » → « The Fabre Museum »" in french
    english = client.get("/en/status").text
    assert "Recent versions" in english and "tour restore VERSION" in english


def test_threads_asking_for_the_same_new_page_at_once_build_it_once(tour_file):
    """A new version makes every open page ask for it within seconds (issue 19): the
    threads of a worker wait for one build instead of each rendering the page."""
    served = store.TourStore(str(tour_file))
    assert served.tour() is not None
    builds = []
    started, release = threading.Event(), threading.Event()

    def build(tour):
        builds.append(tour.version)
        started.set()
        release.wait(5)  # the first build is still running when the others ask
        return f"page of {tour.version}"

    answers = []
    threads = [threading.Thread(target=lambda: answers.append(served.memo("page", build)))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    started.wait(5)
    release.set()
    for thread in threads:
        thread.join(5)
    assert len(builds) == 1
    assert answers == [f"page of {served.tour().version}"] * 4
