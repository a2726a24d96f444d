"""Atomic, durable replacement of a file: old or new, never a mix; mode and owner kept."""

from __future__ import annotations

import os

import pytest

from tourapp.system import durable


def test_replaces_the_file_and_keeps_its_permissions(tmp_path):
    target = tmp_path / "stops.geojson"
    target.write_text("old")
    os.chmod(target, 0o640)
    durable.write_atomic(target, "new")
    assert target.read_text() == "new"
    assert os.stat(target).st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["stops.geojson"]


def test_a_new_file_gets_the_usual_permissions_not_mkstemps(tmp_path):
    umask = os.umask(0o022)
    try:
        durable.write_atomic(tmp_path / "new.gpx", b"<gpx/>")
    finally:
        os.umask(umask)
    assert os.stat(tmp_path / "new.gpx").st_mode & 0o777 == 0o644


def test_keeps_the_group_of_the_replaced_file(tmp_path):
    target = tmp_path / "stops.geojson"
    target.write_text("old")
    groups = [g for g in os.getgroups() if g != os.stat(target).st_gid]
    if not groups and os.geteuid() != 0:
        pytest.skip("this user belongs to one group only")
    other = groups[0] if groups else 1
    os.chown(target, -1, other)
    durable.write_atomic(target, "new")
    assert os.stat(target).st_gid == other


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
def test_keeps_the_owner_of_the_replaced_file(tmp_path):
    target = tmp_path / "stops.geojson"
    target.write_text("old")
    os.chown(target, 1, 1)
    durable.write_atomic(target, "new")
    assert (os.stat(target).st_uid, os.stat(target).st_gid) == (1, 1)


def test_leaves_the_file_untouched_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "stops.geojson"
    target.write_text("old")

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        durable.write_atomic(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["stops.geojson"]
