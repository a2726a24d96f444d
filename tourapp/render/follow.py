"""What the "follow the walk" card needs in the browser: stops, legs, schedule, texts.

``static/js/follow.js`` does the live part (position, next stop, on time or late).
It gets everything from one JSON object rendered per tour version and language
into a ``data-follow`` attribute, so the page works offline and needs no inline
script. Its texts are translated here, on the server: the script only fills the
``{placeholders}`` it is given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from flask_babel import gettext, ngettext

from ..domain.clock import minute_of_day, parse_hhmm
from ..domain.tour import Tour
from .i18n import clock, keep_together

ARRIVAL_RADIUS_M = 40
"""Inside this distance of a stop (or the position's accuracy, if larger) the group is there."""

NEAR_LEG_M = 50
"""Closer than this to a leg's path, the group is walking that leg. Farther, the distance
left runs back to the last point of the path followed, then along it: it only grows as one
wanders off, never switches to a shorter straight line."""


FAR_M = 2000
"""Farther than this from every stop and leg, the card says how far the walk is, nothing more."""

MAX_ACCURACY_M = 100
"""A fix less precise than this is shown with a warning and never counts as an arrival."""

COORD_DIGITS = 5
"""Decimals of a degree sent to the browser: about a metre, finer than a phone's position."""

ON_TIME_MIN = 2
"""Within this many minutes of the schedule the group is « à l'heure »."""

def parse_at(value: str | None) -> dt.time | None:
    """A preview time ``HH:MM`` from the query string, or None when absent or malformed."""
    return parse_hhmm(value)


def _minute_of_day(moment: dt.datetime, date: dt.date) -> int:
    """Whole wall-clock minutes since midnight of ``date`` (beyond 1440 past midnight)."""
    return int(minute_of_day(moment, date) // 1)


def day_clock(date: dt.date, timezone: str) -> dict:
    """The walk's day in the tour's zone, for the page's clock without ``Intl``.

    ``start``/``end``: the day's first and last instants (ms since the epoch, UTC);
    ``offsets``: ``[from, minutes east of UTC]`` for each offset the zone uses that day (two
    on a change of summer time); ``midnight``: the day's 00:00 read as if it were UTC. The
    wall-clock minute of an instant ``t`` that day is ``(t + offset·60000 − midnight) / 60000``.
    (A phone's first ``Intl.DateTimeFormat`` with a time zone loads the browser's zone data:
    a tenth of a second on a slow phone, while the page loads.)
    """
    zone = ZoneInfo(timezone)
    start = dt.datetime.combine(date, dt.time(0), tzinfo=zone)
    end = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    offsets: list[list[int]] = []
    moment = start.astimezone(dt.UTC)
    while moment < end:  # zones change their offset on a quarter hour
        utc_offset = moment.astimezone(zone).utcoffset() or dt.timedelta(0)  # aware: never None
        offset = int(utc_offset.total_seconds() // 60)
        if not offsets or offsets[-1][1] != offset:
            offsets.append([_ms(moment), offset])
        moment += dt.timedelta(minutes=15)
    midnight = dt.datetime.combine(date, dt.time(0), tzinfo=dt.UTC)
    return {"start": _ms(start), "end": _ms(end), "midnight": _ms(midnight), "offsets": offsets}


def _ms(moment: dt.datetime) -> int:
    return round(moment.timestamp() * 1000)


def _forms(text: Callable[[int], str]) -> dict:
    """Both forms of a counted text, for ``Intl.PluralRules`` to pick in the browser."""
    # gettext's n=1 and n=2 are the "one" and "other" forms of French and English.
    return {"one": text(1), "other": text(2)}


def _figure(text: str) -> str:
    """« {num} min de retard » with a no-break space between the figure and its unit."""
    return text.replace("{num} ", "{num}\u00a0", 1)


def messages() -> dict:
    """Every text the script shows, in the current language, with ``{token}`` placeholders."""
    return {
        "locate": gettext("Show my position on the map"),
        "locating": gettext("Looking for your position…"),
        "denied": gettext(
            "Location is turned off for this page. Allow it in the browser's settings, "
            "or follow the walk with the previous and next buttons."
        ),
        "unavailable": gettext("Your position is unavailable at the moment. Try again outdoors."),
        "timeout": gettext("Finding your position took too long. Try again outdoors."),
        "unsupported": gettext("This browser cannot give your position."),
        "inaccurate": gettext(
            "Your position is imprecise (± %(accuracy)s): distances are approximate.",
            accuracy="{accuracy}",
        ),
        "you": gettext("You are here (± %(accuracy)s)", accuracy="{accuracy}"),
        "next": gettext("Next stop"),
        "at": gettext("You are at %(name)s", name="{name}"),
        "plan_at": gettext("Planned: at %(name)s until %(time)s", name="{name}", time="{time}"),
        "far": gettext("You are %(distance)s from the walk", distance="{distance}"),
        "recentre": gettext("Centre the map on my position"),
        "preview": gettext("Preview: the walk as at %(time)s on its day.", time="{time}"),
        "details": gettext("Show the details of the next stop"),
        "last": gettext("Last stop"),
        "end_at": gettext("End of the walk planned at %(time)s", time="{time}"),
        "finished": gettext("End of the walk. Thank you for coming!"),
        "stop_of": gettext("(%(number)s of %(count)s)", number="{number}", count="{count}"),
        "arrival": gettext("Arrival planned at %(time)s", time="{time}"),
        "arrival_yours": gettext("Arrival at your pace at %(time)s", time="{time}"),
        "departure": gettext("Departure planned at %(time)s", time="{time}"),
        "walk": gettext(
            "%(distance)s, about %(time)s on foot", distance="{distance}", time="{time}"
        ),
        "minutes": _forms(
            lambda n: keep_together(ngettext("%(count)s min", "%(count)s min", n, count="{num}"))
        ),
        "on_time": gettext("On time"),
        "late": _forms(
            lambda n: _figure(
                ngettext("%(count)s min late", "%(count)s min late", n, count="{num}")
            )
        ),
        "early": _forms(
            lambda n: _figure(
                ngettext("%(count)s min early", "%(count)s min early", n, count="{num}")
            )
        ),
        "announce_next": gettext("Next stop: %(name)s.", name="{name}"),
        "announce_arrived": gettext("You have arrived at %(name)s.", name="{name}"),
        # Read as M["status_" + kind] by follow.js (the itinerary's marks).
        "status_done": gettext("(done)"),
        "status_current": gettext("(you are here)"),
        "status_next": gettext("(next stop)"),
        # For extras.js (its own bundle): read aloud, share.
        "read_aloud": gettext("Read aloud"),
        "copied": gettext("Link copied."),
    }


def data(tour: Tour, lang: str) -> dict:
    """The walk as the follow script reads it, for one language (call inside a request)."""
    stops = []
    for visit in tour.visits:
        stop = visit.stop
        lat, lon = stop.location
        stops.append(
            {
                "id": stop.id,
                "order": stop.order,
                "name": stop.name[lang],
                "lat": round(lat, COORD_DIGITS),
                "lon": round(lon, COORD_DIGITS),
                "arrival_min": _minute_of_day(visit.arrival, tour.date),
                "departure_min": _minute_of_day(visit.departure, tour.date),
                "arrival_label": clock(visit.arrival),
                "departure_label": clock(visit.departure),
            }
        )
    # Each leg's path is sent once, in the map script: the page's script reads it there.
    legs = [
        {
            "from": leg.from_id,
            "to": leg.to_id,
            "distance_m": round(leg.distance_m, 1),
            "walk_min": leg.walk_min,
        }
        for leg in tour.legs
    ]
    return {
        "version": tour.version,
        "lang": lang,
        "timezone": tour.timezone,
        "day": day_clock(tour.date, tour.timezone),
        "speed_kmh": tour.speed_kmh,
        "arrival_radius_m": ARRIVAL_RADIUS_M,
        "near_leg_m": NEAR_LEG_M,
        "far_m": FAR_M,
        "max_accuracy_m": MAX_ACCURACY_M,
        "on_time_min": ON_TIME_MIN,
        "stops": stops,
        "legs": legs,
        "messages": messages(),
    }
