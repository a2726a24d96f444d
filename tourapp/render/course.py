"""The walk as a Garmin course (TCX): the track timed at the plan's pace, a course point per
stop (pure: no Flask).

Garmin units and Garmin Connect import a course with its points ("course points"), which
the watch announces on the way; gpsbabel's GPX → TCX conversion drops the stops' names,
hence this file. Garmin's schema (TrainingCenterDatabase v2, ``tests/schemas/``) limits a
course's name to 15 characters and a course point's to 10 (``CoursePointName_t``): the
point's ``Notes`` carry the stop's full name.
"""

from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape

from ..domain.geo import distance_m
from ..domain.tour import Stop, Tour
from .gpx import fit_words, xml_text

NS = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
COURSE_NAME_MAX = 15
POINT_NAME_MAX = 10


def _text(value: str, limit: int | None = None) -> str:
    """XML text, cut to ``limit`` characters at a word when there is one to cut at."""
    value = " ".join(xml_text(value).split())
    if limit and len(value) > limit:
        cut = value[: limit + 1]
        value = cut[: cut.rindex(" ")] if " " in cut[2:] else value[:limit]
    return escape(value.rstrip())


def point_name(stop: Stop, lang: str, stop_word: str = "Stop") -> str:
    """A course point's name, at most ``POINT_NAME_MAX`` characters, never a word cut.

    The stop's ``short_name`` (10 characters at most, the file says so) after its number
    when both fit (« 3 MSH »), else alone. Without one: the number and the name's first
    whole words that fit (« 3 Maison »; never ending on « de »); when even the first word
    does not fit, the number in words (« Étape 3 », ``stop_word``), or the number alone.
    """
    number = str(stop.order)
    short = " ".join(xml_text(stop.short_name[lang]).split())
    if short:
        numbered = f"{number} {short}"
        return numbered if len(numbered) <= POINT_NAME_MAX else short[:POINT_NAME_MAX]
    words = fit_words(f"{number} {xml_text(stop.name[lang])}", POINT_NAME_MAX)
    if words and words != number:
        return words
    spelled = f"{stop_word} {number}"
    return spelled if len(spelled) <= POINT_NAME_MAX else number[:POINT_NAME_MAX]


def _when(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _position(lat: float, lon: float) -> str:
    return (f"<Position><LatitudeDegrees>{lat:.7f}</LatitudeDegrees>"
            f"<LongitudeDegrees>{lon:.7f}</LongitudeDegrees></Position>")


def course_tcx(tour: Tour, lang: str, stop_word: str = "Stop") -> str:
    """The walk as TCX text: one course, its track at the planned times, a point per stop.

    ``stop_word`` names a stop in ``lang`` (« Étape 3 ») when its name's first word is too
    long for a course point.
    """
    points: list[tuple[dt.datetime, float, float, float]] = []  # time, lat, lon, metres
    walked = 0.0
    for index, leg in enumerate(tour.legs):
        start = tour.visits[index].departure
        end = tour.visits[index + 1].arrival
        path = leg.path or (tour.stops[index].location, tour.stops[index + 1].location)
        length = sum(distance_m(a, b) for a, b in zip(path, path[1:], strict=False)) or 1.0
        done = 0.0
        for k, (lat, lon) in enumerate(path):
            if k:
                done += distance_m(path[k - 1], path[k])
            if k == 0 and points:
                continue  # the stop ends the previous leg already; the visit is its pause
            # The plan's pace: the leg's walking time spread along its length.
            points.append((start + (end - start) * (done / length), lat, lon, walked + done))
        walked += done
    if not points:  # a walk of one stop
        lat, lon = tour.stops[0].location
        points.append((tour.visits[0].arrival, lat, lon, 0.0))
    first, last = points[0], points[-1]
    total_s = (last[0] - first[0]).total_seconds()
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<TrainingCenterDatabase xmlns="{NS}">',
        "<Courses><Course>",
        f"<Name>{_text(tour.title[lang], COURSE_NAME_MAX)}</Name>",
        f"<Lap><TotalTimeSeconds>{total_s:.0f}</TotalTimeSeconds>"
        f"<DistanceMeters>{last[3]:.1f}</DistanceMeters>"
        f"<BeginPosition><LatitudeDegrees>{first[1]:.7f}</LatitudeDegrees>"
        f"<LongitudeDegrees>{first[2]:.7f}</LongitudeDegrees></BeginPosition>"
        f"<EndPosition><LatitudeDegrees>{last[1]:.7f}</LatitudeDegrees>"
        f"<LongitudeDegrees>{last[2]:.7f}</LongitudeDegrees></EndPosition>"
        "<Intensity>Active</Intensity></Lap>",
        "<Track>",
    ]
    out += [
        f"<Trackpoint><Time>{_when(t)}</Time>{_position(lat, lon)}"
        f"<DistanceMeters>{metres:.1f}</DistanceMeters></Trackpoint>"
        for t, lat, lon, metres in points
    ]
    out.append("</Track>")
    for visit in tour.visits:
        stop = visit.stop
        out.append(
            f"<CoursePoint><Name>{escape(point_name(stop, lang, stop_word))}</Name>"
            f"<Time>{_when(visit.arrival)}</Time>{_position(*stop.location)}"
            "<PointType>Generic</PointType>"
            f"<Notes>{_text(f'{stop.order}. {stop.name[lang]}')}</Notes></CoursePoint>"
        )
    out.append("</Course></Courses></TrainingCenterDatabase>")
    return "\n".join(out) + "\n"
