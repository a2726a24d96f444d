"""Accepted versions of the stops file, shared on disk by every worker and command.

Layout of the history folder (``TOUR_HISTORY_DIR``):

- ``versions/<version>.geojson``: the bytes of each accepted file, named by their
  content hash (the tour's ``version``), written once;
- ``log.json``: the acceptances, oldest first (version, time, reason, what changed),
  at most ``keep`` of them; replaced atomically;
- ``current``: the version every worker serves, replaced atomically after the
  version's bytes and the log are on disk;
- ``lock``: serialises writers (``flock``), so two workers accepting at once cannot
  put an older file back in front of a newer one.

Readers take no lock: they stat ``current`` and read what it names.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..domain.geo import distance_m
from ..domain.tour import Stop, Tour
from ..system.durable import signature, write_atomic

DEFAULT_KEEP = 100
MOVED_M = 1.0  # under a metre, a stop was re-saved, not moved


def default_folder(instance_path: str | os.PathLike, data_path: str | os.PathLike) -> Path:
    """Where the history of a data file lives by default: one folder per file, by its path."""
    data = Path(data_path).resolve()
    tag = hashlib.sha256(str(data).encode()).hexdigest()[:8]
    return Path(instance_path) / "history" / f"{data.stem}-{tag}"


def content_version(data: bytes) -> str:
    """The version name of a file's bytes (the same as ``Tour.version``)."""
    return hashlib.sha256(data).hexdigest()[:16]


@dataclass(frozen=True)
class Entry:
    """One acceptance: which version, when, why, and what changed from the one before."""

    version: str
    accepted_at: float  # seconds since the epoch
    reason: str  # "file" (saved by an editor), "restore", "route", "add-stop", …
    changes: tuple[dict, ...] = field(default=())
    previous: str = ""
    kept: str = ""  # where the refused file this version replaced was copied, if any

    def as_json(self) -> dict:
        return {
            "version": self.version,
            "accepted_at": self.accepted_at,
            "reason": self.reason,
            "changes": list(self.changes),
            "previous": self.previous,
            **({"kept": self.kept} if self.kept else {}),
        }


def changes(old: Tour | None, new: Tour) -> tuple[dict, ...]:
    """What changed between two tours, as data a page or a command words in its language.

    Kinds: ``added``, ``removed``, ``renamed`` (with ``old``/``new`` names),
    ``text`` (a stop's ``field``, description, address or short_name, with ``old``/``new``),
    ``duration`` (``old``/``new`` minutes), ``order`` (``old``/``new`` number),
    ``details`` (a stop's activity, practical notes or photo),
    ``moved`` (``m``), ``times`` (``old``/``new`` arrival, HH:MM), ``tour`` (a tour fact).
    """
    if old is None:
        return ({"kind": "first", "stops": len(new.stops)},)
    found: list[dict] = []
    before = {stop.id: stop for stop in old.stops}
    after = {stop.id: stop for stop in new.stops}
    found += [{"kind": "added", "stop": i} for i in after if i not in before]
    found += [{"kind": "removed", "stop": i} for i in before if i not in after]
    arrivals_old = {v.stop.id: v.arrival for v in old.visits}
    for ident, stop in after.items():
        was = before.get(ident)
        if was is None:
            continue
        if was.name != stop.name:
            found.append({
                "kind": "renamed", "stop": ident,
                "old": {"fr": was.name.fr, "en": was.name.en},
                "new": {"fr": stop.name.fr, "en": stop.name.en},
            })
        for name in ("description", "address", "short_name"):
            before_text, after_text = getattr(was, name), getattr(stop, name)
            if before_text != after_text:
                found.append({
                    "kind": "text", "stop": ident, "field": name,
                    "old": {"fr": before_text.fr, "en": before_text.en},
                    "new": {"fr": after_text.fr, "en": after_text.en},
                })
        if _details(was) != _details(stop):
            found.append({"kind": "details", "stop": ident})
        if was.duration_min != stop.duration_min:
            found.append({"kind": "duration", "stop": ident,
                          "old": was.duration_min, "new": stop.duration_min})
        if was.order != stop.order:
            found.append({"kind": "order", "stop": ident, "old": was.order, "new": stop.order})
        moved = distance_m(was.location, stop.location)
        if moved >= MOVED_M:
            found.append({"kind": "moved", "stop": ident, "m": round(moved)})
    for visit in new.visits:
        was_at = arrivals_old.get(visit.stop.id)
        if was_at is not None and was_at.strftime("%H:%M") != visit.arrival.strftime("%H:%M"):
            found.append({
                "kind": "times", "stop": visit.stop.id,
                "old": f"{was_at:%H:%M}", "new": f"{visit.arrival:%H:%M}",
            })
    for name in ("title", "description", "date", "timezone", "start", "end", "speed_kmh", "phone"):
        if getattr(old, name) != getattr(new, name):
            found.append({"kind": "tour", "fact": name})
    return tuple(found)


