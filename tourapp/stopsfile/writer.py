"""Serialise the stops file the way the project stores it.

Writing it goes through ``store.write_stops`` only: it validates, replaces the file
atomically and records the version in the history, as one step.
"""

from __future__ import annotations

import json


def dumps(document: dict) -> str:
    """Serialise a GeoJSON document the way the project stores it (UTF-8, stable, diffable)."""
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"
