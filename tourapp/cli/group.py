"""The ``flask tour`` command group, which every command module adds itself to."""

from __future__ import annotations

from flask.cli import AppGroup

tour_cli = AppGroup("tour", help="Check and prepare the walk's data file.")
