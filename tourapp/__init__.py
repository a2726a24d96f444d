"""tourapp: a mobile-first guide for a group on a walking tour."""

from __future__ import annotations

import os
import sys

import click
from flask import Flask

from .system import resources


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: settings (defaults, environment, test config, checked), then views."""
    from .settings import SettingError
    from .system.catalogs import CatalogError

    try:
        return _build(test_config)
    except (SettingError, CatalogError) as exc:
        if "gunicorn.arbiter" in sys.modules:
            # gunicorn stops on a worker's boot error (status 3) and forks the worker again,
            # forever, on any other; with --preload the arbiter itself exits with it.
            print(exc, file=sys.stderr, flush=True)
            raise SystemExit(3) from None
        if isinstance(exc, CatalogError) and click.get_current_context(silent=True):
            # It names its fix too: on the command line that sentence, not a traceback.
            raise SettingError(str(exc)) from None
        raise


def _build(test_config: dict | None) -> Flask:
    from . import settings
    from .geodata import geocoding
    from .system import logs

    # Defaults and meanings live in settings.py (docs/settings.md is its table); the
    # environment (FLASK_*, a few older names) comes next and a test config last.
    values, sources, unknown = settings.from_environ(os.environ, Flask.default_config)
    for name in test_config or {}:
        sources.pop(name, None)
    values.update(test_config or {})
    settings.validate(values, sources)
    app = Flask(
        __name__,
        template_folder=str(resources.TEMPLATES),
        static_folder=str(resources.STATIC),
        # The instance folder keeps the shared version history (and the live walk's state):
        # INSTANCE_PATH moves it, e.g. the test suite's into a temporary folder.
        instance_path=values.pop("INSTANCE_PATH", "") or None,
    )
    app.config.from_mapping(
        settings.defaults(),
        # The app's own files, not settings.
        BABEL_DEFAULT_LOCALE="fr",
        BABEL_TRANSLATION_DIRECTORIES=str(resources.TRANSLATIONS),
    )
    app.config.update(values)
    logs.configure(app.debug, command=settings.maintenance_command(), testing=app.testing)
    for name in unknown:
        app.logger.warning("%s is not a tourapp setting and is ignored (docs/settings.md)", name)
    try:
        geocoding.settings(app.config)  # only the stop commands geocode; refused at start too
    except geocoding.GeocodingError as exc:
        raise settings.SettingError(f"tourapp cannot start: {exc} (docs/settings.md).") from None
    if not app.config.get("TOUR_HISTORY_DIR"):
        from .stopsfile.history import default_folder

        # One history per data file, in the instance folder (which every worker shares).
        app.config["TOUR_HISTORY_DIR"] = default_folder(app.instance_path, app.config["TOUR_DATA"])
    app.config["TOUR_HISTORY_DIR"] = str(app.config["TOUR_HISTORY_DIR"])

    from . import cli
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
    offline.init_app(app)
    assets.init_app(app)
    cli.init_app(app)
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Outermost, so every layer (the 304 shortcut included) sees the client's request.
        # Exactly that many proxies: a client's own X-Forwarded-* beyond them is ignored.
        hops = app.config["TRUSTED_PROXIES"]
        # Flask's documented way to add WSGI middleware (ProxyFix docs).
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )
    return app
