"""One guide request, checked and applied to the live document (pure: no Flask, no store).

Several guides may report for the same walk: they lead ONE group (one state). Every
report is signed by its guide (the link's id and name); nothing one guide sends
overwrites another's own data. The document (JSON, shared by every worker)::

    {"clock": WalkClock,
     "guides": {id: {"name", "sharing": bool, "position": {"lat","lon","acc","t"},
                     "contact": epoch s}},
     "holder": id,          # the guide whose position is the group's (see below)
     "events": [{"stop": id, "kind": "arrive"|"leave", "t": epoch s, "by": id, "guide": name}],
     "message": {"text", "t", "guide": name, "by": id},
     "visits": {stop id: minutes},   # a visit shortened (or lengthened) by a guide
     "ended": epoch s,               # a guide ended the walk
     "ids": [report ids],            # the last reports, to answer their replays
     "guide": name, "contact": epoch s}   # the last guide heard from, and when

The group's position is its *holder's*: the first guide who shares keeps it while
sharing; another guide's position takes over only when the holder stops sharing or
has been silent for ``HANDOVER_S``. The group never jumps from one guide to another
while both share.

Every bound here is a promise of the issue: coordinates within 20 km of the walk,
a usable accuracy, no timestamp from the future, a message of at most 280 characters.
A report's own time (``t``) may be late: a phone kept it through an outage. Up to
10 minutes old is always accepted; older, as long as it is on the walk's day.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from zoneinfo import ZoneInfo

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
"""A report older than this is accepted only when it is of the walk's day (queued offline)."""

POSITION_MAX_AGE_S = 3600
"""A sharing guide's last position stays on the map this long, shown with its age: a guide
standing at a 40-minute visit may send nothing new."""

HANDOVER_S = 300
"""The group's position passes to another sharing guide after its holder's silence."""

KEPT_IDS = 1000
"""Report ids remembered to answer replays: more than an offline queue ever holds."""

ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
"""A report's id: what the guide page makes (hex), with room for other clients."""

MAX_EVENTS = 500
"""Stop reports kept (one arrival and one departure per stop): a bound for huge files."""

MAX_SPEED = 100
KINDS = ("position", "arrive", "leave", "message", "stop", "clock", "end", "undo", "visit")


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


def _day(t: float, timezone: str) -> dt.date:
    try:
        return dt.datetime.fromtimestamp(t, ZoneInfo(timezone)).date()
    except (ValueError, OverflowError, OSError):  # before year 1 or past 9999: no day
        raise GuideError("'t' must be a time of the walk's day") from None


def _timestamp(body: dict, now: float, timezone: str) -> float:
    """The report's own time (epoch seconds), or now when it gives none."""
    if body.get("t") is None:
        return now
    t = _number(body, "t")
    if t > now + CLOCK_SKEW_S:
        raise GuideError("'t' is in the future: check the phone's clock")
    if t < now - MAX_AGE_S and _day(t, timezone) != _day(now, timezone):
        # Kept on the phone through an outage: the tap's time stands, on the walk's day.
        raise GuideError("'t' is older than 10 minutes and not of today")
    return min(t, now)


def report_id(body) -> str | None:
    """The client's id of a report (kept to answer its replays), None without one."""
    ident = body.get("id") if isinstance(body, dict) else None
    if ident is None:
        return None
    if not isinstance(ident, str) or not ID_RE.fullmatch(ident):
        raise GuideError("'id' must be 1 to 64 letters, digits, '.', '_', ':' or '-'")
    return ident


def seen(doc: dict, body: dict) -> bool:
    """True when this report (by its id) is already in the document: nothing to do."""
    rid = body.get("id") if isinstance(body, dict) else None
    return isinstance(rid, str) and rid in _ids(doc)


