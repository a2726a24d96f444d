"""The organiser's language on the command line: the shell's locale, English by default."""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator

from flask_babel import force_locale

from ..domain.tour import LANGUAGES


def shell_language(environ: os._Environ | dict | None = None) -> str:
    """``fr`` or ``en`` from LC_ALL, LC_MESSAGES or LANG (POSIX order); English otherwise."""
    environ = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:  # the first one set decides, as for every POSIX program
            lang = value.split("_")[0].split(".")[0].lower()
            return lang if lang in LANGUAGES else "en"
    return "en"


@contextlib.contextmanager
def in_shell_language() -> Iterator[str]:
    """Messages (gettext, times) in the shell's language for the block."""
    lang = shell_language()
    with force_locale(lang):
        yield lang


def speaks_shell_language(command: Callable) -> Callable:
    """Run a command's body in the shell's language."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        with in_shell_language():
            return command(*args, **kwargs)

    return wrapper
