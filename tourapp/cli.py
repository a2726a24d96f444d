"""Organiser commands: ``flask --app tourapp tour …``."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from . import geojson

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
