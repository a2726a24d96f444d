"""``flask tour organiser-link``: the secret link that signs an organiser into the console."""

from __future__ import annotations

import click
from flask import current_app
from flask_babel import gettext as _

from ..console import auth
from ..domain.tour import LANGUAGES
from .group import tour_cli
from .language import speaks_shell_language


@tour_cli.command("organiser-link")
@click.option("--hours", type=float, default=24, show_default=True,
              help=f"How long the link can be used to sign in (at most {auth.MAX_HOURS}).")
@click.option("--name", default="", help="Who it is for (kept in the session, for you).")
@click.option("--lang", type=click.Choice(LANGUAGES), default=LANGUAGES[0], show_default=True)
@click.option("--url", help="The site's public address (default: PUBLIC_URL).")
@click.option("--revoke-all", is_flag=True,
              help="Refuse every organiser link given so far, and sign everyone out.")
@speaks_shell_language
def organiser_link(hours: float, name: str, lang: str, url: str | None, revoke_all: bool) -> None:
    """Print a secret link that opens the organisers' console in a browser."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if revoke_all:
        generation = auth.revoke_all(app)
        click.echo(_("every organiser link and session so far is revoked (generation "
                     "%(generation)s)", generation=generation))
        return
    try:
        token = auth.make_link_token(app, name.strip()[:60], hours)
    except ValueError as exc:
        raise click.BadParameter(_("more than 0 and at most %(max)s hours, got %(got)s",
                                   max=auth.MAX_HOURS, got=f"{hours:g}"),
                                 param_hint="--hours") from exc
    base = (url or app.config["PUBLIC_URL"] or "http://127.0.0.1:5000").rstrip("/")
    click.echo(f"{base}/{lang}/console/sign-in#token={token}")
    click.echo(_("valid for %(hours)s h; keep it secret: whoever holds it can change the walk",
                 hours=f"{hours:g}"), err=True)
