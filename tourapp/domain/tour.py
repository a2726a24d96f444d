"""The walk as plain, immutable data: no Flask, no folium.

Coordinates are ``(lat, lon)`` everywhere in this module and after it; the
GeoJSON loader is the only place that sees ``[lon, lat]``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .clock import whole_minutes
from .geo import path_length_m  # re-exported: the loader and routers measure legs with it

LANGUAGES = ("fr", "en")
"""Languages of the tour, default first."""

LatLon = tuple[float, float]


@dataclass(frozen=True)
class Localized:
    """A text in every language of the tour."""

    fr: str
    en: str

    def __getitem__(self, lang: str) -> str:
        """Return the text in ``lang`` (``KeyError`` for an unknown language)."""
        if lang not in LANGUAGES:
            raise KeyError(lang)
        return getattr(self, lang)


NO_TEXT = Localized("", "")


@dataclass(frozen=True)
class Photo:
    """A photo of a stop's entrance: a file of the photo folder beside the stops file."""

    file: str  # its name in that folder
    alt: Localized  # what it shows, for those who cannot see it
    credit: str  # who took it, or its licence
    width: int = 0  # pixels, read from the file when the folder is known (0: not read)
    height: int = 0
    version: str = ""  # hash of the image's bytes, for its URL (cached a year)


@dataclass(frozen=True)
class Stop:
    """A place where the group stops, in walking order."""

    id: str
    order: int
    location: LatLon
    name: Localized
    description: Localized
    address: Localized
    duration_min: int
    arrive_at: dt.time | None = None  # fixed by the organisers, or None
    feature_index: int = 0  # index in the file, for messages
    # What a device with few characters shows (a watch, a GPS list); "" when the file has none.
    short_name: Localized = Localized("", "")
    # Optional, for participants: what happens there, practical notes, the entrance's photo.
    activity: Localized = NO_TEXT
    notes: Localized = NO_TEXT
    step_free: bool | None = None  # step-free access: yes, no, or not said
    toilets: bool | None = None  # toilets on site: yes, no, or not said
    photo: Photo | None = None


@dataclass(frozen=True)
class Step:
    """One turn-by-turn instruction of a leg."""

    maneuver: str  # depart | turn | continue | arrive | ...
    direction: str  # left | slight left | straight | ... ("" when none)
    street: str
    distance_m: float  # from this step to the next one
    location: LatLon | None = None


@dataclass(frozen=True)
class Leg:
    """The walk from one stop to the next."""

    from_id: str
    to_id: str
    path: tuple[LatLon, ...]
    distance_m: float
    walk_min: int
    steps: tuple[Step, ...] = ()
    routed: bool = False  # True when the path follows the streets


@dataclass(frozen=True)
class Visit:
    """When the group is at a stop."""

    stop: Stop
    arrival: dt.datetime
    departure: dt.datetime
    late_min: int = 0  # minutes past the organisers' fixed arrival time

    @property
    def minutes(self) -> int:
        """How long the group stays: the stop's duration, or more for the last stop of a
        walk that would end before its planned end (``schedule.compute``)."""
        return int((self.departure - self.arrival).total_seconds() // 60)


@dataclass(frozen=True)
class Tour:
    """A whole walk: tour facts, stops, legs and their schedule."""

    title: Localized
    description: Localized
    date: dt.date
    timezone: str
    start: dt.time
    end: dt.time
    speed_kmh: float
    attribution: str  # the data credit, in French (the default language)
    organiser: str
    stops: tuple[Stop, ...]
    legs: tuple[Leg, ...]
    visits: tuple[Visit, ...] = ()
    warnings: tuple[str, ...] = ()
    version: str = ""  # hash of the file's bytes
    source: str = ""  # file name, for messages
    attribution_en: str = ""  # the credit in English; the French one when the file has none
    phone: str = ""  # the organisers' contact number for the day, as written; "" when none

    def credit(self, lang: str) -> str:
        """The data credit to show in ``lang``: « Données : … » in French, "Data: …" in English."""
        return (self.attribution_en or self.attribution) if lang == "en" else self.attribution

    @property
    def distance_m(self) -> float:
        """Total walking distance."""
        return sum(leg.distance_m for leg in self.legs)

    @property
    def walk_min(self) -> int:
        """Total walking time."""
        return sum(leg.walk_min for leg in self.legs)

    @property
    def overrun_min(self) -> int:
        """Minutes by which the computed end passes the planned one (``end``), 0 if none."""
        if not self.visits:
            return 0
        last = self.visits[-1].departure
        planned = dt.datetime.combine(last.date(), self.end, tzinfo=last.tzinfo)
        return max(0, whole_minutes(planned, last))

    @property
    def off_schedule(self) -> bool:
        """The computed times do not keep the plan: a late end or a fixed time missed."""
        return self.overrun_min > 0 or any(v.late_min for v in self.visits)

    def stop(self, stop_id: str) -> Stop | None:
        """Return the stop with this id, or None."""
        return next((s for s in self.stops if s.id == stop_id), None)

    def bounds(self) -> tuple[LatLon, LatLon]:
        """South-west and north-east corners of the stops and legs."""
        points = [s.location for s in self.stops]
        points += [p for leg in self.legs for p in leg.path]
        lats = [p[0] for p in points]
        lons = [p[1] for p in points]
        return (min(lats), min(lons)), (max(lats), max(lons))


def walk_minutes(distance_m: float, speed_kmh: float) -> int:
    """Whole minutes to walk ``distance_m``, rounded up (people arrive late, not early)."""
    exact = distance_m / (speed_kmh * 1000 / 60)
    whole = int(exact)
    return whole if exact - whole < 1e-9 else whole + 1


__all__ = [
    "LANGUAGES",
    "Leg",
    "Localized",
    "Photo",
    "Step",
    "Stop",
    "Tour",
    "Visit",
    "path_length_m",
    "walk_minutes",
]
