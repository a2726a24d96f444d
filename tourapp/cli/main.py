"""The ``tourapp`` command: Flask's command line over ``create_app``, no ``--app`` needed.

``tourapp run`` serves the walk, ``tourapp tour check`` and the other organiser commands
work as ``flask --app tourapp …`` does from a clone; installed with pip or pipx, this is
the command people have.
"""

from __future__ import annotations

import click
from flask.cli import FlaskGroup


def _create_app():
    from .. import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
@click.version_option(package_name="tourapp", prog_name="tourapp")
def main() -> None:
    """A walking tour's web app: `tourapp run` serves it, `tourapp tour …` edits the walk."""
