"""Write the stops file the way the project stores it."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..system.durable import write_atomic


def dumps(document: dict) -> str:
    """Serialise a GeoJSON document the way the project stores it (UTF-8, stable, diffable)."""
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def write(path: str | os.PathLike, document: dict) -> Path:
    """Replace the stops file at ``path`` with ``document``, atomically."""
    return write_atomic(path, dumps(document))
