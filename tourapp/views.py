"""The participant's pages and the tour's data, in one blueprint of thin views."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path
from urllib.parse import quote

import xstatic.pkg.leaflet
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from . import assets, follow, gpx, mapview, qr
from .i18n import best_language, clock, distance, minutes
from .store import get_store
from .tour import LANGUAGES, Tour

bp = Blueprint("tour", __name__)
LANG = "<any(" + ", ".join(LANGUAGES) + "):lang>"
LEAFLET_DIR = Path(xstatic.pkg.leaflet.BASE_DIR)
OSM_LINK = '<a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
LEAFLET_FILES = {"leaflet.js", "leaflet.css", "images/layers.png", "images/layers-2x.png"}


@bp.record_once
def _version_leaflet(state):
    assets.versioned_files(state.app, "tour.leaflet", LEAFLET_DIR, LEAFLET_FILES)


@bp.url_value_preprocessor
def pull_lang(endpoint, values):
    """Take the language from the URL, for flask-babel and the templates."""
    if values and "lang" in values:
        g.lang = values.pop("lang")


@bp.url_defaults
def add_lang(endpoint, values):
    """Links keep the page's language unless told otherwise."""
    if "lang" not in values and getattr(g, "lang", None) and _takes_lang(endpoint):
        values["lang"] = g.lang


def _takes_lang(endpoint: str) -> bool:
    return any(
        rule.endpoint == endpoint and "lang" in rule.arguments
        for rule in current_app.url_map.iter_rules()
    )


def _tour_or_503() -> Tour:
    tour = get_store().tour()
    if tour is None:
        abort(
            503, description=_("The walk is not available at the moment. Please try again later.")
        )
    return tour


def _cached(
    body: bytes | str,
    mimetype: str,
    etag_seed: str,
    max_age: int = 0,
    last_modified: float | None = None,
) -> Response:
    """A response with a strong ETag, answered with 304 when the client has it."""
    response = Response(body, mimetype=mimetype)
    response.set_etag(hashlib.sha256(etag_seed.encode()).hexdigest()[:20])
    if last_modified:
        response.last_modified = dt.datetime.fromtimestamp(int(last_modified), dt.UTC)
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    if max_age == 0:
        response.cache_control.no_cache = True  # revalidate: the tour may change any time
    response.tour_versioned = True  # same URL and tour version, same bytes: assets replays it
    return response.make_conditional(request)


def map_labels(tour: Tour, lang: str) -> dict:
    """The texts the map shows beside each stop, formatted for ``lang``."""
    times = {v.stop.id: f"{clock(v.arrival)} – {clock(v.departure)}" for v in tour.visits}
    marker = {
        v.stop.id: _("Stop %(number)d: %(name)s, %(time)s",
                     number=v.stop.order, name=v.stop.name[lang], time=clock(v.arrival))
        for v in tour.visits
    }
    return {"times": times, "marker": marker}


def render_map_script(tour: Tour, lang: str) -> str:
    """The folium map of ``tour`` as JavaScript, once per version and language."""
    attribution = current_app.config["TILE_ATTRIBUTION"]
    if attribution == f"&copy; {OSM_LINK} contributors":  # the default, in the page's language
        attribution = "&copy; " + _("%(openstreetmap)s contributors", openstreetmap=OSM_LINK)
    if tour.attribution:
        attribution += " | " + str(escape(tour.attribution))  # file text: escaped
    m = mapview.build(
        tour, lang, map_labels(tour, lang), current_app.config["TILE_URL"], attribution
    )
    return mapview.script(m)


@bp.route("/")
def index():
    """Send the visitor to the page in their language."""
    response = redirect(url_for("tour.page", lang=best_language()))
    response.vary.add("Accept-Language")
    return response


