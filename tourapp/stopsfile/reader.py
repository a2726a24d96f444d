"""Build the ``Tour`` from a stops file: validate with the schema, then assemble.

Problems of every feature are collected before anything is built, so a file is
refused as a whole with every reason; warnings (stale legs, schedule overruns)
travel with the tour.
"""

from __future__ import annotations

import hashlib
import os
import statistics
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..domain import schedule
from ..domain.geo import distance_m
from ..domain.tour import LatLon, Leg, Stop, Tour, path_length_m, walk_minutes
from ..system.gcpause import gc_paused
from . import photos as photo_files
from .messages import N_, Message, at, unreadable
from .schema import (
    DEFAULT_SPEED_KMH,
    MAX_FILE_BYTES,
    MAX_LEG_GAP_M,
    MAX_SPREAD_KM,
    STALE_LEG_M,
    UNRECORDED_GAP_M,
    TourError,
    _Feature,
    _features,
    _leg,
    _position,
    _read_document,
    _show,
    _stop,
    _tour_facts,
)


def _check_spread(located: list[tuple[_Feature, LatLon]]) -> None:
    """Flag stops far from the others; suggest the lon/lat swap when it fits.

    Every stop with valid coordinates counts, even one with other mistakes, so
    a misplaced stop is reported together with everything else.
    """
    if len(located) < 2:
        return
    # The median of all stops is a real stop's position while fewer than half are wrong.
    centre = (
        statistics.median(location[0] for _, location in located),
        statistics.median(location[1] for _, location in located),
    )
    for reader, location in located:
        km = distance_m(location, centre) / 1000
        if km <= MAX_SPREAD_KM:
            continue
        lat, lon = location
        if abs(lon) <= 90 and distance_m((lon, lat), centre) / 1000 <= MAX_SPREAD_KM:
            # Every digit the organiser typed is kept (repr is the shortest exact form).
            reader.problem(Message.of(
                N_("coordinates [%(lon)s, %(lat)s] look swapped: GeoJSON wants "
                   "[longitude, latitude], so write [%(lat)s, %(lon)s]"),
                lon=repr(lon), lat=repr(lat),
            ))
        else:
            reader.problem(Message.of(
                N_("coordinates [%(lon)s, %(lat)s] are %(km)s km from the other stops "
                   "(limit %(limit)s km)"),
                lon=repr(lon), lat=repr(lat), km=f"{km:,.0f}", limit=f"{MAX_SPREAD_KM:g}",
            ))


def parse(
    data: bytes,
    source: str = "stops.geojson",
    *,
    max_bytes: int = MAX_FILE_BYTES,
    photos: str | os.PathLike | None = None,
) -> Tour:
    """Validate a stops file's bytes and return the tour, or raise ``TourError``.

    ``photos``: the photo folder beside the file (``photos.folder_of``); each photo the
    file names must be there, and its size is read. Without it, photos are checked as
    names only (an edit being proposed, a version of the history).
    """
    with gc_paused():
        return _parse(data, source, max_bytes, photos)


