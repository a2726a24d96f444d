"""Offline after the first visit: the web app manifest, the service worker and what it precaches.

The service worker is served from the site root (``/sw.js``) so that its scope is
the whole site. Its script never changes with the data: the page registers it as
``/sw.js?v=<tour version>-<assets hash>``, so new tour data or new app files give
a new registration URL, a new install and a new cache, and the old cache is
dropped on activation. What it precaches comes from ``/offline.json``, built here
with ``url_for``, so a new page or file is one line in ``PRECACHE_ENDPOINTS``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from collections.abc import Callable
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, g
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from ..domain.tour import LANGUAGES, Tour
from ..render.i18n import best_language
from ..settings import BY_NAME
from ..stopsfile.store import get_store
from .assets import get_cache, tour_response
from .bundles import BUILT, BUNDLES

bp = Blueprint("offline", __name__)

WORKER_FILE = "js/sw.js"
"""The service worker's source, in the static folder, served at the site root."""

TILE_CACHE_MAX = BY_NAME["OFFLINE_TILE_CACHE_MAX"].default
"""Map tiles kept for offline use: only those the user viewed, oldest evicted first."""

PRECACHE_ENDPOINTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # (endpoint, arguments): "lang" gives one URL per language, "v" adds the tour
    # version, "number" one URL per leg (1, 2, …). Endpoints this app does not have
    # are skipped, so a feature still on its way (GPX, guides page) is picked up
    # once it lands.
    ("tour.page", ("lang",)),
    ("tour.map_script", ("lang",)),  # assets adds ?v=<hash of the script>, as on the page
    ("tour.tour_geojson", ()),
    ("tour.tour_gpx", ("lang",)),
    ("tour.leg_gpx", ("lang", "number")),
    ("tour.guides", ("lang",)),
    ("tour.calendar_event", ("lang",)),  # « Add to my calendar », in a basement too
    ("offline.manifest", ("lang",)),
    ("live.texts", ("lang",)),  # live.js's texts (with ?v=, as on the page)
)
STATIC_FOLDERS = ("css", "js", "icons", "vendor", "basemap")
"""The app's own static files the pages use, all precached (the worker script excepted);
``basemap``: the offline base map (tools/build_basemap.py), drawn when tiles fail."""
STATIC_SUFFIXES = {".css", ".js", ".png", ".svg", ".webp", ".woff2", ".json"}
NOT_PRECACHED = {"icons/icon-512.png", "icons/maskable-512.png"}
"""Install-time icons: the browser fetches them itself when it installs the app."""
BUNDLED_ONLY = {file for files in BUNDLES.values() for file in files} - {
    "css/app.css", "css/live.css", "js/site.js", "js/common.js",  # also linked by the guide's page
}
"""Files the pages get inside a bundle only: the bundle is precached instead."""
BUILD_OUTPUT = f"{BUILT}/"
"""tools/build_scripts.py's minified scripts: what bundles are made of, never loaded alone.
They count in the assets' hash; the worker stores the bundles made of them."""


def _link(endpoint: str, **values) -> str:
    """A URL as the pages write it: absolute in the app, relative to the file in a static
    export (``freeze`` swaps the templates' ``url_for``), so that the worker, its list and
    the manifest work at the root of a host or under a sub-path."""
    # Jinja types its globals as object; this one is Flask's url_for or freeze's.
    url_for: Callable[..., str] = current_app.jinja_env.globals["url_for"]  # type: ignore[assignment]
    return url_for(endpoint, **values)


def _static_files(app: Flask) -> list[str]:
    """The static files to precache, as paths relative to the static folder."""
    assert app.static_folder is not None  # create_app always sets it
    root = Path(app.static_folder)
    files = []
    for folder in STATIC_FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            relative = path.relative_to(root).as_posix()
            if path.is_file() and path.suffix in STATIC_SUFFIXES and relative != WORKER_FILE:
                files.append(relative)
    return files


def assets_hash(app: Flask) -> str:
    """A hash of the app's static files (Leaflet's among them): new files, new offline cache."""
    cached = app.extensions.get("offline_assets_hash")
    if cached:
        return cached
    digest = hashlib.sha256()
    assert app.static_folder is not None  # create_app always sets it
    root = Path(app.static_folder)
    paths = [root / name for name in _static_files(app)] + [root / WORKER_FILE]
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    value = digest.hexdigest()[:12]
    app.extensions["offline_assets_hash"] = value
    return value


def cache_version(tour_version: str) -> str:
    """The offline cache's version: the tour data's content hash and the app's assets hash."""
    return f"{tour_version}-{assets_hash(current_app)}"


LIVE_PRECACHE_ENDPOINTS = (("live.guide_page", ("lang",)),)
"""The guide's page works offline from its first load (its reports wait on the phone);
a static copy has no live walk, and no guide page to store."""


