"""The app's settings: which mode it runs in."""

from __future__ import annotations

import click
from flask import Flask


def is_production(app: Flask) -> bool:
    """Production is any app not under test and not in debug mode (``make run`` is debug)."""
    return not app.testing and not app.debug


def maintenance_command() -> bool:
    """True inside ``flask tour check``, ``flask routes``…: the app is built but serves nothing."""
    ctx = click.get_current_context(silent=True)
    return ctx is not None and ctx.info_name not in (None, "run")
