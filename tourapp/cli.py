"""Organiser commands: ``flask --app tourapp tour …``."""

from __future__ import annotations

import datetime as dt
import os
import sys

import click
from flask import Flask, current_app, g, url_for
from flask.cli import AppGroup

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
        sys.exit(1)


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


def init_app(app: Flask) -> None:
    """Register the ``tour`` command group."""
    app.cli.add_command(tour_cli)
