"""The tour as GPX 1.1 for guides' apps and devices (OsmAnd, Organic Maps, Garmin, gpx.studio).

Pure: no Flask. Texts that depend on the language (times, leg names) come from the
caller in a ``Wording``. One file holds the stops as waypoints, the whole walk as a
route (one point per stop, for devices that navigate routes) and as a track (one
segment per leg, following ``leg.path``, without timestamps: a plan, not a recording).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from xml.sax.saxutils import escape

import gpxpy.gpx

from ..domain.tour import LatLon, Leg, Stop, Tour
from ..system.gcpause import gc_paused

CREATOR = "tourapp"
"""The ``creator`` attribute: the app that wrote the file, not gpxpy's default."""

NAME_MAX = 30
"""Garmin units show 30 characters or fewer of a waypoint name; the full name is in ``desc``."""

DECIMALS = 7
"""Coordinates keep 7 decimals (about 1 cm): at least the 6 guides' tools expect."""

# XML 1.0 forbids most control characters and lone surrogates; a stops file may hold them
# (JSON allows "\u0001"), and one would make the whole file unreadable.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_URL = re.compile(r"https?://[^\s\"'<>]+")
# gpxpy writes a point without children as `<trkpt …>` + newline + `</trkpt>`: the same XML
# as a self-closing tag, which makes a routed walk's file about a fifth smaller.
_EMPTY_TRKPT = re.compile(r"(<trkpt [^<>]*)>\s*</trkpt>")

# Garmin's symbol names (also understood by gpsbabel and BaseCamp).
SYM_START, SYM_STOP, SYM_END = "Flag, Green", "Flag, Blue", "Flag, Red"


def _clock_24h(moment: dt.datetime) -> str:
    return moment.strftime("%H:%M")


@dataclass(frozen=True)
class Wording:
    """The language-dependent texts of a GPX file, given by the caller."""

    clock: Callable[[dt.datetime], str] = _clock_24h
    stop_type: str = "Stop"
    leg_name: Callable[[int, Stop, Stop], str] = lambda n, a, b: f"{n}. {a.order} → {b.order}"
    leg_description: Callable[[Leg], str] = lambda leg: (
        f"{leg.distance_m:.0f} m, {leg.walk_min} min"
    )
    # The route is the stops joined by straight lines: named as such, never like the track,
    # so that a reader listing both does not take one for the other.
    route_name: Callable[[str], str] = lambda title: f"{title}: stops in order (straight lines)"


class _Coordinate(float):
    """A float that gpxpy writes with a fixed number of decimals.

    gpxpy writes ``str(value)``, which drops trailing zeros (``43.6``); a fixed count
    keeps every coordinate of the file at the same, stated precision.
    """

    def __new__(cls, value: float):
        return super().__new__(cls, round(value, DECIMALS))

    def __str__(self) -> str:
        return f"{float(self):.{DECIMALS}f}"

    __repr__ = __str__


def xml_text(value: str) -> str:
    """A file's text made safe for XML 1.0 (gpxpy escapes ``<&>`` in element text itself)."""
    return _NOT_XML.sub("\ufffd", value)


def _attr(value: str) -> str:
    # gpxpy 1.6 writes attribute values verbatim (gpxfield.GPXField.to_xml), so an
    # organiser's `"` or `&` would break the file: escape them here.
    return escape(xml_text(value), {'"': "&quot;"})


# Words a shortened name never ends on: « 3 Maison des Sciences de… » says no more than
# « 3 Maison des Sciences… » and reads as cut.
_DANGLING = frozenset(
    "à au aux avec d' de des du en et l' la le les par pour sur "
    "a an and at by for from in of on the to with".split()
)


def fit_words(text: str, limit: int) -> str:
    """The first whole words of ``text`` that fit in ``limit`` characters ("" if none do).

    Spaces are collapsed; the words kept never end on « de », "of" and the like.
    """
    kept: list[str] = []
    for word in text.split():
        if len(" ".join([*kept, word])) > limit:
            break
        kept.append(word)
    while len(kept) > 1 and kept[-1].lower() in _DANGLING:
        kept.pop()
    return " ".join(kept)


