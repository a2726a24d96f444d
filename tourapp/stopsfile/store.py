"""The served walk: which version every worker and every command uses, and the one way to write it.

- ``TourStore`` (``get_store()``, ``served()``): the version the app serves, loaded once,
  reloaded when the file or the history changes, never half-loaded;
- ``write_stops``: validate a new text, replace the file and record the version in the
  history, as one step (every command that writes the stops file goes through it);
- ``restore``: write an accepted version back, through ``write_stops``.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context

from .. import stopsfile
from ..domain.tour import Tour
from ..settings import maintenance_command
from ..system import durable
from . import history
from .messages import unreadable
from .photos import folder_of

log = logging.getLogger(__name__)

RETRY_S = 1.0
"""A file refused at one stat is read again after this long, in case it was mid-write."""


MAX_PROBLEMS = 100
"""Problems kept for /healthz, the status page and the log; `tour check` lists them all."""


@dataclass(frozen=True)
class Status:
    """What the app serves and why."""

    tour: Tour | None
    data: bytes  # the served tour's file, byte for byte
    problems: tuple[str, ...]  # why the file on disk is not the one served
    loaded_at: float
    modified: float = 0.0  # when the served version was accepted (Last-Modified, GPX <time>)
    entry: history.Entry | None = None  # its acceptance in the shared history

    @property
    def state(self) -> str:
        """``ok``, ``degraded`` (an older good tour is served) or ``error`` (none)."""
        if self.tour is None:
            return "error"
        return "degraded" if self.problems else "ok"


class TourStore:
    """Serves the newest accepted version of one file and memoises what is derived from it.

    Which version is served is decided by the shared history (``history.History``):
    every worker stats the data file and the history's pointer on each request. A
    valid new file is accepted into the history (under its lock) and the pointer
    moved; a worker that did not read the file itself follows the pointer. A bad
    file changes nothing anyone is served; it is reported by each worker that reads it.
    """

    def __init__(
        self, path: str, max_bytes: int = stopsfile.MAX_FILE_BYTES,
        shared: history.History | None = None,
    ):
        self.path = path
        self.max_bytes = max_bytes
        self.history = shared
        self._lock = threading.Lock()
        self._signature: tuple | None = None
        self._pointer: tuple | None = None
        self._failed_at = 0.0
        self._refused_data = b""
        self._refused_photos: tuple | None = None
        self._status = Status(None, b"", ("not loaded yet",), 0.0)
        self._memo: dict[Any, Any] = {}
        self._builders: dict[tuple, threading.RLock] = {}
        self._builders_lock = threading.Lock()

    def status(self) -> Status:
        """The current status, after picking up any change of the file or of the history.

        Within a request, every call returns the status the request first saw,
        so a page, its ETag and its X-Tour-Version header are of one version.
        """
        if has_request_context() and "tour_status" in g:
            return g.tour_status
        status = self._current()
        if has_request_context():
            g.tour_status = status
        return status

    def _stale(self, signature: tuple | None, pointer: tuple | None) -> bool:
        retry = self._status.problems and time.monotonic() - self._failed_at > RETRY_S
        return signature != self._signature or pointer != self._pointer or bool(retry)

    def _current(self) -> Status:
        signature = durable.signature(self.path)
        pointer = self.history.pointer_signature() if self.history else None
        if self._stale(signature, pointer):
            with self._lock:
                # Another thread may have caught up while this one waited for the lock.
                if self._stale(signature, pointer):
                    self._refresh(signature, pointer)
        return self._status

    def tour(self) -> Tour | None:
        """The tour to serve (the newest accepted one), or None if none was ever accepted."""
        return self.status().tour

    def _refresh(self, signature: tuple | None, pointer: tuple | None) -> None:
        try:
            if pointer != self._pointer:
                self._follow_pointer()
            if signature != self._signature or self._status.problems:
                self._load(signature)
        finally:
            # Only now: a thread that sees these signatures must also see the status they gave.
            self._signature = signature
            self._pointer = pointer

    def _follow_pointer(self) -> None:
        """Serve the version the history names, when another process accepted it."""
        shared = self.history
        assert shared is not None  # only a history has a pointer that can move
        version = shared.current()
        current = self._status
        if version is None or (current.tour is not None and current.tour.version == version):
            return
        data = shared.data(version)
        if data is None:
            log.error("history: version %s is named but its file is missing or damaged", version)
            return
        try:
            tour = stopsfile.parse(data, os.path.basename(self.path), max_bytes=self.max_bytes,
                                   photos=folder_of(self.path))
        except stopsfile.TourError as exc:  # accepted once: only a newer app could refuse it
            log.error("history: version %s no longer loads: %s", version, exc)
            return
        self._serve(tour, data, current.problems)

    def _serve(self, tour: Tour, data: bytes, problems: tuple[str, ...] = ()) -> None:
        entry = self.history.entry(tour.version) if self.history else None
        accepted = entry.accepted_at if entry else time.time()
        self._memo = {}
        self._status = Status(tour, data, problems, time.time(), accepted, entry)
        log.info("serving version %s (%d stops)", tour.version, len(tour.stops))

    def _load(self, signature: tuple | None) -> None:
        try:
            with open(self.path, "rb") as handle:
                data = handle.read(self.max_bytes + 1)
        except OSError as exc:
            self._refused_data = b""
            self._refuse([unreadable(os.path.basename(self.path), exc)])
            return
        current = self._status
        if current.tour is not None and data == current.data:
            unrecorded = self.history is not None and self.history.current() != current.tour.version
            if unrecorded and current.problems:
                # Served before anything could be recorded: record it now, when possible.
                if self._accept(current.tour, data, signature):
                    self._serve(current.tour, data)
            elif current.problems:
                self._status = replace(current, problems=(), loaded_at=time.time())
            return
        # A photo put in place after the file was refused: the same bytes may load now.
        photos = durable.signature(folder_of(self.path))
        if current.problems and data == self._refused_data and photos == self._refused_photos:
            self._failed_at = time.monotonic()  # the same bad bytes: no need to parse again
            return
        try:
            # Messages name the file, not the server's folders: they are shown on /healthz.
            tour = stopsfile.parse(data, os.path.basename(self.path), max_bytes=self.max_bytes,
                                   photos=folder_of(self.path))
        except stopsfile.TourError as exc:
            self._refused_data = data
            self._refused_photos = photos
            self._refuse(exc.problems)
            return
        for warning in tour.warnings:
            log.warning("%s", warning)
        if self.history is not None and not self._accept(tour, data, signature):
            return
        self._serve(tour, data)

    def _accept(self, tour: Tour, data: bytes, signature: tuple | None) -> bool:
        """Record a valid file as the newest version; False when it is not to be served.

        A version is served only once the history holds it: served unrecorded, it could
        vanish at the next restart (participants sent back to an older walk, the one
        they saw in neither the history nor the file). When it cannot be recorded (full
        disk, read-only folder), the recorded version stays served, the problem is shown
        on /healthz and /status, and recording is tried again every ``RETRY_S``.
        """
        shared = self.history
        assert shared is not None  # called only for a store with a history
        if shared.current() == tour.version and shared.data(tour.version):
            self._pointer = shared.pointer_signature()
            return True  # already recorded (by another worker): nothing to write
        try:
            with shared.locked():
                if durable.signature(self.path) != signature:
                    # Changed while this worker read it: whoever reads the newer file
                    # accepts that one; never put this older one in front of it.
                    self._signature = None
                    return False
                if shared.current() != tour.version:
                    shared.accept(data, tour, self._status.tour, "file")
                self._pointer = shared.pointer_signature()
        except OSError as exc:
            if self._status.tour is None and shared.current() is None:
                # Nothing recorded, nothing served: the file is all there is to serve.
                self._serve(tour, data, (self._unrecorded(tour, exc),))
                self._failed_at = time.monotonic()
                return False
            self._refused_data = b""  # the same bytes are tried again, not skipped
            self._refuse([self._unrecorded(tour, exc)])
            return False
        return True

    def _unrecorded(self, tour: Tour, exc: OSError) -> str:
        return (f"version {tour.version} of {os.path.basename(self.path)} cannot be recorded "
                f"in the history ({exc.strerror or exc}); it will be served once it is: "
                f"tried again every {RETRY_S:g} s")

    def recent(self, count: int) -> list[history.Entry]:
        """The latest acceptances, newest first (for the organisers' status page)."""
        return list(reversed(self.history.entries()[-count:])) if self.history else []

    def _refuse(self, problems: list[str]) -> None:
        if len(problems) > MAX_PROBLEMS:  # a page and a log line, not megabytes
            more = len(problems) - MAX_PROBLEMS
            problems = problems[:MAX_PROBLEMS] + [
                f"… and {more} more: run `flask --app tourapp tour check` to see them all"
            ]
        problems_t = tuple(problems)
        if problems_t != self._status.problems:
            # Log each distinct problem once, not on every request.
            serving = "the last good tour" if self._status.tour else "nothing (no good tour yet)"
            log.error("refused %s, serving %s:\n%s", self.path, serving, "\n".join(problems))
        self._failed_at = time.monotonic()
        self._status = Status(
            self._status.tour, self._status.data, problems_t, time.time(),
            self._status.modified, self._status.entry,
        )

    def memo(self, key: Any, build: Callable[[Tour], Any]) -> Any:
        """``build(tour)`` once per tour version and key (pages, map scripts, GPX).

        One thread builds, the others asking for the same key meanwhile wait for its
        value: when a new version is accepted, every open page asks for it within one
        poll, and a worker's threads each rendering the same page would only share the
        GIL and finish later, all of them (issue 19).
        """
        tour = self.tour()
        if tour is None:
            raise LookupError("no tour loaded")
        memo_key = (tour.version, key)
        try:
            return self._memo[memo_key]
        except KeyError:
            pass
        with self._builder(memo_key):
            try:
                return self._memo[memo_key]
            except KeyError:
                value = build(tour)
                if len(self._memo) > 256:  # bounded: keys are per language and per leg
                    self._memo.clear()
                self._memo[memo_key] = value
                return value

    def _builder(self, memo_key: tuple) -> threading.RLock:
        """The lock of one key's build (a build may ask for other keys, never its own)."""
        with self._builders_lock:
            lock = self._builders.get(memo_key)
            if lock is None:
                if len(self._builders) > 256:  # as the memo; a thread holding one keeps it
                    self._builders.clear()
                lock = self._builders[memo_key] = threading.RLock()
            return lock


def init_app(app: Flask) -> None:
    """Attach a store for the configured data file; responses name the version they serve."""
    shared = history.History(app.config["TOUR_HISTORY_DIR"], app.config["TOUR_HISTORY_KEEP"])
    tour_store = TourStore(app.config["TOUR_DATA"], app.config["TOUR_MAX_BYTES"], shared)
    app.extensions["tour_store"] = tour_store
    if not app.testing and not maintenance_command():
        # Load now, so a bad file or an unwritable history is logged at start-up; workers
        # (forked or not) then follow the shared history, whatever was preloaded.
        tour_store.status()

    @app.after_request
    def add_version_header(response: Response) -> Response:
        status = g.get("tour_status")
        if status is not None and status.tour is not None:
            # Which version a worker served: for caches, the access log and the tests.
            response.headers["X-Tour-Version"] = status.tour.version
        return response


def get_store() -> TourStore:
    """The current app's store."""
    return current_app.extensions["tour_store"]


def served(app: Flask) -> Status:
    """What ``app`` serves now (the views' and every command's walk), with its problems."""
    return app.extensions["tour_store"].status()


def history_of(app: Flask, path: str | os.PathLike) -> history.History:
    """The shared history of the stops file at ``path`` (the app's own for its TOUR_DATA)."""
    same = Path(path).resolve() == Path(app.config["TOUR_DATA"]).resolve()
    folder = (
        app.config["TOUR_HISTORY_DIR"] if same
        else history.default_folder(app.instance_path, path)
    )
    return history.History(folder, app.config["TOUR_HISTORY_KEEP"])


def _parse_or_none(data: bytes | None, path: Path, max_bytes: int) -> Tour | None:
    if data is None:
        return None
    try:
        return stopsfile.parse(data, path.name, max_bytes=max_bytes)
    except stopsfile.TourError:
        return None


def write_stops(
    app: Flask, text: str | bytes, reason: str, path: str | os.PathLike | None = None
) -> tuple[Tour, history.Entry]:
    """Validate ``text``, write it over the stops file and record it in the history.

    ``path`` defaults to the app's TOUR_DATA. ``stopsfile.TourError`` lists every
    problem and nothing is written. The file being replaced, when valid and not yet
    recorded (saved by hand, not yet seen by a worker), is recorded first ("file"),
    so ``tour restore`` can bring it back. The file keeps its permissions and owner.
    """
    path = Path(app.config["TOUR_DATA"] if path is None else path)
    data = text.encode("utf-8") if isinstance(text, str) else text
    max_bytes = app.config["TOUR_MAX_BYTES"]
    # raises before writing; the photos it names must be in place first
    tour = stopsfile.parse(data, str(path), max_bytes=max_bytes, photos=folder_of(path))
    shared = history_of(app, path)
    try:
        old = path.read_bytes()
    except OSError:
        old = None
    replaced = _parse_or_none(old, path, max_bytes)
    on_disk = (old, replaced) if old is not None and replaced is not None else None
    current = shared.current()
    kept = shared.data(current) if current else None
    # The version served now, to word what changed (the file itself before any history).
    previous = _parse_or_none(kept if kept is not None else old, path, max_bytes)
    entry = shared.write(path, data, tour, previous, reason, on_disk)
    return tour, entry


class UnknownVersion(LookupError):
    """No kept version, or more than one, is named by what was asked for."""

    def __init__(self, asked: str, matches: tuple[str, ...]):
        super().__init__(asked)
        self.asked = asked
        self.matches = matches  # several when the name was too short to tell them apart


def restore(
    app: Flask, version: str, path: str | os.PathLike | None = None
) -> tuple[Tour, history.Entry]:
    """Write the accepted ``version`` (or the start of its name) back; it becomes the newest."""
    shared = history_of(app, app.config["TOUR_DATA"] if path is None else path)
    matches = shared.matching(version)
    data = shared.data(matches[0]) if len(matches) == 1 else None
    if data is None:
        raise UnknownVersion(version, matches if len(matches) > 1 else ())
    return write_stops(app, data, "restore", path)
