"""One guide request, checked and applied to the live document (pure: no Flask, no store).

The document (JSON, shared by every worker)::

    {"guide": name, "clock": WalkClock, "sharing": bool,
     "position": {"lat", "lon", "acc", "t"},        # only while sharing
     "events": [{"stop": id, "kind": "arrive"|"leave", "t": epoch s}],
     "message": {"text", "t"}, "contact": epoch s,
     "reports": [the latest report ids, to answer replays]}

Every bound here is a promise of the issue: coordinates within 20 km of the walk,
a usable accuracy, no timestamp from the future, a message of at most 280 characters.
"""

from __future__ import annotations

import math
import re
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
"""Stop reports kept (one arrival and one departure per stop): a bound for huge files."""

MAX_REPORT_IDS = 500
"""Report ids remembered to answer replays: more than an offline queue ever holds."""

ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
MAX_SPEED = 100
KINDS = ("position", "arrive", "leave", "message", "stop", "clock")


class GuideError(ValueError):
    """A request refused as a whole (422): nothing changes."""


class Conflict(GuideError):
    """A request that contradicts what is recorded (409): nothing changes."""


def _number(body: dict, key: str) -> float:
    value = body.get(key)
    try:
        # An int of 1,900 digits is valid JSON, and too large for a float: refused too.
        number = float(value) if isinstance(value, int | float) else math.nan
    except OverflowError:
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number):
        raise GuideError(f"{key!r} must be a number")
    return number


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


ZWJ = "\u200d"


def _invisible(text: str, i: int) -> bool:
    """Whether ``text[i]``, a format character, must go: all do but a joiner inside an emoji."""
    if text[i] != ZWJ or not 0 < i < len(text) - 1:
        return True
    # 👨‍👩‍👧 is three pictographs joined: the joiner stays between two symbols only.
    return not all(unicodedata.category(text[j]) in ("So", "Sk") for j in (i - 1, i + 1))


def clean_text(text: str) -> str:
    """Text fit for the banner: NFC, no control, format (bidi, zero-width) or lone surrogate."""
    # A lone surrogate cannot be written as UTF-8 (json.loads lets "\ud800" through): the
    # state holding it could no longer be sent. Format characters (category Cf) reorder
    # or hide what the participants read: an override makes "evil" read "live".
    text = "".join(c for c in text if unicodedata.category(c) != "Cs")
    text = unicodedata.normalize("NFC", text)
    kept = []
    for i, c in enumerate(text):
        category = unicodedata.category(c)
        if category == "Cf" and _invisible(text, i):
            continue
        # Control characters (but line breaks) become spaces: no business in a banner.
        kept.append(" " if category == "Cc" and c != "\n" else c)
    return "".join(kept).strip()


def _message(text) -> str:
    if not isinstance(text, str):
        raise GuideError("'text' must be a string")
    if any(unicodedata.category(c) == "Cs" for c in text):
        raise GuideError("'text' is not valid Unicode (a lone surrogate)")
    text = clean_text(text)
    if len(text) > MAX_MESSAGE_CHARS:
        raise GuideError(f"the message is longer than {MAX_MESSAGE_CHARS} characters")
    return text


def _near_walk(tour: Tour, lat: float, lon: float) -> bool:
    return any(distance_m((lat, lon), s.location) <= MAX_FROM_WALK_M for s in tour.stops)


def report_id(body) -> str | None:
    """The client's id of a report (kept to answer its replays), None without one."""
    ident = body.get("id") if isinstance(body, dict) else None
    if ident is None:
        return None
    if not isinstance(ident, str) or not ID_RE.fullmatch(ident):
        raise GuideError("'id' must be 1 to 64 letters, digits, '.', '_', ':' or '-'")
    return ident


def _record(events: list, stop: str, kind: str, t: float) -> list | None:
    """The stop reports after this one, in time order; None when it is already there.

    One arrival and one departure per stop, the latest report of each kind standing
    (a guide corrects a mistaken tap by tapping again): the list is bounded by the
    walk, not by how often a phone retries. A departure never precedes its arrival.
    """
    if any(e == {"stop": stop, "kind": kind, "t": t} for e in events):
        return None
    latest: dict[tuple, dict] = {}
    for e in events:  # a walk recorded by an older release may repeat a report: the last stands
        if isinstance(e, dict) and e.get("kind") in ("arrive", "leave") and "stop" in e:
            latest.pop((e["stop"], e["kind"]), None)
            latest[(e["stop"], e["kind"])] = e
    events = list(latest.values())
    mine = {e["kind"]: e["t"] for e in events if e["stop"] == stop}
    if kind == "leave" and "arrive" in mine and t < mine["arrive"]:
        raise Conflict("a departure cannot be earlier than the arrival at the same stop")
    kept = [e for e in events if (e["stop"], e["kind"]) != (stop, kind)]
    if kind == "arrive" and "leave" in mine and t > mine["leave"]:
        # Back at the stop after leaving it: the departure was a mistake, or is to come.
        kept = [e for e in kept if (e["stop"], e["kind"]) != (stop, "leave")]
    if len(kept) >= MAX_EVENTS:
        raise Conflict("too many stop reports for one walk")
    # Kept in time order: a report the phone queued arrives after newer ones, and the
    # group is where the latest report in time (not in arrival at the server) says.
    at = len(kept)
    while at and kept[at - 1]["t"] > t:
        at -= 1
    return kept[:at] + [{"stop": stop, "kind": kind, "t": t}] + kept[at:]


def apply(
    doc: dict, body: dict, tour: Tour, guide_name: str, now: float
) -> tuple[dict | None, list | None]:
    """The new document after ``body``, and the track point it adds; :class:`GuideError`.

    ``(None, None)`` when the report is a replay (its ``id`` or, for a stop report, its
    stop, kind and time are already recorded): nothing changes, the answer is the same.
    """
    if not isinstance(body, dict) or body.get("type") not in KINDS:
        raise GuideError(f"'type' must be one of {', '.join(KINDS)}")
    kind = body["type"]
    ident = report_id(body)
    reports = [r for r in doc.get("reports", []) if isinstance(r, str)]
    if ident is not None and ident in reports:
        return None, None
    doc = dict(doc)
    if ident is not None:
        doc["reports"] = (reports + [ident])[-MAX_REPORT_IDS:]
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
        events = _record(doc.get("events", []), stop, kind, _timestamp(body, now))
        if events is None:
            return None, None  # this very report is already recorded
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
