"""How the group's real progress shifts the times of the stops still ahead (pure).

Everything is in minutes of the walk's day (``walk clock``): the tour's planned
times come from ``schedule``; the guide's reports are converted to the same clock
by :class:`WalkClock`, so a rehearsal at 10× speed or a walk held on another day
than the file's date is estimated exactly like the real one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ..domain.clock import minute_of_day, minutes_of
from ..domain.tour import Tour


@dataclass(frozen=True)
class WalkClock:
    """Maps real time (epoch seconds) onto minutes of the walk's day.

    ``plan_min`` is the walk-clock minute at real time ``real_s``; the walk clock
    then runs ``speed`` times as fast as real time (1 for a real walk).
    """

    real_s: float
    plan_min: float
    speed: float = 1.0

    def minute(self, real_s: float) -> float:
        """The walk-clock minute at real time ``real_s``."""
        return self.plan_min + (real_s - self.real_s) * self.speed / 60

    @classmethod
    def wall(cls, real_s: float, timezone: str) -> WalkClock:
        """The wall clock of ``timezone`` today: the walk is held on the day it starts."""
        moment = dt.datetime.fromtimestamp(real_s, ZoneInfo(timezone))
        midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        return cls(real_s, (moment - midnight).total_seconds() / 60)

    def to_dict(self) -> dict:
        return {"real_s": self.real_s, "plan_min": self.plan_min, "speed": self.speed}

    @classmethod
    def from_dict(cls, data: dict) -> WalkClock:
        return cls(float(data["real_s"]), float(data["plan_min"]), float(data["speed"]))


@dataclass(frozen=True)
class PlannedStop:
    """One stop as planned, in walk-clock minutes."""

    id: str
    arrival: float
    departure: float
    duration: float
    walk_before: float  # minutes of walking from the previous stop (0 for the first)
    fixed_arrival: float | None  # an ``arrive_at`` the group waits for when early


@dataclass(frozen=True)
class Event:
    """The guide said: the group is at (``arrive``) or leaves (``leave``) ``stop``."""

    stop: str
    kind: str  # "arrive" | "leave"
    minute: float


@dataclass(frozen=True)
class StopTimes:
    """Planned, actual and estimated times of one stop (minutes; None when unknown)."""

    id: str
    planned_arrival: float
    planned_departure: float
    actual_arrival: float | None
    actual_departure: float | None
    arrival: float  # actual when it happened, else estimated
    departure: float


@dataclass(frozen=True)
class Progress:
    """Where the group is and when it reaches every stop."""

    where: str  # "planned" (no report yet), "at" (a stop), "walking" (to a stop), "finished"
    stop: str | None  # the stop the group is at, or walking to
    since: float | None  # when it arrived there, or left the previous stop
    delay_min: int | None  # estimated minus planned, at the next thing that happens
    stops: tuple[StopTimes, ...]


def planned(tour: Tour) -> tuple[PlannedStop, ...]:
    """The tour's schedule in walk-clock minutes."""
    stops = []
    for index, visit in enumerate(tour.visits):
        fixed = visit.stop.arrive_at
        stops.append(
            PlannedStop(
                id=visit.stop.id,
                arrival=minute_of_day(visit.arrival, tour.date),
                departure=minute_of_day(visit.departure, tour.date),
                duration=visit.stop.duration_min,
                walk_before=tour.legs[index - 1].walk_min if index else 0,
                fixed_arrival=minutes_of(fixed) if fixed else None,
            )
        )
    return tuple(stops)


def progress(plan: tuple[PlannedStop, ...], events: list[Event], now: float) -> Progress:
    """Estimate every stop from the guide's reports and the walk clock ``now``.

    The last report says where the group is. A group at a stop stays its planned
    duration (longer if it is still there); a walking group needs the leg's planned
    walk (longer if it is still walking); every later stop follows at the planned
    pace, waiting only for a fixed arrival time. Reports about stops no longer in
    the plan are ignored.
    """
    index = {stop.id: i for i, stop in enumerate(plan)}
    arrived: dict[int, float] = {}
    left: dict[int, float] = {}
    last: tuple[int, str, float] | None = None
    for event in events:
        i = index.get(event.stop)
        if i is None:
            continue
        (arrived if event.kind == "arrive" else left)[i] = event.minute
        last = (i, event.kind, event.minute)
    if last is None:
        stops = tuple(
            StopTimes(s.id, s.arrival, s.departure, None, None, s.arrival, s.departure)
            for s in plan
        )
        return Progress("planned", None, None, None, stops)

    current, kind, since = last
    times: list[StopTimes] = []
    clock = 0.0
    delay: float | None = None
    for i, stop in enumerate(plan):
        if i < current or (i == current and kind == "leave"):
            # Behind the group: what happened, else (a report skipped) the plan.
            arrival = arrived.get(i, stop.arrival)
            departure = left.get(i, max(arrival, stop.departure) if i < current else since)
            if i == current:
                clock = departure
        elif i == current:  # the group is here
            arrival = since
            departure = max(arrival + stop.duration, now)
            delay = departure - stop.departure
            clock = departure
        else:
            arrival = clock + stop.walk_before
            if i == current + 1 and kind == "leave":
                arrival = max(arrival, now)  # still walking: at least now
                delay = arrival - stop.arrival
            if stop.fixed_arrival is not None:
                arrival = max(arrival, stop.fixed_arrival)
            departure = arrival + stop.duration
            clock = departure
        times.append(
            StopTimes(
                stop.id, stop.arrival, stop.departure,
                arrived.get(i) if i <= current else None,
                left.get(i) if i < current or (i == current and kind == "leave") else None,
                arrival, departure,
            )
        )
    if kind == "arrive":
        where, stop_id = "at", plan[current].id
    elif current + 1 < len(plan):
        where, stop_id = "walking", plan[current + 1].id
    else:
        where, stop_id = "finished", None
    return Progress(
        where, stop_id, since, None if delay is None else round(delay), tuple(times)
    )