def short_name(stop: Stop, lang: str) -> str:
    """What a GPS unit's list shows: ``"3 MSH"`` from the stop's ``short_name``, else the name
    cut at a word (``"3 Maison des Sciences…"``).

    The rule without a short name: the number and the name's first whole words that fit
    in ``NAME_MAX`` characters with the ellipsis, never a dangling « de »/"of"; a first
    word longer than that is kept whole (GPX sets no limit: a device cuts its display,
    never the file a word).
    """
    number = str(stop.order)
    if stop.short_name[lang]:
        return f"{number} {xml_text(stop.short_name[lang])}"
    name = " ".join(xml_text(stop.name[lang]).split())
    full = f"{number} {name}"
    if len(full) <= NAME_MAX:
        return full
    words = fit_words(full, NAME_MAX - 1)  # room for "…"
    if words == number:  # the first word alone does not fit: keep it whole
        words = f"{number} {name.split()[0]}"
    cut = words.rstrip(",;:-–—(")
    return full if cut == full else cut + "…"


def stop_url(page_url: str, stop: Stop) -> str:
    """The stop's place on the participant page (ids are ``[A-Za-z0-9_-]``: no escaping)."""
    return f"{page_url.split('#')[0]}#stop-{stop.id}"


def _point(cls, location: LatLon):
    # (lat, lon) already: the GeoJSON loader swapped them once (tour.py).
    return cls(latitude=_Coordinate(location[0]), longitude=_Coordinate(location[1]))


def _document(tour: Tour, lang: str, page_url: str, name: str, description: str) -> gpxpy.gpx.GPX:
    doc = gpxpy.gpx.GPX()
    doc.creator = CREATOR
    doc.name = xml_text(name)
    doc.description = xml_text(description) or None
    doc.link = _attr(page_url)
    doc.link_text = xml_text(tour.title[lang])
    doc.link_type = "text/html"
    if tour.organiser:
        doc.author_name = xml_text(tour.organiser)
    credit = tour.credit(lang)
    if credit:
        doc.copyright_author = _attr(credit)
        licence = _URL.search(credit)
        if licence:
            doc.copyright_license = xml_text(licence.group(0))
    return doc


def _finish(doc: gpxpy.gpx.GPX, points: list[LatLon], created: dt.datetime) -> str:
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    doc.bounds = gpxpy.gpx.GPXBounds(
        _Coordinate(min(lats)),
        _Coordinate(max(lats)),
        _Coordinate(min(lons)),
        _Coordinate(max(lons)),
    )
    doc.time = created.astimezone(dt.UTC).replace(microsecond=0)
    return _EMPTY_TRKPT.sub(r"\1/>", doc.to_xml(version="1.1"))


def _waypoint(tour: Tour, index: int, lang: str, page_url: str, wording: Wording):
    visit = tour.visits[index]
    stop = visit.stop
    wpt = _point(gpxpy.gpx.GPXWaypoint, stop.location)
    wpt.name = short_name(stop, lang)
    arrival, departure = wording.clock(visit.arrival), wording.clock(visit.departure)
    wpt.comment = xml_text(arrival if arrival == departure else f"{arrival} – {departure}")
    parts = [stop.name[lang], stop.description[lang], stop.address[lang]]
    wpt.description = xml_text("\n".join(p for p in parts if p))
    wpt.link = _attr(stop_url(page_url, stop))
    wpt.link_text = xml_text(stop.name[lang])
    wpt.link_type = "text/html"
    wpt.type = xml_text(wording.stop_type)
    last = len(tour.stops) - 1
    wpt.symbol = SYM_START if index == 0 else SYM_END if index == last else SYM_STOP
    return wpt


def _route(tour: Tour, indexes: range, lang: str, name: str) -> gpxpy.gpx.GPXRoute:
    route = gpxpy.gpx.GPXRoute(name=xml_text(name))
    route.type = "walking"
    for index in indexes:
        stop = tour.stops[index]
        point = _point(gpxpy.gpx.GPXRoutePoint, stop.location)
        point.name = short_name(stop, lang)
        route.points.append(point)
    return route


