"""What the console does with the walk: history rows, restore, save an edit. No view here.

Every write goes through ``stopsfile.store.write_stops`` — the one path every command
takes (validated, replaced atomically, recorded in the shared history under its lock, so
every worker serves it at once).
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from .. import stopsfile
from ..domain.geo import distance_m
from ..domain.tour import Tour
from ..geodata import geocoding
from ..stopsfile import edits, history
from ..stopsfile.messages import N_, Message
from ..stopsfile.store import write_stops


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
    return write_stops(app, data, reason)


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


class StreetRouter:
    """The app's street network (``ROUTING_NETWORK``), loaded on the first leg to route."""

    def __init__(self, app: Flask):
        self.app = app

    def route(self, start, end):
        """The walking route, from the network kept by this worker (read once, ~1 s)."""
        from ..geodata.routing.network import NetworkRouter

        path = self.app.config["ROUTING_NETWORK"]
        kept = self.app.extensions.get("tourapp.console.router")
        if kept is None or kept[0] != path:
            kept = (path, NetworkRouter.from_file(path))
            self.app.extensions["tourapp.console.router"] = kept
        return kept[1].route(start, end)


def changed_stops(before: Tour, document: dict) -> set[str]:
    """Ids of the stops of ``document`` that are new or stand elsewhere than in ``before``."""
    changed = set()
    for feature in document["features"]:
        geometry = feature.get("geometry") or {}
        if geometry.get("type") != "Point":
            continue
        ident = (feature.get("properties") or {}).get("id")
        if not isinstance(ident, str):  # no id: the file's own check names it
            continue
        lon, lat = geometry["coordinates"][:2]
        was = before.stop(ident)
        if was is None or distance_m(was.location, (lat, lon)) >= history.MOVED_M:
            changed.add(ident)
    return changed


def route(app: Flask, before: Tour, document: dict) -> edits.Edited:
    """Route again only the legs an edit touched: a moved or new stop's, new neighbours'.

    ``edits.EditError`` if a leg cannot be routed or the walk would not load.
    """
    changed = changed_stops(before, document)
    routed = {(leg.from_id, leg.to_id) for leg in before.legs if leg.routed}
    # A leg whose stop was moved in a GIS tool or by hand no longer meets it: route it too.
    stale = {stopsfile.stale_leg(warning) for warning in before.warnings} - {None}

    def touches(a: str, b: str) -> bool:
        return a in changed or b in changed or (a, b) not in routed or (a, b) in stale

    return edits.reroute(document, Path(app.config["TOUR_DATA"]).name, StreetRouter(app),
                         touches, app.config["TOUR_MAX_BYTES"])


def route_legs(app: Flask, base: str, legs: set[tuple[str, str]]) -> history.Entry:
    """Route again only ``legs`` of the kept version ``base`` and save it as an edit.

    ``NotKept`` for an unknown version, ``edits.EditError`` if a leg cannot be routed or
    is not a leg of the walk, ``Conflict`` if another version was accepted since.
    """
    data = shared_history(app).data(base) if base else None
    if data is None:
        raise NotKept(base)
    document = edits.document_of(data)
    name = Path(app.config["TOUR_DATA"]).name
    edited = edits.reroute(document, name, StreetRouter(app), lambda a, b: (a, b) in legs,
                           app.config["TOUR_MAX_BYTES"])
    if {(leg.start.id, leg.end.id) for leg in edited.routed} != legs:
        raise edits.EditError(Message.of(N_("this leg is not a leg of the walk any more")))
    return save(app, base, edited.text.encode(), "route")


def far_stops(tour: Tour, changed: set[str], limit_m: float) -> dict[str, float]:
    """Changed stops farther than ``limit_m`` from every other stop: a slip of the mouse?"""
    far = {}
    for stop in tour.stops:
        if stop.id not in changed or len(tour.stops) < 2:
            continue
        nearest = min(distance_m(stop.location, other.location)
                      for other in tour.stops if other.id != stop.id)
        if nearest > limit_m:
            far[stop.id] = nearest
    return far


def locate(app: Flask, address: str, tour: Tour | None) -> geocoding.Place:
    """The one place ``address`` names near the walk, or ``geocoding.GeocodingError``."""
    near = edits.centre(tour) if tour is not None and tour.stops else None
    return geocoding.from_config(app.config).locate(address, near=near)
