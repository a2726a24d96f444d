"""Edit the stops of a walk's GeoJSON document: add, move, remove, and re-route what changed.

The document is edited in place of a copy, as ``routing.legs`` does: every other
feature keeps its properties and their order. After an edit the stops are renumbered
1…n in walking order, the legs that no longer join two consecutive stops are dropped,
the legs that touch the edited stop are routed again, and the result must load with
every new leg used; otherwise ``EditError`` says why and nothing is to be written.
No Flask here.
"""

from __future__ import annotations

import copy
import json
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import cast

from .. import stopsfile
from ..domain.geo import Point
from ..domain.tour import Tour
from ..geodata.routing import Router
from ..geodata.routing.legs import (
    LegError,
    RoutedLeg,
    in_walking_order,
    leg_properties,
    line,
    route_tour,
)
from .messages import N_, Message
from .schema import is_stop_id


class EditError(Exception):
    """An edit refused, with a sentence for the organiser (a ``Message``: translatable)."""


def said(exc: Exception) -> str:
    """The refusal's message with its parts (``wording.problem`` says it in French)."""
    return exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)


@dataclass(frozen=True)
class Edited:
    """The edited file's text, the tour it loads as, and the legs routed again."""

    text: str
    tour: Tour
    routed: tuple[RoutedLeg, ...]


def _is_stop(feature) -> bool:
    geometry = feature.get("geometry") if isinstance(feature, dict) else None
    return isinstance(geometry, dict) and geometry.get("type") == "Point"


def _is_leg(feature) -> bool:
    geometry = feature.get("geometry") if isinstance(feature, dict) else None
    return isinstance(geometry, dict) and geometry.get("type") == "LineString"


def _stop_feature(document: dict, stop_id: str) -> dict:
    for feature in document["features"]:
        if _is_stop(feature) and (feature.get("properties") or {}).get("id") == stop_id:
            return feature
    raise EditError(Message.of(N_('no stop has the id "%(id)s"'), id=stop_id))


def centre(tour: Tour) -> Point:
    """The median of the stops: a real stop's neighbourhood, to tell towns apart."""
    return (
        statistics.median(s.location[0] for s in tour.stops),
        statistics.median(s.location[1] for s in tour.stops),
    )


def _position(location: Point) -> list[float]:
    # (lat, lon) → GeoJSON [lon, lat], rounded to 1e-7° (about 1 cm).
    return [round(location[1], 7), round(location[0], 7)]


def check_new_stop(tour: Tour, stop_id: str, after: str | None) -> None:
    """Refuse a new stop's id (the file's rule, and unused) or a missing ``after`` stop.

    Before anything slow or paid for (geocoding): an id the file would refuse is
    refused here, with the file's own rule (``schema.is_stop_id``).
    """
    if not is_stop_id(stop_id):
        raise EditError(Message.of(
            N_('"%(id)s" cannot be a stop id: use 1–64 letters, digits, "-" or "_", '
               "starting with a letter or a digit"), id=stop_id))
    if tour.stop(stop_id):
        raise EditError(Message.of(N_('a stop with the id "%(id)s" already exists'), id=stop_id))
    if after is not None and tour.stop(after) is None:
        raise EditError(Message.of(N_('no stop has the id "%(id)s"'), id=after)
                        + " (--after)")


def add_stop(
    document: dict, tour: Tour, stop_id: str, props: dict, location: Point, after: str | None
) -> None:
    """Insert stop ``stop_id`` with ``props`` after stop ``after`` (None: first)."""
    check_new_stop(tour, stop_id, after)
    order = [s.id for s in tour.stops]
    position = 0 if after is None else order.index(after) + 1
    order.insert(position, stop_id)
    feature = {
        "type": "Feature",
        "properties": {"id": stop_id, "order": position + 1, **props},
        "geometry": {"type": "Point", "coordinates": _position(location)},
    }
    # In the file, next to the stop it follows (or before the first stop).
    features = document["features"]
    anchor = features.index(_stop_feature(document, after or tour.stops[0].id))
    features.insert(anchor + 1 if after else anchor, feature)
    _renumber(document, order)


def move_stop(document: dict, stop_id: str, location: Point, address: dict | None) -> None:
    """Put stop ``stop_id`` at ``location`` (and give it ``address``, if any)."""
    feature = _stop_feature(document, stop_id)
    feature["geometry"] = {"type": "Point", "coordinates": _position(location)}
    if address:
        feature["properties"] = {**(feature.get("properties") or {}), **address}