def precache_urls(tour: Tour, endpoints=None) -> list[str]:
    """Every URL the service worker stores at install, in both languages."""
    if endpoints is None:
        endpoints = PRECACHE_ENDPOINTS
        if not current_app.config.get("FREEZER_DESTINATION"):
            endpoints += LIVE_PRECACHE_ENDPOINTS
    urls: list[str] = []
    for endpoint, arguments in endpoints:
        langs = LANGUAGES if "lang" in arguments else (None,)
        numbers = range(1, len(tour.legs) + 1) if "number" in arguments else (None,)
        for lang, number in itertools.product(langs, numbers):
            values = {"lang": lang, "number": number}
            values = {key: value for key, value in values.items() if value is not None}
            if "v" in arguments:
                values["v"] = tour.version
            try:
                url = _link(endpoint, **values)
            except BuildError:  # an endpoint this app does not have (yet)
                break
            if url not in urls:
                urls.append(url)
    urls += [
        _link("static", filename=name)
        for name in _static_files(current_app)
        if name not in NOT_PRECACHED and name not in BUNDLED_ONLY
        and not name.startswith(BUILD_OUTPUT)
    ]
    # The page's Leaflet is in its bundle: the package's files are not precached.
    urls += [_link("bundles.bundle", name=name) for name in BUNDLES]
    # The stops' photos (each at most 500 KB): the entrance is there without signal too.
    urls += [
        _link("tour.photo", name=stop.photo.file, v=stop.photo.version)
        for stop in tour.stops if stop.photo is not None and stop.photo.version
    ]
    return urls


def worker_url() -> str | None:
    """The URL the pages register the service worker with, or None without a tour."""
    tour = get_store().tour()
    if tour is None:
        return None
    values = {"v": cache_version(tour.version)}
    limit = current_app.config["OFFLINE_TILE_CACHE_MAX"]
    if limit != TILE_CACHE_MAX:
        values["tiles"] = limit
    return _link("offline.worker", **values)


def manifest(lang: str) -> dict:
    """The web app manifest in one language: names, colours, icons, start page."""
    icons = [
        {"src": _link("static", filename=f"icons/icon-{size}.png"), "sizes": f"{size}x{size}",
         "type": "image/png", "purpose": "any"}
        for size in (192, 512)
    ]
    icons.append({"src": _link("static", filename="icons/maskable-512.png"),
                  "sizes": "512x512", "type": "image/png", "purpose": "maskable"})
    start = _link("tour.page", lang=lang)
    return {
        "id": start,
        "lang": lang,
        "dir": "ltr",
        "name": _("Walking tour guide"),
        "short_name": _("Walk"),
        "description": _("The walk's map, stops and times, also without a network."),
        "start_url": start,
        "scope": _link("tour.index"),
        "display": "standalone",
        "orientation": "any",
        "background_color": "#ffffff",
        "theme_color": "#0b5cad",
        "icons": icons,
    }


def _no_cache(response: Response) -> Response:
    response.cache_control.no_cache = True
    return response


@bp.route("/sw.js")
def worker():
    """The service worker, from the site root so that it controls every page.

    Built once per file and tour version like the pages (``tour_response``): then
    compressed once and replayed, instead of a file opened, hashed and sent uncompressed
    on each request. Its ETag names the file's bytes only: the script does not change
    with the data (the registration URL's ``?v=`` does). ``security`` gives it the
    worker's own policy by its endpoint, which a replay keeps.
    """
    asset = get_cache().asset(os.path.join(current_app.static_folder, WORKER_FILE))
    if asset is None:
        abort(404)
    return tour_response(
        asset.bodies["identity"],
        "text/javascript",
        f"worker {asset.version}",
        last_modified=asset.signature[0] / 1e9,
    )


@bp.route("/offline.json")
def offline_list():
    """What the service worker precaches, for the tour being served."""
    tour = get_store().tour()
    if tour is None:
        return Response(status=503)
    body = {
        "version": cache_version(tour.version),
        "precache": precache_urls(tour),
        "pages": {lang: _link("tour.page", lang=lang) for lang in LANGUAGES},
    }
    return _no_cache(Response(json.dumps(body, indent=1), mimetype="application/json"))


@bp.route("/<lang:lang>/manifest.webmanifest", endpoint="manifest")
def manifest_view():
    """The web app manifest in the page's language, built once per language and version.

    Its bytes depend on the language and the app's files (the icons' ``?v=``); the
    tour version is in the ETag too, so that a manifest that one day names the tour
    cannot keep an old ETag.
    """
    body = json.dumps(manifest(g.lang), ensure_ascii=False, indent=1)
    tour = get_store().tour()
    version = tour.version if tour is not None else "no tour"
    seed = f"manifest {g.lang} {version} {assets_hash(current_app)}"
    return tour_response(body, "application/manifest+json", seed)


@bp.route("/manifest.webmanifest")
def root_manifest():
    """The manifest in the visitor's language, for tools that look at the site root.

    Its ``Vary: Accept-Language`` makes ``assets`` replay it per language.
    """
    g.lang = best_language()
    response = manifest_view()
    response.vary.add("Accept-Language")
    return response


def init_app(app: Flask) -> None:
    """Serve the manifest and the worker; give templates the worker's URL."""
    app.register_blueprint(bp)
    app.jinja_env.globals["offline_worker_url"] = worker_url
