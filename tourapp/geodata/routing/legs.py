"""Route every leg of a tour and put the legs into its GeoJSON document.

The document is edited, not rebuilt: stop features stay as they are (every
property, in their order); a leg feature already in the file keeps the
properties the organiser added and gets a new line and new computed
properties; missing legs are added at the end; legs that no longer join two
consecutive stops are dropped (the loader would ignore them anyway).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass

from ...domain.tour import Stop, Tour, walk_minutes
from . import Route, Router, RoutingError


class LegError(Exception):
    """A leg that cannot be routed, named for the organiser."""


@dataclass(frozen=True)
class RoutedLeg:
    """A leg of the tour and the route found for it."""

    number: int  # 1-based, in walking order
    start: Stop
    end: Stop
    route: Route


def leg_label(number: int, start: Stop, end: Stop) -> str:
    """How a message names a leg: ``leg 2 ("a" → "b")``."""
    return f'leg {number} ("{start.id}" → "{end.id}")'


def route_tour(
    tour: Tour, router: Router, progress: Callable[[RoutedLeg], None] | None = None
) -> list[RoutedLeg]:
    """Route every leg in walking order; ``LegError`` names the first leg that fails."""
    routed = []
    for number, (start, end) in enumerate(zip(tour.stops, tour.stops[1:], strict=False), 1):
        label = leg_label(number, start, end)
        try:
            route = router.route(start.location, end.location)
        except RoutingError as exc:
            culprit = {"start": start, "end": end}.get(exc.end or "")
            where = f' (stop "{culprit.id}")' if culprit else ""
            raise LegError(f"{label}: {exc}{where}") from None
        if route.distance_m <= 0 or len(route.path) < 2:
            raise LegError(f"{label}: the two stops are at the same place on the streets")
        leg = RoutedLeg(number, start, end, route)
        routed.append(leg)
        if progress:
            progress(leg)
    return routed


def leg_properties(leg: RoutedLeg, speed_kmh: float) -> dict:
    """The flat properties of a routed leg (steps as JSON text: survives GDAL and QGIS)."""
    distance = round(leg.route.distance_m)
    steps = [
        {
            "maneuver": s.maneuver,
            "direction": s.direction,
            "street": s.street,
            "distance_m": round(s.distance_m, 1),
            **(
                {"location": [round(s.location[1], 7), round(s.location[0], 7)]}
                if s.location
                else {}
            ),
        }
        for s in leg.route.steps
    ]
    return {
        "leg_from": leg.start.id,
        "leg_to": leg.end.id,
        "distance_m": distance,
        "walk_min": walk_minutes(distance, speed_kmh),
        "steps": json.dumps(steps, ensure_ascii=False, separators=(",", ":")),
    }


def line(leg: RoutedLeg) -> dict:
    """The leg's GeoJSON geometry, ``[lon, lat]`` rounded to 1e-7° (about 1 cm)."""
    coordinates: list[list[float]] = []
    for lat, lon in leg.route.path:
        position = [round(lon, 7), round(lat, 7)]
        if not coordinates or coordinates[-1] != position:
            coordinates.append(position)
    return {"type": "LineString", "coordinates": coordinates}


def with_legs(document: dict, legs: list[RoutedLeg], speed_kmh: float) -> tuple[dict, list[str]]:
    """A copy of ``document`` holding ``legs``; also returns the stale legs it dropped."""
    result = copy.deepcopy(document)
    wanted = {(leg.start.id, leg.end.id): leg for leg in legs}
    done: set[tuple[str, str]] = set()
    features, dropped = [], []
    for feature in result["features"]:
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") != "LineString":
            features.append(feature)  # stops (and anything else) untouched
            continue
        props = feature.get("properties") or {}
        key = (props.get("leg_from"), props.get("leg_to"))
        if key in wanted and key not in done:
            leg = wanted[key]
            feature["geometry"] = line(leg)
            # Keep the organiser's own properties and their order; refresh the computed ones.
            feature["properties"] = {**props, **leg_properties(leg, speed_kmh)}
            features.append(feature)
            done.add(key)
        else:
            dropped.append(f'"{key[0]}" → "{key[1]}"')
    for key, leg in wanted.items():
        if key not in done:
            features.append(
                {
                    "type": "Feature",
                    "properties": leg_properties(leg, speed_kmh),
                    "geometry": line(leg),
                }
            )
    result["features"] = features
    return result, dropped