@bp.route(f"/{LANG}/")
def page():
    """The participant page: map and itinerary."""
    tour = _tour_or_503()
    preview = follow.parse_at(request.args.get("at"))  # malformed: ignored
    if preview is not None:
        # A rehearsal at a chosen time (?at=14:05): rare, so rendered without the memo.
        html = render_template("tour.html", tour=tour, preview=preview)
        return _cached(html, "text/html", f"page {g.lang} {tour.version} {preview}")
    html = get_store().memo(("page", g.lang), lambda t: render_template("tour.html", tour=t))
    return _cached(html, "text/html", f"page {g.lang} {tour.version}")


@bp.app_template_global()
def follow_data(tour: Tour) -> dict:
    """The follow card's data for ``tour`` in the page's language (memoised per version)."""
    store = get_store()
    if store.tour() is not tour:  # the file changed during this render: keep page and data one
        return follow.data(tour, g.lang)
    return store.memo(("follow", g.lang), lambda t: follow.data(t, g.lang))


@bp.route(f"/{LANG}/map.js")
def map_script():
    """The map's script for one language."""
    tour = _tour_or_503()
    return _cached(_map_js(g.lang), "text/javascript", f"map {g.lang} {tour.version}")


def _map_js(lang: str) -> str:
    def build(tour: Tour) -> str:
        # The script may be built outside a page of its language (url_for computes its ?v=
        # from anywhere): its texts follow ``lang``, not the request's locale.
        with force_locale(lang):
            return render_map_script(tour, lang)

    return get_store().memo(("map.js", lang), build)


def map_script_version(lang: str) -> str:
    """Hash of the map script, for its ``?v=`` (so it can be cached as immutable)."""
    return get_store().memo(("map.js v", lang), lambda t: assets.version_of(_map_js(lang).encode()))


@bp.route("/tour.geojson")
def tour_geojson():
    """The stops file of the tour being served, byte for byte."""
    status = get_store().status()
    if status.tour is None:
        abort(503)
    return _cached(status.data, "application/geo+json", f"geojson {status.tour.version}")


@bp.route("/healthz")
def healthz():
    """Whether a tour is loaded, and why the file on disk is refused if it is."""
    status = get_store().status()
    body = {"status": status.state}
    if status.tour is not None:
        body.update(version=status.tour.version, stops=len(status.tour.stops))
    if status.problems:
        body["problems"] = list(status.problems)
        body["reason"] = (
            "the data file is refused, the last good tour is served"
            if status.tour is not None
            else "no valid data file has been loaded"
        )
    response = jsonify(body)
    response.status_code = 503 if status.tour is None else 200
    response.cache_control.no_store = True
    return response


@bp.route(f"/{LANG}/status")
def status_page():
    """For organisers: which version is served and, if the file was refused, every reason."""
    status = get_store().status()
    response = Response(render_template("status.html", status=status), mimetype="text/html")
    response.status_code = 503 if status.tour is None else 200
    response.cache_control.no_store = True
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/static/vendor/leaflet/<path:filename>")
def leaflet(filename: str):
    """Leaflet, served from the xstatic-leaflet package rather than a CDN."""
    if filename not in LEAFLET_FILES:
        abort(404)
    return assets.send_file(LEAFLET_DIR, filename)


GPX_TYPE = "application/gpx+xml"
# Characters a file name cannot hold on some system (path separators, Windows' reserved ones).
UNSAFE_IN_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def public_url(endpoint: str, **values) -> str:
    """An absolute URL to share (QR code, GPX links): under ``PUBLIC_URL`` when it is set.

    Behind a proxy the request's own root may be an internal address; ``PUBLIC_URL``
    (e.g. ``https://walk.example.org/``) is the address people reach the app at.
    """
    base = current_app.config.get("PUBLIC_URL") or request.url_root
    path = url_for(endpoint, **values)[len(request.script_root) :]
    return base.rstrip("/") + path