def _segment(leg: Leg) -> gpxpy.gpx.GPXTrackSegment:
    # No <time>: a plan, not a recording; apps would otherwise show a fake "recorded" pace.
    segment = gpxpy.gpx.GPXTrackSegment()
    segment.points.extend(_point(gpxpy.gpx.GPXTrackPoint, p) for p in leg.path)
    return segment


def tour_gpx(
    tour: Tour, lang: str, page_url: str, created: dt.datetime, wording: Wording | None = None,
    track_only: bool = False,
) -> str:
    """The whole walk as GPX 1.1 text: a waypoint per stop, the route, the track by leg.

    ``track_only``: the track alone (no waypoints, no route), for readers that would draw
    the route's straight lines across the blocks.

    ``page_url`` is the absolute URL of the participant page in ``lang``; ``created``
    is the GPX creation time (the caller passes the data file's modification time, so
    that the same data always gives the same bytes).
    """
    # The file's model holds two objects the cyclic GC tracks (a gpxpy point and its
    # __dict__) per point of every leg, all alive until the text is written, and no
    # reference cycle: the collector would scan the growing heap again and again, the part
    # of the export that grew faster than the file (×10 points, ×15–17 time; gpxpy's writer
    # itself is linear).
    with gc_paused():
        return _tour_gpx(tour, lang, page_url, created, wording or Wording(), track_only)


def _tour_gpx(
    tour: Tour, lang: str, page_url: str, created: dt.datetime, wording: Wording,
    track_only: bool = False,
) -> str:
    title = tour.title[lang]
    doc = _document(tour, lang, page_url, title, tour.description[lang])
    if not track_only:
        doc.waypoints = [
            _waypoint(tour, i, lang, page_url, wording) for i in range(len(tour.stops))
        ]
        doc.routes = [_route(tour, range(len(tour.stops)), lang, wording.route_name(title))]
    track = gpxpy.gpx.GPXTrack(name=xml_text(title))
    track.type = "walking"  # type: ignore[assignment]  # gpxpy declares it None, means str
    track.link = doc.link
    track.link_text = doc.link_text
    track.segments = [_segment(leg) for leg in tour.legs]
    doc.tracks = [track] if track.segments else []
    points = [s.location for s in tour.stops] + [p for leg in tour.legs for p in leg.path]
    return _finish(doc, points, created)


def leg_gpx(
    tour: Tour,
    number: int,
    lang: str,
    page_url: str,
    created: dt.datetime,
    wording: Wording | None = None,
) -> str:
    """One leg (numbered from 1) as GPX 1.1 text: its two stops, a two-point route, its track.

    Raises ``IndexError`` for a leg the tour does not have.
    """
    if not 1 <= number <= len(tour.legs):
        raise IndexError(number)
    with gc_paused():  # as in tour_gpx
        return _leg_gpx(tour, number, lang, page_url, created, wording or Wording())


def _leg_gpx(
    tour: Tour, number: int, lang: str, page_url: str, created: dt.datetime, wording: Wording
) -> str:
    leg = tour.legs[number - 1]
    start, end = tour.stops[number - 1], tour.stops[number]
    name = wording.leg_name(number, start, end)
    doc = _document(tour, lang, stop_url(page_url, end), name, wording.leg_description(leg))
    doc.link_text = xml_text(end.name[lang])
    doc.waypoints = [_waypoint(tour, i, lang, page_url, wording) for i in (number - 1, number)]
    doc.routes = [_route(tour, range(number - 1, number + 1), lang, wording.route_name(name))]
    track = gpxpy.gpx.GPXTrack(
        name=xml_text(name), description=xml_text(wording.leg_description(leg))
    )
    track.type = "walking"  # type: ignore[assignment]  # gpxpy declares it None, means str
    track.number = number
    track.segments = [_segment(leg)]
    doc.tracks = [track]
    return _finish(doc, [start.location, end.location, *leg.path], created)


def slug(value: str) -> str:
    """An ASCII file name part: ``"Déambulation urbaine"`` → ``"deambulation-urbaine"``."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(words)[:60].strip("-") or "tour"


__all__ = [
    "CREATOR",
    "Wording",
    "fit_words",
    "leg_gpx",
    "short_name",
    "slug",
    "stop_url",
    "tour_gpx",
    "xml_text",
]
