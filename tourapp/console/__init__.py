"""The organisers' console: sign-in, history, editing, the day's links (``views``).

``auth``: organiser links, sessions and CSRF tokens; ``forms``: the edit form to and
from the stops file; ``services``: history rows, restore and save, through the one
path every command writes by.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the console and its guard over every organisers' URL."""
    from . import views

    views.init_app(app)
