"""The participant page's scripts and styles, each bundled into one file.

A phone on a slow network pays a round trip per file before the page renders:
the page asks for one stylesheet and one script (plus its map script) instead
of nine files. A bundle is a list of files of the static folder, joined in
order; add a file to the list to ship it (e.g. ``js/live-boot.js`` before
``js/site.js``). A script only some visits need gets a bundle of its own, loaded by
the page's script when needed (``live.js``). The app's own files are minified on the
way in (comments and spaces are a third of their compressed bytes; ``vendor/`` scripts
are minified already).
Bundles are versioned and compressed once like every static file (``assets``),
and re-joined when one of their files changes on disk.
"""

from __future__ import annotations

import hashlib
import json
import os

import rcssmin
import rjsmin
from flask import Blueprint, Flask, abort, current_app

from . import assets

BUNDLES: dict[str, tuple[str, ...]] = {
    "tour.css": (
        "vendor/leaflet-lite/leaflet.css",
        "css/app.css",
        "css/follow.css",
        "css/live.css",
    ),
    "tour.js": (
        # Leaflet's parts the map uses (tools/build_leaflet.py), then the page's scripts.
        "vendor/leaflet-lite/leaflet.js",
        "js/tour-map.js",
        "js/common.js",  # fill, counted, metres, walkMin: for follow.js and live.js
        "js/follow.js",
        "js/live-boot.js",  # loads the live.js bundle when a walk is live
        "js/site.js",
    ),
    # The live group's script: fetched by live-boot.js only when there is something live to
    # show (a guide reporting, a solo start) or a new version of the walk to take in place
    # (swap.js), not on every visit.
    "live.js": ("js/swap.js", "js/live.js"),
    # Read aloud, the arrival's vibration, share: fetched by site.js at the first gesture or
    # arrival, never for the first render.
    "extras.js": ("js/extras.js",),
    # The offline base map's drawing (tour-map.js and guide-map.js load it once tiles fail,
    # or with no signal): minified like the page's scripts, never in the first render.
    "basemap.js": ("js/basemap.js",),
    # The guide's map: fetched by guide.js once its page has loaded (the page's buttons
    # never wait for it); precached like every bundle, so it works offline from the first load.
    "guide-map.js": ("vendor/leaflet-lite/leaflet.js", "js/guide-map.js"),
    "guide-map.css": ("vendor/leaflet-lite/leaflet.css", "css/guide-map.css"),
}
# A newline and a semicolon between scripts: a file without a final ";" cannot run into the next.
SEPARATORS = {".js": b"\n;\n", ".css": b"\n"}
TYPES = {".js": "text/javascript", ".css": "text/css"}
VENDOR = f"{os.sep}vendor{os.sep}"
BUILT = "js/min"
"""Where tools/build_scripts.py writes the app's scripts, minified with esbuild."""
MANIFEST = "sources.json"
"""In BUILT: each built script's source (``js/follow.js``) and that source's SHA-256."""


def _built(path: str, data: bytes) -> bytes | None:
    """The esbuild-minified ``path``, if built from these very bytes; None otherwise."""
    folder, name = os.path.split(path)
    built = os.path.join(folder, "min", name)
    try:
        with open(os.path.join(folder, "min", MANIFEST), encoding="utf-8") as file:
            made_from = json.load(file).get(f"js/{name}")
        if made_from != hashlib.sha256(data).hexdigest():
            return None  # edited since the build: the plain minifier's bytes meanwhile
        with open(built, "rb") as file:
            return file.read().rstrip(b"\n")
    except (OSError, ValueError, AttributeError):  # no manifest, or not one of ours
        return None


def _minified(path: str, data: bytes) -> bytes:
    """A file's bytes without comments and spaces; licence comments (``/*!``) stay."""
    if VENDOR in path and path.endswith(".js"):  # built minified (tools/build_leaflet.py)
        return data
    text = data.decode("utf-8")
    if path.endswith(".js"):
        built = _built(path, data) if os.path.basename(os.path.dirname(path)) == "js" else None
        if built is not None:
            return built
        return rjsmin.jsmin(text, keep_bang_comments=True).encode("utf-8")
    return rcssmin.cssmin(text, keep_bang_comments=True).encode("utf-8")


bp = Blueprint("bundles", __name__)


def _asset(name: str):
    files = BUNDLES.get(name)
    if files is None:
        return None
    suffix = os.path.splitext(name)[1]
    static = current_app.static_folder
    assert static is not None  # create_app always sets it
    paths = [os.path.join(static, file) for file in files]
    return assets.get_cache().bundle(paths, SEPARATORS[suffix], TYPES[suffix], _minified)


@bp.route("/bundles/<name>")
def bundle(name: str):
    """One bundle, versioned and compressed like a static file."""
    asset = _asset(name)
    if asset is None:
        abort(404)
    return assets.send_asset(asset)


@bp.url_defaults
def _add_version(endpoint: str, values: dict) -> None:
    if "v" not in values and (asset := _asset(values.get("name", ""))) is not None:
        values["v"] = asset.version


def init_app(app: Flask) -> None:
    """Serve the bundles."""
    app.register_blueprint(bp)
