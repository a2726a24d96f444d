"""``flask tour guide-link | actuals | live-reset | rehearse``: the live walk's commands."""

from __future__ import annotations

import io
import json
import time
import unicodedata
import urllib.error
import urllib.request

import click
import segno
from flask import current_app
from flask_babel import gettext as _

from ..domain.tour import LANGUAGES
from ..live import present, rehearsal, tokens
from ..live.guide import clean_text
from ..live.views import get_live, link_audience
from ..settings import is_development_key, is_production
from ..system import durable
from .group import tour_cli
from .language import in_shell_language, speaks_shell_language
from .served import served_walk


def _base(url: str | None) -> str:
    return (url or current_app.config["PUBLIC_URL"] or "http://127.0.0.1:5000").rstrip("/")


@tour_cli.command("guide-link")
@click.option("--hours", type=float, default=8, show_default=True,
              help=f"How long the link works (at most {tokens.MAX_HOURS}).")
@click.option("--name", default="", help="The guide's name, shown to participants.")
@click.option("--lang", type=click.Choice(LANGUAGES), default=LANGUAGES[0], show_default=True)
@click.option("--url", help="The site's public address (default: PUBLIC_URL).")
@click.option("--revoke-all", is_flag=True, help="Invalidate every link given so far.")
@speaks_shell_language
def guide_link(hours: float, name: str, lang: str, url: str | None, revoke_all: bool) -> None:
    """Print a secret link (and its QR code) that opens the guide page on a phone."""
    if is_production(current_app) and is_development_key(current_app.config["SECRET_KEY"]):
        # The server refuses this key: a link signed with it would only ever get 401.
        raise click.ClickException(_(
            "refusing to sign a guide link with the development SECRET_KEY: set "
            "FLASK_SECRET_KEY to the key the server runs with (or add --debug to sign for "
            "a development server)."
        ))
    live = get_live(current_app)
    if revoke_all:
        generation = live.revoke_all()
        click.echo(_("every guide link given so far is revoked (generation %(generation)s)",
                     generation=generation))
        return
    shown = clean_text(name)[:60]
    if shown != name.strip()[:60] or any(unicodedata.category(c) == "Cs" for c in name):
        # Not shown as typed (bytes that are not text, control or invisible characters).
        raise click.BadParameter(_("the name must be plain text, shown as typed to "
                                   "participants"), param_hint="--name")
    try:
        token = tokens.make(current_app.config["SECRET_KEY"], shown, hours,
                            live.generation(), audience=link_audience(current_app))
    except ValueError as exc:
        raise click.BadParameter(_("more than 0 and at most %(max)s hours, got %(got)s",
                                   max=tokens.MAX_HOURS, got=f"{hours:g}"),
                                 param_hint="--hours") from exc
    link = f"{_base(url)}/{lang}/guide#token={token}"
    click.echo(link)
    qr = io.StringIO()
    segno.make(link, error="m").terminal(out=qr, compact=True)
    click.echo(qr.getvalue(), nl=False)
    click.echo(_("valid for %(hours)s h; keep it secret: whoever holds it leads the group",
                 hours=f"{hours:g}"), err=True)


@tour_cli.command("actuals")
@click.option("--lang", type=click.Choice(LANGUAGES), default=LANGUAGES[0], show_default=True)
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False),
              help="Write the actual times here (default: stdout).")
@click.option("--gpx", "gpx_path", type=click.Path(dir_okay=False),
              help="Write the guide's track (GPX 1.1, with timestamps) here.")
def actuals(lang: str, csv_path: str | None, gpx_path: str | None) -> None:
    """The walk as it happened: actual times as CSV, the guide's track as GPX."""
    tour, _status = served_walk()
    live = get_live(current_app)
    _rev, doc = live.read()
    doc = present.readable(doc)
    with current_app.app_context():
        text = present.actuals_csv(tour, doc, time.time(), lang)
    if csv_path:
        durable.write_atomic(csv_path, text)
        with in_shell_language():  # the file itself speaks --lang
            click.echo(_("%(path)s: %(count)d stop reports", path=csv_path,
                         count=len(doc.get("events", []))), err=True)
    else:
        click.echo(text, nl=False)
    if gpx_path:
        track = live.track()
        names = {key: one.get("name") for key, one in doc.get("guides", {}).items()}
        durable.write_atomic(gpx_path, present.track_gpx(tour, track, lang, names))
        with in_shell_language():
            click.echo(_("%(path)s: %(count)d track points", path=gpx_path, count=len(track)),
                       err=True)


@tour_cli.command("live-reset")
@click.confirmation_option(prompt="Forget the live walk (reports, track, message)?")
def live_reset() -> None:
    """Forget the live walk (after a rehearsal, before the day); links stay valid."""
    get_live(current_app).reset()
    click.echo("the live walk is reset: participants see the plan")


def _post(api: str, token: str, body: dict, timeout: float = 10) -> int:
    request = urllib.request.Request(
        api, data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@tour_cli.command("rehearse")
@click.option("--url", help="The running app (default: PUBLIC_URL, else 127.0.0.1:5000).")
@click.option("--speed", type=float, default=10, show_default=True,
              help="How many times faster than the plan.")
@click.option("--step-m", type=float, default=20, show_default=True,
              help="A position every this many metres along the legs.")
@click.option("--name", default="Rehearsal", show_default=True)
def rehearse(url: str | None, speed: float, step_m: float, name: str) -> None:
    """Replay a guide walking the planned route against a running app."""
    if not 0 < speed <= 100 or step_m <= 0:
        raise click.UsageError("--speed must be in (0, 100] and --step-m positive")
    tour, _status = served_walk()
    generation = get_live(current_app).generation()
    token = tokens.make(current_app.config["SECRET_KEY"], name, 8, generation,
                        audience=link_audience(current_app))
    api = _base(url) + "/live/guide"
    actions = rehearsal.script(tour, speed, step_m)
    click.echo(f"{len(actions)} requests over {actions[-1].at_s / 60:.1f} min against {api}")
    start, last_sent, sent = time.monotonic(), 0.0, 0
    epoch = time.time() - start  # monotonic → epoch seconds
    for index, action in enumerate(actions):
        due = start + action.at_s
        late = time.monotonic() > due + 1
        following = actions[index + 1].at_s if index + 1 < len(actions) else None
        overtaken = following is not None and start + following < time.monotonic()
        if action.optional and late and overtaken:
            continue  # behind schedule: a position can go, a stop report never
        time.sleep(max(0.0, due - time.monotonic(), last_sent + 1.05 - time.monotonic()))
        body = dict(action.body)
        # When it was due, not when the server or the rate limit let it go: the walk clock
        # (anchored by the first request) and every report stay on the script's time.
        body["t"] = min(epoch + due, time.time())
        while True:
            status = _post(api, token, body)
            last_sent = time.monotonic()
            if status != 429:
                break
            time.sleep(1.05)  # one request a second per link
        sent += 1
        if status != 200:
            raise click.ClickException(f"{action.body['type']}: HTTP {status} from {api}")
        if action.body["type"] != "position":
            click.echo(f"{time.monotonic() - start:7.1f} s  {action.body['type']} "
                       f"{action.body.get('stop', '')}".rstrip())
    click.echo(f"done: {sent} requests sent")
