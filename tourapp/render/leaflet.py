"""Leaflet, served by the app from the xstatic-leaflet package (no CDN): where and which files.

The participant page itself loads the parts of Leaflet its map uses, bundled
(``bundles.py``, ``static/vendor/leaflet-lite/``); these URLs stay for anyone
who links to them.
"""

from __future__ import annotations

from pathlib import Path

import xstatic.pkg.leaflet

DIRECTORY = Path(xstatic.pkg.leaflet.BASE_DIR)
FILES = frozenset({"leaflet.js", "leaflet.css", "images/layers.png", "images/layers-2x.png"})
"""The files the app serves; the layer-control images are fetched by leaflet.css."""

OSM_LINK = '<a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'


def tile_attribution(setting: str, credit: str) -> str:
    """The map's credit as HTML: the tiles' (``TILE_ATTRIBUTION``, in the page's language
    when it is the default one) and the walk's data credit (file text, escaped)."""
    from flask_babel import gettext
    from markupsafe import escape

    attribution = setting
    if attribution == f"&copy; {OSM_LINK} contributors":  # the default, in the page's language
        attribution = "&copy; " + gettext("%(openstreetmap)s contributors", openstreetmap=OSM_LINK)
    if credit:
        attribution += " | " + str(escape(credit))
    return attribution
