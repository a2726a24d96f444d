"""``flask freeze``: the whole walk as a static site."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("freeze")
@click.argument("dest", required=False, default="build", type=click.Path(file_okay=False))
@click.option("--no-precompress", is_flag=True, help="Do not write .gz and .br copies.")
@with_appcontext
def freeze_command(dest: str, no_precompress: bool) -> None:
    """Write the whole walk as a static site to DEST (default: build)."""
    from ..freeze import FreezeError, freeze

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
