"""The stops file (``data/stops.geojson``): schema, reader, writer.

- ``schema``: read the document and report every problem (``TourError``);
- ``reader``: build the ``Tour`` from validated data (``parse``, ``load``);
- ``writer``: serialise it the project's way (``dumps``), replaced atomically.
"""

from __future__ import annotations

from .reader import load, parse
from .schema import MAX_FILE_BYTES, MAX_LEG_GAP_M, TourError, printable
from .writer import dumps, write

__all__ = [
    "MAX_FILE_BYTES", "MAX_LEG_GAP_M", "TourError", "dumps", "load", "parse", "printable", "write",
]