def _details(stop: Stop) -> tuple:
    """A stop's texts for participants: activity, notes, access, toilets, photo (as named)."""
    photo = stop.photo and (stop.photo.file, stop.photo.alt, stop.photo.credit)
    return (stop.activity, stop.notes, stop.step_free, stop.toilets, photo)


class History:
    """The history folder of one stops file."""

    def __init__(self, folder: str | os.PathLike, keep: int = DEFAULT_KEEP):
        self.folder = Path(folder)
        self.keep = max(1, int(keep))
        self.versions = self.folder / "versions"
        self.pointer = self.folder / "current"
        self.log_path = self.folder / "log.json"

    # --- reading: no lock, every worker on every request ----------------------------

    def pointer_signature(self) -> tuple | None:
        """Changes whenever ``current`` is replaced (a new inode each time)."""
        return signature(self.pointer)

    def current(self) -> str | None:
        """The version every worker should serve, or None before the first acceptance."""
        try:
            text = self.pointer.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return text or None

    def data(self, version: str) -> bytes | None:
        """The bytes of an accepted version, or None when missing or damaged."""
        try:
            data = (self.versions / f"{version}.geojson").read_bytes()
        except OSError:
            return None
        return data if content_version(data) == version else None

    def entries(self) -> list[Entry]:
        """Every kept acceptance, oldest first."""
        try:
            raw = json.loads(self.log_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [
            Entry(e["version"], float(e["accepted_at"]), str(e.get("reason", "")),
                  tuple(e.get("changes", ())), str(e.get("previous", "")),
                  str(e.get("kept", "")))
            for e in raw if isinstance(e, dict) and "version" in e and "accepted_at" in e
        ]

    def entry(self, version: str) -> Entry | None:
        """The latest acceptance of ``version``."""
        return next((e for e in reversed(self.entries()) if e.version == version), None)

    def matching(self, prefix: str) -> tuple[str, ...]:
        """The kept versions whose name starts with ``prefix``, sorted (none for a blank one)."""
        prefix = prefix.strip()
        if not prefix:
            return ()
        return tuple(sorted({e.version for e in self.entries() if e.version.startswith(prefix)}))

    # --- writing: under the lock --------------------------------------------------------

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the history's write lock (between processes, and threads of one)."""
        self.versions.mkdir(parents=True, exist_ok=True)
        with open(self.folder / "lock", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def accept(self, data: bytes, tour: Tour, previous: Tour | None, reason: str,
               kept: str = "") -> Entry:
        """Keep ``data`` and make it the version everyone serves. Call under ``locked()``."""
        version = content_version(data)
        target = self.versions / f"{version}.geojson"
        if self.data(version) is None:
            write_atomic(target, data)
        entry = Entry(version, time.time(), reason, changes(previous, tour),
                      previous.version if previous else "", kept)
        entries = (self.entries() + [entry])[-self.keep:]
        write_atomic(self.log_path, json.dumps([e.as_json() for e in entries], indent=1) + "\n")
        # The pointer last: a reader that sees it finds the bytes and the log entry.
        write_atomic(self.pointer, version + "\n")
        self._prune({e.version for e in entries})
        return entry

    def write(self, path: str | os.PathLike, data: bytes, tour: Tour, previous: Tour | None,
              reason: str, on_disk: tuple[bytes, Tour] | None = None) -> Entry:
        """Replace the stops file with ``data`` (already validated) and accept it, as one step.

        Under the lock, so a worker that sees the new file waits and then finds it
        accepted with this ``reason`` instead of recording it as an editor's save.
        ``on_disk``: the valid file being replaced, kept first if no worker has yet.
        A file on disk that is neither valid nor a kept version (an organiser's edit
        with one stray comma) is copied to ``refused/`` first; the entry says where.
        """
        with self.locked():
            kept = ""
            if on_disk is not None and self.current() != on_disk[1].version:
                self.accept(on_disk[0], on_disk[1], previous, "file")
                previous = on_disk[1]
            elif on_disk is None:
                kept = self.keep_refused(path)
            write_atomic(path, data)
            return self.accept(data, tour, previous, reason, kept)

    def keep_refused(self, path: str | os.PathLike) -> str:
        """Copy the file at ``path`` into ``refused/`` unless missing or already kept; where."""
        try:
            old = Path(path).read_bytes()
        except OSError:
            return ""
        version = content_version(old)
        if not old or self.data(version) is not None:
            return ""
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        target = self.folder / "refused" / f"{stamp}-{version}{Path(path).suffix}"
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, old)
        return str(target)

    def _prune(self, keep: set[str]) -> None:
        for path in self.versions.glob("*.geojson"):
            if path.stem not in keep:
                path.unlink(missing_ok=True)