def _check_photos(stops: list[Stop], readers: dict[int, _Feature], folder: Path) -> list[Stop]:
    """Each stop with its photo's size and version read from the folder; problems noted."""
    checked = []
    for stop in stops:
        photo = stop.photo
        if photo is not None:
            reader = readers[stop.feature_index]
            path = folder / photo.file
            try:
                size = path.stat().st_size
                data = path.read_bytes() if size <= photo_files.MAX_PHOTO_BYTES else b""
            except OSError:
                reader.problem(Message.of(
                    N_('"photo": no file %(file)s in the photos folder beside the stops file '
                       "(%(folder)s): add it, or correct the name (capitals count)"),
                    file=_show(photo.file), folder=photo_files.FOLDER,
                ))
                continue
            found = photo_files.image_size(data) if data else None
            if size > photo_files.MAX_PHOTO_BYTES:
                reader.problem(Message.of(
                    N_('"photo": %(file)s is %(size)s bytes, more than %(limit)s: make it '
                       "smaller (1,200 pixels wide, JPEG quality 80)"),
                    file=_show(photo.file), size=f"{size:,}",
                    limit=f"{photo_files.MAX_PHOTO_BYTES:,}",
                ))
            elif found is None or not all(0 < px <= photo_files.MAX_SIDE_PX for px in found[1:]):
                reader.problem(Message.of(
                    N_('"photo": %(file)s is not a JPEG, PNG or WebP image of at most '
                       "%(limit)s pixels a side"),
                    file=_show(photo.file), limit=f"{photo_files.MAX_SIDE_PX:,}",
                ))
            else:
                stop = replace(stop, photo=replace(
                    photo, width=found[1], height=found[2], version=photo_files.version_of(data)
                ))
        checked.append(stop)
    return checked


def _parse(data: bytes, source: str, max_bytes: int, photos: str | os.PathLike | None) -> Tour:
    problems: list[str] = []
    warnings: list[str] = []
    features = _features(_read_document(data, source, max_bytes), source)

    point_readers: list[tuple[int, _Feature, LatLon | None]] = []
    line_readers: list[tuple[_Feature, tuple[LatLon, ...] | None]] = []
    for index, feature in enumerate(features):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(at(source, Message.of(
                N_("feature %(index)d: must be a GeoJSON Feature"), index=index)))
            continue
        props = feature.get("properties")
        if props is None:
            props = {}
        if not isinstance(props, dict):
            problems.append(at(source, Message.of(
                N_('feature %(index)d: "properties" must be an object'), index=index)))
            continue
        reader = _Feature(source, index, props, problems)
        geometry = feature.get("geometry")
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if kind == "Point":
            location = _position(coords)
            if location is None:
                reader.problem(Message.of(
                    N_("coordinates must be [longitude, latitude] with longitude -180 to 180 "
                       "and latitude -90 to 90, got %(got)s"),
                    got=_show(coords),
                ))
            point_readers.append((index, reader, location))
        elif kind == "LineString":
            found = [_position(c) for c in coords] if isinstance(coords, list) else [None]
            points = [p for p in found if p is not None]
            if len(found) < 2 or len(points) < len(found):
                reader.problem(Message.of(
                    N_("a leg's coordinates must be at least two [longitude, latitude] "
                       "positions")
                ))
                line_readers.append((reader, None))
            else:
                line_readers.append((reader, tuple(points)))
        else:
            reader.problem(Message.of(
                N_("geometry must be a Point (a stop) or a LineString (a leg), got %(got)s"),
                got=_show(kind),
            ))

    if not point_readers:
        problems.append(at(source, Message.of(
            N_("the tour has no stops: add at least one Point feature")
        )))
        raise TourError(problems, warnings)

    facts = _tour_facts([r for _, r, _ in point_readers], source, problems)
    stops: list[Stop] = []
    for index, reader, location in point_readers:
        stop = _stop(reader, index, location or (0.0, 0.0))
        if stop is not None and location is not None:
            stops.append(stop)
    if photos is not None:
        readers = {index: reader for index, reader, _ in point_readers}
        stops = _check_photos(stops, readers, Path(photos))
    _check_unique(stops, "id", lambda s: s.id, source, problems)
    _check_unique(stops, "order", lambda s: s.order, source, problems)
    _check_spread([(reader, loc) for _, reader, loc in point_readers if loc is not None])
    stops.sort(key=lambda s: s.order)

    speed = facts.get("speed_kmh") or DEFAULT_SPEED_KMH
    file_legs = {}
    routed_for = {}
    for reader, path in line_readers:
        leg = _leg(reader, path, speed) if path is not None else None
        if leg is None:
            continue
        routed_for[(leg.from_id, leg.to_id)] = _routed_for(reader.props)
        if (leg.from_id, leg.to_id) in file_legs:
            reader.problem(Message.of(N_('a second leg from "%(start)s" to "%(end)s"'),
                                      start=leg.from_id, end=leg.to_id))
        file_legs[(leg.from_id, leg.to_id)] = leg

    if problems:
        raise TourError(problems, warnings)

    legs = _legs(stops, file_legs, speed, warnings, routed_for)
    visits, schedule_warnings = schedule.compute(
        tuple(stops), legs, facts["date"], facts["timezone"], facts["start"], facts["end"]
    )
    # The schedule's own warnings, worded here so that they can be translated.
    warnings.extend(
        at(source, Message(f'stop {v.stop.order} ("{v.stop.id}"): ') + Message.of(
            N_("fixed arrival %(fixed)s cannot be met: the group arrives at %(arrival)s, "
               "%(late)d min late"),
            fixed=f"{v.stop.arrive_at:%H:%M}", arrival=f"{v.arrival:%H:%M}", late=v.late_min,
        ))
        for v in visits if v.late_min
    )
    assert len(schedule_warnings) == sum(1 for v in visits if v.late_min)
    if facts["end"] is not None:
        over = schedule.overrun_min(visits, facts["end"])
        if over:
            warnings.append(at(source, Message.of(
                N_("the walk ends at %(end)s, %(over)d min after tour_end %(planned)s"),
                end=f"{visits[-1].departure:%H:%M}", over=over, planned=f"{facts['end']:%H:%M}",
            )))
    return Tour(
        title=facts["title"],
        description=facts["description"],
        date=facts["date"],
        timezone=facts["timezone"],
        start=facts["start"],
        end=facts["end"] or visits[-1].departure.time(),
        speed_kmh=speed,
        attribution=facts["attribution"],
        attribution_en=facts["attribution_en"],
        organiser=facts["organiser"],
        phone=facts["phone"],
        stops=tuple(stops),
        legs=legs,
        visits=visits,
        warnings=tuple(warnings),
        version=hashlib.sha256(data).hexdigest()[:16],
        source=source,
    )


