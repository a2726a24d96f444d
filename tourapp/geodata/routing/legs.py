"""Route every leg of a tour and put the legs into its GeoJSON document.

The document is edited, not rebuilt: stop features stay as they are (every
property, in their order); a leg feature already in the file keeps the
properties the organiser added and gets a new line and new computed
properties; legs that no longer join two consecutive stops are dropped (the loader
would ignore them anyway); the legs are kept in walking order (``in_walking_order``):
a new leg takes its place among the others, not the end of the file.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from ...domain.tour import Stop, Tour, walk_minutes
from ...stopsfile.messages import N_, Message
from . import Route, Router, RoutingError

_FAR_RE = re.compile(r"is ([\d,.]+) m from the nearest street of the network \(limit ([\d.]+) m\)")
LEG = N_('leg %(number)d ("%(start)s" → "%(end)s")')


class LegError(Exception):
    """A leg that cannot be routed, named for the organiser (a translatable ``Message``)."""

    def __init__(self, number: int, start: Stop, end: Stop, problem: Message):
        self.start, self.end, self.problem = start, end, problem
        super().__init__(self.numbered(number))

    def numbered(self, number: int) -> Message:
        """The message, naming the leg by its ``number`` in the walk."""
        return Message.of(LEG, number=number, start=self.start.id, end=self.end.id) \
            + ": " + self.problem


@dataclass(frozen=True)
class RoutedLeg:
    """A leg of the tour and the route found for it."""

    number: int  # 1-based, in walking order
    start: Stop
    end: Stop
    route: Route


def leg_label(number: int, start: Stop, end: Stop) -> str:
    """How a message names a leg: ``leg 2 ("a" → "b")``."""
    return Message.of(LEG, number=number, start=start.id, end=end.id)


def _why(exc: RoutingError, culprit: Stop | None) -> Message:
    """The router's reason, in words the organiser can act on (translatable)."""
    text = str(exc)
    far = _FAR_RE.search(text)
    if culprit is not None and far:
        return Message.of(
            N_('stop "%(stop)s" is %(m)s m from the nearest street of the network (limit '
               "%(limit)s m): move its pin onto a street or square, or route on another "
               "network"),
            stop=culprit.id, m=far[1], limit=far[2])
    if text.startswith("no path joins the two stops"):
        return Message.of(N_(
            "no path joins the two stops: the street network is cut between them (a missing "
            "street, or a stop placed by an isolated path): move a stop's pin"))
    if text.startswith("both stops are at the same place"):
        return Message.of(N_("the two stops are at the same place on the streets"))
    where = f' (stop "{culprit.id}")' if culprit else ""
    return Message(text + where)  # OSRM's and the network file's own words


def route_tour(
    tour: Tour, router: Router, progress: Callable[[RoutedLeg], None] | None = None
) -> list[RoutedLeg]:
    """Route every leg in walking order; ``LegError`` names the first leg that fails."""
    routed = []
    for number, (start, end) in enumerate(zip(tour.stops, tour.stops[1:], strict=False), 1):
        try:
            route = router.route(start.location, end.location)
        except RoutingError as exc:
            culprit = {"start": start, "end": end}.get(exc.end or "")
            raise LegError(number, start, end, _why(exc, culprit)) from None
        if route.distance_m <= 0 or len(route.path) < 2:
            raise LegError(number, start, end, Message.of(
                N_("the two stops are at the same place on the streets")))
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
        # Where the stops stood when the leg was routed: the loader flags the leg once a
        # stop is moved away from it (in a GIS tool, by hand), with the command to route it.
        "leg_from_at": _lonlat(leg.start.location),
        "leg_to_at": _lonlat(leg.end.location),
    }


def _lonlat(location) -> str:
    # Text, not a list: GDAL keeps a text property as it is.
    return f"{round(location[1], 7)},{round(location[0], 7)}"


def in_walking_order(features: list, stop_ids: list[str]) -> list:
    """``features`` with the legs in walking order, in the places legs already hold.

    Stops and other features keep their places; the i-th leg place gets the i-th leg of
    the walk (a leg that joins no consecutive stops goes last among the legs).
    """
    pairs = zip(stop_ids, stop_ids[1:], strict=False)
    rank: dict[tuple, int] = {(a, b): number for number, (a, b) in enumerate(pairs)}

    def is_leg(feature) -> bool:
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        return isinstance(geometry, dict) and geometry.get("type") == "LineString"

    def key(feature) -> int:
        props = feature.get("properties") or {}
        return rank.get((props.get("leg_from"), props.get("leg_to")), len(rank))

    legs = iter(sorted((f for f in features if is_leg(f)), key=key))
    return [next(legs) if is_leg(f) else f for f in features]


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
    stop_ids = [leg.start.id for leg in legs] + [legs[-1].end.id] if legs else []
    result["features"] = in_walking_order(features, stop_ids)
    return result, dropped
