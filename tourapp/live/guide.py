"""One guide request, checked and applied to the live document (pure: no Flask, no store).

The document (JSON, shared by every worker)::

    {"guide": name, "clock": WalkClock, "sharing": bool,
     "position": {"lat", "lon", "acc", "t"},        # only while sharing
     "events": [{"stop": id, "kind": "arrive"|"leave", "t": epoch s}],
     "message": {"text", "t"}, "contact": epoch s}

Every bound here is a promise of the issue: coordinates within 20 km of the walk,
a usable accuracy, no timestamp from the future, a message of at most 280 characters.
"""

from __future__ import annotations

import math
import unicodedata

from ..domain.clock import minutes_of, parse_hhmm
from ..domain.geo import distance_m
from ..domain.tour import Tour
from .estimate import WalkClock

MAX_BODY_BYTES = 2048
"""The largest guide request: a message of 280 characters in any script fits easily."""

MAX_MESSAGE_CHARS = 280
MAX_FROM_WALK_M = 20_000
"""A position farther than this from every stop is a mistake (or an attack), not the group."""

MAX_ACCURACY_M = 1000
CLOCK_SKEW_S = 30
"""A phone's clock may run a little ahead of the server's; more than this is the future."""

MAX_AGE_S = 600
"""A report older than this is stale; the guide's position also vanishes this long after."""

MAX_EVENTS = 500
MAX_SPEED = 100
KINDS = ("position", "arrive", "leave", "message", "stop", "clock")


class GuideError(ValueError):
    """A request refused as a whole (422): nothing changes."""


def _number(body: dict, key: str) -> float:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise GuideError(f"{key!r} must be a number")
    return float(value)


def _timestamp(body: dict, now: float) -> float:
    """The report's own time (epoch seconds), or now when it gives none."""
    if body.get("t") is None:
        return now
    t = _number(body, "t")
    if t > now + CLOCK_SKEW_S:
        raise GuideError("'t' is in the future: check the phone's clock")
    if t < now - MAX_AGE_S:
        raise GuideError("'t' is more than 10 minutes old")
    return min(t, now)


def _message(text) -> str:
    if not isinstance(text, str):
        raise GuideError("'text' must be a string")
    # Control characters (but line breaks) become spaces: they have no business in a banner.
    text = "".join(
        " " if unicodedata.category(c) == "Cc" and c != "\n" else c
        for c in unicodedata.normalize("NFC", text)
    ).strip()
    if len(text) > MAX_MESSAGE_CHARS:
        raise GuideError(f"the message is longer than {MAX_MESSAGE_CHARS} characters")
    return text


def _near_walk(tour: Tour, lat: float, lon: float) -> bool:
    return any(distance_m((lat, lon), s.location) <= MAX_FROM_WALK_M for s in tour.stops)


def apply(
    doc: dict, body: dict, tour: Tour, guide_name: str, now: float
) -> tuple[dict, list | None]:
    """The new document after ``body``, and the track point it adds; :class:`GuideError`."""
    if not isinstance(body, dict) or body.get("type") not in KINDS:
        raise GuideError(f"'type' must be one of {', '.join(KINDS)}")
    kind = body["type"]
    doc = dict(doc)
    point = None
    if kind == "position":
        lat, lon = _number(body, "lat"), _number(body, "lon")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or not _near_walk(tour, lat, lon):
            km = MAX_FROM_WALK_M // 1000
            raise GuideError(f"the position is more than {km} km from the walk")
        acc = _number(body, "accuracy")
        if not 0 < acc <= MAX_ACCURACY_M:
            raise GuideError(f"'accuracy' must be more than 0 and at most {MAX_ACCURACY_M} m")
        t = _timestamp(body, now)
        position = {"lat": round(lat, 6), "lon": round(lon, 6), "acc": round(acc, 1), "t": t}
        doc["position"], doc["sharing"] = position, True
        point = [t, position["lat"], position["lon"], position["acc"]]
    elif kind in ("arrive", "leave"):
        stop = body.get("stop")
        if not isinstance(stop, str) or tour.stop(stop) is None:
            raise GuideError("'stop' must be the id of a stop of the walk")
        events = list(doc.get("events", []))
        if len(events) >= MAX_EVENTS:
            raise GuideError("too many stop reports for one walk")
        events.append({"stop": stop, "kind": kind, "t": _timestamp(body, now)})
        doc["events"] = events
    elif kind == "message":
        text = _message(body.get("text", ""))
        if text:
            doc["message"] = {"text": text, "t": now}
        else:
            doc.pop("message", None)
    elif kind == "stop":
        doc["sharing"] = False
        doc.pop("position", None)  # published only while sharing
    elif kind == "clock":
        at_time = parse_hhmm(body.get("at"))
        speed = _number(body, "speed") if "speed" in body else 1.0
        if at_time is None or not 0 < speed <= MAX_SPEED:
            raise GuideError(f"'at' must be HH:MM and 'speed' more than 0, at most {MAX_SPEED}")
        at = minutes_of(at_time)
        doc["clock"] = WalkClock(_timestamp(body, now), at, speed).to_dict()
    if "clock" not in doc:
        # The first report starts the walk on today's wall clock, whatever the file's date.
        doc["clock"] = WalkClock.wall(now, tour.timezone).to_dict()
    doc["guide"] = guide_name
    doc["contact"] = now
    return doc, point
