"""``flask tour route``: recompute the legs along the streets."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click
from flask import current_app

from .. import stopsfile
from .group import tour_cli
from .history import write_stops


@tour_cli.command("route")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--network", type=click.Path(dir_okay=False),
              help="Street centre-line GeoJSON to route on (embedded router); "
              "default: the ROUTING_NETWORK setting, the city's streets around the walk.")
@click.option("--name-property", default="LIB_OFF", show_default=True,
              help="Property of the network's lines that holds the street name.")
@click.option("--osrm", "osrm_url", metavar="URL",
              help="Base URL of an OSRM server with a foot profile, e.g. http://127.0.0.1:5000.")
@click.option("--timeout", default=10.0, show_default=True, type=click.FloatRange(0.1, 600),
              help="Seconds to wait for each OSRM answer.")
@click.option("--max-snap", default=100.0, show_default=True, type=click.FloatRange(1, 100),
              help="Largest distance in metres from a stop to the street it starts from.")
def route(file, network, name_property, osrm_url, timeout, max_snap) -> None:
    """Recompute every leg (stop i → i+1) along the streets and write them into the file.

    The file (default: the app's TOUR_DATA) is replaced atomically and recorded in
    the history (flask tour history); on any error it is left exactly as it was.
    Without --network or --osrm, the legs are routed on the network the
    ROUTING_NETWORK setting names.
    """
    from ..geodata.routing import RoutingError
    from ..geodata.routing.legs import LegError, route_tour, with_legs

    if network and osrm_url:
        raise click.UsageError("give one of --network FILE or --osrm URL, not both")
    default_network = not (network or osrm_url)
    if default_network:
        network = current_app.config["ROUTING_NETWORK"]
    path = Path(file or current_app.config["TOUR_DATA"])
    max_bytes = current_app.config["TOUR_MAX_BYTES"]

    def fail(message: str, about_network: bool = False) -> None:
        click.echo(f"error: {message}", err=True)
        if about_network and default_network:
            # The default covers only the seeded walk's area: say how to route elsewhere.
            click.echo(
                f"the network is the ROUTING_NETWORK setting, {network}; "
                "give --network FILE or --osrm URL to route on another one",
                err=True,
            )
        click.echo(f"{path}: not changed.", err=True)
        sys.exit(1)

    try:
        data = path.read_bytes()
    except OSError as exc:
        fail(f"{path}: cannot read the file: {exc.strerror}")
    try:
        tour = stopsfile.parse(data, str(path), max_bytes=max_bytes)
    except stopsfile.TourError as exc:
        # Mistakes in the old legs do not matter: they are about to be replaced.
        try:
            tour = stopsfile.parse(_without_legs(data), str(path), max_bytes=max_bytes)
        except (stopsfile.TourError, ValueError, TypeError, KeyError, AttributeError):
            fail("\n".join(exc.problems) + "\nerror: fix the stops first (flask tour check)")
        for problem in exc.problems:
            click.echo(f"replacing a bad leg: {problem}", err=True)

    if default_network:
        click.echo(f"routing on {network} (the ROUTING_NETWORK setting)")
    started = time.perf_counter()
    try:
        if network:
            from ..geodata.routing.network import NetworkRouter

            router = NetworkRouter.from_file(network, name_property, max_snap_m=max_snap)
        else:
            from ..geodata.routing.osrm import OsrmRouter

            router = OsrmRouter(osrm_url, timeout_s=timeout, max_snap_m=max_snap)
    except RoutingError as exc:
        fail(f"bad network: {exc}", about_network=True)
    loaded = time.perf_counter()

    def report(leg) -> None:
        click.echo(
            f'leg {leg.number}: "{leg.start.id}" → "{leg.end.id}": '
            f"{leg.route.distance_m:,.0f} m, {len(leg.route.steps)} steps"
        )

    try:
        legs = route_tour(tour, router, progress=report)
    except LegError as exc:
        fail(str(exc), about_network=True)
    routed = time.perf_counter()

    document, dropped = with_legs(json.loads(data.decode("utf-8-sig")), legs, tour.speed_kmh)
    text = stopsfile.dumps(document)
    # The new file must load, with every leg used: otherwise keep the old one.
    try:
        new = stopsfile.parse(text.encode(), str(path), max_bytes=max_bytes)
    except stopsfile.TourError as exc:
        fail("the routed file would not load:\n" + "\n".join(exc.problems))
    if sum(leg.routed for leg in new.legs) != len(legs):
        fail("the routed file would not use every leg:\n" + "\n".join(new.warnings))
    try:
        write_stops(path, text, "route")
    except OSError as exc:
        fail(f"{path}: cannot write the file: {exc.strerror or exc}")
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

