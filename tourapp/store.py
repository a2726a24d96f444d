"""The tour the app serves: loaded once, reloaded when the file changes, never half-loaded."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context

from . import stopsfile
from .security import maintenance_command
from .tour import Tour

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
    modified: float = 0.0  # the served file's modification time (Last-Modified, GPX <time>)

    @property
    def state(self) -> str:
        """``ok``, ``degraded`` (an older good tour is served) or ``error`` (none)."""
        if self.tour is None:
            return "error"
        return "degraded" if self.problems else "ok"


class TourStore:
    """Holds the last good tour of one file and memoises what is derived from it."""

    def __init__(self, path: str, max_bytes: int = stopsfile.MAX_FILE_BYTES):
        self.path = path
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._signature: tuple | None = None
        self._failed_at = 0.0
        self._refused_data = b""
        self._status = Status(None, b"", ("not loaded yet",), 0.0)
        self._memo: dict[Any, Any] = {}

    def _stat(self) -> tuple | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def status(self) -> Status:
        """The current status, after picking up any change of the file.

        Within a request, every call returns the status the request first saw,
        so a page, its ETag and its X-Tour-Version header are of one version.
        """
        if has_request_context() and "tour_status" in g:
            return g.tour_status
        status = self._current()
        if has_request_context():
            g.tour_status = status
        return status

    def _current(self) -> Status:
        signature = self._stat()
        if signature != self._signature or (
            self._status.problems and time.monotonic() - self._failed_at > RETRY_S
        ):
            with self._lock:
                self._reload(signature)
        return self._status

    def tour(self) -> Tour | None:
        """The tour to serve (the last good one), or None if none ever loaded."""
        return self.status().tour

    def _reload(self, signature: tuple | None) -> None:
        # Another thread may have reloaded while this one waited for the lock.
        if signature == self._signature and not (
            self._status.problems and time.monotonic() - self._failed_at > RETRY_S
        ):
            return
        try:
            self._load(signature)
        finally:
            # Only now: a thread that sees this signature must also see the status it gave.
            self._signature = signature

    def _load(self, signature: tuple | None) -> None:
        try:
            with open(self.path, "rb") as handle:
                data = handle.read(self.max_bytes + 1)
        except OSError as exc:
            self._refused_data = b""
            self._refuse([f"{os.path.basename(self.path)}: cannot read the file: {exc.strerror}"])
            return
        current = self._status
        if current.tour is not None and data == current.data:
            if current.problems:
                self._status = Status(current.tour, current.data, (), time.time(), current.modified)
            return
        if current.problems and data == self._refused_data:
            self._failed_at = time.monotonic()  # the same bad bytes: no need to parse again
            return
        try:
            # Messages name the file, not the server's folders: they are shown on /healthz.
            tour = stopsfile.parse(data, os.path.basename(self.path), max_bytes=self.max_bytes)
        except stopsfile.TourError as exc:
            self._refused_data = data
            self._refuse(exc.problems)
            return
        for warning in tour.warnings:
            log.warning("%s", warning)
        self._memo = {}
        modified = signature[0] / 1e9 if signature else time.time()
        self._status = Status(tour, data, (), time.time(), modified)
        log.info("loaded %s (version %s, %d stops)", self.path, tour.version, len(tour.stops))

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
            self._status.tour, self._status.data, problems_t, time.time(), self._status.modified
        )

    def memo(self, key: Any, build: Callable[[Tour], Any]) -> Any:
        """``build(tour)`` once per tour version and key (pages, map scripts, GPX)."""
        tour = self.tour()
        if tour is None:
            raise LookupError("no tour loaded")
        memo_key = (tour.version, key)
        try:
            return self._memo[memo_key]
        except KeyError:
            value = build(tour)
            if len(self._memo) > 256:  # bounded: keys are per language and per leg
                self._memo.clear()
            self._memo[memo_key] = value
            return value


def init_app(app: Flask) -> None:
    """Attach a store for the configured data file; responses name the version they serve."""
    tour_store = TourStore(app.config["TOUR_DATA"], app.config["TOUR_MAX_BYTES"])
    app.extensions["tour_store"] = tour_store
    if not app.testing and not maintenance_command():
        # Load now: with `gunicorn --preload` the workers are forked with a good tour, so a
        # worker (re)started while the file on disk is bad still serves instead of a 503.
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
