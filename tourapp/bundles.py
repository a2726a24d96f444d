"""The participant page's scripts and styles, each bundled into one file.

A phone on a slow network pays a round trip per file before the page renders:
the page asks for one stylesheet and one script (plus its map script) instead
of nine files. A bundle is a list of files of the static folder, joined in
order; add a file to the list to ship it (e.g. ``js/live.js`` before
``js/site.js``). Bundles are versioned and compressed once like every static
file (``assets``), and re-joined when one of their files changes on disk.
"""

from __future__ import annotations

import os

from flask import Blueprint, Flask, abort, current_app

from . import assets

BUNDLES: dict[str, tuple[str, ...]] = {
    "tour.css": (
        "vendor/leaflet-lite/leaflet.css",
        "css/app.css",
        "css/follow.css",
    ),
    "tour.js": (
        # Leaflet's parts the map uses (tools/build_leaflet.py), then the page's scripts.
        "vendor/leaflet-lite/leaflet.js",
        "js/tour-map.js",
        "js/follow.js",
        "js/site.js",
    ),
}
# A newline and a semicolon between scripts: a file without a final ";" cannot run into the next.
SEPARATORS = {".js": b"\n;\n", ".css": b"\n"}
TYPES = {".js": "text/javascript", ".css": "text/css"}

bp = Blueprint("bundles", __name__)


def _asset(name: str):
    files = BUNDLES.get(name)
    if files is None:
        return None
    suffix = os.path.splitext(name)[1]
    paths = [os.path.join(current_app.static_folder, file) for file in files]
    return assets.get_cache().bundle(paths, SEPARATORS[suffix], TYPES[suffix])


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
