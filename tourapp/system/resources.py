"""Where the app's own files are: inside the package when installed, beside it in a clone.

A clone keeps ``templates/``, ``static/``, ``translations/`` and ``data/`` at the top of
the repository, beside ``tourapp/``. The wheel's build step (``setup.py``) copies them
into the package (catalogs compiled, their sources left out), where an installed app
finds them. Everything that reads one of these folders takes its path from here.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
"""The ``tourapp`` package folder."""

INSTALLED = (PACKAGE / "templates").is_dir()
"""Whether the files travel inside the package (a wheel) rather than beside it (a clone)."""

ROOT = PACKAGE if INSTALLED else PACKAGE.parent
"""The folder holding templates/, static/, translations/ and data/."""

TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"
TRANSLATIONS = ROOT / "translations"
DATA = ROOT / "data"
SEEDED_WALK = DATA / "stops.geojson"
"""The walk the app serves when ``TOUR_DATA`` names none: Montpellier, 20 November 2018."""
CITY = DATA / "montpellier"
"""The city's streets and address points around the seeded walk (routing, geocoding)."""
