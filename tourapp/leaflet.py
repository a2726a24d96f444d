"""Leaflet, served by the app from the xstatic-leaflet package (no CDN): where and which files."""

from __future__ import annotations

from pathlib import Path

import xstatic.pkg.leaflet

DIRECTORY = Path(xstatic.pkg.leaflet.BASE_DIR)
FILES = frozenset({"leaflet.js", "leaflet.css", "images/layers.png", "images/layers-2x.png"})
"""The files the app serves; the layer-control images are fetched by leaflet.css."""
PAGE_FILES = ("leaflet.css", "leaflet.js")
"""The files every page loads, and so the service worker precaches."""
