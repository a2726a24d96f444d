"""Build static/basemap/montpellier.json: the offline base map, from the city's open data.

With no tiles (no signal, a tile server down, the static export opened in a basement) the
map still shows the streets and their names: tour-map.js draws this file on a canvas under
the tiles. It is the city's street centre-lines (data/montpellier/voies.geojson) and its
pedestrian zones (zones-pietonnes.geojson), clipped to the walk's area, simplified (1.5 m,
Douglas-Peucker) and written as integer deltas of 1e-5 degree (about a metre): about a
tenth of the GeoJSON's bytes. A plain JSON file and Leaflet's own API: no new library.

    .venv/bin/python tools/build_basemap.py        # rewrites the file (committed)
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CITY = ROOT / "data" / "montpellier"
OUT = ROOT / "static" / "basemap" / "montpellier.json"
CREDIT = "Données : Ville de Montpellier — Licence Ouverte"
CREDIT_EN = "Data: Ville de Montpellier — Licence Ouverte"
MARGIN_M = 700
"""Streets kept around the walk's stops: what one sees around the route at zoom 15 and closer."""
TOLERANCE_M = 1.5
SCALE = 100_000  # 1e-5 degree: about a metre, finer than a phone's position


def _simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker on (lon, lat) pairs, distances in metres on a local plane."""
    if len(points) < 3:
        return points
    k = math.cos(math.radians(points[0][1])) * 111_320
    xy = [(lon * k, lat * 110_574) for lon, lat in points]
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        (ax, ay), (bx, by) = xy[a], xy[b]
        dx, dy = bx - ax, by - ay
        length = math.hypot(dx, dy) or 1e-9
        worst, index = 0.0, -1
        for i in range(a + 1, b):
            d = abs(dy * (xy[i][0] - ax) - dx * (xy[i][1] - ay)) / length
            if d > worst:
                worst, index = d, i
        if worst > tolerance:
            keep[index] = True
            stack += [(a, index), (index, b)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def _deltas(points) -> list[int]:
    """[x0, y0, dx1, dy1, …] in 1e-5 degree: short integers compress well."""
    out, last = [], (0, 0)
    for lon, lat in points:
        x, y = round(lon * SCALE), round(lat * SCALE)
        out += [x - last[0], y - last[1]]
        last = (x, y)
    return out


def _merge(lines: list[list[tuple]]) -> list[list[tuple]]:
    """Join the pieces of one street that meet end to end: longer lines, room for the name."""
    lines = [list(line) for line in lines]
    merged = True
    while merged:
        merged = False
        for i, a in enumerate(lines):
            for j in range(i + 1, len(lines)):
                b = lines[j]
                if a[-1] == b[0]:
                    joined = a + b[1:]
                elif a[-1] == b[-1]:
                    joined = a + b[-2::-1]
                elif a[0] == b[-1]:
                    joined = b + a[1:]
                elif a[0] == b[0]:
                    joined = b[::-1] + a[1:]
                else:
                    continue
                lines[i] = joined
                del lines[j]
                merged = True
                break
            if merged:
                break
    return lines


def _box(stops_file: Path) -> tuple[float, float, float, float]:
    stops = [f for f in json.loads(stops_file.read_text())["features"]
             if f["geometry"] and f["geometry"]["type"] == "Point"]
    lons = [f["geometry"]["coordinates"][0] for f in stops]
    lats = [f["geometry"]["coordinates"][1] for f in stops]
    dlat = MARGIN_M / 110_574
    dlon = MARGIN_M / (111_320 * math.cos(math.radians(sum(lats) / len(lats))))
    return min(lons) - dlon, min(lats) - dlat, max(lons) + dlon, max(lats) + dlat


def _inside(points, box) -> bool:
    west, south, east, north = box
    return any(west <= lon <= east and south <= lat <= north for lon, lat in points)


def build(stops_file: Path = ROOT / "data" / "stops.geojson") -> dict:
    """The base map's data: streets (name, pedestrian or not, deltas) and pedestrian zones."""
    box = _box(stops_file)
    pieces: dict[tuple[str, int], list] = {}
    for feature in json.loads((CITY / "voies.geojson").read_text())["features"]:
        geometry = feature["geometry"]
        lines = geometry["coordinates"]
        if geometry["type"] == "LineString":
            lines = [lines]
        props = feature["properties"]
        walk = 1 if (props.get("OCCUPATION") or "").startswith("Pi") else 0  # « Piéton »
        key = (props.get("LIB_OFF") or "", walk)
        for line in lines:
            points = [tuple(p[:2]) for p in line]
            if _inside(points, box):
                pieces.setdefault(key, []).append(points)
    streets = [
        {"n": name, "p": walk, "c": _deltas(_simplify(line, TOLERANCE_M))}
        for (name, walk), lines in sorted(pieces.items())
        for line in (_merge(lines) if name else lines)
    ]
    zones = []
    for feature in json.loads((CITY / "zones-pietonnes.geojson").read_text())["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"]
        if geometry["type"] == "Polygon":
            polygons = [polygons]
        for polygon in polygons:
            ring = [tuple(p[:2]) for p in polygon[0]]
            if _inside(ring, box):
                zones.append(_deltas(_simplify(ring, TOLERANCE_M)))
    credit = {"fr": CREDIT, "en": CREDIT_EN}
    return {"scale": SCALE, "credit": credit, "zones": zones, "streets": streets}


def main() -> int:
    data = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    OUT.write_text(text + "\n", encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {len(data['streets'])} streets, {len(data['zones'])} zones, "
          f"{len(text.encode()):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
