"""From a path along named streets to turn-by-turn steps; shared by both routers.

Thresholds, all documented in the README:

- A new step starts where the street name changes, or where the walk turns by
  ``SAME_STREET_TURN_DEG`` or more at a junction (a node where three or more
  street segments meet) while staying on the same street.
- Bends of a street between junctions are not steps: one cannot take a wrong turn there.
- A stretch shorter than ``MIN_STEP_M`` (crossing a side street, a 5 m link
  between two names) is merged into the step before it (the first step into
  the one after it); two neighbouring steps on the same street are then merged.
- Bearings around a turn are measured over ``BEARING_SPAN_M`` on each side, so
  the small zig-zags of a hand-drawn centre-line do not read as turns.
- A stretch walked straight across an open space (a square's crossing edge of the
  network router) is a step of its own, maneuver "cross", named after the square.
- The turn angle gives the direction: under ``STRAIGHT_DEG`` straight,
  under ``SLIGHT_DEG`` slight, under ``SHARP_DEG`` a plain turn, under
  ``UTURN_DEG`` sharp, else a U-turn (the same bands as OSRM's modifiers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ...domain.geo import bearing_deg, distance_m
from ...domain.tour import LatLon, Step

SAME_STREET_TURN_DEG = 45.0
MIN_STEP_M = 15.0
BEARING_SPAN_M = 20.0
STRAIGHT_DEG = 25.0
SLIGHT_DEG = 60.0
SHARP_DEG = 120.0
UTURN_DEG = 170.0
CARDINALS = ("north", "northeast", "east", "southeast", "south", "southwest", "west", "northwest")
DIRECTIONS = (
    "straight",
    "slight left",
    "left",
    "sharp left",
    "slight right",
    "right",
    "sharp right",
    "uturn",
)


def turn_deg(before: float, after: float) -> float:
    """Signed change of bearing, -180–180: negative turns left, positive right."""
    return (after - before + 180) % 360 - 180


def direction(turn: float) -> str:
    """A turn angle as a direction word of the step model (OSRM's modifiers)."""
    size = abs(turn)
    if size < STRAIGHT_DEG:
        return "straight"
    if size >= UTURN_DEG:
        return "uturn"
    side = "left" if turn < 0 else "right"
    if size < SLIGHT_DEG:
        return f"slight {side}"
    if size < SHARP_DEG:
        return side
    return f"sharp {side}"


def cardinal(bearing: float) -> str:
    """A compass bearing as one of the eight cardinal and intercardinal points."""
    return CARDINALS[int(((bearing % 360) + 22.5) // 45) % 8]


@dataclass
class _Stretch:
    """Consecutive path segments walked as one step."""

    name: str
    first: int  # index of the path node where the stretch starts
    last: int  # index of the path node where it ends
    length: float
    crossing: bool = False  # straight across an open space


def _bearing_out(path: Sequence[LatLon], node: int) -> float:
    """Bearing leaving ``path[node]``, over up to BEARING_SPAN_M ahead."""
    walked, far = 0.0, node + 1
    while far < len(path) - 1 and walked + distance_m(path[far - 1], path[far]) < BEARING_SPAN_M:
        walked += distance_m(path[far - 1], path[far])
        far += 1
    return bearing_deg(path[node], path[far])


def _bearing_in(path: Sequence[LatLon], node: int) -> float:
    """Bearing arriving at ``path[node]``, over up to BEARING_SPAN_M behind."""
    walked, far = 0.0, node - 1
    while far > 0 and walked + distance_m(path[far], path[far + 1]) < BEARING_SPAN_M:
        walked += distance_m(path[far], path[far + 1])
        far -= 1
    return bearing_deg(path[far], path[node])


def _turn_at(path: Sequence[LatLon], node: int) -> float:
    return turn_deg(_bearing_in(path, node), _bearing_out(path, node))


def from_path(
    path: Sequence[LatLon],
    names: Sequence[str],
    junctions: Sequence[bool],
    crossings: Sequence[bool] | None = None,
) -> tuple[Step, ...]:
    """Steps for a walk along ``path``; ``names[i]`` names the segment from node i to i+1.

    ``junctions[i]`` tells whether three or more street segments meet at node i;
    ``crossings[i]`` whether the segment from node i goes straight across an open space.
    """
    if len(path) < 2:
        raise ValueError("a path needs at least two points")
    crossings = list(crossings) if crossings is not None else [False] * (len(path) - 1)
    lengths = [distance_m(a, b) for a, b in zip(path, path[1:], strict=False)]
    stretches = [_Stretch(names[0], 0, 1, lengths[0], crossings[0])]
    for i in range(1, len(path) - 1):
        current = stretches[-1]
        same = names[i] == current.name and crossings[i] == current.crossing
        turned = junctions[i] and abs(_turn_at(path, i)) >= SAME_STREET_TURN_DEG
        if same and (current.crossing or not turned):
            current.last, current.length = i + 1, current.length + lengths[i]
        else:
            stretches.append(_Stretch(names[i], i, i + 1, lengths[i], crossings[i]))
    stretches = _merge_short(stretches, path)

    first = stretches[0]
    steps = [
        Step(
            "cross" if first.crossing else "depart",
            cardinal(_bearing_out(path, 0)),
            first.name,
            round(first.length, 1),
            path[0],
        )
    ]
    for stretch in stretches[1:]:
        way = direction(_turn_at(path, stretch.first))
        steps.append(
            Step(
                "cross" if stretch.crossing else "continue" if way == "straight" else "turn",
                way,
                stretch.name,
                round(stretch.length, 1),
                path[stretch.first],
            )
        )
    steps.append(Step("arrive", "", stretches[-1].name, 0.0, path[-1]))
    return tuple(steps)


def _merge_short(stretches: list[_Stretch], path: Sequence[LatLon]) -> list[_Stretch]:
    """Fold stretches under MIN_STEP_M into a neighbour, then join same-street neighbours."""
    changed = True
    while changed and len(stretches) > 1:
        changed = False
        for index, stretch in enumerate(stretches):
            if stretch.length >= MIN_STEP_M:
                continue
            if index == 0:
                following = stretches[1]
                following.first, following.length = stretch.first, following.length + stretch.length
            else:
                previous = stretches[index - 1]
                previous.last, previous.length = stretch.last, previous.length + stretch.length
            del stretches[index]
            changed = True
            break
        for index in range(len(stretches) - 1, 0, -1):
            previous, stretch = stretches[index - 1], stretches[index]
            if (
                previous.name == stretch.name
                and previous.crossing == stretch.crossing
                and abs(_turn_at(path, stretch.first)) < SAME_STREET_TURN_DEG
            ):
                previous.last, previous.length = stretch.last, previous.length + stretch.length
                del stretches[index]
                changed = True
    return stretches


def merge(steps: Sequence[Step]) -> tuple[Step, ...]:
    """Join a step that goes straight on along the same street into the step before it."""
    merged: list[Step] = []
    for step in steps:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and previous.maneuver != "arrive"
            and step.maneuver == "continue"
            and step.direction in ("straight", "")
            and step.street == previous.street
        ):
            merged[-1] = replace(
                previous, distance_m=round(previous.distance_m + step.distance_m, 1)
            )
        else:
            merged.append(step)
    return tuple(merged)
