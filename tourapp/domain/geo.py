"""Great-circle geometry on ``(lat, lon)`` pairs: the one place distances are computed.

The formula and the Earth radius are geopy's ``great_circle`` (the dependency made
for this); it is inlined because building a geopy ``Distance`` per segment was 85 %
of loading a 100,000-point tour. ``tests/test_geo.py`` checks every function against
geopy itself.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from geopy.distance import EARTH_RADIUS  # km: the mean radius great_circle uses

Point = tuple[float, float]
"""``(lat, lon)`` in degrees, as geopy, folium and gpxpy order them."""


def path_length_m(path: Sequence[Point]) -> float:
    """Length of a polyline in metres, the sum of geopy's great-circle distances."""
    if len(path) < 2:
        return 0.0
    # Each point's sine and cosine are computed once; the arithmetic is geopy's.
    trig = [
        (math.sin(lat), math.cos(lat), lng)
        for lat, lng in ((math.radians(p[0]), math.radians(p[1])) for p in path)
    ]
    total = 0.0
    for (sin1, cos1, lng1), (sin2, cos2, lng2) in zip(trig, trig[1:], strict=False):
        delta = lng2 - lng1
        cos_d, sin_d = math.cos(delta), math.sin(delta)
        km = EARTH_RADIUS * math.atan2(
            math.sqrt((cos2 * sin_d) ** 2 + (cos1 * sin2 - sin1 * cos2 * cos_d) ** 2),
            sin1 * sin2 + cos1 * cos2 * cos_d,
        )
        total += km * 1000
    return total


def distance_m(a: Point, b: Point) -> float:
    """Great-circle distance from ``a`` to ``b`` in metres (geopy's ``great_circle``)."""
    return path_length_m((a, b))


def bearing_deg(a: Point, b: Point) -> float:
    """Initial compass bearing from ``a`` to ``b``, 0–360 (0 = north, 90 = east)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    y = math.sin(lon2 - lon1) * math.cos(lat2)
    x = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(lon2 - lon1)
    return math.degrees(math.atan2(y, x)) % 360
