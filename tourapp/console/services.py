"""What the console does with the walk: history rows, restore, save an edit. No view here.

Every write goes through ``write_stops`` — the one path every command takes (validated,
replaced atomically, recorded in the shared history under its lock, so every worker
serves it at once). The app factory hands it down as ``app.extensions["tourapp.write_stops"]``
while it still lives with the commands (``tourapp.cli.history``), a floor above this one.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from .. import stopsfile
from ..domain.tour import Tour
from ..stopsfile import history


class Conflict(Exception):
    """The walk changed since the form was loaded: ``changes`` says what, ``served`` is now."""

    def __init__(self, served: str, changes: tuple[dict, ...]):
        super().__init__(f"the served version is now {served}")
        self.served = served
        self.changes = changes


class NotKept(LookupError):
    """No kept version has this name."""


def shared_history(app: Flask) -> history.History:
    """The history of the app's own stops file, shared by every worker."""
    return history.History(app.config["TOUR_HISTORY_DIR"], app.config["TOUR_HISTORY_KEEP"])


def _write(app: Flask, data: bytes, reason: str) -> tuple[Tour, history.Entry]:
    return app.extensions["tourapp.write_stops"](app, data, reason)


@contextlib.contextmanager
def _console_lock(app: Flask) -> Iterator[None]:
    # Check-then-write of two organisers must not interleave (across workers): a lock of
    # the console's own, taken outside the history's lock, which write_stops takes.
    folder = Path(app.config["TOUR_HISTORY_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "console.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def tour_of(app: Flask, version: str) -> Tour | None:
    """The kept version ``version`` as a tour, or None."""
    data = shared_history(app).data(version) if version else None
    if data is None:
        return None
    try:
        return stopsfile.parse(data, Path(app.config["TOUR_DATA"]).name,
                               max_bytes=app.config["TOUR_MAX_BYTES"])
    except stopsfile.TourError:
        return None


@dataclass(frozen=True)
class Row:
    """One acceptance as the history page shows it."""

    entry: history.Entry
    served: bool  # the one row starred: the newest acceptance of the served version
    restorable: bool  # its bytes are kept and it is not what is served


def history_rows(app: Flask) -> list[Row]:
    """Every kept acceptance, newest first, the served version starred once."""
    shared = shared_history(app)
    current = shared.current()
    rows, starred = [], False
    for entry in reversed(shared.entries()):
        served = entry.version == current and not starred
        starred = starred or served
        kept = entry.version != current and shared.data(entry.version) is not None
        rows.append(Row(entry, served, kept))
    return rows


def restore(app: Flask, version: str) -> history.Entry:
    """Serve the kept ``version`` again (it becomes the newest); ``NotKept`` if none."""
    data = shared_history(app).data(version) if version else None
    if data is None:
        raise NotKept(version)
    with _console_lock(app):
        return _write(app, data, "restore")[1]


def save(app: Flask, base_version: str, data: bytes, reason: str = "console") -> history.Entry:
    """Write an edit made on ``base_version``; ``Conflict`` if another was accepted since.

    ``stopsfile.TourError`` if the new text does not load (nothing is written).
    """
    with _console_lock(app):
        served = shared_history(app).current()
        if served and served != base_version:
            now, then = tour_of(app, served), tour_of(app, base_version)
            changes = history.changes(then, now) if now is not None else ()
            raise Conflict(served, changes)
        return _write(app, data, reason)[1]
