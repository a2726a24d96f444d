"""Both live stores (SQLite, a real Redis) keep the same state, atomically, across instances."""

from __future__ import annotations

import threading

import pytest

from tourapp.live.backends import MAX_TRACK_POINTS, SQLiteStore, open_store


@pytest.fixture
def store(live_backend, tmp_path):
    store = open_store(live_backend, str(tmp_path))
    yield store
    store.close()


def test_empty_store(store):
    assert store.read() == (0, {}) and store.revision() == 0 and store.track() == []


def test_update_bumps_the_revision_and_keeps_the_document(store, live_backend, tmp_path):
    rev, doc = store.update(lambda d: {**d, "guide": "Marie"}, [1.0, 43.6, 3.88, 5.0])
    assert rev == 1 and doc == {"guide": "Marie"}
    other = open_store(live_backend, str(tmp_path))  # another worker, another connection
    assert other.read() == (1, {"guide": "Marie"})
    assert other.track() == [[1.0, 43.6, 3.88, 5.0]]
    other.close()


def test_no_change_keeps_the_revision(store):
    store.update(lambda d: {"a": 1})
    assert store.update(lambda d: None) == (1, {"a": 1})


def test_concurrent_updates_lose_nothing(store, live_backend, tmp_path):
    def add(n):
        mine = open_store(live_backend, str(tmp_path))
        for _ in range(n):
            mine.update(lambda d: {"count": d.get("count", 0) + 1})
        mine.close()

    threads = [threading.Thread(target=add, args=(25,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.read() == (100, {"count": 100})


def test_revoke_all_bumps_the_generation(store):
    first = store.generation()  # 0 in SQLite; a random start in Redis (test_live_robust)
    assert store.revoke_all() == first + 1 and store.generation() == first + 1


def test_rate_limit_lets_one_request_per_interval(store):
    assert store.allow("guide-1", 1.0)
    assert not store.allow("guide-1", 1.0)
    assert store.allow("guide-2", 1.0)  # per link


def test_reset_forgets_the_walk_but_not_the_generation(store):
    generation = store.revoke_all()
    store.update(lambda d: {"guide": "Marie"}, [1.0, 43.6, 3.88, 5.0])
    store.reset()
    rev, doc = store.read()
    assert doc == {} and rev == 2 and store.track() == [] and store.generation() == generation


def test_failed_change_rolls_back(store):
    def boom(doc):
        raise ValueError("refused")

    with pytest.raises(ValueError):
        store.update(boom, [1.0, 43.6, 3.88, 5.0])
    assert store.read() == (0, {}) and store.track() == []
    assert store.update(lambda d: {"ok": True})[0] == 1  # not left locked


def test_track_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr("tourapp.live.backends.MAX_TRACK_POINTS", 3)
    store = SQLiteStore(tmp_path / "t.sqlite3")
    for i in range(5):
        store.update(lambda d: {"n": 1}, [float(i), 43.6, 3.88, 5.0])
    assert [p[0] for p in store.track()] == [2.0, 3.0, 4.0]
    assert MAX_TRACK_POINTS >= 10_000


def test_sqlite_is_in_wal_mode(tmp_path):
    store = SQLiteStore(tmp_path / "w.sqlite3")
    assert store._connect().execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_unknown_store_url_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="LIVE_STORE"):
        open_store("memcached://x", str(tmp_path))


def test_default_is_sqlite_in_the_instance_folder(tmp_path):
    store = open_store("", str(tmp_path / "instance"))
    assert isinstance(store.store, SQLiteStore) and store.store.path == str(tmp_path / "instance" / "live.sqlite3")
