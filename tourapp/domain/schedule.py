"""Arrival and departure times of every stop."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

from .clock import whole_minutes
from .tour import Leg, Stop, Visit


def compute(
    stops: tuple[Stop, ...],
    legs: tuple[Leg, ...],
    date: dt.date,
    timezone: str,
    start: dt.time,
    end: dt.time | None = None,
) -> tuple[tuple[Visit, ...], tuple[str, ...]]:
    """Walk the stops in order from ``start``; return the visits and any warnings.

    The group arrives at the first stop at ``start``. A stop with a fixed
    arrival time (``arrive_at``) is honoured: an early group waits for it; a
    late group is reported, with how many minutes it misses it by.

    A walk whose last stop is a visit and would finish before its planned ``end`` ends at
    ``end``: that visit runs until then. The walk then has one end, the one announced, on
    every page, card, calendar and run sheet (not « 15 h 57 » here and « 16 h 00 »
    there). A walk that runs past ``end`` keeps its computed end (``overrun_min`` says by
    how much), and so does one that ends on arriving at a place with no visit: the time
    left is not a visit, and the pages give the planned end beside the arrival.
    """
    tz = ZoneInfo(timezone)
    clock = dt.datetime.combine(date, start, tzinfo=tz)
    visits: list[Visit] = []
    warnings: list[str] = []
    for index, stop in enumerate(stops):
        if index > 0:
            clock += dt.timedelta(minutes=legs[index - 1].walk_min)
        late_min = 0
        if stop.arrive_at is not None:
            fixed = dt.datetime.combine(date, stop.arrive_at, tzinfo=tz)
            if clock <= fixed:
                clock = fixed  # early: the group waits for the fixed time
            else:
                late_min = whole_minutes(fixed, clock)
                warnings.append(
                    f'stop {stop.order} ("{stop.id}"): fixed arrival '
                    f"{stop.arrive_at:%H:%M} cannot be met: the group arrives at "
                    f"{clock:%H:%M}, {late_min} min late"
                )
        departure = clock + dt.timedelta(minutes=stop.duration_min)
        visits.append(Visit(stop=stop, arrival=clock, departure=departure, late_min=late_min))
        clock = departure
    if end is not None and visits:
        planned = dt.datetime.combine(date, end, tzinfo=tz)
        if visits[-1].stop.duration_min and visits[-1].departure < planned:
            visits[-1] = replace(visits[-1], departure=planned)
    return tuple(visits), tuple(warnings)


def overrun_min(visits: tuple[Visit, ...], end: dt.time) -> int:
    """Minutes by which the last departure passes ``end`` (0 when on time)."""
    if not visits:
        return 0
    last = visits[-1].departure
    planned = dt.datetime.combine(last.date(), end, tzinfo=last.tzinfo)
    return max(0, whole_minutes(planned, last))
