"""``flask tour check``: validate a stops file and list every problem."""

from __future__ import annotations

import sys

import click
from flask import current_app

from .. import stopsfile
from .group import tour_cli


@tour_cli.command("check")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def check(file: str | None, strict: bool) -> None:
    """Validate a stops file (default: the app's TOUR_DATA) and list every problem."""
    path = file or current_app.config["TOUR_DATA"]
    try:
        tour = stopsfile.load(path, max_bytes=current_app.config["TOUR_MAX_BYTES"])
    except stopsfile.TourError as exc:
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
