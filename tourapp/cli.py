"""Organiser commands: ``flask --app tourapp tour …``."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

import click
from flask import Flask, current_app, g, url_for
from flask.cli import AppGroup, with_appcontext

from . import geojson, gpx
from .tour import LANGUAGES

tour_cli = AppGroup("tour", help="Check and prepare the walk's data file.")


@tour_cli.command("check")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def check(file: str | None, strict: bool) -> None:
    """Validate a stops file (default: the app's TOUR_DATA) and list every problem."""
    path = file or current_app.config["TOUR_DATA"]
    try:
        tour = geojson.load(path, max_bytes=current_app.config["TOUR_MAX_BYTES"])
    except geojson.TourError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        for warning in exc.warnings:
            click.echo(f"warning: {warning}", err=True)
        click.echo(f"{len(exc.problems)} error(s): the app would refuse this file.", err=True)
        sys.exit(1)
    for warning in tour.warnings:
        click.echo(f"warning: {warning}", err=True)
    first, last = tour.visits[0], tour.visits[-1]
    click.echo(
        f"{path}: OK: {len(tour.stops)} stops, {tour.distance_m / 1000:.1f} km, "
        f"{first.arrival:%H:%M}–{last.departure:%H:%M} on {tour.date.isoformat()}"
        + (f", {len(tour.warnings)} warning(s)" if tour.warnings else "")
    )
    if strict and tour.warnings:
        click.echo(f"{len(tour.warnings)} warning(s) treated as errors (--strict).", err=True)
        sys.exit(1)


@tour_cli.command("route")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--network", type=click.Path(dir_okay=False),
              help="Street centre-line GeoJSON to route on (embedded router).")
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

    The file (default: the app's TOUR_DATA) is replaced atomically, the old one kept
    as FILE.bak; on any error it is left exactly as it was.
    """
    from .routing import RoutingError
    from .routing.legs import LegError, route_tour, with_legs

    if bool(network) == bool(osrm_url):
        raise click.UsageError("give exactly one of --network FILE or --osrm URL")
    path = Path(file or current_app.config["TOUR_DATA"])
    max_bytes = current_app.config["TOUR_MAX_BYTES"]

    def fail(message: str) -> None:
        click.echo(f"error: {message}", err=True)
        click.echo(f"{path}: not changed.", err=True)
        sys.exit(1)

    try:
        data = path.read_bytes()
    except OSError as exc:
        fail(f"{path}: cannot read the file: {exc.strerror}")
    try:
        tour = geojson.parse(data, str(path), max_bytes=max_bytes)
    except geojson.TourError as exc:
        # Mistakes in the old legs do not matter: they are about to be replaced.
        try:
            tour = geojson.parse(_without_legs(data), str(path), max_bytes=max_bytes)
        except (geojson.TourError, ValueError, TypeError, KeyError, AttributeError):
            fail("\n".join(exc.problems) + "\nerror: fix the stops first (flask tour check)")
        for problem in exc.problems:
            click.echo(f"replacing a bad leg: {problem}", err=True)

    started = time.perf_counter()
    try:
        if network:
            from .routing.network import NetworkRouter

            router = NetworkRouter.from_file(network, name_property, max_snap_m=max_snap)
        else:
            from .routing.osrm import OsrmRouter

            router = OsrmRouter(osrm_url, timeout_s=timeout, max_snap_m=max_snap)
    except RoutingError as exc:
        fail(f"bad network: {exc}")
    loaded = time.perf_counter()

    def report(leg) -> None:
        click.echo(
            f'leg {leg.number}: "{leg.start.id}" → "{leg.end.id}": '
            f"{leg.route.distance_m:,.0f} m, {len(leg.route.steps)} steps"
        )

    try:
        legs = route_tour(tour, router, progress=report)
    except LegError as exc:
        fail(str(exc))
    routed = time.perf_counter()

    document, dropped = with_legs(json.loads(data.decode("utf-8-sig")), legs, tour.speed_kmh)
    text = geojson.dumps(document)
    # The new file must load, with every leg used: otherwise keep the old one.
    try:
        new = geojson.parse(text.encode(), str(path), max_bytes=max_bytes)
    except geojson.TourError as exc:
        fail("the routed file would not load:\n" + "\n".join(exc.problems))
    if sum(leg.routed for leg in new.legs) != len(legs):
        fail("the routed file would not use every leg:\n" + "\n".join(new.warnings))
    try:
        backup = geojson.write_atomic(path, text)
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
        + (f"; previous file kept as {backup}" if backup else "")
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


@tour_cli.command("gpx")
@click.option("--lang", type=click.Choice(LANGUAGES), default=LANGUAGES[0], show_default=True)
@click.option("--leg", type=int, help="Only this leg, numbered from 1 (stop N to stop N+1).")
@click.option("--url", help="The site's public address, for the links (default: PUBLIC_URL).")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: stdout)."
)
def gpx_file(lang: str, leg: int | None, url: str | None, output: str | None) -> None:
    """Write the walk (or one leg) as GPX 1.1, e.g. to copy onto a GPS unit."""
    from .views import gpx_wording  # the same texts as the downloads

    base = url or current_app.config["PUBLIC_URL"]
    if not base:
        raise click.UsageError("give the site's address with --url or the PUBLIC_URL setting")
    path = current_app.config["TOUR_DATA"]
    try:
        tour = geojson.load(path, max_bytes=current_app.config["TOUR_MAX_BYTES"])
    except geojson.TourError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        sys.exit(1)
    if leg is not None and not 1 <= leg <= len(tour.legs):
        raise click.BadParameter(f"the walk has legs 1 to {len(tour.legs)}", param_hint="--leg")
    created = dt.datetime.fromtimestamp(int(os.stat(path).st_mtime), dt.UTC)
    with current_app.test_request_context("/", base_url=base):
        g.lang = lang
        page_url = url_for("tour.page", lang=lang, _external=True)
        if leg is None:
            text = gpx.tour_gpx(tour, lang, page_url, created, gpx_wording())
        else:
            text = gpx.leg_gpx(tour, leg, lang, page_url, created, gpx_wording())
    if output:
        geojson.write_atomic(output, text, backup=False)
        click.echo(f"{output}: {len(text.encode()):,} bytes", err=True)
    else:
        click.echo(text, nl=False)
@click.command("freeze")
@click.argument("dest", required=False, default="build", type=click.Path(file_okay=False))
@click.option("--no-precompress", is_flag=True, help="Do not write .gz and .br copies.")
@with_appcontext
def freeze_command(dest: str, no_precompress: bool) -> None:
    """Write the whole walk as a static site to DEST (default: build)."""
    from .freeze import FreezeError, freeze

    try:
        report = freeze(current_app._get_current_object(), dest, precompress=not no_precompress)
    except FreezeError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    for link in report.missing_links:
        click.echo(f"error: broken link in {link}", err=True)
    click.echo(
        f"{report.destination}: {len(report.files)} files"
        + (f", {report.compressed} with .gz and .br copies" if report.compressed else "")
    )
    if report.missing_links:
        sys.exit(1)


def init_app(app: Flask) -> None:
    """Register the ``tour`` command group and ``freeze``."""
    app.cli.add_command(tour_cli)
    app.cli.add_command(freeze_command)
