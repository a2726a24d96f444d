"""The production command (gunicorn, 2 workers × 4 threads): a worker killed mid-walk loses nothing.

Both stores: every worker reads what any other wrote, and a report answered 200 is
committed before the answer, so SIGKILL to the worker that took it changes nothing.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tourapp.live import tokens
from tourapp.live.backends import open_store

ROOT = Path(__file__).resolve().parent.parent
SECRET = "workers-" + "x" * 32


class Gunicorn:
    def __init__(self, data: Path, store: str, log: Path):
        env = {**os.environ, "TOUR_DATA": str(data), "FLASK_SECRET_KEY": SECRET, "LIVE_STORE": store}
        env.pop("FLASK_DEBUG", None)
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--preload", "--workers", "2", "--threads", "4",
             "--bind", "127.0.0.1:0", "--access-logfile", str(log),
             "--access-logformat", "%(p)s %(m)s %(U)s %(s)s", "tourapp:create_app()"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            match = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", line)
            if match:
                self.url = match[1]
                return
            assert self.process.poll() is None, "gunicorn exited"
        raise TimeoutError("gunicorn did not start")

    def workers(self) -> set[int]:
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return {int(c) for c in children}

    def stop(self):
        self.process.terminate()
        try:
            self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()


def post(url, token, body):
    request = urllib.request.Request(
        url + "/live/guide", data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    for _ in range(50):
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            if error.code != 429:
                return error.code
            time.sleep(0.3)  # one request a second per link
    raise AssertionError("rate limited for 15 s")


def get_state(url):
    with urllib.request.urlopen(url + "/live/state.json", timeout=30) as response:
        return json.load(response)


def test_a_worker_killed_mid_walk_loses_nothing(tour_file, live_backend, tmp_path):
    store = open_store(live_backend, str(tmp_path))
    token = tokens.make(SECRET, "Marie", 2, store.generation())
    server = Gunicorn(tour_file, live_backend, tmp_path / "access.log")
    try:
        assert post(server.url, token, {"type": "clock", "at": "13:30"}) == 200
        assert post(server.url, token, {"type": "arrive", "stop": "hotel-de-metropole"}) == 200
        assert post(server.url, token, {"type": "leave", "stop": "hotel-de-metropole"}) == 200
        assert post(server.url, token, {"type": "position", "lat": 43.6085, "lon": 3.8875,
                                        "accuracy": 9}) == 200
        # SIGKILL the worker that answered the last report (the access log names it).
        deadline = time.monotonic() + 10
        while "POST /live/guide 200" not in server.log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        last = [line.split()[0] for line in server.log.read_text().splitlines()
                if "POST /live/guide 200" in line][-1]
        victim = int(last.strip("<>"))
        assert victim in server.workers()
        os.kill(victim, signal.SIGKILL)
        # The walk goes on; the master starts a new worker.
        assert post(server.url, token, {"type": "arrive", "stop": "espace-french-tech"}) == 200
        deadline = time.monotonic() + 30
        while (len(server.workers()) < 2 or victim in server.workers()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(server.workers()) == 2 and victim not in server.workers()
        states = [get_state(server.url) for _ in range(40)]  # from both workers, old and new
        served_by = {line.split()[0].strip("<>") for line in server.log.read_text().splitlines()
                     if "/live/state.json" in line}
        assert len(served_by) == 2, served_by
        for state in states:
            assert (state["where"], state["stop"]) == ("at", "espace-french-tech")
            assert [s["arrived"] for s in state["stops"]] == [True, True, False, False]
            assert state["position"]["lat"] == 43.6085
        assert len(store.track()) == 1
    finally:
        server.stop()
        store.close()
