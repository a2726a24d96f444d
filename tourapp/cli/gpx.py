"""``flask tour gpx``: the GPX downloads written without a server."""

from __future__ import annotations

import datetime as dt

import click
from flask import current_app, g, url_for
from flask_babel import gettext as _

from ..domain.tour import LANGUAGES
from ..render import downloads
from ..system import durable
from .group import tour_cli
from .language import in_shell_language
from .served import served_walk


@tour_cli.command("gpx")
@click.option("--lang", type=click.Choice(LANGUAGES), default=LANGUAGES[0], show_default=True)
@click.option("--leg", type=int, help="Only this leg, numbered from 1 (stop N to stop N+1).")
@click.option("--url", help="The site's public address, for the links (default: PUBLIC_URL).")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: stdout)."
)
def gpx_file(lang: str, leg: int | None, url: str | None, output: str | None) -> None:
    """Write the walk (or one leg) as GPX 1.1, e.g. to copy onto a GPS unit."""
    base = url or current_app.config["PUBLIC_URL"]
    if not base:
        with in_shell_language():  # not the whole body: the GPX speaks --lang
            raise click.UsageError(_("give the site's address with --url or the "
                                     "PUBLIC_URL setting"))
    # The version the site serves, with the time it was accepted: the downloads' bytes.
    with in_shell_language():
        tour, status = served_walk()
    if leg is not None and not 1 <= leg <= len(tour.legs):
        with in_shell_language():
            raise click.BadParameter(
                _("the walk has legs 1 to %(last)d", last=len(tour.legs)), param_hint="--leg")
    created = dt.datetime.fromtimestamp(int(status.modified), dt.UTC)
    with current_app.test_request_context("/", base_url=base):
        g.lang = lang
        page_url = url_for("tour.page", lang=lang, _external=True)
        text = downloads.gpx_text(tour, lang, page_url, created, leg)  # as the downloads
    if output:
        durable.write_atomic(output, text)
        with in_shell_language():
            click.echo(_("%(path)s: %(size)s bytes", path=output,
                         size=f"{len(text.encode()):,}"), err=True)
    else:
        click.echo(text, nl=False)
