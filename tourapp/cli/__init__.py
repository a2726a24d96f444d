"""Organiser commands: ``flask --app tourapp tour …`` and ``flask freeze``.

One module per job: ``check``, ``route``, ``stops`` (add, move, remove a stop),
``gpx`` (downloads without a server), ``freeze`` (static export), ``history``
(``history``, ``restore``, and ``write_stops``, which every command that writes the
stops file must use). A new command lives in a module of its own that adds itself to
``tour_cli`` (``from .group import tour_cli``) and is imported in ``init_app``.
"""

from __future__ import annotations

from flask import Flask

from .group import tour_cli


def init_app(app: Flask) -> None:
    """Register the ``tour`` command group and ``freeze``."""
    from . import check, freeze, gpx, history, init, live, route, stops  # noqa: F401  (each adds its commands)

    app.cli.add_command(tour_cli)
    app.cli.add_command(freeze.freeze_command)
