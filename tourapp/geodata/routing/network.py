"""An embedded pedestrian router over a street centre-line GeoJSON file.

Every vertex of every LineString is a graph node (identical coordinates are
one node: that is how a centre-line network joins its streets); every pair of
consecutive vertices is an undirected edge weighted by its length in metres.
Undirected on purpose: a one-way street is one-way for cars only.

A stop is snapped to the nearest point of the nearest walkable segment, which
is split there for the time of the search; the walk is the shortest path by
length (Dijkstra, networkx).

Squares are crossed, not walked round: Polygons in the network, or the pedestrian zones
of a file beside it (``areas.AREAS_BESIDE``), add straight edges across the open spaces
they hold (``areas``, ``crossings``); such an edge has ``cross`` set, and its step says
« Traversez ».
"""

from __future__ import annotations

import json
import math
import os
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import networkx as nx

from ...domain.geo import distance_m
from ...domain.tour import LatLon
from . import Route, RoutingError, areas, crossings, steps

DEFAULT_NAME_PROPERTY = "LIB_OFF"
"""Street-name property of the Ville de Montpellier's « Filaire des voies »."""

MAX_SNAP_M = 100.0
"""A stop farther than this from any walkable street is a mistake (the loader ignores
legs whose ends are more than 100 m from their stops)."""

# Lines nobody walks along. The city's network (« Filaire des voies ») marks them by
# street type (TYPVOI) and use (OCCUPATION):
# - AUTO: the A9 motorway; TUN: road tunnels (Tunnel de la Comédie under the square,
#   Tunnel du Corum), closed to people on foot and running under the streets they
#   would otherwise snap to;
# - PARK: car-park aisles and ramps (Peyrou-Pitot, Nouveau Saint-Roch are underground);
# - BASS and OCCUPATION "Fluvial": the axes of water basins and the river.
# An OpenStreetMap export uses highway=motorway… and foot=no (tunnel=yes is not enough
# there: footway underpasses are tunnels too).
NOT_WALKABLE = {
    "OCCUPATION": {"Fluvial"},
    "TYPVOI": {"AUTO", "TUN", "PARK", "BASS"},
    "highway": {"motorway", "motorway_link", "trunk", "trunk_link", "construction", "proposed"},
    "foot": {"no", "private"},
    "access": {"no", "private"},
}
CELL_DEG = 0.002  # spatial index cell: about 220 m × 160 m at Montpellier's latitude
COORD_DIGITS = 7  # about 1 cm: identical vertices of two lines become one node
MAX_NETWORK_BYTES = 200 * 1024 * 1024


def walkable(props: dict) -> bool:
    """Whether a line with these properties can be walked along."""
    return not any(props.get(key) in values for key, values in NOT_WALKABLE.items())


