"""The production command (gunicorn, 2 workers × 4 threads): a worker killed mid-walk loses nothing.

Both stores: every worker reads what any other wrote, and a report answered 200 is
committed before the answer, so SIGKILL to the worker that took it changes nothing.
"""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.error
import urllib.request
from pathlib import Path

from tourapp import create_app
from tourapp.live.backends import open_store
from tourapp.live.views import guide_token
from tourapp.testing import Gunicorn

ROOT = Path(__file__).resolve().parent.parent
SECRET = "workers-" + "x" * 32


def workers(server: Gunicorn) -> set[int]:
    """The master's children, from /proc."""
    pid = server.process.pid
    return {int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


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
    # The link the server's `tour guide-link` would print: this walk, this store.
    token = guide_token("Marie", 2, create_app({"TESTING": True, "TOUR_DATA": tour_file,
                                                "LIVE_STORE": live_backend, "SECRET_KEY": SECRET}))
    log = tmp_path / "access.log"
    env = {"TOUR_DATA": str(tour_file), "FLASK_SECRET_KEY": SECRET, "LIVE_STORE": live_backend}
    # The README's production command, plus an access log naming the worker of each request.
    args = ["--preload", "--workers", "2", "--threads", "4", "--access-logfile", str(log),
            "--access-logformat", "%(p)s %(m)s %(U)s %(s)s"]
    with Gunicorn(args, env, ROOT) as server:
        assert post(server.url, token, {"type": "clock", "at": "13:30"}) == 200
        assert post(server.url, token, {"type": "arrive", "stop": "hotel-de-metropole"}) == 200
        assert post(server.url, token, {"type": "leave", "stop": "hotel-de-metropole"}) == 200
        assert post(server.url, token, {"type": "position", "lat": 43.6085, "lon": 3.8875,
                                        "accuracy": 9}) == 200
        # SIGKILL the worker that answered the last report (the access log names it).
        deadline = time.monotonic() + 10
        while "POST /live/guide 200" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        last = [line.split()[0] for line in log.read_text().splitlines()
                if "POST /live/guide 200" in line][-1]
        victim = int(last.strip("<>"))
        assert victim in workers(server)
        os.kill(victim, signal.SIGKILL)
        # The walk goes on; the master starts a new worker.
        assert post(server.url, token, {"type": "arrive", "stop": "espace-french-tech"}) == 200
        deadline = time.monotonic() + 30
        while (len(workers(server)) < 2 or victim in workers(server)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(workers(server)) == 2 and victim not in workers(server)
        states = [get_state(server.url) for _ in range(40)]  # from both workers, old and new
        served_by = {line.split()[0].strip("<>") for line in log.read_text().splitlines()
                     if "/live/state.json" in line}
        assert len(served_by) == 2, served_by
        for state in states:
            assert (state["where"], state["stop"]) == ("at", "espace-french-tech")
            assert [s["arrived"] for s in state["stops"]] == [True, True, False, False]
            assert state["position"]["lat"] == 43.6085
        assert len(store.track()) == 1
    store.close()