def remove_stop(document: dict, tour: Tour, stop_id: str) -> None:
    """Take stop ``stop_id`` out of the walk; the tour's facts move to a remaining stop."""
    feature = _stop_feature(document, stop_id)
    if len(tour.stops) < 2:
        raise EditError(Message.of(N_('"%(id)s" is the only stop: a walk needs one'),
                                   id=stop_id))
    props = feature.get("properties") or {}
    facts = {k: v for k, v in props.items() if k.startswith("tour_")}
    document["features"].remove(feature)
    order = [s.id for s in tour.stops if s.id != stop_id]
    if facts:
        heir = _stop_feature(document, order[0])
        heir_props = heir.get("properties") or {}
        # The loader wants the tour's facts on some stop; values already there win.
        heir["properties"] = {**facts, **heir_props}
    _renumber(document, order)


def _renumber(document: dict, order: list[str]) -> None:
    rank = {stop_id: number for number, stop_id in enumerate(order, 1)}
    for feature in document["features"]:
        if _is_stop(feature):
            props = feature.get("properties") or {}
            if props.get("id") in rank:
                props["order"] = rank[props["id"]]


def reroute(
    document: dict, source: str, router: Router, touches: Callable[[str, str], bool],
    max_bytes: int,
) -> Edited:
    """Drop stale legs, route again the legs ``touches(from_id, to_id)`` picks, validate."""
    bare = copy.deepcopy(document)
    bare["features"] = [f for f in bare["features"] if not _is_leg(f)]
    try:
        stops_only = stopsfile.parse(stopsfile.dumps(bare).encode(), source, max_bytes=max_bytes)
    except stopsfile.TourError as exc:
        raise EditError(_lines(Message.of(N_("the walk would not load:")),
                               exc.problems)) from None
    pairs = list(zip(stops_only.stops, stops_only.stops[1:], strict=False))
    consecutive = {(a.id, b.id) for a, b in pairs}
    touched = {(a.id, b.id) for a, b in pairs if touches(a.id, b.id)}
    # Legs already in the file that still join consecutive, unchanged stops stay as they are.
    features = []
    for feature in document["features"]:
        if _is_leg(feature):
            props = feature.get("properties") or {}
            key = (props.get("leg_from"), props.get("leg_to"))
            if key not in consecutive or key in touched:
                continue
        features.append(feature)
    routed = []
    for number, (a, b) in enumerate(pairs, 1):
        if (a.id, b.id) not in touched:
            continue
        single = _Single(stops_only, a, b)
        try:
            # _Single has what route_tour reads of a Tour: its stops and its speed.
            leg = route_tour(cast(Tour, single), router)[0]
        except LegError as exc:
            raise EditError(exc.numbered(number)) from None
        leg = RoutedLeg(number, leg.start, leg.end, leg.route)
        routed.append(leg)
        features.append(
            {
                "type": "Feature",
                "properties": leg_properties(leg, stops_only.speed_kmh),
                "geometry": line(leg),
            }
        )
    ids = [s.id for s in stops_only.stops]
    result = {**document, "features": in_walking_order(features, ids)}
    text = stopsfile.dumps(result)
    try:
        tour = stopsfile.parse(text.encode(), source, max_bytes=max_bytes)
    except stopsfile.TourError as exc:
        raise EditError(_lines(Message.of(N_("the edited walk would not load:")),
                               exc.problems)) from None
    used = {(leg.from_id, leg.to_id) for leg in tour.legs if leg.routed}
    unused = [f'"{leg.start.id}" → "{leg.end.id}"' for leg in routed
              if (leg.start.id, leg.end.id) not in used]
    if unused:
        raise EditError(_lines(Message.of(N_("the new legs would not be used: %(legs)s"),
                                          legs=", ".join(unused)), tour.warnings))
    return Edited(text, tour, tuple(routed))


def _lines(first: Message, more: Iterable[str]) -> Message:
    """A message and the loader's problems under it, one a line, each still translatable."""
    for item in more:
        first = first + "\n" + item
    return first


class _Single:
    """A two-stop view of a tour, so ``route_tour`` routes one leg."""

    def __init__(self, tour: Tour, a, b):
        self.stops = (a, b)
        self.speed_kmh = tour.speed_kmh


def document_of(data: bytes) -> dict:
    """The JSON document of a stops file already known to load."""
    return json.loads(data.decode("utf-8-sig"))
