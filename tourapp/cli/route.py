"""``flask tour route``: recompute the legs along the streets (all, or the ones named)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
from flask import current_app
from flask_babel import gettext as _

from .. import stopsfile
from ..render import wording
from ..stopsfile import edits
from ..stopsfile.messages import os_reason, unreadable
from ..stopsfile.store import write_stops
from .group import tour_cli
from .language import speaks_shell_language
from .routing import Routing, routing_options
from .stops import _refuse, leg_line


def _pair(text: str) -> tuple[str, str]:
    start, sep, end = text.partition(":")
    if not (sep and start and end):
        raise click.BadParameter(_("write the leg as FROM:TO, two stop ids, got %(got)s",
                                   got=repr(text)))
    return start, end


@tour_cli.command("route")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--leg", "legs", metavar="FROM:TO", multiple=True,
              help="Route only this leg (the ids of its two stops); repeat for several. "
              "The warning of a leg whose stop was moved names it.")
@routing_options
@speaks_shell_language
def route(file: str | None, legs: tuple[str, ...], routing: Routing) -> None:
    """Recompute every leg (stop i → i+1) along the streets and write them into the file.

    The file (default: the app's TOUR_DATA) is replaced atomically and recorded in
    the history (flask tour history); on any error it is left exactly as it was.
    Without --network or --osrm, the legs are routed on the network the
    ROUTING_NETWORK setting names. With --leg, only the legs named are routed again;
    the others stay as they are.
    """
    path = Path(file or current_app.config["TOUR_DATA"])
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _refuse(unreadable(str(path), exc), path=path) from None
    if legs:
        _route_some(path, data, [_pair(text) for text in legs], routing)
    else:
        _route_all(path, data, routing)


def _route_some(path: Path, data: bytes, pairs: list[tuple[str, str]], routing: Routing):
    """Route only the legs ``pairs`` names, through the same edit path as the stop commands."""
    max_bytes = current_app.config["TOUR_MAX_BYTES"]
    try:
        tour = stopsfile.parse(data, str(path), max_bytes=max_bytes)
    except stopsfile.TourError as exc:
        raise _refuse([*exc.problems, _("fix the file first (tourapp tour check)")],
                      path=path) from None
    consecutive = {(a.id, b.id) for a, b in zip(tour.stops, tour.stops[1:], strict=False)}
    for start, end in pairs:
        if (start, end) not in consecutive:
            raise _refuse(_('"%(start)s" → "%(end)s" is not a leg of the walk: give two '
                            "consecutive stops", start=start, end=end), path=path)
    started = time.perf_counter()
    router = routing.open(path)
    wanted = set(pairs)
    try:
        edited = edits.reroute(edits.document_of(data), str(path), router,
                               lambda a, b: (a, b) in wanted, max_bytes)
    except edits.EditError as exc:
        raise _refuse(edits.said(exc), notes=routing.notes(), path=path) from None
    _write(path, edited.text)
    for leg in edited.routed:
        click.echo(leg_line(leg))
    _summary(path, edited.tour, len(edited.routed), started)


def _route_all(path: Path, data: bytes, routing: Routing) -> None:
    from ..geodata.routing.legs import LegError, route_tour, with_legs

    max_bytes = current_app.config["TOUR_MAX_BYTES"]
    try:
        tour = stopsfile.parse(data, str(path), max_bytes=max_bytes)
    except stopsfile.TourError as exc:
        # Mistakes in the old legs do not matter: they are about to be replaced.
        try:
            tour = stopsfile.parse(_without_legs(data), str(path), max_bytes=max_bytes)
        except (stopsfile.TourError, ValueError, TypeError, KeyError, AttributeError):
            raise _refuse([*exc.problems, _("fix the stops first (tourapp tour check)")],
                          path=path) from None
        for problem in exc.problems:
            click.echo(_("replacing a bad leg: %(problem)s",
                         problem=wording.problem(problem)), err=True)

    if routing.default_network:
        click.echo(_("routing on %(file)s (the ROUTING_NETWORK setting)",
                     file=str(routing.network_file())))
    started = time.perf_counter()
    router = routing.open(path)
    loaded = time.perf_counter()

    try:
        legs = route_tour(tour, router, progress=lambda leg: click.echo(leg_line(leg)))
    except LegError as exc:
        raise _refuse(edits.said(exc), notes=routing.notes(), path=path) from None
    routed = time.perf_counter()

    document, dropped = with_legs(json.loads(data.decode("utf-8-sig")), legs, tour.speed_kmh)
    text = stopsfile.dumps(document)
    # The new file must load, with every leg used: otherwise keep the old one.
    try:
        new = stopsfile.parse(text.encode(), str(path), max_bytes=max_bytes)
    except stopsfile.TourError as exc:
        raise _refuse([_("the routed file would not load:"), *exc.problems],
                      path=path) from None
    if sum(leg.routed for leg in new.legs) != len(legs):
        raise _refuse([_("the routed file would not use every leg:"), *new.warnings],
                      path=path)
    _write(path, text)
    for leg in dropped:
        click.echo(_("removed the stale leg %(leg)s", leg=leg), err=True)
    _summary(path, new, len(legs), started,
             _("load %(load)s s, routing %(routing)s s", load=f"{loaded - started:.2f}",
               routing=f"{routed - loaded:.2f}"))


def _write(path: Path, text: str) -> None:
    try:
        write_stops(current_app, text, "route", path)
    except stopsfile.TourError as exc:
        raise _refuse([_("the routed file would not load:"), *exc.problems],
                      path=path) from None
    except OSError as exc:
        raise _refuse(_("%(path)s: cannot write the file: %(reason)s", path=str(path),
                        reason=wording.problem(os_reason(exc))),
                      path=path) from None


def _summary(path: Path, new, routed: int, started: float, timing: str = "") -> None:
    for warning in new.warnings:
        click.echo(_("warning: %(problem)s", problem=wording.problem(warning)), err=True)
    timing = timing or f"{time.perf_counter() - started:.2f} s"
    click.echo(_(
        "%(path)s: %(legs)d legs, %(km)s km, %(start)s–%(end)s (%(timing)s); the "
        "previous version is kept (tourapp tour history)",
        path=str(path), legs=routed, km=f"{new.distance_m / 1000:.2f}",
        start=f"{new.visits[0].arrival:%H:%M}", end=f"{new.visits[-1].departure:%H:%M}",
        timing=timing))


def _without_legs(data: bytes) -> bytes:
    """The stops file with its LineString features (the legs) left out."""
    document = json.loads(data.decode("utf-8-sig"))
    document["features"] = [
        f
        for f in document["features"]
        if not (isinstance(f, dict) and (f.get("geometry") or {}).get("type") == "LineString")
    ]
    return json.dumps(document).encode()
