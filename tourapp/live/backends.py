"""Where the live walk is kept: one JSON document, the guide's track, revocation, rate limits.

Every gunicorn worker (and every app machine, with Redis) reads and writes the same
state, and it survives restarts. Two backends pass the same tests:

- SQLite (standard library) in the instance folder, in WAL mode: readers never wait
  for the guide's write, and a committed report survives a killed worker;
- Redis (``LIVE_STORE=redis://host:port/db``), for several app machines.

Writes are read-modify-write of the whole document inside one transaction
(``BEGIN IMMEDIATE`` / ``WATCH``…``MULTI``), so two workers never lose each other's update.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

MAX_TRACK_POINTS = 50_000
"""A point every 10 s for more than five days: older points are dropped beyond this."""

Change = Callable[[dict], dict | None]
"""Gets the current document, returns the new one (or None: nothing to change)."""


class StoreUnavailable(Exception):
    """The live store cannot be reached or written now: answered 503, logged once."""

    def __init__(self, reason: str, cause: str = ""):
        super().__init__(reason)
        self.cause = cause  # the backend's error type (ConnectionError…): no address in it


class _Breaker:
    """One kind of access (reads or writes): whether it is failing, since when, why."""

    def __init__(self, what: str):
        self.what = what
        self.down_since: float | None = None
        self.reason = ""
        self.cause = ""
        self.retry_at = 0.0


class Guarded:
    """A store whose failures are an outage: said once in the log, then answered quickly.

    While the store is down, every call within ``BREAK_S`` of the last failure fails at
    once with :class:`StoreUnavailable` instead of waiting for a connection again: a
    thousand phones polling during a Redis restart cost nothing and log nothing. Reads
    and writes fail apart: a full disk refuses the guide's reports, not the polls.
    """

    BREAK_S = 1.0
    READS = frozenset({"read", "revision", "track", "generation"})
    WRITES = frozenset({"update", "revoke_all", "allow", "reset"})

    def __init__(self, opener: Callable[[], LiveStore], errors: tuple[type[BaseException], ...]):
        self._opener = opener
        self._store: LiveStore | None = None
        self._errors = errors
        self._lock = threading.Lock()
        self.breakers = {"read": _Breaker("read"), "write": _Breaker("written")}

    @property
    def store(self) -> LiveStore:
        """The store, opened on first use (raises like any call when it cannot be)."""
        if self._store is None:
            with self._lock:
                if self._store is None:
                    self._store = self._opener()
        return self._store

    @property
    def down_since(self) -> float | None:
        """When the store started failing (reads or writes), None while it works."""
        times = [b.down_since for b in self.breakers.values() if b.down_since is not None]
        return min(times) if times else None

    def __getattr__(self, name: str) -> Any:
        if name in self.READS or name in self.WRITES:
            kind = "read" if name in self.READS else "write"
            return lambda *args, **kwargs: self.call(
                lambda: getattr(self.store, name)(*args, **kwargs), kind
            )
        return getattr(self.call(lambda: self.store), name)

    def call(self, body: Callable[[], object], kind: str = "read"):
        """``body()``, or :class:`StoreUnavailable` when the store fails (or just failed)."""
        breaker = self.breakers[kind]
        if breaker.down_since is not None and time.monotonic() < breaker.retry_at:
            raise StoreUnavailable(breaker.reason, breaker.cause)
        try:
            result = body()
        except self._errors as exc:
            with self._lock:
                breaker.reason = f"{type(exc).__name__}: {exc}"[:300]
                breaker.cause = type(exc).__name__
                if breaker.down_since is None:
                    breaker.down_since = time.time()
                    log.error("live store cannot be %s (%s): participants keep their last "
                              "state, guides are asked to retry", breaker.what, breaker.reason)
                breaker.retry_at = time.monotonic() + self.BREAK_S
            raise StoreUnavailable(breaker.reason, breaker.cause) from None
        if breaker.down_since is not None:
            with self._lock:
                if breaker.down_since is not None:
                    log.warning("live store can be %s again, after %.0f s", breaker.what,
                                time.time() - breaker.down_since)
                    breaker.down_since = None
        return result

    def close(self) -> None:
        """Release connections."""
        if self._store is not None:
            self._store.close()


def load_doc(raw: str | bytes | None) -> dict:
    """The stored document, or an empty one when what is stored is not a JSON object."""
    try:
        doc = json.loads(raw or "{}")
    except ValueError:  # damaged, or bytes that are not UTF-8 (UnicodeDecodeError)
        return {}
    return doc if isinstance(doc, dict) else {}


class LiveStore:
    """What both backends offer."""

    def read(self) -> tuple[int, dict]:
        """The revision (0 before any report) and the document."""
        raise NotImplementedError

    def revision(self) -> int:
        """The revision alone: cheap, for the participants' polling."""
        raise NotImplementedError

    def update(self, change: Change, point: list | None = None) -> tuple[int, dict]:
        """Apply ``change`` atomically (and append ``point`` to the track); new revision."""
        raise NotImplementedError

    def track(self) -> list[list]:
        """The guide's positions, oldest first: ``[t, lat, lon, accuracy]``."""
        raise NotImplementedError

    def generation(self) -> int:
        """The current generation of guide links (see ``tokens``)."""
        raise NotImplementedError

    def revoke_all(self) -> int:
        """Invalidate every link given so far; the new generation."""
        raise NotImplementedError

    def allow(self, key: str, interval_s: float) -> bool:
        """True at most once per ``interval_s`` for ``key`` (the guide's rate limit)."""
        raise NotImplementedError

    def reset(self) -> None:
        """Forget the walk (document and track), keep the links' generation."""
        raise NotImplementedError

    def close(self) -> None:
        """Release connections."""


