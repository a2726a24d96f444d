"""``flask tour history`` and ``flask tour restore``; ``write_stops`` for every command that writes.

Every command that changes the stops file must call ``write_stops(target, text,
reason)`` instead of writing the file itself::

    from .history import write_stops
    tour, entry = write_stops(current_app, new_text, "add-stop")  # or a path

It validates the text (``stopsfile.TourError`` lists every problem, and nothing is
written), replaces the file atomically (its permissions and owner kept), and
records the version in the shared history with ``reason`` — as one step under the
history's lock, so every worker serves it at once and ``tour restore`` can bring
back the file as it was before. No ``.bak`` file is made: the history is the backup.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask_babel import gettext

from .. import stopsfile
from ..domain.tour import Tour
from ..render import wording
from ..stopsfile import history
from .group import tour_cli
from .language import speaks_shell_language


def history_of(app: Flask, path: str | os.PathLike) -> history.History:
    """The shared history of the stops file at ``path`` (the app's own for its TOUR_DATA)."""
    same = Path(path).resolve() == Path(app.config["TOUR_DATA"]).resolve()
    folder = (
        app.config["TOUR_HISTORY_DIR"] if same
        else history.default_folder(app.instance_path, path)
    )
    return history.History(folder, app.config["TOUR_HISTORY_KEEP"])


def _served(shared: history.History, path: Path, max_bytes: int) -> Tour | None:
    """The version served now (the history's newest, else the file if valid), to compare with."""
    version = shared.current()
    data = shared.data(version) if version else None
    try:
        if data is None:
            data = path.read_bytes()
        return stopsfile.parse(data, path.name, max_bytes=max_bytes)
    except (OSError, stopsfile.TourError):
        return None


def write_stops(
    target: Flask | str | os.PathLike, text: str | bytes, reason: str
) -> tuple[Tour, history.Entry]:
    """Validate ``text``, write it over the stops file and record it in the history."""
    app = target if isinstance(target, Flask) else current_app._get_current_object()
    path = Path(app.config["TOUR_DATA"] if isinstance(target, Flask) else target)
    data = text.encode("utf-8") if isinstance(text, str) else text
    max_bytes = app.config["TOUR_MAX_BYTES"]
    tour = stopsfile.parse(data, str(path), max_bytes=max_bytes)  # raises before writing
    shared = history_of(app, path)
    try:
        old = path.read_bytes()
        on_disk = (old, stopsfile.parse(old, path.name, max_bytes=max_bytes))
    except (OSError, stopsfile.TourError):
        on_disk = None  # nothing worth keeping: missing or refused
    entry = shared.write(path, data, tour, _served(shared, path, max_bytes), reason, on_disk)
    return tour, entry


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
    shared = history_of(current_app, path)
    found = shared.resolve(version)
    data = shared.data(found) if found else None
    if data is None:
        click.echo(gettext("error: no kept version is named “%(version)s”: see "
                           "flask --app tourapp tour history", version=version), err=True)
        sys.exit(1)
    try:
        tour, entry = write_stops(current_app._get_current_object() if file is None else path,
                                  data, "restore")
    except stopsfile.TourError as exc:  # accepted once: only a newer app could refuse it
        for problem in exc.problems:
            click.echo(gettext("error: %(problem)s", problem=wording.problem(problem)), err=True)
        sys.exit(1)
    except OSError as exc:
        click.echo(gettext("error: %(path)s: cannot write the file: %(reason)s",
                           path=path, reason=exc.strerror or exc), err=True)
        sys.exit(1)
    click.echo(gettext("%(path)s: version %(version)s restored (%(stops)d stops); every "
                       "worker serves it now.", path=path, version=entry.version,
                       stops=len(tour.stops)))
    if entry.kept:
        click.echo(gettext("The file it replaced was refused; it is kept as %(kept)s.",
                           kept=entry.kept))
