"""``flask tour init``: a walk file of one's own, started from the seeded walk.

An installed app serves the walk it carries inside the package until ``TOUR_DATA``
names another file; an operator starts theirs with this command, then edits it.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask_babel import gettext as _

from ..system import durable, resources
from .group import tour_cli
from .language import speaks_shell_language


@tour_cli.command("init")
@click.argument("dest", type=click.Path(dir_okay=False, path_type=Path))
@speaks_shell_language
def init_walk(dest: Path) -> None:
    """Copy the seeded walk to DEST (a new file) to start from; serve it with TOUR_DATA=DEST."""
    if dest.exists():
        raise click.ClickException(_("%(path)s already exists: it is left as it is",
                                     path=str(dest)))
    dest.parent.mkdir(parents=True, exist_ok=True)
    durable.write_atomic(dest, resources.SEEDED_WALK.read_bytes())
    click.echo(_(
        "%(path)s: the seeded walk (Montpellier, 20 November 2018) to edit.\n"
        "Serve it with TOUR_DATA=%(full)s; check it with `tour check %(path)s`.",
        path=str(dest), full=str(dest.resolve())))