class SQLiteStore(LiveStore):
    """One small SQLite file; a connection per thread and process (forked workers too)."""

    def __init__(self, path: str | os.PathLike):
        self.path = str(path)
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._connect() as db:
            db.executescript(
                """
                CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS track (
                    n INTEGER PRIMARY KEY AUTOINCREMENT, point TEXT NOT NULL);
                """
            )

    def _connect(self) -> sqlite3.Connection:
        local = self._local
        if getattr(local, "pid", None) != os.getpid():  # never share a connection across fork
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")  # a reported arrival survives a power cut
            local.db, local.pid = db, os.getpid()
        return local.db

    def _get(self, db: sqlite3.Connection, key: str, default: str) -> str:
        row = db.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def _put(self, db: sqlite3.Connection, key: str, value: str) -> None:
        db.execute(
            "INSERT INTO kv (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def read(self) -> tuple[int, dict]:
        db = self._connect()
        db.execute("BEGIN")  # one snapshot for both values
        try:
            rev = int(self._get(db, "rev", "0"))
            doc = load_doc(self._get(db, "doc", "{}"))
        finally:
            db.execute("COMMIT")
        return rev, doc

    def revision(self) -> int:
        return int(self._get(self._connect(), "rev", "0"))

    def _write(self, body: Callable[[sqlite3.Connection], object]):
        db = self._connect()
        db.execute("BEGIN IMMEDIATE")  # take the write lock before reading
        try:
            result = body(db)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return result

    def update(self, change: Change, point: list | None = None) -> tuple[int, dict]:
        def body(db):
            rev = int(self._get(db, "rev", "0"))
            doc = change(load_doc(self._get(db, "doc", "{}")))
            if doc is None:
                return rev, load_doc(self._get(db, "doc", "{}"))
            rev += 1
            self._put(db, "rev", str(rev))
            self._put(db, "doc", json.dumps(doc, separators=(",", ":")))
            if point is not None:
                db.execute("INSERT INTO track (point) VALUES (?)", (json.dumps(point),))
                db.execute(
                    "DELETE FROM track WHERE n <= (SELECT MAX(n) FROM track) - ?",
                    (MAX_TRACK_POINTS,),
                )
            return rev, doc

        return self._write(body)

    def track(self) -> list[list]:
        rows = self._connect().execute("SELECT point FROM track ORDER BY n").fetchall()
        return [json.loads(row[0]) for row in rows]

    def generation(self) -> int:
        return int(self._get(self._connect(), "generation", "0"))

    def revoke_all(self) -> int:
        def body(db):
            generation = int(self._get(db, "generation", "0")) + 1
            self._put(db, "generation", str(generation))
            return generation

        return self._write(body)

    def allow(self, key: str, interval_s: float) -> bool:
        def body(db):
            now = time.time()
            last = float(self._get(db, "rate:" + key, "0"))
            if now - last < interval_s:
                return False
            self._put(db, "rate:" + key, repr(now))
            return True

        return self._write(body)

    def reset(self) -> None:
        def body(db):
            # The revision keeps growing: a participant's ETag never matches a new walk.
            rev = int(self._get(db, "rev", "0")) + 1
            self._put(db, "rev", str(rev))
            self._put(db, "doc", "{}")
            db.execute("DELETE FROM track")

        self._write(body)

    def close(self) -> None:
        if getattr(self._local, "pid", None) == os.getpid():
            self._local.db.close()
            del self._local.db, self._local.pid


def _reply(value: Any) -> Any:
    """A synchronous redis client's reply, as what it is (not redis-py's async union)."""
    return value


class RedisStore(LiveStore):
    """The same state in Redis, under ``tourapp:live:*`` keys."""

    PREFIX = "tourapp:live:"
    GENERATION = ("if not redis.call('get', KEYS[1]) then redis.call('set', KEYS[1], ARGV[1]) "
                  "end if ARGV[2] == '1' then return redis.call('incr', KEYS[1]) end "
                  "return redis.call('get', KEYS[1])")
    """The links' generation (ARGV[2] '1': bumped), atomically. A missing one (a fresh
    Redis, or one that lost its data) starts at ARGV[1], a random number: every link made
    before is refused, and a revoked link can never match again (``INCR`` from nothing
    would give 1, 2… again, the generations of links revoked before the loss)."""

    def __init__(self, url: str):
        import redis  # only needed with LIVE_STORE=redis://…

        self._redis = redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # Short timeouts and a single immediate retry (a pooled connection Redis closed
        # when it restarted): redis-py's default backs off for seconds, and a thousand
        # polls waiting that long pile up in the workers during an outage.
        self.client = redis.Redis.from_url(
            url, socket_timeout=1.0, socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 1)
        )
        # redis-py types every reply as "Awaitable | Any" (one class for sync and async
        # clients); this client is synchronous: _reply() says so where a reply is used.
        self.k = {name: self.PREFIX + name for name in ("rev", "doc", "track", "generation")}

    def read(self) -> tuple[int, dict]:
        rev, doc = _reply(self.client.mget(self.k["rev"], self.k["doc"]))
        return int(rev or 0), load_doc(doc)

    def revision(self) -> int:
        return int(_reply(self.client.get(self.k["rev"])) or 0)

    def update(self, change: Change, point: list | None = None) -> tuple[int, dict]:
        with self.client.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(self.k["rev"])  # every write bumps rev: watching it suffices
                    rev_raw, raw = _reply(pipe.mget(self.k["rev"], self.k["doc"]))
                    rev = int(rev_raw or 0)
                    doc = change(load_doc(raw))
                    if doc is None:
                        pipe.unwatch()
                        return rev, load_doc(raw)
                    pipe.multi()
                    pipe.set(self.k["rev"], rev + 1)
                    pipe.set(self.k["doc"], json.dumps(doc, separators=(",", ":")))
                    if point is not None:
                        pipe.rpush(self.k["track"], json.dumps(point))
                        pipe.ltrim(self.k["track"], -MAX_TRACK_POINTS, -1)
                    pipe.execute()
                    return rev + 1, doc
                except self._redis.WatchError:
                    continue  # another worker wrote first: read again

    def track(self) -> list[list]:
        return [json.loads(item) for item in _reply(self.client.lrange(self.k["track"], 0, -1))]

    def _generation(self, bump: bool) -> int:
        start = str(secrets.randbelow(2**40) + 2**20)  # far from any counter's value
        reply = self.client.eval(self.GENERATION, 1, self.k["generation"], start,
                                 "1" if bump else "0")
        return int(_reply(reply))

    def generation(self) -> int:
        # Nothing on the app machines: each reads Redis, which the shipped settings
        # (deploy/redis-tourapp.conf) keep on disk before answering.
        raw = _reply(self.client.get(self.k["generation"]))
        return int(raw) if raw is not None else self._generation(bump=False)

    def revoke_all(self) -> int:
        return self._generation(bump=True)

    def allow(self, key: str, interval_s: float) -> bool:
        # SET NX PX: the key exists for interval_s after the request it let through.
        return bool(self.client.set(self.PREFIX + "rate:" + key, 1, nx=True,
                                    px=max(1, int(interval_s * 1000))))

    def reset(self) -> None:
        with self.client.pipeline() as pipe:
            pipe.incr(self.k["rev"])
            pipe.set(self.k["doc"], "{}")
            pipe.delete(self.k["track"])
            pipe.execute()

    def close(self) -> None:
        self.client.close()


def open_store(url: str, instance_path: str) -> Guarded:
    """The backend ``LIVE_STORE`` names: ``redis://…``, ``sqlite:///path``, or '' (instance).

    Guarded: an unreachable or unwritable store raises :class:`StoreUnavailable`.
    """
    scheme = urlsplit(url).scheme if url else ""
    if scheme in ("redis", "rediss", "unix"):
        import redis

        return Guarded(lambda: RedisStore(url), (redis.RedisError, OSError))
    errors = (sqlite3.OperationalError, sqlite3.DatabaseError, OSError)
    if scheme == "sqlite":
        return Guarded(lambda: SQLiteStore(url[len("sqlite://"):]), errors)
    if url:
        raise ValueError(f"LIVE_STORE must be redis://…, sqlite:///path or empty, got {url!r}")
    return Guarded(lambda: SQLiteStore(Path(instance_path) / "live.sqlite3"), errors)
