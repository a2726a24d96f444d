"""Shared fixtures: a tour file in a temporary folder, the app, its client and CLI runner."""

from __future__ import annotations

import copy
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tourapp import create_app


def pytest_configure(config):
    """Apps built by the tests (and the servers they start) keep their instance folder —
    version history, live state — in a temporary folder, never in the repository."""
    if "TOURAPP_INSTANCE" not in os.environ:
        folder = tempfile.mkdtemp(prefix="tourapp-instance-")
        os.environ["TOURAPP_INSTANCE"] = folder
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))


ROOT = Path(__file__).resolve().parent.parent
SEEDED = ROOT / "data" / "stops.geojson"
CITY = ROOT / "data" / "montpellier"  # the city's open data, clipped to the walk's area
VOIES = CITY / "voies.geojson"
GPX_XSD = ROOT / "tests" / "schemas" / "gpx-1.1.xsd"


def _stop(order, ident, lon, lat, duration, **extra):
    props = {
        "id": ident,
        "order": order,
        "name_fr": f"Étape {ident}",
        "name_en": f"Stop {ident}",
        "description_fr": f"Description de {ident}",
        "description_en": f"Description of {ident}",
        "address_fr": f"{order}, rue {ident}",
        "address_en": f"{order} Rue {ident}",
        "duration_min": duration,
        **extra,
    }
    return {"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": [lon, lat]}}


TOUR_PROPS = {
    "tour_title_fr": "Balade d'essai",
    "tour_title_en": "Test walk",
    "tour_date": "2018-11-20",
    "tour_timezone": "Europe/Paris",
    "tour_start": "13:30",
    "tour_end": "16:00",
    "tour_speed_kmh": 4.5,
}


def small_doc() -> dict:
    """Three stops 1 km apart along a meridian in Montpellier: easy arithmetic."""
    # 0.008993° of latitude ≈ 1,000 m on the great circle.
    return {
        "type": "FeatureCollection",
        "features": [
            _stop(1, "a", 3.88, 43.60, 0, **TOUR_PROPS),
            _stop(2, "b", 3.88, 43.60 + 0.008993, 30),
            _stop(3, "c", 3.88, 43.60 + 2 * 0.008993, 20),
        ],
    }


@pytest.fixture(autouse=True)
def live_store(tmp_path, monkeypatch) -> str:
    """Every app of a test keeps its live walk in the test's folder, never in instance/."""
    url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    monkeypatch.setenv("LIVE_STORE", url)
    return url


@pytest.fixture
def doc() -> dict:
    """A fresh copy of the small valid tour, to break in a test."""
    return copy.deepcopy(small_doc())


def rewrite(path: Path, text: str) -> Path:
    """Replace a file's text in place, its time stamp at least a second newer.

    The app sees a change by size and mtime: a rewrite of the same size within one tick
    of a coarse clock (or a loaded machine's) would otherwise go unseen.
    """
    before = path.stat().st_mtime_ns if path.exists() else None
    path.write_text(text, encoding="utf-8")
    if before is not None:
        later = max(path.stat().st_mtime_ns, before + 10**9)
        os.utime(path, ns=(later, later))
    return path


def write_doc(path: Path, document: dict) -> Path:
    """Write a GeoJSON document for a test (a newer time stamp when it replaces one)."""
    return rewrite(path, json.dumps(document, ensure_ascii=False))


@pytest.fixture
def tour_file(tmp_path) -> Path:
    """A copy of the seeded walk that a test may change."""
    target = tmp_path / "stops.geojson"
    target.write_bytes(SEEDED.read_bytes())
    return target


@pytest.fixture
def app(tour_file):
    return create_app(
        {"TESTING": True, "TOUR_DATA": tour_file, "TOUR_HISTORY_DIR": tour_file.parent / "history"}
    )


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A real redis-server (Debian's) on a loopback port the OS chose; stopped at the end."""
    import shutil
    import socket
    import subprocess
    import time

    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is missing: run .ci/install-system-deps (Debian: redis-server)")
    folder = tmp_path_factory.mktemp("redis")
    for _attempt in range(5):
        with socket.socket() as probe:  # the OS picks a free port; redis binds it next
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        process = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                time.sleep(0.05)
        if process.poll() is None:
            break
    else:
        pytest.fail("redis-server did not start")
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(10)


@pytest.fixture(params=["sqlite", "redis"])
def live_backend(request, tmp_path, monkeypatch) -> str:
    """Each live test runs on both backends: SQLite in the test's folder, a real Redis."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'live-backend.sqlite3'}"
    else:
        import redis

        url = request.getfixturevalue("redis_server")
        redis.Redis.from_url(url).flushdb()  # a clean walk for every test
    monkeypatch.setenv("LIVE_STORE", url)
    return url


@pytest.fixture(scope="session")
def addok_url():
    """A real addok loaded with the city's address points shipped in data/montpellier/."""
    from tourapp.geodata.local_addok import ADDRESSES, local_addok

    assert ADDRESSES.exists(), f"{ADDRESSES}: the address points are part of the repository"
    with local_addok(ADDRESSES) as url:
        yield url


@pytest.fixture
def geocoding_app(tour_file, addok_url):
    """The app with its geocoder set to the local addok."""
    return create_app({"TESTING": True, "TOUR_DATA": tour_file, "GEOCODER": f"addok:{addok_url}",
                       "TOUR_HISTORY_DIR": tour_file.parent / "history"})


def reset_rate_limits(app) -> None:
    """Forget the guides' rate-limit counters of ``app``'s live store (SQLite or Redis)."""
    from tourapp.live.views import get_live

    with app.app_context():
        live = get_live()
        if hasattr(live, "client"):
            live.client.delete(*live.client.keys("tourapp:live:rate:*") or ["none"])
        else:
            live._connect().execute("DELETE FROM kv WHERE key LIKE 'rate:%'")
