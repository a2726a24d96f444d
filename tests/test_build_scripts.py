"""tools/build_scripts.py: the page's scripts minified by esbuild, committed, and used only
while their sources are the ones they were built from."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

import pytest
import rjsmin

from tourapp.web import bundles

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"
sys.path.insert(0, str(ROOT / "tools"))

import build_scripts  # noqa: E402


def manifest() -> dict[str, str]:
    return json.loads((STATIC / bundles.BUILT / bundles.MANIFEST).read_text(encoding="utf-8"))


def test_every_script_of_a_bundle_is_built_from_its_current_source():
    built = manifest()
    names = build_scripts.sources()
    assert "js/follow.js" in names and "js/site.js" in names
    stale = [
        name for name in names
        if built.get(name) != hashlib.sha256((STATIC / name).read_bytes()).hexdigest()
        or not (STATIC / bundles.BUILT / Path(name).name).is_file()
    ]
    assert not stale, f"run .venv/bin/python tools/build_scripts.py: {stale} changed since"
    assert set(built) == set(names)  # nothing built for a script no bundle ships


@pytest.mark.parametrize("bundle", ["tour.js", "live.js", "extras.js", "guide-map.js"])
def test_the_served_bundle_carries_the_built_scripts(client, bundle):
    page = client.get(f"/bundles/{bundle}").get_data()
    for name in (f for f in bundles.BUNDLES[bundle] if f.startswith("js/")):
        built = (STATIC / bundles.BUILT / Path(name).name).read_bytes().rstrip(b"\n")
        assert built in page, name
        plain = rjsmin.jsmin((STATIC / name).read_text(encoding="utf-8")).encode()
        assert plain not in page  # the longer, plainly minified text is not shipped


def test_built_scripts_are_smaller_and_keep_the_names_other_scripts_use():
    follow = (STATIC / bundles.BUILT / "follow.js").read_text(encoding="utf-8")
    plain = rjsmin.jsmin((STATIC / "js" / "follow.js").read_text(encoding="utf-8"))
    assert len(follow) < 0.8 * len(plain)
    # Properties and globals are the page's interface between scripts: never renamed.
    for name in ("window.tourapp", "data-ready", ".follow=", "position:"):
        assert name in follow, name
    assert not re.search(r"function (?:checkStuck|fromSchedule)\b", follow)  # locals are


def test_a_script_edited_since_the_build_is_minified_plainly():
    source = (STATIC / "js" / "site.js").read_bytes() + b"\n// edited after the build\n"
    path = str(STATIC / "js" / "site.js")
    expected = rjsmin.jsmin(source.decode("utf-8"), keep_bang_comments=True).encode("utf-8")
    assert bundles._minified(path, source) == expected
    # The same bytes as the build's source: the built file.
    unchanged = (STATIC / "js" / "site.js").read_bytes()
    assert bundles._minified(path, unchanged) == (
        (STATIC / bundles.BUILT / "site.js").read_bytes().rstrip(b"\n"))


def test_a_missing_or_broken_manifest_falls_back_to_the_plain_minifier(tmp_path):
    folder = tmp_path / "js"
    (folder / "min").mkdir(parents=True)
    data = (STATIC / "js" / "site.js").read_bytes()
    path = str(folder / "site.js")
    (folder / "min" / "site.js").write_bytes(b"built;")
    assert bundles._built(path, data) is None  # no manifest
    (folder / "min" / bundles.MANIFEST).write_text("{not json")
    assert bundles._built(path, data) is None
    (folder / "min" / bundles.MANIFEST).write_text(
        json.dumps({"js/site.js": hashlib.sha256(data).hexdigest()}))
    assert bundles._built(path, data) == b"built;"
    (folder / "min" / "site.js").unlink()
    assert bundles._built(path, data) is None  # listed but not there