class NetworkRouter:
    """Shortest walks on a street network loaded from a GeoJSON FeatureCollection."""

    def __init__(
        self,
        features: Iterable[dict],
        name_property: str = DEFAULT_NAME_PROPERTY,
        *,
        max_snap_m: float = MAX_SNAP_M,
        source: str = "network",
        zones: Iterable[areas.Area] = (),
    ):
        self.max_snap_m = max_snap_m
        self.source = source
        self.graph = nx.Graph()
        self._cells: dict[tuple[int, int], list[tuple[Any, Any]]] = defaultdict(list)
        features = list(features)
        walkable_areas = [f for f in features if isinstance(f, dict) and walkable(
            f.get("properties") or {})]
        self._squares = crossings.Squares(
            [*zones, *areas.areas_of(walkable_areas, source)], self.graph, self._cells,
            _cell, self._position,
        )
        self._build(features, name_property)
        self._squares.connect()
        if self.graph.number_of_edges() == 0:
            raise RoutingError(f"{source}: no walkable LineString in the network")

    @classmethod
    def from_file(
        cls, path: str | os.PathLike, name_property: str = DEFAULT_NAME_PROPERTY, **options
    ) -> NetworkRouter:
        """Load a street network from a GeoJSON file; ``RoutingError`` when unusable.

        The pedestrian zones in a file ``areas.AREAS_BESIDE`` next to it are read too,
        unless ``zones`` is given.
        """
        path = Path(path)
        beside = path.with_name(areas.AREAS_BESIDE)
        if "zones" not in options and beside.is_file():
            options["zones"] = areas.read_areas(beside)
        try:
            if path.stat().st_size > MAX_NETWORK_BYTES:
                raise RoutingError(f"{path}: larger than {MAX_NETWORK_BYTES:,} bytes")
            document = json.loads(path.read_bytes().decode("utf-8-sig"))
        except OSError as exc:
            raise RoutingError(f"{path}: cannot read the network: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise RoutingError(f"{path}: the network is not UTF-8 text") from None
        except json.JSONDecodeError as exc:
            raise RoutingError(
                f"{path}: the network is not valid JSON (line {exc.lineno}, column {exc.colno}: "
                f"{exc.msg})"
            ) from None
        if not isinstance(document, dict) or not isinstance(document.get("features"), list):
            raise RoutingError(f"{path}: the network must be a GeoJSON FeatureCollection")
        return cls(document["features"], name_property, source=str(path), **options)

    def _build(self, features: Iterable[dict], name_property: str) -> None:
        named = 0
        for index, feature in enumerate(features):
            if not isinstance(feature, dict):
                raise RoutingError(f"{self.source}: feature {index} is not a GeoJSON Feature")
            geometry = feature.get("geometry") or {}
            props = feature.get("properties") or {}
            kind = geometry.get("type")
            if kind == "LineString":
                lines = [geometry.get("coordinates")]
            elif kind == "MultiLineString":
                lines = geometry.get("coordinates") or []
            else:
                continue  # points and polygons are not streets
            if not walkable(props):
                continue
            name = props.get(name_property)
            name = name.strip() if isinstance(name, str) else ""
            named += bool(name)
            for line in lines:
                self._add_line(index, line, name)
        if self.graph.number_of_edges() and not named:
            raise RoutingError(
                f'{self.source}: no line has a "{name_property}" property: '
                f"which property holds the street names? (--name-property)"
            )

    def _add_line(self, index: int, line: Any, name: str) -> None:
        if not isinstance(line, list) or len(line) < 2:
            raise RoutingError(f"{self.source}: feature {index}: a LineString needs two positions")
        nodes = []
        for position in line:
            ok = isinstance(position, list) and len(position) >= 2
            ok = ok and all(isinstance(c, int | float) for c in position[:2])
            if not ok or not (-180 <= position[0] <= 180 and -90 <= position[1] <= 90):
                raise RoutingError(
                    f"{self.source}: feature {index}: bad position {json.dumps(position)[:40]}"
                )
            # GeoJSON [lon, lat] → (lat, lon), rounded so shared vertices meet.
            nodes.append((round(position[1], COORD_DIGITS), round(position[0], COORD_DIGITS)))
        # A side of a square is cut often, so that a crossing can start near any point.
        nodes = self._squares.side(nodes, name, COORD_DIGITS)
        for u, v in zip(nodes, nodes[1:], strict=False):
            if u == v:
                continue
            length = distance_m(u, v)
            existing = self.graph.get_edge_data(u, v)
            if existing is not None and existing["length"] <= length:
                continue
            if existing is None:
                for cell in _cells_of(u, v):
                    self._cells[cell].append((u, v))
            self.graph.add_edge(u, v, length=length, name=name)

    @property
    def squares(self) -> list[tuple[str, areas.Area, list[list[LatLon]]]]:
        """The open spaces crossed: (name, its pedestrian zone, its lines' points)."""
        return self._squares.listing()

    @property
    def crossings(self) -> int:
        """How many straight edges cross open spaces."""
        return self._squares.count

    def snap(self, point: LatLon) -> tuple[float, tuple[Any, Any], float, LatLon]:
        """Nearest walkable segment: (distance in m, (u, v), position 0–1 along it, point)."""
        best: tuple[float, tuple[Any, Any], float, LatLon] | None = None
        row, col = _cell(point)
        # Enough rings of cells around the point's own to cover max_snap_m.
        reach_lat = math.ceil(self.max_snap_m / (CELL_DEG * 111_000))
        width = CELL_DEG * 111_000 * max(0.01, math.cos(math.radians(point[0])))
        reach_lon = math.ceil(self.max_snap_m / width)
        seen = set()
        for r in range(row - reach_lat, row + reach_lat + 1):
            for c in range(col - reach_lon, col + reach_lon + 1):
                for edge in self._cells.get((r, c), ()):
                    if edge not in seen:
                        seen.add(edge)
                        best = _closer(best, point, edge)
        if best is None or best[0] > self.max_snap_m:
            for edge in self.graph.edges():  # only to tell how far the nearest street is
                best = _closer(best, point, edge)
        assert best is not None  # a network without a walkable line is refused when loaded
        return best

    def route(self, start: LatLon, end: LatLon) -> Route:
        """The shortest walk along the network from ``start`` to ``end``."""
        snaps = []
        for which, point in (("start", start), ("end", end)):
            gap, edge, t, at = self.snap(point)
            if gap > self.max_snap_m:
                raise RoutingError(
                    f"the {which} is {gap:,.0f} m from the nearest street of the network "
                    f"(limit {self.max_snap_m:g} m)",
                    end=which,
                )
            snaps.append((edge, t, at))
        removed, added, ends = self._split(snaps)
        crossings_before = self._squares.count
        try:
            self._squares.from_ends(ends, snaps)
            try:
                nodes = nx.shortest_path(self.graph, ends[0], ends[1], weight="length")
            except nx.NetworkXNoPath:
                raise RoutingError(
                    "no path joins the two stops: the network is cut in two between them "
                    "(a missing street, or a stop snapped to an isolated line)"
                ) from None
            path = tuple(self._position(n) for n in nodes)
            if len(path) < 2:
                raise RoutingError("both stops are at the same place on the network")
            pairs = list(zip(nodes, nodes[1:], strict=False))
            names = [self.graph.edges[a, b]["name"] for a, b in pairs]
            crossings = [self.graph.edges[a, b].get("cross", False) for a, b in pairs]
            junctions = [self.graph.degree(n) >= 3 for n in nodes]
            length = sum(
                self.graph.edges[a, b]["length"] for a, b in zip(nodes, nodes[1:], strict=False)
            )
        finally:
            self._squares.count = crossings_before
            self.graph.remove_nodes_from(added)
            for u, v, data in removed:
                self.graph.add_edge(u, v, **data)
        return Route(path, length, steps.from_path(path, names, junctions, crossings))

    def _position(self, node: Any) -> LatLon:
        return self.graph.nodes[node]["at"] if isinstance(node, str) else node

    def _split(self, snaps):
        """Insert the snapped points into their segments; returns what to undo, and the ends."""
        by_edge: dict[tuple[Any, Any], list] = defaultdict(list)
        ends = []
        for index, (edge, t, at) in enumerate(snaps):
            u, v = edge
            if distance_m(at, u) < 0.5:
                ends.append(u)  # on a vertex already: no split needed
            elif distance_m(at, v) < 0.5:
                ends.append(v)
            else:
                node = f"snap{index}"
                ends.append(node)
                by_edge[edge].append((t, node, at))
        removed, added = [], []
        for (u, v), points in by_edge.items():
            data = self.graph.edges[u, v]
            removed.append((u, v, dict(data)))
            self.graph.remove_edge(u, v)
            chain = [u]
            for _, node, at in sorted(points, key=lambda p: p[0]):
                self.graph.add_node(node, at=at)
                added.append(node)
                chain.append(node)
            chain.append(v)
            for a, b in zip(chain, chain[1:], strict=False):
                length = distance_m(self._position(a), self._position(b))
                self.graph.add_edge(a, b, length=length, name=data["name"])
        # Two stops snapped to the same spot: one node.
        if (
            ends[0] != ends[1]
            and distance_m(self._position(ends[0]), self._position(ends[1])) < 0.5
        ):
            ends[1] = ends[0]
        return removed, added, ends


def _cell(point: LatLon) -> tuple[int, int]:
    return int(math.floor(point[0] / CELL_DEG)), int(math.floor(point[1] / CELL_DEG))


def _cells_of(u: LatLon, v: LatLon):
    (r1, c1), (r2, c2) = _cell(u), _cell(v)
    for r in range(min(r1, r2), max(r1, r2) + 1):
        for c in range(min(c1, c2), max(c1, c2) + 1):
            yield (r, c)


def _closer(best, point: LatLon, edge):
    """The nearer of ``best`` and ``point``'s projection on ``edge``."""
    u, v = edge
    # Local flat projection around the point: exact enough over a few hundred metres.
    k = math.cos(math.radians(point[0]))
    ux, uy = (u[1] - point[1]) * k, u[0] - point[0]
    vx, vy = (v[1] - point[1]) * k, v[0] - point[0]
    dx, dy = vx - ux, vy - uy
    span = dx * dx + dy * dy
    t = 0.0 if span == 0 else max(0.0, min(1.0, -(ux * dx + uy * dy) / span))
    at = (u[0] + t * (v[0] - u[0]), u[1] + t * (v[1] - u[1]))
    gap = distance_m(point, at)
    if best is None or gap < best[0]:
        return (gap, edge, t, at)
    return best
