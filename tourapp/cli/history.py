"""``flask tour history`` and ``flask tour restore``: the accepted versions of the stops file.

Every command that writes the stops file goes through ``store.write_stops`` (the
stopsfile layer): it validates, replaces the file atomically and records the version
in the shared history, so every worker serves it and ``tour restore`` can bring back
the one before. No ``.bak`` file is made: the history is the backup.
"""

from __future__ import annotations

import click
from flask import current_app
from flask_babel import gettext

from .. import stopsfile
from ..render import wording
from ..stopsfile import store
from ..stopsfile.store import history_of
from .errors import CommandError
from .group import tour_cli
from .language import speaks_shell_language


@tour_cli.command("history")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("-n", "--limit", type=int, default=20, show_default=True,
              help="How many versions to list, newest first.")
@speaks_shell_language
def history_command(file: str | None, limit: int) -> None:
    """List the accepted versions of the stops file, newest first, with what changed."""
    path = file or current_app.config["TOUR_DATA"]
    shared = history_of(current_app, path)
    entries = shared.entries()
    if not entries:
        click.echo(gettext("No version has been accepted yet: the app records one when it "
                           "first loads the file."))
        return
    current = shared.current()
    for entry in reversed(entries[-limit:]):
        mark = "*" if entry.version == current else " "
        click.echo(f"{mark} {entry.version}  {wording.accepted_at(entry.accepted_at)}  "
                   f"{wording.reason(entry.reason)}")
        click.echo(f"    {wording.changes(entry.changes)}")
    click.echo(gettext("* served now. Bring a version back with: "
                       "flask --app tourapp tour restore VERSION"))


@tour_cli.command("restore")
@click.argument("version")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@speaks_shell_language
def restore_command(version: str, file: str | None) -> None:
    """Write an accepted VERSION (or the start of its name) back; it becomes the newest."""
    path = file or current_app.config["TOUR_DATA"]
    try:
        tour, entry = store.restore(current_app, version, path)
    except store.UnknownVersion as exc:
        if exc.matches:
            raise CommandError(gettext(
                "“%(version)s” names several kept versions (%(matches)s): give more of the "
                "name", version=version, matches=", ".join(exc.matches)), localized=True) from None
        raise CommandError(gettext("no kept version is named “%(version)s”: see "
                                   "flask --app tourapp tour history", version=version),
                           localized=True) from None
    except stopsfile.TourError as exc:  # accepted once: only a newer app could refuse it
        raise CommandError([wording.problem(problem) for problem in exc.problems],
                           localized=True) from None
    except OSError as exc:
        raise CommandError(gettext("%(path)s: cannot write the file: %(reason)s",
                                   path=path, reason=exc.strerror or exc),
                           localized=True) from None
    click.echo(gettext("%(path)s: version %(version)s restored (%(stops)d stops); every "
                       "worker serves it now.", path=path, version=entry.version,
                       stops=len(tour.stops)))
