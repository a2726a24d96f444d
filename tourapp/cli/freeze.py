"""``flask freeze``: the whole walk as a static site."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from .errors import CommandError


@click.command("freeze")
@click.argument("dest", required=False, default="build", type=click.Path(file_okay=False))
@click.option("--no-precompress", is_flag=True, help="Do not write .gz and .br copies.")
@click.option("--url", help="The site's public address, for the QR code and GPX links "
              "(default: PUBLIC_URL).")
@with_appcontext
def freeze_command(dest: str, no_precompress: bool, url: str | None) -> None:
    """Write the whole walk as a static site to DEST (default: build)."""
    from ..web.export import FreezeError, freeze

    # The run sheet's QR code and the GPX files hold absolute links: without the address
    # people will open, they would point at this machine. Refused, like `tour gpx`.
    if url:
        current_app.config["PUBLIC_URL"] = url
    if not current_app.config["PUBLIC_URL"]:
        raise click.UsageError(
            "give the site's public address with --url or the PUBLIC_URL setting "
            "(FLASK_PUBLIC_URL=https://walk.example.org/): the QR code and GPX links use it"
        )
    try:
        # The app itself, not the context-local proxy (Flask's documented way to unwrap it;
        # Flask types current_app as Flask, so mypy does not know the proxy's method).
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        report = freeze(app, dest, precompress=not no_precompress)
    except FreezeError as exc:
        raise CommandError(str(exc)) from None
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(
        f"{report.destination}: {len(report.files)} files"
        + (f", {report.compressed} with .gz and .br copies" if report.compressed else "")
    )
    if report.missing_links:
        raise CommandError([f"broken link in {link}" for link in report.missing_links])
