"""The private addok of tests and offline use: started and stopped as a program."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def children(pid: int) -> list[int]:
    """The processes ``pid`` started (Linux /proc)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


def alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie waiting for its parent does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_until(condition, timeout_s: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_sigterm_stops_redis_and_addok_too():
    # Issue 22: SIGTERM ended the program and left its Redis and addok running.
    with subprocess.Popen(
        [sys.executable, "-m", "tourapp.geodata.local_addok"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    ) as process:
        stop_and_check(process)


def stop_and_check(process: subprocess.Popen) -> None:
    started: list[int] = []
    try:
        for line in process.stdout:
            if line.startswith("use it with: FLASK_GEOCODER=addok:http://127.0.0.1:"):
                break
        else:
            raise AssertionError(process.stderr.read())
        started = children(process.pid)
        commands = [Path(f"/proc/{c}/cmdline").read_bytes() for c in started]
        assert len(started) == 2, commands
        assert any(b"redis-server" in c for c in commands), commands
        assert any(b"addok" in c and b"serve" in c for c in commands), commands
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) != 0
        assert wait_until(lambda: not any(alive(c) for c in started)), started
    finally:
        for pid in started:  # before the fix: clean up what the program left behind
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        if process.poll() is None:
            process.kill()
            process.wait()
