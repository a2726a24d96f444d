"""Clip the Ville de Montpellier's open data to the walk's area, into data/montpellier/.

The city publishes its whole street network, address points and pedestrian zones
(about 3 MB each). The app and its tests need only the part around the walk, and a
fresh clone must not depend on files outside the repository, so the clips are
committed. This script makes them again from the city's files; it needs only the
standard library:

    python3 tools/clip_montpellier.py [--source DIR] [--stops FILE] [--margin-m 1000] [--out DIR]

Defaults: the city's files in ../shared/data/montpellier (beside the repository), the
stops of data/stops.geojson, 1,000 m around them, output in data/montpellier/.

The area is the bounding box of the stops (Point features), widened by the margin on
every side and rounded outwards to 0.0001° (about 10 m). A street or zone that touches
the box is kept whole, even where it runs outside: a leg whose stop sits near the edge
still finds the streets leading away from it. Address points are kept when inside.
Features keep their properties and coordinates unchanged and their order; the CSV keeps
its columns and each kept line byte for byte, so tools that read the city's files read
the clips. Same input, same output: running it twice changes nothing.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG), the one geopy's great circle uses
GRID = 10_000  # box edges rounded outwards to 1/GRID of a degree
ATTRIBUTION = "Données : Ville de Montpellier — Licence Ouverte"

# (file, the city's dataset, its last update): from the source folder's README.
DATASETS = [
    ("voies.geojson", "VilleMTP_MTP_FilaireVoies, « Filaire des voies »", "2014-01-27"),
    ("adresses.csv", "VilleMTP_MTP_PointAdresse, « Points adresse »", "2014-01-27"),
    ("zones-pietonnes.geojson", "VilleMTP_MTP_ZonePietonne, « Zones piétonnes »", ""),
]

Box = tuple[float, float, float, float]  # west, south, east, north (lon/lat degrees)


def stops_box(stops_path: Path) -> Box:
    """The bounding box of the Point features (the stops) of a stops file."""
    document = json.loads(stops_path.read_text(encoding="utf-8-sig"))
    points = [
        f["geometry"]["coordinates"][:2]
        for f in document["features"]
        if (f.get("geometry") or {}).get("type") == "Point"
    ]
    if not points:
        raise ValueError(f"{stops_path}: no Point feature (stop) to clip around")
    lons, lats = zip(*points, strict=True)
    return min(lons), min(lats), max(lons), max(lats)


def widen(box: Box, margin_m: float) -> Box:
    """The box grown by at least ``margin_m`` metres on every side, edges on the grid."""
    west, south, east, north = box
    dlat = math.degrees(margin_m / EARTH_RADIUS_M)
    # A degree of longitude is shortest on the edge farthest from the equator: use it,
    # so the margin is never less than asked.
    far_lat = max(abs(south - dlat), abs(north + dlat))
    dlon = dlat / math.cos(math.radians(far_lat))
    return (
        math.floor((west - dlon) * GRID) / GRID,
        math.floor((south - dlat) * GRID) / GRID,
        math.ceil((east + dlon) * GRID) / GRID,
        math.ceil((north + dlat) * GRID) / GRID,
    )


def inside(point, box: Box) -> bool:
    """Whether a [lon, lat] point lies in the box (edges included)."""
    return box[0] <= point[0] <= box[2] and box[1] <= point[1] <= box[3]


def segment_touches(a, b, box: Box) -> bool:
    """Whether the segment a–b meets the box (Liang–Barsky: clip the segment's t range)."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    low, high = 0.0, 1.0
    edges = ((-dx, a[0] - box[0]), (dx, box[2] - a[0]), (-dy, a[1] - box[1]), (dy, box[3] - a[1]))
    for p, q in edges:
        if p == 0:
            if q < 0:  # parallel to this edge and outside it
                return False
            continue
        t = q / p
        if p < 0:
            low = max(low, t)
        else:
            high = min(high, t)
        if low > high:
            return False
    return True


def line_touches(coords, box: Box) -> bool:
    """Whether a line (list of [lon, lat]) meets the box; a single point counts too."""
    if len(coords) == 1:
        return inside(coords[0], box)
    return any(segment_touches(a, b, box) for a, b in zip(coords, coords[1:], strict=False))


def _contains(ring, point) -> bool:
    """Whether ``point`` is inside a closed ring (even-odd ray casting)."""
    x, y = point
    result = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            result = not result
    return result


def geometry_touches(geometry, box: Box) -> bool:
    """Whether a GeoJSON (Multi)LineString or (Multi)Polygon meets the box."""
    kind, coords = geometry["type"], geometry["coordinates"]
    if kind == "LineString":
        return line_touches(coords, box)
    if kind == "MultiLineString":
        return any(line_touches(line, box) for line in coords)
    if kind == "Polygon":
        centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        # Either an edge meets the box, or the box lies wholly inside the outer ring.
        return any(line_touches(ring, box) for ring in coords) or _contains(coords[0], centre)
    if kind == "MultiPolygon":
        return any(geometry_touches({"type": "Polygon", "coordinates": p}, box) for p in coords)
    raise ValueError(f"unexpected geometry type {kind!r}")


def clip_geojson(text: str, box: Box) -> tuple[str, int, int]:
    """The FeatureCollection ``text`` with only the features meeting the box.

    Written as GDAL writes GeoJSON, one feature per line, so a diff of a new clip
    shows which streets changed. Returns (text, features kept, features read).
    """
    document = json.loads(text)
    features = document["features"]
    kept = [f for f in features if f.get("geometry") and geometry_touches(f["geometry"], box)]
    head = {k: v for k, v in document.items() if k != "features"}
    lines = [json.dumps(f, ensure_ascii=False) for f in kept]
    opening = json.dumps(head, ensure_ascii=False, indent=0)[:-2]  # drop the closing "\n}"
    body = ",\n".join(lines)
    return f'{opening},\n"features": [\n{body}\n]\n}}\n', len(kept), len(features)


def clip_csv(text: str, box: Box) -> tuple[str, int, int]:
    """The address CSV with only the rows whose X, Y (lon, lat) lie in the box.

    Each kept line is copied as it was (same quoting, same digits). Returns
    (text, rows kept, rows read).
    """
    lines = text.splitlines(keepends=True)
    header = next(csv.reader(lines[:1]))
    x, y = header.index("X"), header.index("Y")
    kept, read = [lines[0]], 0
    for number, line in enumerate(lines[1:], 2):
        row = next(csv.reader([line]))
        if len(row) != len(header):
            # A quoted field spanning lines would be cut here: refuse rather than guess.
            raise ValueError(f"line {number}: {len(row)} fields, the header has {len(header)}")
        read += 1
        if inside((float(row[x]), float(row[y])), box):
            kept.append(line)
    return "".join(kept), len(kept) - 1, read


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a synced temporary file and a rename."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; these files are public data
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def readme(box: Box, stops_box_: Box, margin_m: float, rows: list, command: str) -> str:
    """The README written beside the clips: what, where from, under which licence."""
    table = "\n".join(
        f"| `{name}` | {dataset} | {updated or 'not stated'} | {kept:,} of {read:,} | "
        f"{size / 1e6:.2f} MB | `{digest[:16]}` |"
        for (name, dataset, updated), (kept, read, size, digest) in rows
    )
    w, s, e, n = box
    sw, ss, se, sn = stops_box_
    return f"""# The Ville de Montpellier's open data, clipped to the walk's area

{ATTRIBUTION}

These files are parts of the official open data of the Ville de Montpellier
(« Montpellier Territoire Numérique » portal), published under the Licence Ouverte /
Open Licence (Etalab): free reuse, redistribution included, with attribution. Show the
line above wherever data derived from them is displayed or exported.

The city publishes Lambert-93 shapefiles in CP1252; the whole-city files clipped here
were reprojected to WGS84 (longitude, latitude) with GDAL
(`SHAPE_ENCODING=CP1252 ogr2ogr -t_srs EPSG:4326 …`).

| file | the city's dataset | updated | features kept | size | SHA-256 of the city's file (start) |
| --- | --- | --- | --- | --- | --- |
{table}

- `voies.geojson`: street centre-lines (LineStrings). Properties: `LIB_OFF` official
  street name, `TYPVOI` street type, `SENS_CIRCU` traffic direction (for vehicles),
  `OCCUPATION` (`Piéton`: pedestrian street), `DOMANIALIT`, `LONGUEUR` (m), `IDARC`.
  `flask --app tourapp tour route` routes on it when given no `--network` or `--osrm`
  (the `ROUTING_NETWORK` setting).
- `adresses.csv`: address points, same columns as the city's file: `X` longitude,
  `Y` latitude, `ADR` full label (`50, Place Zeus`), `NUM_VOI`, `SUF_VOI`, `LIB_OFF`.
- `zones-pietonnes.geojson`: the city-centre pedestrian zones (Polygons, `NOM`). The
  router reads them beside `voies.geojson` and crosses the squares inside them in a
  straight line (docs/squares-and-addresses.md).

## Area

The bounding box of the stops of `data/stops.geojson`
(W {sw}, S {ss}, E {se}, N {sn}), widened by {margin_m:,.0f} m on every side and
rounded outwards to 0.0001°:

    west {w}, south {s}, east {e}, north {n}   (longitude, latitude, WGS84)

A street or zone that touches the box is kept whole, so some lines run past it;
address points are kept when inside. A stop placed outside this box may be too far
from every street for `tour route`: widen the clip (below) or route on another network
with `--network FILE`.

## Making them again

From the repository, with the city's whole files in a folder (here
`../shared/data/montpellier`, as on the project's development machine; elsewhere,
download the datasets named above from the city's open-data portal, convert them as
described above and name them as here):

    {command}

Standard library only; same input, same output. After moving the walk elsewhere, run
it again so the box follows the stops.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=ROOT.parent / "shared/data/montpellier",
                        help="folder of the city's whole files (default: %(default)s)")
    parser.add_argument("--stops", type=Path, default=ROOT / "data/stops.geojson",
                        help="stops file whose Points set the area (default: %(default)s)")
    parser.add_argument("--margin-m", type=float, default=1000.0,
                        help="metres added on every side of the stops' box (default: 1000)")
    parser.add_argument("--out", type=Path, default=ROOT / "data/montpellier",
                        help="output folder (default: %(default)s)")
    args = parser.parse_args(argv)

    try:
        inner = stops_box(args.stops)
        box = widen(inner, args.margin_m)
        clips, rows = {}, []
        for name, dataset, updated in DATASETS:
            raw = (args.source / name).read_bytes()
            text = raw.decode("utf-8")
            clip = clip_csv if name.endswith(".csv") else clip_geojson
            clips[name], kept, read = clip(text, box)
            size = len(clips[name].encode("utf-8"))
            digest = hashlib.sha256(raw).hexdigest()
            rows.append(((name, dataset, updated), (kept, read, size, digest)))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    command = "python3 tools/clip_montpellier.py --source ../shared/data/montpellier"
    if args.margin_m != 1000:
        command += f" --margin-m {args.margin_m:g}"
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in clips.items():
        write_atomic(args.out / name, text)
    write_atomic(args.out / "README.md", readme(box, inner, args.margin_m, rows, command))
    for (name, _, _), (kept, read, size, _) in rows:
        print(f"{args.out / name}: {kept:,} of {read:,} kept, {size / 1e6:.2f} MB")
    print(f"box: west {box[0]}, south {box[1]}, east {box[2]}, north {box[3]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
