"""The live walk as participants, organisers and their tools see it.

``public`` is what every phone polls: the group's progress with every time already
written in both languages (the page formats nothing itself), the guide's position
while it is fresh, and the guide's message (text, shown with ``textContent``).
``actuals_csv`` and ``track_gpx`` are the walk as it happened.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import replace
from zoneinfo import ZoneInfo

import gpxpy.gpx
from flask_babel import force_locale

from ..domain.tour import LANGUAGES, Tour
from ..render.gpx import xml_text
from ..render.i18n import clock
from ..system.gcpause import gc_paused
from .estimate import Event, PlannedStop, Progress, WalkClock, planned, progress, walked_along
from .guide import POSITION_MAX_AGE_S, clean_text, position_holder


def _finite(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _event(e) -> bool:
    return (isinstance(e, dict) and isinstance(e.get("stop"), str)
            and e.get("kind") in ("arrive", "leave") and _finite(e.get("t")))


def _signed(part: dict, out: dict) -> dict:
    """``out`` with ``part``'s signature (``by``: the link's id, ``guide``: its name)."""
    if isinstance(part.get("by"), str):
        out["by"] = part["by"]
    if isinstance(part.get("guide"), str):
        out["guide"] = clean_text(part["guide"])
    return out


def _position(position) -> dict | None:
    place = ("lat", "lon", "acc", "t")
    if isinstance(position, dict) and all(_finite(position.get(k)) for k in place):
        return {k: position[k] for k in place}
    return None


def _guide_entry(one) -> dict | None:
    """One guide's part of the document (name, sharing, position, contact), or None."""
    if not isinstance(one, dict):
        return None
    out: dict = {"name": clean_text(one["name"]) if isinstance(one.get("name"), str) else "",
                 "sharing": one.get("sharing") is True}
    position = _position(one.get("position"))
    if position is not None:
        out["position"] = position
    elif out["sharing"]:
        out["sharing"] = False  # sharing without a position to show: nothing is shared
    if _finite(one.get("contact")):
        out["contact"] = one["contact"]
    return out


def readable(doc) -> dict:
    """``doc`` with whatever is malformed left out, and every text cleaned: stored data
    never stops the polls.

    The document is written by this code only, but may come from an older release
    (a message with a lone surrogate, issue 21) or a damaged store: a part that does
    not have its shape is dropped, the rest is served. The guides' own parts (issue 23)
    are kept guide by guide.
    """
    if not isinstance(doc, dict):
        return {}
    out: dict = {}
    if isinstance(doc.get("guide"), str):
        out["guide"] = clean_text(doc["guide"])
    if _finite(doc.get("contact")):
        out["contact"] = doc["contact"]
    events = doc.get("events")
    if isinstance(events, list):
        out["events"] = [
            _signed(e, {k: e[k] for k in ("stop", "kind", "t")}) for e in events if _event(e)
        ]
    clock = doc.get("clock")
    fields = ("real_s", "plan_min", "speed")
    if isinstance(clock, dict) and all(_finite(clock.get(k)) for k in fields) \
            and clock["speed"] > 0:
        out["clock"] = {k: clock[k] for k in fields}
    message = doc.get("message")
    if isinstance(message, dict) and isinstance(message.get("text"), str) \
            and _finite(message.get("t")):
        text = clean_text(message["text"])
        if text:
            out["message"] = _signed(message, {"text": text, "t": message["t"]})
    guides = doc.get("guides")
    if isinstance(guides, dict):
        kept = {key: _guide_entry(one) for key, one in guides.items() if isinstance(key, str)}
        out["guides"] = {key: one for key, one in kept.items() if one is not None}
        if isinstance(doc.get("holder"), str) and doc["holder"] in out["guides"]:
            out["holder"] = doc["holder"]
    visits = doc.get("visits")
    if isinstance(visits, dict):
        out["visits"] = {stop: minutes for stop, minutes in visits.items()
                         if isinstance(stop, str) and _finite(minutes) and 0 <= minutes <= 600}
    if _finite(doc.get("ended")):
        out["ended"] = doc["ended"]
        if isinstance(doc.get("ended_by"), str):
            out["ended_by"] = doc["ended_by"]
    ids = doc.get("ids")
    if isinstance(ids, list):
        out["ids"] = [i for i in ids if isinstance(i, str)]
    return out


def walk_clock(doc: dict) -> WalkClock | None:
    """The document's walk clock, None before the first report."""
    return WalkClock.from_dict(doc["clock"]) if "clock" in doc else None


WALKED_FIX_S = 120
"""A position older than this (real seconds) says nothing of where a walking group is now."""

OFF_LEG_M = 150
"""A group farther than this from its leg took another way: its position is not used."""


