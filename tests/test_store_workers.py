"""Several gunicorn workers serve one version, decided by the history they share on disk.

The real path: the README's production command (with and without ``--preload``), files
written the three ways editors write them, a worker killed with SIGKILL, a full restart.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tourapp import durable, stopsfile

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


class Gunicorn:
    """gunicorn serving the app with two workers; the access log records pid and version."""

    def __init__(self, data: Path, log: Path, history: Path, preload: bool = True):
        self.data, self.log, self.history, self.preload = data, log, history, preload
        self.start()

    def start(self) -> None:
        self.bind = self.log.with_suffix(".sock")  # no port to race for: a Unix socket
        self.bind.unlink(missing_ok=True)
        env = {
            **os.environ,
            "TOUR_DATA": str(self.data),
            "FLASK_TOUR_HISTORY_DIR": str(self.history),
            "FLASK_SECRET_KEY": "test-" + "x" * 32,  # production mode refuses the dev key
        }
        env.pop("FLASK_DEBUG", None)
        self.process = subprocess.Popen(
            # The production command of the README, plus an access log of pid and version
            # and of the mark each request carries (lines land late and out of order).
            [sys.executable, "-m", "gunicorn", *(["--preload"] if self.preload else []),
             "--workers", "2", "--threads", "4", "--bind", f"unix:{self.bind}",
             "--access-logfile", str(self.log),
             "--access-logformat",
             "%(p)s %(s)s %(U)s %({x-tour-version}o)s %({x-test-mark}i)s",
             "tourapp:create_app()"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        self.wait_ready()

    def get(self, path: str, mark: str = "-") -> tuple[int, dict, bytes]:
        """(status, headers, body) of one request over the Unix socket."""
        out = subprocess.run(
            ["curl", "-s", "--unix-socket", str(self.bind), "-H", f"X-Test-Mark: {mark}",
             "-D", "-", "--max-time", "60", f"http://localhost{path}"],
            capture_output=True, check=False,
        ).stdout
        head, _, body = out.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        if not lines[0].startswith("HTTP/"):
            return 0, {}, b""
        headers = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
        return int(lines[0].split()[1]), headers, body

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.bind.exists() and self.get("/healthz")[0]:
                return
            assert self.process.poll() is None, self.process.stderr.read().decode()
            time.sleep(0.1)  # polling for a condition, not waiting a guessed time
        raise TimeoutError("gunicorn did not answer")

    def stop(self) -> str:
        self.process.terminate()
        try:
            _, err = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
        return err.decode()

    def served(self, mark: str) -> list[tuple[str, str, str, str]]:
        """(pid, status, path, version) of every request sent with ``mark``."""
        lines = self.log.read_text().splitlines() if self.log.exists() else []
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


def wait_for_version(server: Gunicorn, version: str, mark: str) -> None:
    """Requests until one is served with ``version`` (the edit was picked up)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.get("/healthz", mark)[1].get("x-tour-version") == version:
            return
    raise AssertionError(f"version {version} never served")


@pytest.mark.parametrize("preload", [True, False], ids=["preload", "no-preload"])
def test_every_worker_serves_the_newest_accepted_version(tour_file, tmp_path, preload):
    history = tmp_path / "history"
    server = Gunicorn(tour_file, tmp_path / "access.log", history, preload)
    try:
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
            assert all(f"{int(hour)} h {minute}".encode() in body for *_, body in answers)

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
    finally:
        errors = server.stop()
    assert "Traceback" not in errors

    # A full restart while the file on disk is still bad: the newest accepted version.
    server.start()
    try:
        answers = server.both_workers("/en/", "restarted")
        assert {s for s, _, _ in answers} == {200}
        assert {v for *_, v in server.served("restarted")} == {new}
        health = json.loads(server.get("/healthz")[2])
        assert health["status"] == "degraded" and health["version"] == new
    finally:
        server.stop()
