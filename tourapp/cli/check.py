"""``flask tour check``: validate a stops file and list every problem."""

from __future__ import annotations

import click
from flask import current_app
from flask_babel import gettext, ngettext

from .. import stopsfile
from ..render import wording
from .errors import CommandError
from .group import tour_cli
from .language import speaks_shell_language

ADDRESS_GAP_M = 50.0  # a stop farther than this from its address point was moved or mistyped


@tour_cli.command("check")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--addresses", is_flag=True,
              help="Also geocode every stop's address (GEOCODER) and warn when the stop is "
              f"more than {ADDRESS_GAP_M:g} m from it.")
@speaks_shell_language
def check(file: str | None, strict: bool, addresses: bool) -> None:
    """Validate a stops file (default: the app's TOUR_DATA) and list every problem."""
    path = file or current_app.config["TOUR_DATA"]
    try:
        tour = stopsfile.load(path, max_bytes=current_app.config["TOUR_MAX_BYTES"])
    except stopsfile.TourError as exc:
        raise CommandError(
            [wording.problem(problem) for problem in exc.problems],
            notes=[gettext("warning: %(problem)s", problem=wording.problem(warning))
                   for warning in exc.warnings] + [
                ngettext("%(num)d error(s): the app would refuse this file.",
                         "%(num)d error(s): the app would refuse this file.",
                         len(exc.problems))
            ],
            localized=True,
        ) from None
    warnings = list(tour.warnings)
    if addresses:
        warnings += _address_warnings(tour)
    for warning in warnings:
        click.echo(gettext("warning: %(problem)s", problem=wording.problem(warning)), err=True)
    first, last = tour.visits[0], tour.visits[-1]
    summary = gettext("%(path)s: OK: %(stops)s, %(km)s km, %(start)s–%(end)s on %(date)s",
                      path=str(path), stops=ngettext("%(num)d stop", "%(num)d stops",
                                                     len(tour.stops)),
                      km=f"{tour.distance_m / 1000:.1f}", start=f"{first.arrival:%H:%M}",
                      end=f"{last.departure:%H:%M}", date=tour.date.isoformat())
    if warnings:
        summary += ", " + ngettext("%(num)d warning", "%(num)d warnings", len(warnings))
    click.echo(summary)
    if strict and warnings:
        raise CommandError([], notes=[ngettext(
            "%(num)d warning treated as an error (--strict).",
            "%(num)d warnings treated as errors (--strict).", len(warnings))])


def _address_warnings(tour) -> list[str]:
    """A warning for each stop its address does not place within ADDRESS_GAP_M."""
    from ..domain.geo import distance_m
    from ..geodata import geocoding
    from ..stopsfile import edits
    from .stops import geocoder_problem

    try:
        geocoder = geocoding.from_config(current_app.config)
    except geocoding.GeocodingError as exc:
        raise CommandError(str(exc), localized=True) from None
    near = edits.centre(tour)
    warnings = []
    for stop in tour.stops:
        address = stop.address["fr"] or stop.address["en"]
        if not address:
            warnings.append(gettext('stop "%(stop)s" has no address to check', stop=stop.id))
            continue
        try:
            place = geocoder.locate(address, near=near)
        except geocoding.GeocodingError as exc:
            if exc.reason == "unreachable":
                # Unreachable or too slow: no stop can be checked.
                raise CommandError(str(exc), localized=True) from None
            warnings.append(gettext('stop "%(stop)s": %(problem)s', stop=stop.id,
                                    problem=geocoder_problem(exc)))
            continue
        gap = distance_m(stop.location, place.location)
        if gap > ADDRESS_GAP_M:
            warnings.append(gettext(
                'stop "%(stop)s" is %(m)s m from its address « %(address)s », which the '
                "geocoder places at « %(label)s » [%(lon)s, %(lat)s]",
                stop=stop.id, m=f"{gap:,.0f}", address=address, label=place.label,
                lon=f"{place.location[1]:.6f}", lat=f"{place.location[0]:.6f}"))
    return warnings
