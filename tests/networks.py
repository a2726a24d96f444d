"""Small street networks for routing tests, written as GeoJSON and as OpenStreetMap XML.

Positions are given in metres east (x) and north (y) of ORIGIN, a point in
Montpellier; ``at`` turns them into (lat, lon).
"""

from __future__ import annotations

import math
from xml.sax.saxutils import quoteattr

ORIGIN = (43.60, 3.88)
METRES_PER_DEGREE = 6_371_009.0 * math.pi / 180  # the great circle the routers use


def at(x: float, y: float) -> tuple[float, float]:
    """(lat, lon) of the point ``x`` metres east and ``y`` metres north of ORIGIN."""
    lat = ORIGIN[0] + y / METRES_PER_DEGREE
    lon = ORIGIN[1] + x / (METRES_PER_DEGREE * math.cos(math.radians(ORIGIN[0])))
    return (round(lat, 7), round(lon, 7))


def geojson_network(lines: list[tuple[str, list[tuple[float, float]]]], name_key="name", **extra):
    """A FeatureCollection of LineStrings, one per ``(name, [(x, y), …])``."""
    features = []
    for name, points in lines:
        props = {name_key: name, **extra.get(name, {})}
        coords = [[at(x, y)[1], at(x, y)[0]] for x, y in points]
        features.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": {"type": "LineString", "coordinates": coords},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def osm_xml(lines: list[tuple[str, list[tuple[float, float]]]], highway="residential") -> str:
    """The same network as OpenStreetMap XML (shared positions are shared nodes)."""
    ids: dict[tuple[float, float], int] = {}
    nodes, ways = [], []
    for way_id, (name, points) in enumerate(lines, 1):
        refs = []
        for point in points:
            if point not in ids:
                ids[point] = len(ids) + 1
                lat, lon = at(*point)
                nodes.append(
                    f' <node id="{ids[point]}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"/>'
                )
            refs.append(f'  <nd ref="{ids[point]}"/>')
        ways.append(
            f' <way id="{way_id}" version="1">\n' + "\n".join(refs) + "\n"
            f'  <tag k="highway" v="{highway}"/>\n  <tag k="name" v={quoteattr(name)}/>\n </way>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="tourapp tests">\n'
        + "\n".join(nodes + ways)
        + "\n</osm>\n"
    )
