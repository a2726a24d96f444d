"""``flask tour add-stop | move-stop | remove-stop``: edit the walk by address.

Each command reads the stops file, edits it (``stopsfile.edits``), routes again the legs it
touches with the configured router (``ROUTING_NETWORK``, or ``--network``/``--osrm``),
checks the whole walk loads, writes it through the history (``store.write_stops``) and
prints the new schedule with its warnings. Any refusal is a ``CommandError``: one
sentence, exit status 1, and the file is not touched.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import ScriptInfo
from flask_babel import gettext as _
from flask_babel import ngettext

from .. import stopsfile
from ..geodata import geocoding
from ..render import wording
from ..stopsfile import edits, schema
from ..stopsfile.messages import os_reason, unreadable
from ..stopsfile.store import write_stops
from .errors import CommandError
from .group import tour_cli
from .language import in_shell_language, speaks_shell_language
from .routing import Routing, routing_options


def _refuse(problem, *, notes=(), path=None) -> CommandError:
    """A refusal in the shell's language (the file's problems said in it too)."""
    problems = [problem] if isinstance(problem, str) else list(problem)
    return CommandError([wording.problem(p) for p in problems], notes=notes, path=path,
                        localized=True)


def geocoder_problem(exc: geocoding.GeocodingError) -> str:
    """The geocoder's refusal: a sentence in the shell's language, then its own details."""
    reasons = {
        "not found": _("no single place was found for this address"),
        "ambiguous": _("several places match this address: write it more fully"),
        "unreachable": _("the geocoder cannot be reached"),
        "town": _("the address names another town or postcode than the place found"),
        "street": _("only the street was found, not the number (--accept-street places "
                    "the stop on the street's point)"),
        "setting": _("the GEOCODER setting is wrong"),
    }
    said = reasons.get(exc.reason)
    # The geocoder's details (what matched, where) are its own, in English.
    return f"{said} — {exc}" if said and wording.language() != "en" else str(exc)


def _read(file: str | None):
    """(path, bytes, tour) of the stops file; refuses a file the app would refuse.

    The file on disk, not the served version: an edit must not undo what the
    organiser saved by hand (a valid save not yet served is recorded before the
    new version replaces it: ``write_stops``).
    """
    path = Path(file or current_app.config["TOUR_DATA"])
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _refuse(unreadable(str(path), exc)) from None
    try:
        tour = stopsfile.parse(data, str(path), max_bytes=current_app.config["TOUR_MAX_BYTES"])
    except stopsfile.TourError as exc:
        raise _refuse([*exc.problems, _("fix the file first (tourapp tour check)")],
                      path=path) from None
    return path, data, tour


def _locate(address: str, near, path: Path, accept_street: bool) -> geocoding.Place:
    try:
        return geocoding.from_config(current_app.config).locate(
            address, near=near, accept_street=accept_street
        )
    except geocoding.GeocodingError as exc:
        raise _refuse(geocoder_problem(exc), path=path) from None


def _found_address(address: str, address_en: str | None, place: geocoding.Place) -> dict:
    """The stop's address: what the geocoder found, not what was typed (a search only).

    The found label is the address as the national base writes it, the same in English
    (street names are not translated); --address-en, when given, is the English form.
    """
    kind = _(" (the street's point: --accept-street)") if place.kind == "street" else ""
    click.echo(f"« {address} » → « {place.label} »{kind} "
               f"[{place.location[1]:.6f}, {place.location[0]:.6f}]")
    return {"address_fr": place.label, "address_en": address_en or place.label}


def _write(path: Path, before: bytes, edited: edits.Edited, reason: str) -> None:
    """Write the edited walk through the history, unless the file changed since it was read."""
    try:
        if path.read_bytes() != before:
            raise _refuse(
                _("the file changed while the command ran (another editor?): run it again"),
                path=path,
            )
        write_stops(current_app, edited.text, reason, path)
    except stopsfile.TourError as exc:
        raise _refuse([_("the edited walk would not load:"), *exc.problems],
                      path=path) from None
    except OSError as exc:
        raise _refuse(_("%(path)s: cannot write the file: %(reason)s", path=str(path),
                        reason=wording.problem(os_reason(exc))),
                      path=path) from None


def _report(path: Path, edited: edits.Edited, started: float) -> None:
    for leg in edited.routed:
        click.echo(leg_line(leg))
    tour = edited.tour
    legs = {leg.from_id: leg for leg in tour.legs}
    lang = wording.language()
    click.echo(_("%(path)s: schedule on %(date)s", path=str(path), date=tour.date.isoformat()))
    for visit in tour.visits:
        stop = visit.stop
        onward = legs.get(stop.id)
        walk = ("  " + _("then %(m)s m, %(min)d min on foot", m=f"{onward.distance_m:,.0f}",
                         min=onward.walk_min) if onward else "")
        late = ("  (" + _("%(min)d min late", min=visit.late_min) + ")"
                if visit.late_min else "")
        click.echo(
            f"  {stop.order:>2}. {visit.arrival:%H:%M}–{visit.departure:%H:%M}  "
            f"{stop.name[lang]} [{stop.id}]{late}{walk}"
        )
    for warning in tour.warnings:
        click.echo(_("warning: %(problem)s", problem=wording.problem(warning)), err=True)
    summary = ngettext("%(num)d stop", "%(num)d stops", len(tour.stops))
    summary += (f", {tour.distance_m / 1000:.2f} km, "
                f"{tour.visits[0].arrival:%H:%M}–{tour.visits[-1].departure:%H:%M}")
    if tour.warnings:
        summary += ", " + ngettext("%(num)d warning", "%(num)d warnings", len(tour.warnings))
    click.echo(summary + f" ({time.perf_counter() - started:.1f} s)")


def leg_line(leg) -> str:
    """« leg 2: "a" → "b": 420 m, 5 steps » in the shell's language."""
    return _('leg %(number)d: "%(start)s" → "%(end)s": %(m)s m, %(steps)s',
             number=leg.number, start=leg.start.id, end=leg.end.id,
             m=f"{leg.route.distance_m:,.0f}",
             steps=ngettext("%(num)d step", "%(num)d steps", len(leg.route.steps)))


