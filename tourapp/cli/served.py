"""The walk every command reads: the version the site serves, as the views do."""

from __future__ import annotations

import click
from flask import current_app
from flask_babel import gettext

from ..domain.tour import Tour
from ..render import wording
from ..stopsfile.store import Status, served
from .errors import CommandError
from .language import in_shell_language


def served_walk() -> tuple[Tour, Status]:
    """The served version (with when it was accepted); refused only when none ever was.

    A file on disk that the app refuses (half-saved, mistyped) does not stop a command:
    like the site, it uses the last accepted version and says so.
    """
    status = served(current_app)
    tour = status.tour
    with in_shell_language():
        if tour is None:
            raise CommandError([wording.problem(p) for p in status.problems], localized=True)
        for problem in status.problems:
            click.echo(gettext("warning: the file on disk is refused, the served walk is used: "
                               "%(problem)s", problem=wording.problem(problem)), err=True)
    return tour, status
