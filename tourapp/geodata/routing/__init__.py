"""Walking routes between stops: one ``Router`` protocol, two engines.

- ``network.NetworkRouter``: an embedded pedestrian router over a street
  centre-line GeoJSON file (the city's « Filaire des voies », an OpenStreetMap
  export…), with networkx.
- ``osrm.OsrmRouter``: any OSRM HTTP server with a foot profile;
- ``engines.open_router``: the one builder from options (every command that routes).

Both return a ``Route`` whose steps use the model of ``tourapp.domain.tour.Step``.
Coordinates are ``(lat, lon)``, as everywhere after the loader.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ...domain.tour import LatLon, Step


class RoutingError(Exception):
    """A route that cannot be computed; ``end`` says which stop is at fault, if one is."""

    def __init__(self, message: str, end: str | None = None):
        super().__init__(message)
        self.end = end  # "start", "end" or None


@dataclass(frozen=True)
class Route:
    """A walk along the streets from one point to another."""

    path: tuple[LatLon, ...]
    distance_m: float
    steps: tuple[Step, ...]


class Router(Protocol):
    """Anything that can find a walking route between two points."""

    def route(self, start: LatLon, end: LatLon) -> Route:
        """The walking route from ``start`` to ``end``, or ``RoutingError``."""
        ...


__all__ = ["Route", "Router", "RoutingError"]