def _finish(path, data, document, touches, reason, routing: Routing, started) -> None:
    """Route what changed, validate, write through the history, print the schedule."""
    router = routing.open(path)
    try:
        edited = edits.reroute(
            document, str(path), router, touches, current_app.config["TOUR_MAX_BYTES"]
        )
    except edits.EditError as exc:
        raise _refuse(edits.said(exc), notes=routing.notes(), path=path) from None
    _write(path, data, edited, reason)
    _report(path, edited, started)


@contextlib.contextmanager
def _speaking(ctx):
    """The shell's language while options are read (before the command's app context)."""
    info = ctx.find_object(ScriptInfo) if ctx is not None else None
    if info is None:  # the type used outside the tourapp command: English
        yield
        return
    with info.load_app().app_context(), in_shell_language():
        yield


class Minutes(click.ParamType):
    """Whole minutes, 0 to 1440, written « 30 » or « 30 min » as organisers do."""

    name = "minutes"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        text = str(value).strip()
        fixed = schema._number_fix(text) or text
        if fixed.isdigit() and int(fixed) <= 1440:
            return int(fixed)
        with _speaking(ctx):
            self.fail(_("write a whole number of minutes from 0 to 1440, such as 30; got "
                        "%(got)s", got=repr(text)), param, ctx)


class Clock(click.ParamType):
    """A time of day, written « 15:30 », « 15h30 » or « 15 h » (kept as HH:MM)."""

    name = "HH:MM"

    def convert(self, value, param, ctx):
        text = str(value).strip()
        fixed = schema._clock_fix(text)
        if fixed is None:
            with _speaking(ctx):
                self.fail(_("write a time of day such as 15:30, got %(got)s", got=repr(text)),
                          param, ctx)
        return fixed


def file_option(command):
    """The stops file option every stop command shares."""
    return click.option("--file", "file", type=click.Path(dir_okay=False),
                        help="Stops file (default: the app's TOUR_DATA).")(command)


@tour_cli.command("add-stop")
@click.argument("stop_id", metavar="ID")
@click.option("--name-fr", required=True, help="Name of the stop in French.")
@click.option("--name-en", required=True, help="Name of the stop in English.")
@click.option("--address", required=True,
              help="Postal address to search; the stop goes on its point and keeps the "
              "address the geocoder found.")
@click.option("--address-en", help="The address as written in English (default: the found one).")
@click.option("--accept-street", is_flag=True,
              help="Accept a street's point when no house number matches.")
@click.option("--after", "after", metavar="ID", help="The stop it follows (default: the last).")
@click.option("--first", is_flag=True, help="Make it the first stop.")
@click.option("--duration", "duration_min", required=True, type=Minutes(),
              help="Minutes spent at the stop (30, or « 30 min »).")
