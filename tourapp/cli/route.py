"""``flask tour route``: recompute the legs along the streets."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
from flask import current_app

from .. import stopsfile
from ..stopsfile.store import write_stops
from .errors import CommandError
from .group import tour_cli
from .routing import Routing, routing_options


@tour_cli.command("route")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@routing_options
def route(file: str | None, routing: Routing) -> None:
    """Recompute every leg (stop i → i+1) along the streets and write them into the file.

    The file (default: the app's TOUR_DATA) is replaced atomically and recorded in
    the history (flask tour history); on any error it is left exactly as it was.
    Without --network or --osrm, the legs are routed on the network the
    ROUTING_NETWORK setting names.
    """
    from ..geodata.routing.legs import LegError, route_tour, with_legs

    path = Path(file or current_app.config["TOUR_DATA"])
    max_bytes = current_app.config["TOUR_MAX_BYTES"]

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CommandError(f"{path}: cannot read the file: {exc.strerror}", path=path) from None
    try:
        tour = stopsfile.parse(data, str(path), max_bytes=max_bytes)
    except stopsfile.TourError as exc:
        # Mistakes in the old legs do not matter: they are about to be replaced.
        try:
            tour = stopsfile.parse(_without_legs(data), str(path), max_bytes=max_bytes)
        except (stopsfile.TourError, ValueError, TypeError, KeyError, AttributeError):
            raise CommandError("\n".join(exc.problems)
                               + "\nerror: fix the stops first (flask tour check)",
                               path=path) from None
        for problem in exc.problems:
            click.echo(f"replacing a bad leg: {problem}", err=True)

    if routing.default_network:
        click.echo(f"routing on {routing.network_file()} (the ROUTING_NETWORK setting)")
    started = time.perf_counter()
    router = routing.open(path)
    loaded = time.perf_counter()

    def report(leg) -> None:
        click.echo(
            f'leg {leg.number}: "{leg.start.id}" → "{leg.end.id}": '
            f"{leg.route.distance_m:,.0f} m, {len(leg.route.steps)} steps"
        )

    try:
        legs = route_tour(tour, router, progress=report)
    except LegError as exc:
        raise CommandError(str(exc), notes=routing.notes(), path=path) from None
    routed = time.perf_counter()

    document, dropped = with_legs(json.loads(data.decode("utf-8-sig")), legs, tour.speed_kmh)
    text = stopsfile.dumps(document)
    # The new file must load, with every leg used: otherwise keep the old one.
    try:
        new = stopsfile.parse(text.encode(), str(path), max_bytes=max_bytes)
    except stopsfile.TourError as exc:
        raise CommandError("the routed file would not load:\n" + "\n".join(exc.problems),
                           path=path) from None
    if sum(leg.routed for leg in new.legs) != len(legs):
        raise CommandError("the routed file would not use every leg:\n" + "\n".join(new.warnings),
                           path=path)
    try:
        write_stops(current_app, text, "route", path)
    except OSError as exc:
        raise CommandError(f"{path}: cannot write the file: {exc.strerror or exc}",
                           path=path) from None
    for leg in dropped:
        click.echo(f"removed the stale leg {leg}", err=True)
    for warning in new.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        f"{path}: {len(legs)} legs, {new.distance_m / 1000:.2f} km, "
        f"{new.visits[0].arrival:%H:%M}–{new.visits[-1].departure:%H:%M} "
        f"(load {loaded - started:.2f} s, routing {routed - loaded:.2f} s)"
        + "; the previous version is kept (flask --app tourapp tour history)"
    )


def _without_legs(data: bytes) -> bytes:
    """The stops file with its LineString features (the legs) left out."""
    document = json.loads(data.decode("utf-8-sig"))
    document["features"] = [
        f
        for f in document["features"]
        if not (isinstance(f, dict) and (f.get("geometry") or {}).get("type") == "LineString")
    ]
    return json.dumps(document).encode()
