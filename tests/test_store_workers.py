"""Several gunicorn workers serve one version, decided by the history they share on disk.

The real path: the README's production command (``tourapp.testing.Gunicorn``) (with and without ``--preload``), files
written the three ways editors write them, a worker killed with SIGKILL, a full restart.
"""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tourapp import stopsfile
from tourapp.system import durable
from tourapp.testing import Gunicorn

from .conftest import ROOT, SEEDED


def with_start(start: str) -> bytes:
    """The seeded walk starting at another time."""
    document = json.loads(SEEDED.read_text(encoding="utf-8"))
    document["features"][0]["properties"]["tour_start"] = start
    return stopsfile.dumps(document).encode()


def trailing_comma(good: bytes) -> bytes:
    """A comma after the last feature, as a hand edit leaves it."""
    text = good.decode().rstrip()
    assert text.endswith("]\n}") or text.endswith("]}") or text.endswith("}")
    cut = text.rindex("]")
    return (text[:cut].rstrip() + ",\n" + text[cut:] + "\n").encode()


# The ways editors save a file: each must end with the new bytes served everywhere.
def write_in_place(path: Path, data: bytes) -> None:
    with open(path, "r+b") as handle:  # vim's "backupcopy=yes", most text editors
        handle.write(data)
        handle.truncate()


def write_rename_over(path: Path, data: bytes) -> None:
    durable.write_atomic(path, data)  # QGIS, ogr2ogr, geojson.io's download then mv


def write_truncate_then_write(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:  # the empty file is visible for a moment
        handle.flush()
        os.fsync(handle.fileno())
        handle.write(data[: len(data) // 3])
        handle.flush()
        handle.write(data[len(data) // 3 :])


WRITERS = [write_in_place, write_rename_over, write_truncate_then_write]
STARTS = ["14:15", "14:30", "14:45"]


class Workers(Gunicorn):
    """The README's production command (two workers) with an access log of pid and version.

    Each request carries a mark that the log records: gunicorn writes a line after the
    response is sent, so lines land late and out of order.
    """

    def __init__(self, data: Path, log: Path, history: Path, preload: bool = True):
        self.log_path = log
        super().__init__(
            [*(["--preload"] if preload else []), "--workers", "2", "--threads", "4",
             "--access-logfile", str(log), "--access-logformat",
             "%(p)s %(s)s %(U)s %({x-tour-version}o)s %({x-test-mark}i)s"],
            {
                "TOUR_DATA": str(data),
                "FLASK_TOUR_HISTORY_DIR": str(history),
                "FLASK_SECRET_KEY": "test-" + "x" * 32,  # production refuses the dev key
            },
            ROOT,
        )

    def get(self, path: str, mark: str = "-") -> tuple[int, dict, bytes]:
        """(status, headers, body) of one request; status 0 when the connection failed."""
        request = urllib.request.Request(self.url + path, headers={"X-Test-Mark": mark})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, {k.lower(): v for k, v in response.headers.items()}, (
                    response.read()
                )
        except urllib.error.HTTPError as error:
            return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()

    def served(self, mark: str) -> list[tuple[str, str, str, str]]:
        """(pid, status, path, version) of every request sent with ``mark``."""
        exists = self.log_path.exists()
        lines = self.log_path.read_text().splitlines() if exists else []
        rows = [line.split(" ") for line in lines]
        return [tuple(row[:4]) for row in rows if len(row) == 5 and row[4] == mark]

    def burst(self, path: str, mark: str, count: int = 40) -> list[tuple[int, dict, bytes]]:
        """Concurrent requests, so both workers answer some."""
        with ThreadPoolExecutor(8) as pool:
            return list(pool.map(lambda _: self.get(path, mark), range(count)))

    def both_workers(self, path: str, mark: str) -> list[tuple[int, dict, bytes]]:
        """Bursts until both current workers answered requests carrying ``mark``."""
        answers = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            answers += self.burst(path, mark)
            if len({pid for pid, *_ in self.served(mark)}) >= 2:
                return answers
        raise AssertionError("one worker never answered")


def wait_for_version(server: Workers, version: str, mark: str) -> None:
    """Requests until one is served with ``version`` (the edit was picked up)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.get("/healthz", mark)[1].get("x-tour-version") == version:
            return
    raise AssertionError(f"version {version} never served")


@pytest.mark.parametrize("preload", [True, False], ids=["preload", "no-preload"])
def test_every_worker_serves_the_newest_accepted_version(tour_file, tmp_path, preload):
    history = tmp_path / "history"
    server = Workers(tour_file, tmp_path / "access.log", history, preload)
    with server:
        first = server.both_workers("/en/", "start")
        pids = {pid for pid, *_ in server.served("start")}
        old = stopsfile.parse(tour_file.read_bytes()).version
        assert {h.get("x-tour-version") for _, h, _ in first} == {old}

        # Each way of saving: once one response shows the new version, every later
        # response of every worker shows it (no worker keeps its own older walk).
        for number, (writer, start) in enumerate(zip(WRITERS, STARTS, strict=True)):
            good = with_start(start)
            new = stopsfile.parse(good).version
            writer(tour_file, good)
            wait_for_version(server, new, f"wait{number}")
            answers = server.both_workers("/fr/", f"after{number}")
            assert {s for s, _, _ in answers} == {200}
            assert {v for *_, v in server.served(f"after{number}")} == {new}, writer.__name__
            hour, minute = start.split(":")
            assert all(f"{int(hour)}\u00a0h\u00a0{minute}".encode() in body for *_, body in answers)

            # Then a bad save (a trailing comma), written the same way: nothing changes.
            writer(tour_file, trailing_comma(good))
            health = [json.loads(server.get("/healthz", f"bad{number}")[2]) for _ in range(30)]
            assert {h["version"] for h in health} == {new}
            assert {h["status"] for h in health} == {"degraded"}
            server.both_workers("/en/", f"bad{number}")
            assert {v for *_, v in server.served(f"bad{number}")} == {new}

        # A worker killed while the file is bad: its replacement serves the newest
        # accepted version (not the one the master preloaded, never a 503).
        os.kill(int(sorted(pids)[0].strip("<>")), signal.SIGKILL)  # gunicorn logs "<pid>"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            answers = server.burst("/en/", "killed")
            assert {s for s, _, _ in answers} == {200}
            if {pid for pid, *_ in server.served("killed")} - pids:
                break
        replacement = {pid for pid, *_ in server.served("killed")} - pids
        assert len(replacement) == 1
        assert {v for pid, *_, v in server.served("killed") if pid in replacement} == {new}
    assert "Traceback" not in "".join(server.log)

    # A full restart while the file on disk is still bad: the newest accepted version.
    with Workers(tour_file, tmp_path / "access.log", history, preload) as server:
        answers = server.both_workers("/en/", "restarted")
        assert {s for s, _, _ in answers} == {200}
        assert {v for *_, v in server.served("restarted")} == {new}
        health = json.loads(server.get("/healthz")[2])
        assert health["status"] == "degraded" and health["version"] == new
