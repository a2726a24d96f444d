"""The walk drawn as an inline SVG for the printed run sheet: legs and numbered stops.

No tiles and no script: the drawing prints offline and sharp at any size. Positions are
projected locally (equirectangular about the walk's centre: at a walk's scale, a few
kilometres, the error is far below a line's width). The markup holds numbers and
geometry only, never a text of the stops file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..domain.geo import distance_m
from ..domain.tour import LatLon, Tour

WIDTH = 1000.0
"""The drawing's width in SVG units; its height follows the walk's shape."""
MIN_HEIGHT, MAX_HEIGHT = 350.0, 700.0
PAD = 40.0
SCALE_STEPS_M = (50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000)


@dataclass(frozen=True)
class _Projection:
    lat0: float
    lon0: float
    k: float  # SVG units per degree of latitude
    cos0: float
    x0: float
    y0: float

    def xy(self, point: LatLon) -> tuple[float, float]:
        lat, lon = point
        return (self.x0 + (lon - self.lon0) * self.cos0 * self.k,
                self.y0 - (lat - self.lat0) * self.k)


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _projection(points: list[LatLon]) -> tuple[_Projection, float]:
    """The projection fitting ``points`` in the drawing, and the drawing's height."""
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    lat0, lon0 = (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2
    cos0 = math.cos(math.radians(lat0))
    span_x = max((max(lons) - min(lons)) * cos0, 1e-6)
    span_y = max(max(lats) - min(lats), 1e-6)
    height = min(MAX_HEIGHT, max(MIN_HEIGHT, (WIDTH - 2 * PAD) * span_y / span_x + 2 * PAD))
    k = min((WIDTH - 2 * PAD) / span_x, (height - 2 * PAD) / span_y)
    return _Projection(lat0, lon0, k, cos0, WIDTH / 2, height / 2), height


def _scale_bar(projection: _Projection, height: float) -> str:
    """A bar of a round length, about a fifth of the drawing's width, with its length."""
    # Metres per SVG unit, measured on the great circle along the centre's parallel.
    east = (projection.lat0, projection.lon0 + 100 / (projection.cos0 * projection.k))
    metres_per_unit = distance_m((projection.lat0, projection.lon0), east) / 100
    target = WIDTH / 5 * metres_per_unit
    fitting = [m for m in SCALE_STEPS_M if m <= target]
    if not fitting:  # a walk of a few metres (or one stop): no round length fits
        return ""
    metres = fitting[-1]
    length = metres / metres_per_unit
    x, y = PAD / 2, height - PAD / 2
    label = f"{metres // 1000} km" if metres >= 1000 and metres % 1000 == 0 else f"{metres} m"
    return (
        f'<g class="routemap-scale"><path d="M{_fmt(x)} {_fmt(y - 8)}V{_fmt(y)}'
        f'H{_fmt(x + length)}V{_fmt(y - 8)}"/>'
        f'<text x="{_fmt(x + length + 8)}" y="{_fmt(y)}">{label}</text></g>'
    )


def route_svg(tour: Tour) -> str:
    """The walk as ``<svg>`` markup: one line per leg, a numbered disc per stop, a scale
    bar and a north arrow (hidden from screen readers: the page's figure names it)."""
    points = [s.location for s in tour.stops] + [p for leg in tour.legs for p in leg.path]
    projection, height = _projection(points)
    out = [
        f'<svg class="routemap" viewBox="0 0 {_fmt(WIDTH)} {_fmt(height)}" '
        f'xmlns="http://www.w3.org/2000/svg" aria-hidden="true" focusable="false">',
        f'<rect class="routemap-frame" x="1" y="1" width="{_fmt(WIDTH - 2)}" '
        f'height="{_fmt(height - 2)}"/>',
    ]
    for number, leg in enumerate(tour.legs, 1):
        path = leg.path or ()
        if len(path) < 2:
            continue
        coords = " ".join(
            f"{_fmt(x)},{_fmt(y)}" for x, y in (projection.xy(p) for p in path)
        )
        kind = "routemap-leg" if leg.routed else "routemap-leg routemap-straight"
        out.append(f'<polyline class="{kind}" data-leg="{number}" points="{coords}"/>')
    # Stops last, so that their discs sit on the lines; the last one drawn on top.
    for stop in tour.stops:
        x, y = projection.xy(stop.location)
        out.append(
            f'<g class="routemap-stop" data-stop="{stop.order}">'
            f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="17"/>'
            f'<text x="{_fmt(x)}" y="{_fmt(y)}" dy=".35em">{int(stop.order)}</text></g>'
        )
    out.append(
        f'<g class="routemap-north"><path d="M{_fmt(WIDTH - 30)} 18l10 26h-20z"/>'
        f'<text x="{_fmt(WIDTH - 30)}" y="64">N</text></g>'
    )
    out.append(_scale_bar(projection, height))
    out.append("</svg>")
    return "".join(out)