@click.option("--description-fr", help="What happens there, in French.")
@click.option("--description-en", help="What happens there, in English.")
@click.option("--arrive-at", metavar="HH:MM", type=Clock(),
              help="Fixed arrival time (15:30, or « 15h30 »).")
@file_option
@routing_options
@speaks_shell_language
def add_stop(stop_id, name_fr, name_en, address, address_en, accept_street, after, first,
             duration_min, description_fr, description_en, arrive_at, file, routing) -> None:
    """Add a stop at an address, after another stop, and route the legs it touches."""
    started = time.perf_counter()
    path, data, tour = _read(file)
    if first and after:
        raise click.UsageError(_("give --after ID or --first, not both"))
    if bool(description_fr) != bool(description_en):
        raise _refuse(_("give both --description-fr and --description-en, or neither"),
                      path=path)
    after = None if first else (after or tour.stops[-1].id)
    try:
        # The id and the place in the walk first: a refusal costs no geocoder call.
        edits.check_new_stop(tour, stop_id, after)
    except edits.EditError as exc:
        raise _refuse(edits.said(exc), path=path) from None
    place = _locate(address, edits.centre(tour), path, accept_street)
    props = {"name_fr": name_fr, "name_en": name_en}
    if description_fr:
        props |= {"description_fr": description_fr, "description_en": description_en}
    props |= _found_address(address, address_en, place) | {"duration_min": duration_min}
    if arrive_at:
        props["arrive_at"] = arrive_at
    document = edits.document_of(data)
    try:
        edits.add_stop(document, tour, stop_id, props, place.location, after)
    except edits.EditError as exc:
        raise _refuse(edits.said(exc), path=path) from None
    _finish(path, data, document, lambda a, b: stop_id in (a, b), "add-stop", routing,
            started)


@tour_cli.command("move-stop")
@click.argument("stop_id", metavar="ID")
@click.option("--address",
              help="New postal address to search; the stop goes on its point and keeps the "
              "address the geocoder found.")
@click.option("--address-en", help="The address as written in English (default: the found one).")
@click.option("--accept-street", is_flag=True,
              help="Accept a street's point when no house number matches.")
@click.option("--lonlat", metavar="LON,LAT", help="New position, longitude first (GeoJSON).")
@file_option
@routing_options
@speaks_shell_language
def move_stop(stop_id, address, address_en, accept_street, lonlat, file, routing) -> None:
    """Move a stop to an address (or a position) and route the legs it touches."""
    started = time.perf_counter()
    path, data, tour = _read(file)
    if bool(address) == bool(lonlat):
        raise click.UsageError(_("give exactly one of --address TEXT or --lonlat LON,LAT"))
    if tour.stop(stop_id) is None:
        raise _refuse(_('no stop has the id "%(id)s"', id=stop_id), path=path)
    new_address = None
    if address:
        place = _locate(address, edits.centre(tour), path, accept_street)
        location = place.location
        new_address = _found_address(address, address_en, place)
    else:
        location = _lonlat(lonlat, path)
    document = edits.document_of(data)
    edits.move_stop(document, stop_id, location, new_address)
    _finish(path, data, document, lambda a, b: stop_id in (a, b), "move-stop", routing,
            started)


@tour_cli.command("remove-stop")
@click.argument("stop_id", metavar="ID")
@file_option
@routing_options
@speaks_shell_language
def remove_stop(stop_id, file, routing) -> None:
    """Remove a stop and route the walk between its neighbours."""
    started = time.perf_counter()
    path, data, tour = _read(file)
    document = edits.document_of(data)
    ids = [s.id for s in tour.stops]
    try:
        edits.remove_stop(document, tour, stop_id)
    except edits.EditError as exc:
        raise _refuse(edits.said(exc), path=path) from None
    index = ids.index(stop_id)
    # The one new leg joins the stops on either side of the gap (none at either end).
    gap = tuple(ids[index - 1:index + 2:2]) if 0 < index < len(ids) - 1 else None
    _finish(path, data, document, lambda a, b: (a, b) == gap, "remove-stop", routing,
            started)


def _lonlat(text: str, path: Path):
    try:
        lon, lat = (float(part) for part in text.split(","))
    except ValueError:
        raise _refuse(_("--lonlat wants LON,LAT (e.g. 3.879,43.608), got %(got)s",
                        got=repr(text)), path=path) from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise _refuse(_("--lonlat %(got)s: longitude must be within ±180 and latitude within "
                        "±90", got=text), path=path)
    return (lat, lon)
