"""Straight crossings of the open spaces in pedestrian zones (``areas`` says which).

The network router hands each of its lines to ``Squares.side`` while it builds its
graph, then calls ``connect``; for each route, ``from_ends`` joins a stop snapped
between two points of a square's side to the other sides, for that route only.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import networkx as nx

from ...domain.geo import distance_m
from ...domain.tour import LatLon
from . import areas


class Squares:
    """The open spaces of a network, and the edges that cross them."""

    def __init__(self, zones: list[areas.Area], graph: nx.Graph, cells: dict,
                 cell: Callable, position: Callable):
        self.graph, self.cells, self.cell, self.position = graph, cells, cell, position
        self.areas = zones
        self.plane: areas.Plane | None = None
        self.zones: list[areas.Zone] = []
        # (zone, open space's name) → the lines drawn on it: (line number, its nodes).
        self.lines: dict[tuple[int, str], list[tuple[int, list]]] = defaultdict(list)
        self.square_of: dict[Any, list[_Square]] = defaultdict(list)  # node → its squares
        self.numbered = 0
        self.count = 0  # edges added across open spaces

    @property
    def _plane(self) -> areas.Plane:
        """The zones' plane: set by the first line sorted into a zone, before any other use."""
        assert self.plane is not None
        return self.plane

    def side(self, nodes: list, name: str, digits: int) -> list:
        """The line's nodes, cut every SPACING_M when it is a side of an open space."""
        zone = self._zone_of(nodes) if name and areas.is_open_space(name) else None
        self.numbered += 1
        if zone is None:
            return nodes
        nodes = [(round(lat, digits), round(lon, digits))
                 for lat, lon in areas.densify(nodes, self._plane)]
        self.lines[(zone, name)].append((self.numbered, nodes))
        return nodes

    def listing(self) -> list[tuple[str, areas.Area, list[list[LatLon]]]]:
        """(name, its zone, its lines' points) of each open space."""
        return [
            (name, self.zones[zone].area, [nodes for _, nodes in lines])
            for (zone, name), lines in self.lines.items()
        ]

    def _zone_of(self, nodes: list) -> int | None:
        """The pedestrian zone a line lies in (half its points at least), or None."""
        if not self.areas:
            return None
        if self.plane is None:
            self.plane = areas.Plane(self.areas[0].ring[0][0])
            self.zones = [areas.Zone(area, self.plane) for area in self.areas]
        points = [self.plane.xy(n) for n in nodes]
        for index, zone in enumerate(self.zones):
            if 2 * sum(zone.near(p) for p in points) >= len(points):
                return index
        return None

    def connect(self) -> None:
        """Join the points of different sides of each open space with straight edges."""
        if self.plane is None:  # no line lies in a pedestrian zone: nothing to join
            return
        xy = self.plane.xy
        for (zone_index, name), lines in self.lines.items():
            zone = self.zones[zone_index]
            # node → {number of a line of the square through it: metres along that line}
            on: dict[Any, dict[int, float]] = defaultdict(dict)
            for number, nodes in lines:
                walked = 0.0
                for k, node in enumerate(nodes):
                    walked += distance_m(nodes[k - 1], node) if k else 0.0
                    on[node].setdefault(number, walked)
            points = [(node, xy(node)) for node in on if zone.near(xy(node))]
            if len(points) < 2:
                continue
            others = self._other_streets([node for node, _ in points], name)
            square = _Square(name, zone, on, points, others)
            for node in on:
                self.square_of[node].append(square)
            for i, (a, pa) in enumerate(points):
                for b, pb in points[i + 1:]:
                    if self._crossable(square, a, on[a], pa, b, pb):
                        self._add_crossing(square, a, b)

    def _crossable(self, square: _Square, a, lines_a: dict, pa, b, pb) -> bool:
        """Whether a straight walk a–b across the square is allowed (module docstring)."""
        straight = math.dist(pa, pb)
        lines_b = square.on.get(b, {})
        # Along a side that is (nearly) straight from a to b: that side is the walk already.
        along = min((abs(lines_a[n] - lines_b[n]) for n in lines_a.keys() & lines_b.keys()),
                    default=math.inf)
        return not (
            along <= straight * areas.ALONG_RATIO
            or not 1.0 < straight <= areas.MAX_CROSSING_M
            or self.graph.has_edge(a, b)
            or _blocked(a, b, pa, pb, square.others)
            or not square.zone.holds(pa, pb)
        )

    def _add_crossing(self, square: _Square, a, b) -> None:
        length = distance_m(self.position(a), self.position(b))
        self.graph.add_edge(a, b, length=length, name=square.name, cross=True)
        self.count += 1

    def from_ends(self, ends: list, snaps: list) -> None:
        """Crossings from a stop snapped between two points of a square's side."""
        if not self.square_of:
            return
        squares_at = []
        for end, (edge, _, at) in zip(ends, snaps, strict=True):
            u, v = edge
            found = None
            if isinstance(end, str):  # a snap node, new for this route
                for square in self.square_of.get(u, ()):
                    on_v = square.on.get(v, {})
                    # The snapped point's place along the side it is on.
                    lines = {
                        n: m + distance_m(u, at) * (1 if on_v[n] > m else -1)
                        for n, m in square.on[u].items() if n in on_v
                    }
                    if lines and square.zone.near(self._plane.xy(at)):
                        found = (square, lines)
                        p = self._plane.xy(at)
                        for b, pb in square.points:
                            if self._crossable(square, end, lines, p, b, pb):
                                self._add_crossing(square, end, b)
                        break
            squares_at.append(found)
        first, last = squares_at
        if first and last and first[0] is last[0] and ends[0] != ends[1]:
            square, lines = first
            p, q = (self._plane.xy(self.position(e)) for e in ends)
            square.on[ends[1]] = last[1]  # for the time of this route
            try:
                if self._crossable(square, ends[0], lines, p, ends[1], q):
                    self._add_crossing(square, ends[0], ends[1])
            finally:
                del square.on[ends[1]]

    def _other_streets(self, nodes: list, name: str) -> list:
        """The segments of other streets around these nodes: (u, v, xy of u, xy of v, box)."""
        xy = self._plane.xy
        rows = [self.cell(n)[0] for n in nodes]
        cols = [self.cell(n)[1] for n in nodes]
        found, seen = [], set()
        for r in range(min(rows), max(rows) + 1):
            for c in range(min(cols), max(cols) + 1):
                for u, v in self.cells.get((r, c), ()):
                    if (u, v) in seen or self.graph.edges[u, v]["name"] == name:
                        continue
                    seen.add((u, v))
                    pu, pv = xy(u), xy(v)
                    box = (min(pu[0], pv[0]), min(pu[1], pv[1]),
                           max(pu[0], pv[0]), max(pu[1], pv[1]))
                    found.append((u, v, pu, pv, box))
        return found


@dataclass
class _Square:
    """An open space in a pedestrian zone, as the crossings need it."""

    name: str
    zone: areas.Zone
    on: dict  # node → {number of a line of the square through it: metres along it}
    points: list  # (node, its xy in metres) of the nodes inside the zone
    others: list  # segments of other streets around it (``_other_streets``)


def _blocked(a, b, pa, pb, others: list) -> bool:
    """Whether one of the ``others`` streets' segments lies across a–b."""
    x1, x2 = min(pa[0], pb[0]), max(pa[0], pb[0])
    y1, y2 = min(pa[1], pb[1]), max(pa[1], pb[1])
    for u, v, pu, pv, box in others:
        if box[0] > x2 or box[2] < x1 or box[1] > y2 or box[3] < y1:
            continue
        if u in (a, b) or v in (a, b):
            continue
        if areas.crosses(pa, pb, pu, pv):
            return True
    return False
