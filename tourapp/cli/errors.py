"""The one way a command refuses: ``CommandError``, exit status 1, the file not touched."""

from __future__ import annotations

import os
from collections.abc import Iterable

import click
from flask import has_app_context
from flask_babel import gettext


def _error_line(problem: str, localized: bool) -> str:
    """``error: PROBLEM``; in the shell's language for a command whose messages are."""
    if not (localized and has_app_context()):
        return f"error: {problem}"
    return gettext("error: %(problem)s", problem=problem)


class CommandError(click.ClickException):
    """A refusal worded for the organiser, printed as ``error: …`` lines on stderr.

    ``message`` is one sentence (later lines of it are printed as they are) or a list
    of problems, one ``error:`` line each; ``notes`` follow unprefixed (advice, a
    summary); ``path`` adds « PATH: not changed. » for commands that write the file;
    ``localized``: the prefix too is translated (commands that speak the shell's language
    and translate their messages; the others stay in English throughout).
    Click prints it and exits with status 1 (usage mistakes stay ``UsageError``, 2).
    """

    exit_code = 1

    def __init__(
        self,
        message: str | Iterable[str],
        *,
        notes: Iterable[str] = (),
        path: str | os.PathLike | None = None,
        localized: bool = False,
    ):
        problems = [message] if isinstance(message, str) else list(message)
        lines = [_error_line(problem, localized) for problem in problems]
        lines += list(notes)
        if path is not None:
            lines.append(gettext("%(path)s: not changed.", path=str(path))
                         if localized and has_app_context() else f"{path}: not changed.")
        super().__init__("\n".join(lines))

    def show(self, file=None) -> None:
        """Print the lines as they are (click's own would add « Error: »)."""
        click.echo(self.message, err=True)
