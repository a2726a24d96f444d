"""The organiser's language on the command line: the shell's locale, English by default."""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator

from flask_babel import force_locale

from ..domain.tour import LANGUAGES


def _code(value: str) -> str:
    """``fr_FR.UTF-8@euro`` → ``fr``."""
    return value.split("@")[0].split(".")[0].split("_")[0].lower()


def shell_language(environ: os._Environ | dict | None = None) -> str:
    """``fr`` or ``en`` from the shell's locale, as GNU gettext chooses; English otherwise.

    LC_ALL, else LC_MESSAGES, else LANG names the locale (the first one set decides);
    LANGUAGE, a list such as ``fr:en``, goes first unless that locale is C/POSIX (or none
    is set), and its first language the app speaks wins.
    """
    environ = os.environ if environ is None else environ
    locale = next((environ.get(name, "") for name in ("LC_ALL", "LC_MESSAGES", "LANG")
                   if environ.get(name, "")), "")
    if locale and _code(locale) not in ("c", "posix"):
        for item in environ.get("LANGUAGE", "").split(":"):
            if item and _code(item) in LANGUAGES:
                return _code(item)
    lang = _code(locale)
    return lang if lang in LANGUAGES else "en"


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
