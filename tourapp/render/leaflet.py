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
