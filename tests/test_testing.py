"""The harness the tests and benchmarks share: servers on ports the kernel picks, waits."""

from __future__ import annotations

import subprocess
import sys
import urllib.request

import pytest

from tourapp import create_app
from tourapp.testing import (
    Gunicorn,
    LiveServer,
    answers,
    is_loopback,
    listening_port,
    wait_for,
)

from .conftest import ROOT


def test_live_server_answers_on_its_own_port_and_closes(tour_file):
    app = create_app({"TESTING": True, "TOUR_DATA": tour_file})
    with LiveServer(app) as first, LiveServer(app) as second:
        assert first.port != second.port and first.port > 0
        with urllib.request.urlopen(first.url + "/healthz") as response:
            assert response.status == 200
    assert not answers(first.url + "/healthz")


def test_gunicorn_reports_the_port_it_bound(tour_file):
    env = {"TOUR_DATA": str(tour_file), "FLASK_SECRET_KEY": "a real key for this test"}
    with Gunicorn(["--workers", "1"], env, cwd=ROOT) as server:
        with urllib.request.urlopen(server.url + "/healthz") as response:
            assert response.status == 200
    assert server.process.poll() is not None and not answers(server.url + "/healthz")


def test_gunicorn_that_cannot_start_says_why(tour_file):
    env = {"TOUR_DATA": str(tour_file), "FLASK_SECRET_KEY": "dev"}  # refused in production
    with pytest.raises(RuntimeError, match="development SECRET_KEY"):
        with Gunicorn(["--workers", "1"], env, cwd=ROOT):
            pass


def test_listening_port_of_a_server_given_port_0():
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", "0", "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT / "static",
    )
    try:
        port = listening_port(server)
        assert answers(f"http://127.0.0.1:{port}/")
    finally:
        server.terminate()
        server.wait(10)


def test_wait_for_names_what_it_waited_for():
    with pytest.raises(TimeoutError, match="the impossible"):
        wait_for(lambda: False, "the impossible", timeout_s=0.1)
    with pytest.raises(RuntimeError, match="the process ended"):
        wait_for(lambda: False, "a dead server", alive=lambda: False)


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:5000/fr/", True),
        ("http://localhost/x", True),
        ("http://[::1]:8000/", True),
        ("data:image/png;base64,AAAA", True),
        ("https://tile.openstreetmap.org/1/2/3.png", False),
        ("https://cdn.jsdelivr.net/npm/leaflet", False),
        ("http://127.0.0.1.example.org/", False),
        ("wss://example.org/socket", False),
    ],
)
def test_what_counts_as_loopback(url, local):
    assert is_loopback(url) is local