def _check_unique(stops: list[Stop], key: str, get: Callable, source: str, problems: list[str]):
    first: dict[Any, Stop] = {}
    for stop in stops:
        value = get(stop)
        if value in first:
            problems.append(at(source, Message.of(
                N_("feature %(index)d"), index=stop.feature_index
            ) + f' ("{stop.id}"): ' + Message.of(
                N_('"%(key)s" %(value)s is already used by feature %(other)d'),
                key=key, value=_show(value), other=first[value].feature_index,
            ) + f' ("{first[value].id}")'))
        first.setdefault(value, stop)


STALE_LEG = N_('leg %(number)d ("%(start)s" → "%(end)s")')
"""How a warning names a leg that no longer meets its stops (``stale_leg`` finds it)."""

# The fix every stale-leg warning gives: the command that routes only that leg again.
_REROUTE = N_(": route it again: tourapp tour route --leg %(start)s:%(end)s "
              "(or the leg's “Route again” button in the console's edit page)")


def stale_leg(warning: str) -> tuple[str, str] | None:
    """The (from, to) ids of the leg a warning says is stale, or None."""
    for template, values in getattr(warning, "parts", ()):
        if template == STALE_LEG and values:
            return values["start"], values["end"]
    return None


def _routed_for(props: dict) -> tuple[LatLon | None, LatLon | None]:
    """Where the leg's stops stood when it was routed (``leg_from_at``, ``leg_to_at``)."""
    return _lonlat_text(props.get("leg_from_at")), _lonlat_text(props.get("leg_to_at"))


def _lonlat_text(value: Any) -> LatLon | None:
    # "lon,lat" as text (a list would not survive GDAL as one property): (lat, lon).
    if not isinstance(value, str):
        return None
    try:
        lon, lat = (float(part) for part in value.split(","))
    except ValueError:
        return None
    return (lat, lon) if -180 <= lon <= 180 and -90 <= lat <= 90 else None


