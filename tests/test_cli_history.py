"""``flask tour history``, ``flask tour restore`` and ``write_stops`` (issue 11)."""

from __future__ import annotations

import json
import os

import pytest

from tourapp import stopsfile
from tourapp.cli.language import shell_language
from tourapp.stopsfile.store import history_of, write_stops

from .conftest import SEEDED


def with_start(start: str) -> bytes:
    document = json.loads(SEEDED.read_text(encoding="utf-8"))
    document["features"][0]["properties"]["tour_start"] = start
    return stopsfile.dumps(document).encode()


def saved_and_served(client, tour_file, data: bytes) -> str:
    """An organiser saves ``data``; the app serves it (and records it)."""
    tour_file.write_bytes(data)
    st = tour_file.stat()
    os.utime(tour_file, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    version = client.get("/healthz").json["version"]
    assert version == stopsfile.parse(data).version
    return version


def test_history_lists_accepted_versions_with_what_changed(app, client, runner, tour_file):
    first = client.get("/healthz").json["version"]
    second = saved_and_served(client, tour_file, with_start("14:15"))
    tour_file.write_bytes(b'{"type": "FeatureCollection", "features": [')  # refused: not kept
    client.get("/healthz")
    result = runner.invoke(args=["tour", "history"], env={"LANG": "C.UTF-8"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"* {second}") and "file saved" in lines[0]
    assert "arrival 1:30 PM → 2:15 PM" not in result.output  # times are HH:MM
    assert "stop “hotel-de-metropole”: arrival 13:30 → 14:15" in lines[1]
    assert lines[2].startswith(f"  {first}")
    assert len([line for line in lines if line[:1] in "* "]) == 5  # 2 versions + footer


def test_restore_brings_a_version_back_and_it_becomes_the_newest(app, client, runner, tour_file):
    first = client.get("/healthz").json["version"]
    original = tour_file.read_bytes()
    saved_and_served(client, tour_file, with_start("14:15"))
    os.chmod(tour_file, 0o644)
    os.chown(tour_file, 1, 1)  # the organiser's file, not root's (the tests run as root)
    result = runner.invoke(args=["tour", "restore", first[:6]], env={"LANG": "en_GB.UTF-8"})
    assert result.exit_code == 0, result.output
    assert f"version {first} restored" in result.output
    assert tour_file.read_bytes() == original
    st = tour_file.stat()
    assert (st.st_mode & 0o777, st.st_uid, st.st_gid) == (0o644, 1, 1)
    shared = history_of(app, tour_file)
    assert shared.current() == first
    assert shared.entries()[-1].reason == "restore" and shared.entries()[-1].version == first
    # Every worker serves it: this one finds it through the history's pointer.
    assert client.get("/healthz").json["version"] == first


def test_restore_of_an_unknown_version_changes_nothing(client, runner, tour_file):
    client.get("/healthz")
    before = tour_file.read_bytes()
    result = runner.invoke(args=["tour", "restore", "ffffffff"], env={"LANG": "fr_FR.UTF-8"})
    assert result.exit_code == 1
    assert "aucune version conservée ne s’appelle « ffffffff »" in result.output
    assert tour_file.read_bytes() == before


def test_write_stops_refuses_a_bad_text_and_writes_nothing(app, tour_file):
    before = tour_file.read_bytes()
    with app.app_context(), pytest.raises(stopsfile.TourError):
        write_stops(app, before[:500], "add-stop")
    assert tour_file.read_bytes() == before
    assert history_of(app, tour_file).entries() == []


def test_write_stops_keeps_the_file_it_replaces_then_the_new_one(app, tour_file):
    before = stopsfile.parse(tour_file.read_bytes()).version
    with app.app_context():
        tour, entry = write_stops(app, with_start("15:00"), "add-stop")
    shared = history_of(app, tour_file)
    assert [(e.version, e.reason) for e in shared.entries()] == [
        (before, "file"), (tour.version, "add-stop")
    ]
    assert {"kind": "times", "stop": "hotel-de-metropole", "old": "13:30", "new": "15:00"} in (
        entry.changes
    )


def test_command_line_messages_follow_the_shells_locale(runner, tour_file):
    tour_file.write_bytes(with_start("14:15").replace(b'"tour_date"', b'"tour_dat"'))
    english = runner.invoke(args=["tour", "check"], env={"LANG": "", "LC_ALL": ""})
    french = runner.invoke(args=["tour", "check"], env={"LC_ALL": "fr_FR.UTF-8", "LANG": "en_US"})
    assert '"tour_date" is missing' in english.output
    assert "« tour_date » manque" in french.output


@pytest.mark.parametrize(
    ("environ", "lang"),
    [
        ({}, "en"),
        ({"LANG": "fr_FR.UTF-8"}, "fr"),
        ({"LANG": "fr_FR.UTF-8", "LC_MESSAGES": "en_GB.UTF-8"}, "en"),
        ({"LANG": "en_GB.UTF-8", "LC_ALL": "fr_CA.UTF-8"}, "fr"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({"LANG": "C"}, "en"),
        # LANGUAGE goes first, as for GNU gettext, unless the locale is C or none is set.
        ({"LANG": "en_GB.UTF-8", "LANGUAGE": "fr:en"}, "fr"),
        ({"LC_ALL": "fr_FR.UTF-8", "LANGUAGE": "en"}, "en"),
        ({"LANG": "en_US.UTF-8", "LANGUAGE": "de:fr"}, "fr"),
        ({"LANG": "C.UTF-8", "LANGUAGE": "fr"}, "en"),
        ({"LANGUAGE": "fr"}, "en"),
        ({"LANG": "fr_FR.UTF-8@euro", "LANGUAGE": "de"}, "fr"),
    ],
)
def test_shell_language(environ, lang):
    assert shell_language(environ) == lang


def test_restore_refuses_a_prefix_that_names_several_versions(client, runner, tour_file):
    first = client.get("/healthz").json["version"]
    # Another version whose name starts with the same character: the prefix is ambiguous.
    for minute in range(60):
        other = with_start(f"14:{minute:02d}")
        if stopsfile.parse(other).version[0] == first[0]:
            break
    second = saved_and_served(client, tour_file, other)
    before = tour_file.read_bytes()
    result = runner.invoke(args=["tour", "restore", first[0]], env={"LANG": "en_GB.UTF-8"})
    assert result.exit_code == 1, result.output
    assert f"“{first[0]}” names several kept versions" in result.output
    assert first in result.output and second in result.output
    assert tour_file.read_bytes() == before
    # One more character tells them apart (unless they share it too): then it is restored.
    prefix = next(first[:n] for n in range(2, 17) if not second.startswith(first[:n]))
    assert runner.invoke(args=["tour", "restore", prefix]).exit_code == 0
    assert stopsfile.parse(tour_file.read_bytes()).version == first


def test_a_hand_saved_file_not_yet_served_is_kept_before_a_command_writes_over_it(
    client, runner, tour_file, app
):
    served = client.get("/healthz").json["version"]
    # The organiser saves a valid file by hand; no worker has read it yet.
    hand_saved = with_start("14:00")
    tour_file.write_bytes(hand_saved)
    result = runner.invoke(args=["tour", "route"])
    assert result.exit_code == 0, result.output
    routed = stopsfile.parse(tour_file.read_bytes()).version
    entries = history_of(app, tour_file).entries()
    assert [(e.version, e.reason) for e in entries] == [
        (served, "file"), (stopsfile.parse(hand_saved).version, "file"), (routed, "route")
    ]
    # So the hand-saved file can be brought back.
    version = stopsfile.parse(hand_saved).version
    assert runner.invoke(args=["tour", "restore", version]).exit_code == 0
    assert tour_file.read_bytes() == hand_saved
