"""The stops file (``data/stops.geojson``): schema, reader, writer.

- ``schema``: read the document and report every problem (``TourError``);
- ``reader``: build the ``Tour`` from validated data (``parse``, ``load``);
- ``writer``: serialise it the project's way (``dumps``);
- ``history``: the accepted versions, shared by every worker and command;
- ``store``: the served walk, and the one way to write the file (``write_stops``,
  through the history).
"""

from __future__ import annotations

from .reader import load, parse, stale_leg
from .schema import MAX_FILE_BYTES, MAX_LEG_GAP_M, TourError, printable
from .writer import dumps

__all__ = [
    "MAX_FILE_BYTES", "MAX_LEG_GAP_M", "TourError", "dumps", "load", "parse", "printable",
    "stale_leg",
]
