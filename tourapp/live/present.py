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
from zoneinfo import ZoneInfo

import gpxpy.gpx
from flask_babel import force_locale

from ..domain.tour import LANGUAGES, Tour
from ..render.gpx import xml_text
from ..render.i18n import clock
from ..system.gcpause import gc_paused
from .estimate import Event, Progress, WalkClock, planned, progress
from .guide import MAX_AGE_S, clean_text


def _finite(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _event(e) -> bool:
    return (isinstance(e, dict) and isinstance(e.get("stop"), str)
            and e.get("kind") in ("arrive", "leave") and _finite(e.get("t")))


def readable(doc) -> dict:
    """``doc`` with whatever is malformed left out: stored data never stops the polls.

    The document is written by this code only, but may come from an older release
    (a message with a lone surrogate, issue 21) or a damaged store: a part that does
    not have its shape is dropped, the rest is served.
    """
    if not isinstance(doc, dict):
        return {}
    out: dict = {}
    if isinstance(doc.get("guide"), str):
        out["guide"] = clean_text(doc["guide"])
    events = doc.get("events")
    if isinstance(events, list):
        out["events"] = [e for e in events if _event(e)]
    clock = doc.get("clock")
    fields = ("real_s", "plan_min", "speed")
    if isinstance(clock, dict) and all(_finite(clock.get(k)) for k in fields):
        out["clock"] = {k: clock[k] for k in fields}
    position = doc.get("position")
    place = ("lat", "lon", "acc", "t")
    if isinstance(position, dict) and all(_finite(position.get(k)) for k in place):
        out["position"] = {k: position[k] for k in place}
    out["sharing"] = doc.get("sharing") is True
    message = doc.get("message")
    if isinstance(message, dict) and isinstance(message.get("text"), str) \
            and _finite(message.get("t")):
        text = clean_text(message["text"])
        if text:
            out["message"] = {"text": text, "t": message["t"]}
    if _finite(doc.get("contact")):
        out["contact"] = doc["contact"]
    return out


def walk_clock(doc: dict) -> WalkClock | None:
    """The document's walk clock, None before the first report."""
    return WalkClock.from_dict(doc["clock"]) if "clock" in doc else None


def group_progress(tour: Tour, doc: dict, now: float) -> Progress:
    """The estimate from the document's reports at real time ``now``."""
    wc = walk_clock(doc)
    plan = planned(tour)
    if wc is None:
        return progress(plan, [], 0)
    events = [Event(e["stop"], e["kind"], wc.minute(e["t"])) for e in doc.get("events", [])]
    return progress(plan, events, wc.minute(now))


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
    """The guide's position while sharing and at most ``MAX_AGE_S`` old."""
    position = doc.get("position")
    if not doc.get("sharing") or not position or now - position["t"] > MAX_AGE_S:
        return None
    return position


def public(tour: Tour, doc: dict, now: float) -> dict:
    """What participants' phones get (call inside an app context, for the time labels)."""
    active = bool(doc.get("events") or doc.get("sharing") or doc.get("message"))
    if not active:
        # Nothing reported: the page's own plan stands. Every phone polls this every few
        # seconds and most days are like this one: a few bytes, not the plan again.
        return {"tour": tour.version, "active": False, "where": "planned", "stop": None}
    state = group_progress(tour, doc, now)
    return {
        "tour": tour.version,
        "active": True,
        "guide": doc.get("guide"),
        "where": state.where,
        "stop": state.stop,
        "since": label(tour, state.since),
        "delay_min": state.delay_min,
        "position": fresh_position(doc, now),
        "message": doc.get("message"),
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
                "arrival_delay_min": ""
                if times.actual_arrival is None
                else round(times.actual_arrival - times.planned_arrival),
                "reported_arrival": _real(tour, doc, visit.stop.id, "arrive"),
                "reported_departure": _real(tour, doc, visit.stop.id, "leave"),
            }
        )
    return rows


CSV_COLUMNS = (
    "order", "id", "name", "planned_arrival", "actual_arrival", "planned_departure",
    "actual_departure", "arrival_delay_min", "reported_arrival", "reported_departure",
)


def actuals_csv(tour: Tour, doc: dict, now: float, lang: str) -> str:
    """Planned and actual times per stop, one row each, as CSV (UTF-8, header first)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
    writer.writerow(CSV_COLUMNS)
    for row in status_rows(tour, doc, now):
        row = {**row, "name": row["name"][lang]}
        # A name starting with = + - @ (or a tab or carriage return before one, which
        # spreadsheets skip) would be a formula: make it text (OWASP's CSV injection).
        if row["name"][:1] in ("=", "+", "-", "@", "\t", "\r"):
            row["name"] = "'" + row["name"]
        writer.writerow(row[c] for c in CSV_COLUMNS)
    return out.getvalue()


def track_gpx(tour: Tour, track: list[list], lang: str) -> str:
    """The guide's positions as a GPX 1.1 track with UTC timestamps (gpsbabel, Garmin)."""
    with gc_paused():  # as gpx.tour_gpx: a long track's model, no cycle, scanned again and again
        return _track_gpx(tour, track, lang)


def _track_gpx(tour: Tour, track: list[list], lang: str) -> str:
    doc = gpxpy.gpx.GPX()
    doc.creator = "tourapp"
    doc.name = xml_text(tour.title[lang])  # file text: no control character in the XML
    trk = gpxpy.gpx.GPXTrack(name=doc.name)
    segment = gpxpy.gpx.GPXTrackSegment()
    for t, lat, lon, _acc in track:
        moment = dt.datetime.fromtimestamp(t, dt.UTC)
        segment.points.append(gpxpy.gpx.GPXTrackPoint(lat, lon, time=moment))
    trk.segments.append(segment)
    doc.tracks.append(trk)
    return doc.to_xml(version="1.1")