def _ids(doc: dict) -> list[str]:
    ids = doc.get("ids")
    return [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []


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


def _guides(doc: dict) -> dict:
    """The per-guide part of the document (a copy)."""
    return {key: dict(value) for key, value in doc.get("guides", {}).items()}


def position_holder(guides: dict, holder: str | None, now: float) -> str | None:
    """The guide whose position is the group's: the holder while sharing and heard from
    within ``HANDOVER_S``, else the sharing guide with the newest position."""
    current = guides.get(holder or "")
    if current and current.get("sharing") and current.get("position") and (
        now - current["position"]["t"] <= HANDOVER_S
    ):
        return holder
    sharing = [
        (g["position"]["t"], key) for key, g in guides.items()
        if g.get("sharing") and g.get("position")
    ]
    return max(sharing)[1] if sharing else None


def _record(events: list, report: dict) -> list | None:
    """The stop reports after ``report`` (stop, kind, t, by, guide), in time order; None
    when it is already there.

    One arrival and one departure per stop, the latest report of each kind standing
    (a guide corrects a mistaken tap by tapping again): the list is bounded by the
    walk, not by how often a phone retries. A departure never precedes its arrival.
    """
    stop, kind, t = report["stop"], report["kind"], report["t"]
    # A replay is the same stop, kind and time, whichever guide sent it (by, guide).
    if any(isinstance(e, dict) and (e.get("stop"), e.get("kind"), e.get("t")) == (stop, kind, t)
           for e in events):
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
    return kept[:at] + [report] + kept[at:]


def apply(
    doc: dict, body: dict, tour: Tour, guide_name: str, now: float, guide_id: str | None = None
) -> tuple[dict | None, list | None]:
    """The new document after ``body``, and the track point it adds; :class:`GuideError`.

    ``guide_id`` is the link's id (several links may carry the same name); the name
    alone when not given. ``(None, None)`` when the report is a replay (its ``id`` or,
    for a stop report, its stop, kind and time are already recorded): nothing changes,
    the answer is the same.
    """
    if not isinstance(body, dict) or body.get("type") not in KINDS:
        raise GuideError(f"'type' must be one of {', '.join(KINDS)}")
    kind = body["type"]
    gid = guide_id or guide_name
    rid = report_id(body)
    if rid is not None and rid in _ids(doc):
        return None, None
    tz = tour.timezone
    doc = dict(doc)
    guides = _guides(doc)
    me = guides.setdefault(gid, {"name": guide_name, "sharing": False})
    me["name"] = guide_name
    point = None
    if kind == "position":
        lat, lon = _number(body, "lat"), _number(body, "lon")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or not _near_walk(tour, lat, lon):
            km = MAX_FROM_WALK_M // 1000
            raise GuideError(f"the position is more than {km} km from the walk")
        acc = _number(body, "accuracy")
        if not 0 < acc <= MAX_ACCURACY_M:
            raise GuideError(f"'accuracy' must be more than 0 and at most {MAX_ACCURACY_M} m")
        t = _timestamp(body, now, tz)
        position = {"lat": round(lat, 6), "lon": round(lon, 6), "acc": round(acc, 1), "t": t}
        # A fix replayed late (queued offline) goes to the track, not over a newer one.
        if t >= me.get("position", {}).get("t", -math.inf):
            me["position"] = position
        me["sharing"] = True
        point = [t, position["lat"], position["lon"], position["acc"], gid]
    elif kind in ("arrive", "leave"):
        stop = body.get("stop")
        if not isinstance(stop, str) or tour.stop(stop) is None:
            raise GuideError("'stop' must be the id of a stop of the walk")
        report = {"stop": stop, "kind": kind, "t": _timestamp(body, now, tz),
                  "by": gid, "guide": guide_name}
        events = _record(list(doc.get("events", [])), report)
        if events is None:
            return None, None  # this very report is already recorded
        doc["events"] = events
        if kind == "leave":
            doc.pop("ended", None)  # leaving a stop: the walk goes on
    elif kind == "message":
        text = _message(body.get("text", ""))
        if text:
            doc["message"] = {"text": text, "t": _timestamp(body, now, tz), "guide": guide_name,
                              "by": gid}
        else:
            doc.pop("message", None)
    elif kind == "stop":
        me["sharing"] = False
        me.pop("position", None)  # published only while sharing
    elif kind == "clock":
        at_time = parse_hhmm(body.get("at"))
        speed = _number(body, "speed") if "speed" in body else 1.0
        if at_time is None or not 0 < speed <= MAX_SPEED:
            raise GuideError(f"'at' must be HH:MM and 'speed' more than 0, at most {MAX_SPEED}")
        at = minutes_of(at_time)
        doc["clock"] = WalkClock(_timestamp(body, now, tz), at, speed).to_dict()
    elif kind == "end":
        doc["ended"] = _timestamp(body, now, tz)
    elif kind == "undo":
        # The last stop report or end, if it is this guide's: one tap takes back a mistake,
        # never another guide's report.
        if "ended" in doc and doc.get("ended_by", gid) == gid:
            doc.pop("ended")
            doc.pop("ended_by", None)
        else:
            events = list(doc.get("events", []))
            if not events or events[-1].get("by", gid) != gid:
                raise GuideError("nothing of yours to undo: the last report is another guide's")
            events.pop()
            doc["events"] = events
    elif kind == "visit":
        stop = body.get("stop")
        if not isinstance(stop, str) or tour.stop(stop) is None:
            raise GuideError("'stop' must be the id of a stop of the walk")
        minutes = _number(body, "minutes")
        if not 0 <= minutes <= 600:
            raise GuideError("'minutes' must be from 0 to 600")
        doc["visits"] = {**doc.get("visits", {}), stop: int(minutes)}
    if kind == "end":
        doc["ended_by"] = gid
    if "clock" not in doc:
        # The first report starts the walk on today's wall clock, whatever the file's date.
        doc["clock"] = WalkClock.wall(now, tour.timezone).to_dict()
    me["contact"] = now
    doc["guides"] = guides
    doc["holder"] = position_holder(guides, doc.get("holder"), now)
    # Kept for the organisers' page and older readers: the last guide heard from.
    doc.pop("position", None)
    doc.pop("sharing", None)
    if rid is not None:
        doc["ids"] = (_ids(doc) + [rid])[-KEPT_IDS:]
    doc["guide"] = guide_name
    doc["contact"] = now
    return doc, point


def check(body: dict, tour: Tour, guide_name: str, now: float, guide_id: str | None = None
          ) -> list | None:
    """Check ``body`` alone (before the transaction) and return the track point it adds.

    What depends on the document (an undo, the cap on reports) is checked again, inside
    the transaction, by :func:`change`."""
    if isinstance(body, dict) and body.get("type") == "undo":
        report_id(body)
        return None
    return apply({}, body, tour, guide_name, now, guide_id)[1]


def change(doc: dict, body: dict, tour: Tour, guide_name: str, now: float,
           guide_id: str | None = None) -> dict | None:
    """The new document, or None when this report was applied already (a replay).

    Checked on the stored walk, inside the transaction: a replay, a departure before
    its arrival, the cap (:class:`Conflict`), an undo."""
    if seen(doc, body):
        return None
    return apply(doc, body, tour, guide_name, now, guide_id)[0]
