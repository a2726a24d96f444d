"""A guide walking the planned route, as a timed list of requests (pure: no HTTP here).

``tour rehearse`` plays it against a running app, so organisers can watch every phone
follow a group before the day: positions every ``step_m`` along each leg, an arrival
and a departure at every stop, at the plan's times divided by ``speed``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.geo import distance_m
from ..domain.tour import LatLon, Tour


@dataclass(frozen=True)
class Action:
    """Send ``body`` at ``at_s`` seconds after the start (``optional``: may be skipped)."""

    at_s: float
    body: dict
    optional: bool = False


def along(path: tuple[LatLon, ...] | list[LatLon], step_m: float) -> list[tuple[float, LatLon]]:
    """Points every ``step_m`` along ``path`` (and its end), with the distance walked."""
    points: list[tuple[float, LatLon]] = [(0.0, path[0])]
    walked, next_at = 0.0, step_m
    for a, b in zip(path, path[1:], strict=False):
        length = distance_m(a, b)
        while length > 0 and next_at <= walked + length:
            f = (next_at - walked) / length
            points.append((next_at, (a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]))))
            next_at += step_m
        walked += length
    if walked > points[-1][0]:
        points.append((walked, path[-1]))
    return points


def _position(at_s: float, point: LatLon, optional: bool = True) -> Action:
    return Action(at_s, {"type": "position", "lat": round(point[0], 6),
                         "lon": round(point[1], 6), "accuracy": 8}, optional)


def script(tour: Tour, speed: float, step_m: float = 20) -> list[Action]:
    """Every request of the rehearsal, in order; times in real seconds from the start."""
    visits = tour.visits
    start = visits[0].arrival
    seconds = lambda moment: (moment - start).total_seconds() / speed  # noqa: E731
    actions = [Action(0.0, {"type": "clock", "at": f"{start:%H:%M}", "speed": speed})]
    for index, visit in enumerate(visits):
        stop = visit.stop
        arrival, departure = seconds(visit.arrival), seconds(visit.departure)
        actions.append(_position(arrival, stop.location, optional=False))
        actions.append(Action(arrival, {"type": "arrive", "stop": stop.id}))
        if index + 1 == len(visits):
            break
        actions.append(Action(departure, {"type": "leave", "stop": stop.id}))
        leg = tour.legs[index]
        path = [stop.location, *leg.path, visits[index + 1].stop.location]
        points = along(path, step_m)
        total_m = points[-1][0] or 1.0
        walk_s = seconds(visits[index + 1].arrival) - departure
        for walked, point in points[1:-1]:
            actions.append(_position(departure + walk_s * walked / total_m, point))
    actions.append(Action(actions[-1].at_s, {"type": "stop"}))
    return actions
