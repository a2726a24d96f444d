"""The walk as an iCalendar event (RFC 5545), for "Add to my calendar".

One VEVENT: from the first stop's arrival to the last stop's departure, at the first
stop's address, the stops and their times in its description. Times are written in
UTC (``…Z``, RFC 5545 §3.3.5 form 2): every calendar shows them in the phone's own
zone, and no VTIMEZONE is needed. The UID is the walk's (its site's address), the same
in both languages and across versions; ``SEQUENCE`` and ``LAST-MODIFIED`` grow with each
version (RFC 5545 §3.8.7.4): a file imported twice is one event, and the file of a walk
moved by the organisers updates the event people already have instead of adding one.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from flask_babel import gettext as _

from ..domain.tour import Tour
from .i18n import clock

LINE_OCTETS = 75
"""RFC 5545 §3.1: content lines are folded so that no line is longer than 75 octets."""


def escape_text(text: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, ``;``, ``,`` and line breaks escaped."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """One content line, folded at 75 octets (never inside a UTF-8 character), CRLF-ended."""
    data = line.encode("utf-8")
    parts = []
    limit = LINE_OCTETS
    while len(data) > limit:
        cut = limit
        while cut > 0 and (data[cut] & 0xC0) == 0x80:  # a UTF-8 continuation byte
            cut -= 1
        parts.append(data[:cut])
        data = data[cut:]
        limit = LINE_OCTETS - 1  # the continuation's leading space counts
    parts.append(data)
    return b"\r\n ".join(parts).decode("utf-8") + "\r\n"


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def description(tour: Tour, lang: str, page_url: str) -> str:
    """The stops and their times, one a line, and the page's address."""
    lines = []
    for visit in tour.visits:
        name = visit.stop.name[lang]
        if visit.minutes:
            when = f"{clock(visit.arrival)} – {clock(visit.departure)}"
        else:
            when = clock(visit.arrival)
        lines.append(f"{when} : {name}" if lang == "fr" else f"{when}: {name}")
    lines.append("")
    lines.append(_("The walk, its map and its times: %(url)s", url=page_url))
    return "\n".join(lines)


def walk_uid(site_url: str) -> str:
    """The event's UID: one per walk site, whatever the version or the language."""
    return f"walk-{hashlib.sha256(site_url.encode()).hexdigest()[:20]}@tourapp"


def walk_ics(tour: Tour, lang: str, page_url: str, stamp: dt.datetime, site_url: str) -> str:
    """The walk as an iCalendar file with one event.

    ``stamp``: when this version was made (its whole seconds since 1970 are the event's
    ``SEQUENCE``: a later version has a higher one); ``site_url``: the walk site's root
    address, which names the event.
    """
    first = tour.stops[0]
    lat, lon = first.location
    properties = [
        ("BEGIN", "VCALENDAR"),
        ("VERSION", "2.0"),
        ("PRODID", f"-//tourapp//walk//{lang.upper()}"),
        ("CALSCALE", "GREGORIAN"),
        ("METHOD", "PUBLISH"),
        ("BEGIN", "VEVENT"),
        ("UID", walk_uid(site_url)),
        ("SEQUENCE", str(int(stamp.timestamp()))),
        ("DTSTAMP", _utc(stamp)),
        ("LAST-MODIFIED", _utc(stamp)),
        ("DTSTART", _utc(tour.visits[0].arrival)),
        ("DTEND", _utc(tour.visits[-1].departure)),
        ("SUMMARY", escape_text(tour.title[lang])),
        ("LOCATION", escape_text(first.address[lang] or first.name[lang])),
        ("GEO", f"{lat:.6f};{lon:.6f}"),
        ("DESCRIPTION", escape_text(description(tour, lang, page_url))),
        ("URL", page_url),
        ("END", "VEVENT"),
        ("END", "VCALENDAR"),
    ]
    return "".join(fold(f"{name}:{value}") for name, value in properties)
