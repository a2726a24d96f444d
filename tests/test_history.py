"""The shared history folder: versions by content hash, a pointer, a bounded log."""

from __future__ import annotations

import json

from tourapp import stopsfile
from tourapp.stopsfile import history

from .conftest import small_doc


def tour_of(document: dict):
    data = stopsfile.dumps(document).encode()
    return data, stopsfile.parse(data)


def test_changes_name_what_an_organiser_did():
    old_doc = small_doc()
    new_doc = small_doc()
    props = [f["properties"] for f in new_doc["features"]]
    props[1]["name_fr"] = "Nouvelle étape"
    new_doc["features"][2]["geometry"]["coordinates"][1] += 0.0009  # ~100 m north
    props[0]["tour_start"] = "14:00"
    extra = json.loads(json.dumps(new_doc["features"][2]))
    extra["properties"].update(id="d", order=4)
    extra["geometry"]["coordinates"][1] += 0.009
    new_doc["features"].append(extra)
    found = history.changes(tour_of(old_doc)[1], tour_of(new_doc)[1])
    kinds = {(c["kind"], c.get("stop")) for c in found}
    assert ("added", "d") in kinds and ("renamed", "b") in kinds
    assert next(c["m"] for c in found if c["kind"] == "moved") == 100
    assert {"kind": "times", "stop": "a", "old": "13:30", "new": "14:00"} in found
    assert {"kind": "tour", "fact": "start"} in found
    gone = history.changes(tour_of(new_doc)[1], tour_of(small_doc())[1])
    assert {"kind": "removed", "stop": "d"} in gone


def test_a_short_name_or_the_phone_changed_is_a_change(app):
    from flask_babel import force_locale

    from tourapp.render import wording

    new_doc = small_doc()
    new_doc["features"][1]["properties"].update(short_name_fr="B court", short_name_en="B")
    new_doc["features"][0]["properties"]["tour_phone"] = "+33 4 67 00 00 00"
    found = history.changes(tour_of(small_doc())[1], tour_of(new_doc)[1])
    assert {"kind": "tour", "fact": "phone"} in found
    assert {"kind": "text", "stop": "b", "field": "short_name",
            "old": {"fr": "", "en": ""}, "new": {"fr": "B court", "en": "B"}} in found
    with app.test_request_context(), force_locale("fr"):
        said = wording.changes(found)
    assert "étape « b » : nom court «  » → « B court »" in said
    assert "téléphone des organisateurs" in said


def test_history_is_bounded_and_keeps_only_listed_files(tmp_path):
    shared = history.History(tmp_path, keep=3)
    previous = None
    versions = []
    for minute in range(5):
        document = small_doc()
        document["features"][0]["properties"]["tour_start"] = f"13:3{minute}"
        data, tour = tour_of(document)
        with shared.locked():
            shared.accept(data, tour, previous, "file")
        previous = tour
        versions.append(tour.version)
    assert [e.version for e in shared.entries()] == versions[-3:]
    assert sorted(p.stem for p in (tmp_path / "versions").iterdir()) == sorted(versions[-3:])
    assert shared.current() == versions[-1]
    assert shared.data(versions[0]) is None and shared.data(versions[-1]) is not None


def test_a_damaged_version_file_is_not_served(tmp_path):
    shared = history.History(tmp_path)
    data, tour = tour_of(small_doc())
    with shared.locked():
        shared.accept(data, tour, None, "file")
    (tmp_path / "versions" / f"{tour.version}.geojson").write_bytes(data[:100])
    assert shared.data(tour.version) is None