def _legs(stops: list[Stop], file_legs: dict, speed: float, warnings: list[str],
          routed_for: dict | None = None) -> tuple:
    """One leg per pair of consecutive stops: from the file when it fits, else a straight line.

    A leg whose end is more than MAX_LEG_GAP_M from its stop is ignored; one whose stop
    moved since it was routed (more than STALE_LEG_M from where the leg records it stood,
    or, for a leg without that record, an end more than UNRECORDED_GAP_M away) is used
    but flagged, with the command that routes it again.
    """
    legs = []
    used = set()
    routed_for = routed_for or {}
    for number, (a, b) in enumerate(zip(stops, stops[1:], strict=False), 1):
        leg = file_legs.get((a.id, b.id))
        name = Message.of(STALE_LEG, number=number, start=a.id, end=b.id)
        fix = Message.of(_REROUTE, start=a.id, end=b.id)
        if leg is not None:
            gap_start = distance_m(leg.path[0], a.location)
            gap_end = distance_m(leg.path[-1], b.location)
            if max(gap_start, gap_end) > MAX_LEG_GAP_M:
                warnings.append(name + Message.of(
                    N_(" ends %(m)s m from its stops: ignored, a straight line is used"),
                    m=f"{max(gap_start, gap_end):.0f}") + fix)
                leg = None
            else:
                used.add((a.id, b.id))
                moved = _moved(a, b, routed_for.get((a.id, b.id)), gap_start, gap_end)
                if moved is not None:
                    stop, metres, recorded = moved
                    template = (N_(": stop \"%(stop)s\" moved %(m)s m since the leg was "
                                   "routed, which still ends where it stood") if recorded else
                                N_(": the leg ends %(m)s m from stop \"%(stop)s\" (was the "
                                   "stop moved?)"))
                    warnings.append(name + Message.of(template, stop=stop, m=f"{metres:.0f}")
                                    + fix)
        if leg is None:
            path = (a.location, b.location)
            distance = path_length_m(path)
            leg = Leg(a.id, b.id, path, distance, walk_minutes(distance, speed))
        legs.append(leg)
    for key in file_legs.keys() - used:
        if key not in {(a.id, b.id) for a, b in zip(stops, stops[1:], strict=False)}:
            warnings.append(Message.of(
                N_('leg "%(start)s" → "%(end)s" does not join two consecutive stops: '
                   "ignored (tourapp tour route removes it)"),
                start=key[0], end=key[1],
            ))
    return tuple(legs)


def _moved(a: Stop, b: Stop, recorded, gap_start: float, gap_end: float):
    """(stop id, metres, recorded?) for the leg's stop that moved the most, or None."""
    if recorded is not None and recorded != (None, None):
        found = [(stop.id, distance_m(stop.location, at))
                 for stop, at in zip((a, b), recorded, strict=True) if at is not None]
        stop_id, metres = max(found, key=lambda item: item[1])
        return (stop_id, metres, True) if metres > STALE_LEG_M else None
    stop_id, metres = max(((a.id, gap_start), (b.id, gap_end)), key=lambda item: item[1])
    return (stop_id, metres, False) if metres > UNRECORDED_GAP_M else None


def load(path: str | os.PathLike, *, max_bytes: int = MAX_FILE_BYTES) -> Tour:
    """Read and validate a stops file."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise TourError([at(str(path), Message.of(
                N_("file is %(size)s bytes, more than the limit of %(limit)s"),
                size=f"{size:,}", limit=f"{max_bytes:,}",
            ))])
        data = path.read_bytes()
    except OSError as exc:
        raise TourError([unreadable(str(path), exc)]) from None
    return parse(data, str(path), max_bytes=max_bytes, photos=photo_files.folder_of(path))
