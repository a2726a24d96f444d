"""The participant's pages and the tour's data, in one blueprint of thin views."""

from __future__ import annotations

import hashlib
from pathlib import Path

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
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from markupsafe import escape

from . import follow, mapview
from .i18n import best_language, clock
from .store import get_store
from .tour import LANGUAGES, Tour

bp = Blueprint("tour", __name__)
LANG = "<any(" + ", ".join(LANGUAGES) + "):lang>"
LEAFLET_DIR = Path(xstatic.pkg.leaflet.BASE_DIR)
LEAFLET_FILES = {"leaflet.js", "leaflet.css", "images/layers.png", "images/layers-2x.png"}


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
        abort(503, description=_("The walk is not available at the moment. Please try again later."))
    return tour


def _cached(body: bytes | str, mimetype: str, etag_seed: str, max_age: int = 0) -> Response:
    """A response with a strong ETag, answered with 304 when the client has it."""
    response = Response(body, mimetype=mimetype)
    response.set_etag(hashlib.sha256(etag_seed.encode()).hexdigest()[:20])
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    if max_age == 0:
        response.cache_control.no_cache = True  # revalidate: the tour may change any time
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
    js = get_store().memo(("map.js", g.lang), lambda t: render_map_script(t, g.lang))
    return _cached(js, "text/javascript", f"map {g.lang} {tour.version}")


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
    response = jsonify(body)
    response.status_code = 503 if status.tour is None else 200
    response.cache_control.no_store = True
    return response


@bp.route("/static/vendor/leaflet/<path:filename>")
def leaflet(filename: str):
    """Leaflet, served from the xstatic-leaflet package rather than a CDN."""
    if filename not in LEAFLET_FILES:
        abort(404)
    return send_from_directory(LEAFLET_DIR, filename, max_age=86400)


@bp.app_errorhandler(404)
@bp.app_errorhandler(503)
def error_page(error):
    """Errors as a page in the visitor's language, never a stack trace."""
    titles = {404: _("Page not found"), 503: _("Walk unavailable")}
    message = error.description if error.code == 503 else _("This page does not exist.")
    html = render_template("error.html", code=error.code, title=titles[error.code], message=message)
    return html, error.code
