"""tourapp: a mobile-first guide for a group on a walking tour."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
"""The repository: templates, static files, translations and the seeded walk live here."""


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then environment or test config, then extensions and views."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        # The instance folder keeps the shared version history (and the live walk's state):
        # TOURAPP_INSTANCE moves it, e.g. the test suite's into a temporary folder.
        instance_path=os.environ.get("TOURAPP_INSTANCE") or None,
    )
    app.config.from_mapping(
        SECRET_KEY="dev",
        TOUR_DATA=os.environ.get("TOUR_DATA", str(ROOT / "data" / "stops.geojson")),
        TOUR_MAX_BYTES=8 * 1024 * 1024,
        # Street network `flask tour route` uses when given neither --network nor --osrm:
        # the city's streets around the seeded walk, committed (data/montpellier/README.md).
        ROUTING_NETWORK=str(ROOT / "data" / "montpellier" / "voies.geojson"),
        # Addresses → points for `tour add-stop`, `move-stop`, `check --addresses`:
        # ban (France's address base), addok:URL or nominatim[:URL] (tourapp/geocoding.py).
        GEOCODER="ban",
        GEOCODER_USER_AGENT="",  # required by Nominatim: your app and a contact
        GEOCODER_TIMEOUT=10,
        TOUR_HISTORY_DIR="",  # default: <instance folder>/history/<data file>-<hash of its path>
        TOUR_HISTORY_KEEP=100,  # accepted versions kept
        TILE_URL="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        TILE_ATTRIBUTION=(
            '&copy; <a href="https://www.openstreetmap.org/copyright">'
            "OpenStreetMap</a> contributors"
        ),
        PUBLIC_URL="",  # the app's address behind a proxy, for the QR code and GPX links
        BABEL_DEFAULT_LOCALE="fr",
        BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "translations"),
    )
    if test_config is None:
        app.config.from_prefixed_env()  # FLASK_SECRET_KEY, FLASK_TILE_URL, …
    else:
        app.config.from_mapping(test_config)
    app.config["TOUR_DATA"] = str(app.config["TOUR_DATA"])
    if not app.config.get("TOUR_HISTORY_DIR"):
        from .stopsfile.history import default_folder

        # One history per data file, in the instance folder (which every worker shares).
        app.config["TOUR_HISTORY_DIR"] = default_folder(app.instance_path, app.config["TOUR_DATA"])
    app.config["TOUR_HISTORY_DIR"] = str(app.config["TOUR_HISTORY_DIR"])

    from . import cli, console
    from .cli.history import write_stops
    from .live import views as live
    from .render import i18n, instructions, wording
    from .stopsfile import store
    from .web import assets, bundles, canonical, offline, security, views

    canonical.init_app(app)  # first: routes take its slash rule as they are added
    security.init_app(app)
    i18n.init_app(app)
    instructions.init_app(app)
    wording.init_app(app)
    store.init_app(app)
    app.register_blueprint(views.bp)
    bundles.init_app(app)
    live.init_app(app)
    # The console saves through the commands' one path; it sits a floor below them.
    app.extensions["tourapp.write_stops"] = write_stops
    console.init_app(app)
    offline.init_app(app)
    assets.init_app(app)
    cli.init_app(app)
    return app