def _plan(tour: Tour, doc: dict) -> tuple[PlannedStop, ...]:
    """The plan, with the visits a guide shortened or lengthened."""
    visits = doc.get("visits", {})
    return tuple(
        replace(s, duration=float(visits[s.id])) if s.id in visits else s for s in planned(tour)
    )


def group_progress(tour: Tour, doc: dict, now: float) -> Progress:
    """The estimate from the document's reports at real time ``now``."""
    wc = walk_clock(doc)
    plan = _plan(tour, doc)
    if wc is None:
        return progress(plan, [], 0)
    events = [Event(e["stop"], e["kind"], wc.minute(e["t"])) for e in doc.get("events", [])]
    ended = "ended" in doc
    state = progress(plan, events, wc.minute(now), ended=ended)
    position = fresh_position(doc, now)
    if (state.where == "walking" and state.stop is not None and position
            and now - position["t"] <= WALKED_FIX_S):
        k = [s.id for s in plan].index(state.stop)
        leg = next((leg for leg in tour.legs if leg.to_id == state.stop), None)
        if k > 0 and leg is not None:
            walked, off = walked_along(leg.path, (position["lat"], position["lon"]))
            if off <= OFF_LEG_M + position["acc"]:
                state = progress(plan, events, wc.minute(now), walked=walked, ended=ended)
    return state


def started(tour: Tour, doc: dict, state: Progress, now: float) -> bool:
    """Whether the walk has begun: a departure reported, or its planned start passed."""
    wc = walk_clock(doc)
    if wc is None or state.where == "planned":
        return False
    if any(e["kind"] == "leave" for e in doc.get("events", [])) or state.where == "finished":
        return True
    if state.where == "walking":
        return True
    return wc.minute(now) >= state.stops[0].planned_departure or state.stop != state.stops[0].id


def _moment(tour: Tour, minute: float) -> dt.datetime:
    midnight = dt.datetime.combine(tour.date, dt.time(0), tzinfo=ZoneInfo(tour.timezone))
    return midnight + dt.timedelta(minutes=math.floor(minute))


def label(tour: Tour, minute: float | None) -> dict | None:
    """A walk-clock minute as ``{"min": 934, "fr": "15 h 34", "en": "3:34 PM"}``."""
    if minute is None:
        return None
    moment = _moment(tour, minute)
    texts = {}
    for lang in LANGUAGES:
        with force_locale(lang):
            texts[lang] = clock(moment)
    return {"min": math.floor(minute), **texts}


def fresh_position(doc: dict, now: float) -> dict | None:
    """The group's position: its holder's while sharing (see ``guide``), at most
    ``POSITION_MAX_AGE_S`` old, with the guide's name; None otherwise."""
    guides = doc.get("guides", {})
    holder = position_holder(guides, doc.get("holder"), now)
    if holder is None:
        return None
    position = guides[holder]["position"]
    if now - position["t"] > POSITION_MAX_AGE_S:
        return None
    return {**position, "guide": guides[holder].get("name")}


def sharing_guides(doc: dict) -> list[str]:
    """The names of the guides sharing their position now."""
    return sorted(g.get("name", "") for g in doc.get("guides", {}).values() if g.get("sharing"))


def public(tour: Tour, doc: dict, now: float) -> dict:
    """What participants' phones get (call inside an app context, for the time labels)."""
    sharing = sharing_guides(doc)
    active = bool(doc.get("events") or sharing or doc.get("message") or doc.get("ended"))
    if not active:
        # Nothing reported: the page's own plan stands. Every phone polls this every few
        # seconds and most days are like this one: a few bytes, not the plan again.
        return {"tour": tour.version, "active": False, "where": "planned", "stop": None}
    state = group_progress(tour, doc, now)
    message = doc.get("message")
    return {
        "tour": tour.version,
        "active": True,
        "guide": doc.get("guide"),
        "guides": sharing,
        "where": state.where,
        "started": started(tour, doc, state, now),
        "stop": state.stop,
        "since": label(tour, state.since),
        "delay_min": state.delay_min,
        "position": fresh_position(doc, now),
        "message": None if not message else {
            "text": message["text"], "t": message["t"], "guide": message.get("guide")},
        "clock": doc.get("clock"),
        "contact": doc.get("contact"),
        "stops": [
            {
                "id": s.id,
                "planned_arrival": label(tour, s.planned_arrival),
                "planned_departure": label(tour, s.planned_departure),
                "arrival": label(tour, s.arrival),
                "departure": label(tour, s.departure),
                "arrived": s.actual_arrival is not None,
                "left": s.actual_departure is not None,
            }
            for s in state.stops
        ],
    }


def _hhmm(tour: Tour, minute: float | None) -> str:
    return "" if minute is None else _moment(tour, minute).strftime("%H:%M")