def content_disposition(ascii_name: str, name: str) -> str:
    """``attachment`` with an ASCII ``filename`` and the readable one as RFC 5987 ``filename*``."""
    readable = " ".join(UNSAFE_IN_NAME.sub(" ", gpx.xml_text(name)).split()) or ascii_name
    return (
        f'attachment; filename="{ascii_name}"; '
        f"filename*=UTF-8''{quote(readable.encode('utf-8', 'replace'), safe='')}"
    )


def gpx_wording() -> gpx.Wording:
    """The GPX texts in the current language."""
    return gpx.Wording(
        clock=clock,
        stop_type=_("Stop"),
        leg_name=lambda number, start, end: _(
            "Walk %(number)d: %(start)s → %(end)s",
            number=number, start=start.name[g.lang], end=end.name[g.lang],
        ),
        leg_description=lambda leg: _(
            "Walk %(distance)s, about %(time)s",
            distance=distance(leg.distance_m), time=minutes(leg.walk_min),
        ),
    )


def _gpx_download(body: str, etag_seed: str, ascii_name: str, name: str, modified: float):
    response = _cached(body, GPX_TYPE, etag_seed, last_modified=modified)
    response.headers["Content-Disposition"] = content_disposition(ascii_name, name)
    return response


@bp.route(f"/{LANG}/tour.gpx")
def tour_gpx():
    """The whole walk as GPX 1.1 (waypoints, route, track), for guides' apps and GPS units."""
    status = get_store().status()
    tour = status.tour or _tour_or_503()
    page_url = public_url("tour.page")
    created = dt.datetime.fromtimestamp(int(status.modified), dt.UTC)
    body = get_store().memo(
        ("tour.gpx", g.lang, page_url),
        lambda t: gpx.tour_gpx(t, g.lang, page_url, created, gpx_wording()),
    )
    title = tour.title[g.lang]
    return _gpx_download(
        body,
        f"gpx {g.lang} {tour.version} {page_url}",
        f"{gpx.slug(title)}-{g.lang}.gpx",
        f"{title}.gpx",
        status.modified,
    )


@bp.route(f"/{LANG}/legs/<int:number>.gpx")
def leg_gpx(number: int):
    """One leg as GPX 1.1, for a guide who needs just the walk to the next stop."""
    status = get_store().status()
    tour = status.tour or _tour_or_503()
    if not 1 <= number <= len(tour.legs):
        abort(404)
    page_url = public_url("tour.page")
    created = dt.datetime.fromtimestamp(int(status.modified), dt.UTC)
    body = get_store().memo(
        ("leg.gpx", g.lang, number, page_url),
        lambda t: gpx.leg_gpx(t, number, g.lang, page_url, created, gpx_wording()),
    )
    title = tour.title[g.lang]
    return _gpx_download(
        body,
        f"leg {number} {g.lang} {tour.version} {page_url}",
        f"{gpx.slug(title)}-{g.lang}-leg-{number}.gpx",
        f"{title} – {_('walk %(number)d', number=number)}.gpx",
        status.modified,
    )


@bp.route(f"/{LANG}/guides")
def guides():
    """The guides' page: GPX and GeoJSON downloads and a one-page printable run sheet."""
    tour = _tour_or_503()
    page_url = public_url("tour.page")
    html = get_store().memo(
        ("guides", g.lang, page_url),
        lambda t: render_template(
            "guides.html", tour=t, page_url=page_url, qr_svg=Markup(qr.svg(page_url))
        ),
    )
    return _cached(html, "text/html", f"guides {g.lang} {tour.version} {page_url}")


@bp.app_errorhandler(404)
@bp.app_errorhandler(503)
def error_page(error):
    """Errors as a page in the visitor's language, never a stack trace."""
    titles = {404: _("Page not found"), 503: _("Walk unavailable")}
    message = error.description if error.code == 503 else _("This page does not exist.")
    html = render_template("error.html", code=error.code, title=titles[error.code], message=message)
    headers = {"Retry-After": "30"} if error.code == 503 else {}
    return html, error.code, headers
