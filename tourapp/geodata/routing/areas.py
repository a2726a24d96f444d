"""Squares walked across, not around: straight crossings inside pedestrian areas.

A street centre-line network draws a square as the lines along its sides (the place de
la Comédie is two lines, one each side of the road tunnel under it), so a router that
only follows lines walks round it. People cross it. The city's pedestrian zones
(« Zones piétonnes », Polygons) say where walking across is allowed, but they are
districts, not open spaces: the old town's zone holds its blocks of houses too. So a
crossing is drawn only between two lines of the same open space (a name whose first word
is « Place », « Esplanade », « Parvis »…) inside a zone, and only where the straight
line stays inside the zone and crosses no other street: a street between two sides is
a block of houses in between, or a road to cross at its crossing.

The square's lines are first cut every ``SPACING_M`` so that a crossing can start near
any point of a side, then every pair of points on two different lines of the square is
joined when the rules above allow it.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ...domain.tour import LatLon
from . import RoutingError

OPEN_SPACE_WORDS = {"place", "placette", "esplanade", "parvis", "plan", "espace"}
"""First words of the names of open spaces one crosses (a « square » is a garden with
paths and fences, a « cour » is enclosed: neither is crossed in a straight line)."""
SPACING_M = 15.0  # a side of a square is cut this often: a crossing starts ≤ 7.5 m away
NEAR_AREA_M = 8.0
"""A line's point this close outside a zone still counts as on it: the zones are drawn
along the façades and kerbs, the centre-lines a few metres off them."""
MAX_OUTSIDE_M = 8.0  # a crossing may run this far outside its zone (near its ends)
ALONG_RATIO = 1.05
"""Two points of one line that winds round a square are joined straight too, unless the
line between them is within 5 % of the straight line (then it is that walk already)."""
MAX_CROSSING_M = 300.0  # longer than the largest square of a city centre
AREAS_BESIDE = "zones-pietonnes.geojson"
"""The pedestrian zones, when this file sits beside the network (data/montpellier/)."""
EARTH_M_PER_DEG = 111_195.0


@dataclass(frozen=True)
class Area:
    """A pedestrian zone: its outer ring, ``(lat, lon)`` points, first point repeated."""

    name: str
    ring: tuple[LatLon, ...]


def is_open_space(name: str) -> bool:
    """Whether a street name names an open space one walks across (« Place de la Comédie »)."""
    first = name.strip().split(" ", 1)[0].lower()
    return first in OPEN_SPACE_WORDS


def areas_of(features: Iterable[dict], source: str) -> list[Area]:
    """The Polygons (and parts of MultiPolygons) of GeoJSON features, as areas."""
    found = []
    for index, feature in enumerate(features):
        geometry = (feature or {}).get("geometry") or {} if isinstance(feature, dict) else {}
        kind = geometry.get("type")
        polygons: list = (
            [geometry.get("coordinates")] if kind == "Polygon"
            else geometry.get("coordinates") or [] if kind == "MultiPolygon" else []
        )
        props = feature.get("properties") or {}
        name = str(props.get("NOM") or props.get("name") or "")
        for polygon in polygons:
            try:
                outer = polygon[0]
                # GeoJSON [lon, lat] → (lat, lon).
                ring = tuple((float(p[1]), float(p[0])) for p in outer)
            except (TypeError, IndexError, ValueError):
                raise RoutingError(f"{source}: feature {index}: a Polygon needs rings of "
                                   f"[lon, lat] positions") from None
            if len(ring) >= 4:
                found.append(Area(name, ring if ring[0] == ring[-1] else (*ring, ring[0])))
    return found


def read_areas(path: str | os.PathLike) -> list[Area]:
    """The areas of a GeoJSON file; ``RoutingError`` when it cannot be read."""
    path = Path(path)
    try:
        document = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RoutingError(f"{path}: cannot read the pedestrian areas: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("features"), list):
        raise RoutingError(f"{path}: the pedestrian areas must be a GeoJSON FeatureCollection")
    return areas_of(document["features"], str(path))


class Plane:
    """A flat projection in metres around a latitude: exact enough across a square."""

    def __init__(self, lat: float):
        self.kx = EARTH_M_PER_DEG * math.cos(math.radians(lat))

    def xy(self, point: LatLon) -> tuple[float, float]:
        """The point in metres (x east, y north)."""
        return point[1] * self.kx, point[0] * EARTH_M_PER_DEG


class Zone:
    """An area in metres, for the geometric tests of crossings."""

    def __init__(self, area: Area, plane: Plane):
        self.area = area
        self.ring = [plane.xy(p) for p in area.ring]
        xs, ys = [p[0] for p in self.ring], [p[1] for p in self.ring]
        self.box = (min(xs) - NEAR_AREA_M, min(ys) - NEAR_AREA_M,
                    max(xs) + NEAR_AREA_M, max(ys) + NEAR_AREA_M)
        self.sides = [
            (c, d, min(c[0], d[0]), min(c[1], d[1]), max(c[0], d[0]), max(c[1], d[1]))
            for c, d in zip(self.ring, self.ring[1:], strict=False)
        ]

    def contains(self, p: tuple[float, float]) -> bool:
        """Whether ``p`` is inside the ring (even-odd rule)."""
        x, y = p
        inside = False
        for (x1, y1), (x2, y2) in zip(self.ring, self.ring[1:], strict=False):
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
        return inside

    def near(self, p: tuple[float, float]) -> bool:
        """Inside, or at most NEAR_AREA_M outside."""
        box = self.box
        if not (box[0] <= p[0] <= box[2] and box[1] <= p[1] <= box[3]):
            return False
        if self.contains(p):
            return True
        return any(
            _point_segment(p, a, b) <= NEAR_AREA_M
            for a, b in zip(self.ring, self.ring[1:], strict=False)
        )

    def holds(self, a: tuple[float, float], b: tuple[float, float]) -> bool:
        """Whether the segment a–b runs inside the ring, but for MAX_OUTSIDE_M in all."""
        cuts = [0.0, 1.0]
        x1, x2 = min(a[0], b[0]), max(a[0], b[0])
        y1, y2 = min(a[1], b[1]), max(a[1], b[1])
        for c, d, left, bottom, right, top in self.sides:
            if left > x2 or right < x1 or bottom > y2 or top < y1:
                continue
            t = _crossing(a, b, c, d)
            if t is not None:
                cuts.append(t)
        cuts.sort()
        length = math.dist(a, b)
        outside = 0.0
        for t1, t2 in zip(cuts, cuts[1:], strict=False):
            if t2 - t1 <= 1e-9:
                continue
            mid = t1 + (t2 - t1) / 2
            if not self.contains((a[0] + (b[0] - a[0]) * mid, a[1] + (b[1] - a[1]) * mid)):
                outside += (t2 - t1) * length
        return outside <= MAX_OUTSIDE_M


def crosses(a, b, c, d) -> bool:
    """Whether segments a–b and c–d cross (touching at an end does not count)."""
    t = _crossing(a, b, c, d)
    return t is not None and 1e-6 < t < 1 - 1e-6


def _crossing(a, b, c, d) -> float | None:
    """Where a–b meets c–d, as a fraction of a–b, or None when they do not meet."""
    rx, ry = b[0] - a[0], b[1] - a[1]
    sx, sy = d[0] - c[0], d[1] - c[1]
    denominator = rx * sy - ry * sx
    if denominator == 0:
        return None  # parallel
    qx, qy = c[0] - a[0], c[1] - a[1]
    t = (qx * sy - qy * sx) / denominator
    u = (qx * ry - qy * rx) / denominator
    if 0 <= t <= 1 and 0 <= u <= 1:
        return t
    return None


def _point_segment(p, a, b) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    span = dx * dx + dy * dy
    t = 0.0 if span == 0 else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / span))
    return math.dist(p, (a[0] + t * dx, a[1] + t * dy))


def densify(points: Sequence[LatLon], plane: Plane) -> list[LatLon]:
    """The line with points added so that none is more than SPACING_M from the next."""
    out = [points[0]]
    for a, b in zip(points, points[1:], strict=False):
        pieces = max(1, math.ceil(math.dist(plane.xy(a), plane.xy(b)) / SPACING_M))
        for k in range(1, pieces):
            t = k / pieces
            out.append((a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t))
        out.append(b)
    return out