def _real(tour: Tour, doc: dict, stop_id: str, kind: str) -> str:
    """When the guide reported it, as an ISO 8601 time in the tour's time zone."""
    times = [e["t"] for e in doc.get("events", []) if e["stop"] == stop_id and e["kind"] == kind]
    if not times:
        return ""
    moment = dt.datetime.fromtimestamp(times[-1], ZoneInfo(tour.timezone))
    return moment.isoformat(timespec="seconds")


def status_rows(tour: Tour, doc: dict, now: float) -> list[dict]:
    """Per stop: planned and actual arrival and departure (HH:MM on the walk clock)."""
    state = group_progress(tour, doc, now)
    rows = []
    for visit, times in zip(tour.visits, state.stops, strict=True):
        rows.append(
            {
                "order": visit.stop.order,
                "id": visit.stop.id,
                "name": visit.stop.name,
                "planned_arrival": _hhmm(tour, times.planned_arrival),
                "actual_arrival": _hhmm(tour, times.actual_arrival),
                "planned_departure": _hhmm(tour, times.planned_departure),
                "actual_departure": _hhmm(tour, times.actual_departure),
                # From the minutes as written (both rounded down): 13:20:57 against 13:30 is
                # « 13:20 » and −10, never « 13:20 » and −9.
                "arrival_delay_min": ""
                if times.actual_arrival is None
                else math.floor(times.actual_arrival) - math.floor(times.planned_arrival),
                "reported_arrival": _real(tour, doc, visit.stop.id, "arrive"),
                "reported_departure": _real(tour, doc, visit.stop.id, "leave"),
            }
        )
    return rows


CSV_COLUMNS = (
    "order", "id", "name", "planned_arrival", "actual_arrival", "planned_departure",
    "actual_departure", "arrival_delay_min", "reported_arrival", "reported_departure",
)


def actuals_csv(tour: Tour, doc: dict, now: float, lang: str, spreadsheet: bool = False) -> str:
    """Planned and actual times per stop, one row each, as CSV (UTF-8, header first).

    ``actual_*`` are walk-clock minutes (what the group did against the plan, also in a
    rehearsal at 10×); ``reported_*`` the real moments of the reports, to the second.
    ``spreadsheet``: ``;`` between fields and a byte-order mark, as French spreadsheets
    open a CSV file without an import dialog."""
    out = io.StringIO()
    if spreadsheet:
        out.write("\ufeff")
    writer = csv.writer(out, delimiter=";" if spreadsheet else ",", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in status_rows(tour, doc, now):
        row = {**row, "name": row["name"][lang]}
        # A name starting with = + - @ (or a tab or carriage return before one, which
        # spreadsheets skip) would be a formula: make it text (OWASP's CSV injection).
        if row["name"][:1] in ("=", "+", "-", "@", "\t", "\r"):
            row["name"] = "'" + row["name"]
        writer.writerow(row[c] for c in CSV_COLUMNS)
    return out.getvalue()


GAP_S = 180
"""No fix for longer than this (an outage, a phone in a pocket): a new track segment, so that
readers draw no straight line across the blocks. The guide page sends a fix at least every
two minutes while sharing."""


def track_gpx(tour: Tour, track: list[list], lang: str, names: dict | None = None) -> str:
    """The guides' positions as GPX 1.1: one track per guide (``names``: id → name), in
    time order, a new segment after every gap of more than ``GAP_S``; UTC timestamps."""
    with gc_paused():  # as gpx.tour_gpx: a long track's model, no cycle, scanned again and again
        return _track_gpx(tour, track, lang, names or {})


def _track_gpx(tour: Tour, track: list[list], lang: str, names: dict) -> str:
    doc = gpxpy.gpx.GPX()
    doc.creator = "tourapp"
    doc.name = xml_text(tour.title[lang])  # file text: no control character in the XML
    by_guide: dict[str, list[list]] = {}
    for point in track:
        # Points of before several guides carry no id: one track for them.
        by_guide.setdefault(str(point[4]) if len(point) > 4 else "", []).append(point)
    for gid, points in by_guide.items():
        name = names.get(gid) or gid
        # "Montpellier walk — Paul": the guide's name, which readers list tracks by.
        trk = gpxpy.gpx.GPXTrack(name=f"{doc.name} — {xml_text(name)}" if name else doc.name)
        segment, last_t = None, None
        for t, lat, lon, *_rest in sorted(points, key=lambda p: p[0]):
            if segment is None or t - last_t > GAP_S:
                segment = gpxpy.gpx.GPXTrackSegment()
                trk.segments.append(segment)
            moment = dt.datetime.fromtimestamp(t, dt.UTC)
            segment.points.append(gpxpy.gpx.GPXTrackPoint(lat, lon, time=moment))
            last_t = t
        doc.tracks.append(trk)
    return doc.to_xml(version="1.1")
