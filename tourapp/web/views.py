"""The participant's pages and the tour's data, in one blueprint of thin views."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlencode

import rjsmin
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
from werkzeug.exceptions import SecurityError

from ..domain.tour import Tour
from ..live.views import live_store_problem
from ..render import calendar, course, downloads, follow, leaflet, qr, routemap
from ..render.i18n import best_language, clock, select_locale
from ..stopsfile.photos import folder_of
from ..stopsfile.store import get_store
from . import assets
from .assets import tour_response
from .security import content_disposition, download_name

bp = Blueprint("tour", __name__)
# The converter and its URL processors: tourapp.render.i18n, for every blueprint.
LANG = "<lang:lang>"
OSM_LINK = leaflet.OSM_LINK


@bp.record_once
def _register_assets(state):
    assets.versioned_files(state.app, "tour.leaflet", leaflet.DIRECTORY, leaflet.FILES)
    assets.version_url(state.app, "tour.map_script", map_script_version)


def _tour_or_503() -> Tour:
    tour = get_store().tour()
    if tour is None:
        abort(
            503, description=_("The walk is not available at the moment. Please try again later.")
        )
    return tour


def map_labels(tour: Tour, lang: str) -> dict:
    """The texts the map shows beside each stop, formatted for ``lang``."""
    # As the itinerary says it: a stop without a visit has one time, not « 13 h 30 – 13 h 30 ».
    times = {
        v.stop.id: f"{clock(v.arrival)} – {clock(v.departure)}" if v.minutes
        else _("Departure at %(time)s", time=clock(v.departure)) if i == 0
        else _("Arrival at %(time)s", time=clock(v.arrival))
        for i, v in enumerate(tour.visits)
    }
    marker = {
        v.stop.id: _("Stop %(number)d: %(name)s, %(time)s",
                     number=v.stop.order, name=v.stop.name[lang], time=clock(v.arrival))
        for v in tour.visits
    }
    return {"times": times, "marker": marker}


def render_map_script(tour: Tour, lang: str) -> str:
    """The folium map of ``tour`` as JavaScript, once per version and language."""
    attribution = leaflet.tile_attribution(
        current_app.config["TILE_ATTRIBUTION"], tour.credit(lang)
    )
    # Imported here, where the map is drawn (once per version and language): folium brings
    # numpy (+28 MB, +0.3 s) that no other request of a worker needs.
    from ..render import mapview

    m = mapview.build(
        tour, lang, map_labels(tour, lang), current_app.config["TILE_URL"], attribution
    )
    return mapview.script(m)


@bp.route("/")
def index():
    """Send the visitor to the page in their language, keeping the query string (?at=…)."""
    location = url_for("tour.page", lang=best_language())
    if request.args:
        # Re-encoded from the parsed arguments: data, never url_for's options (_external…).
        location += "?" + urlencode(list(request.args.items(multi=True)), safe=":")
    response = redirect(location)
    response.vary.add("Accept-Language")
    return response


@bp.route(f"/{LANG}/")
def page():
    """The participant page: map and itinerary."""
    tour = _tour_or_503()
    preview = follow.parse_at(request.args.get("at"))  # malformed: ignored
    html = get_store().memo(("page", g.lang),
                            lambda t: unindented(render_template("tour.html", tour=t)))
    if preview is not None:
        # A rehearsal at a chosen time (?at=14:05): 1,440 of them per language, any of
        # which a stranger may ask for. The page already made, with the preview's two
        # marks put in (microseconds), compressed fast and kept nowhere.
        return tour_response(preview_page(html, preview), "text/html",
                             f"page {g.lang} {tour.version} {preview}", ephemeral=True)
    return tour_response(html, "text/html", f"page {g.lang} {tour.version}")


def unindented(html: str) -> str:
    """``html`` without the templates' indentation: bytes of the first render (about 130
    of 4,700 compressed), where white space never matters (the page has no ``pre`` or
    ``textarea``, and a line break stays a break)."""
    return INDENTATION.sub("\n", html)


INDENTATION = re.compile(r"\n\s+")

FOLLOW_HEADING = '\n<h2 id="follow-heading"'
"""Where ``templates/follow.html`` ends the card's opening tag (tests compare with a render)."""


def preview_page(html: str, preview: dt.time) -> str:
    """The page ``render_template("tour.html", preview=preview)`` writes, from the plain one."""
    at = html.index(FOLLOW_HEADING)  # the opening tag of the card ends just before
    heading_end = html.index("</h2>", at) + len("</h2>")
    # As Jinja's i18n does: the translation is trusted text, the value put in is escaped.
    banner = _("Preview: the walk as at %(time)s on its day.", time=escape(clock(preview)))
    return (
        html[: at - 1] + f' data-preview-at="{preview:%H:%M}">' + html[at:heading_end]
        + f'\n  \n  <p class="follow-preview">{banner}</p>' + html[heading_end:]
    )


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
    return tour_response(_map_js(g.lang), "text/javascript", f"map {g.lang} {tour.version}")


def _map_js(lang: str) -> str:
    def build(tour: Tour) -> str:
        # The script may be built outside a page of its language (url_for computes its ?v=
        # from anywhere): its texts follow ``lang``, not the request's locale.
        with force_locale(lang):
            # folium writes its script indented and spread over lines: minified, it is
            # 90 bytes less before the first render (compressed).
            return rjsmin.jsmin(render_map_script(tour, lang))

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
    return tour_response(status.data, "application/geo+json", f"geojson {status.tour.version}")


@bp.route("/healthz")
def healthz():
    """Whether a tour is loaded and the live store answers; why not, if not.

    503 when there is no tour or the live store does not answer: a load balancer then
    sends phones to a machine that can serve the live walk (docs/deploy.md).
    """
    status = get_store().status()
    body = {"status": status.state}
    if status.tour is not None:
        # Schedule warnings do not make the tour unusable: counted, still "ok" and HTTP 200.
        body.update(version=status.tour.version, stops=len(status.tour.stops),
                    warnings=len(status.tour.warnings), off_schedule=status.tour.off_schedule)
    if status.problems:
        body["problems"] = list(status.problems)
        body["reason"] = (
            "the data file is refused, the last good tour is served"
            if status.tour is not None
            else "no valid data file has been loaded"
        )
    live_problem = live_store_problem()
    if live_problem is not None:
        body["live_store"] = live_problem
        if status.tour is not None:
            body["status"] = "degraded"
    failing = status.tour is None or live_problem is not None
    response = jsonify(body)
    response.status_code = 503 if failing else 200
    response.cache_control.no_store = True
    return response


@bp.route(f"/{LANG}/status")
def status_page():
    """For organisers: which version is served and, if the file was refused, every reason."""
    status = get_store().status()
    response = Response(
        render_template("status.html", status=status, recent=get_store().recent(10)),
        mimetype="text/html",
    )
    response.status_code = 503 if status.tour is None else 200
    response.cache_control.no_store = True
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/static/vendor/leaflet/<path:filename>", endpoint="leaflet")
def leaflet_file(filename: str):
    """Leaflet, served from the xstatic-leaflet package rather than a CDN."""
    if filename not in leaflet.FILES:
        abort(404)
    return assets.send_file(leaflet.DIRECTORY, filename)


@bp.route("/photos/<name>")
def photo(name: str):
    """A stop's photo, from the folder beside the stops file: only those the walk names.

    Its URL carries the file's version (``?v=``): cached a year, like the static files.
    """
    tour = _tour_or_503()
    if not any(stop.photo is not None and stop.photo.file == name for stop in tour.stops):
        abort(404)
    return assets.send_file(folder_of(current_app.config["TOUR_DATA"]), name)


GPX_TYPE = "application/gpx+xml"


def public_url(endpoint: str, **values) -> str:
    """An absolute URL to share (QR code, GPX links): under ``PUBLIC_URL`` when it is set.

    Behind a proxy the request's own root may be an internal address; ``PUBLIC_URL``
    (e.g. ``https://walk.example.org/``) is the address people reach the app at.
    """
    base = current_app.config.get("PUBLIC_URL") or request.url_root
    path = url_for(endpoint, **values)[len(request.script_root) :]
    return base.rstrip("/") + path


def _host_memo(key: tuple, build) -> tuple[Any, bool]:
    """``store.memo`` for an answer naming the request's host; (value, not remembered).

    Without ``PUBLIC_URL`` the host comes from the request: only a few hosts' answers
    are remembered, so random ``Host:`` headers cannot push the real pages out.
    """
    if current_app.config.get("PUBLIC_URL") or assets.get_cache().known_host(request.host_url):
        return get_store().memo(key, build), False
    return build(_tour_or_503()), True


def gpx_download(number: int | None = None, track_only: bool = False):
    """The walk, or leg ``number`` alone, as GPX 1.1 for guides' apps and GPS units."""
    status = get_store().status()
    tour = status.tour or _tour_or_503()
    if number is not None and not 1 <= number <= len(tour.legs):
        abort(404)
    page_url = public_url("tour.page")
    created = dt.datetime.fromtimestamp(int(status.modified), dt.UTC)
    body, ephemeral = _host_memo(
        ("gpx", g.lang, number, page_url, track_only),
        lambda t: downloads.gpx_text(t, g.lang, page_url, created, number, track_only),
    )
    response = tour_response(
        body, GPX_TYPE, f"gpx {g.lang} {number} {track_only} {tour.version} {page_url}",
        last_modified=status.modified, ephemeral=ephemeral,
    )
    response.headers["Content-Disposition"] = content_disposition(
        downloads.gpx_title(tour, g.lang, number, track_only), "gpx"
    )
    return response


bp.add_url_rule(f"/{LANG}/tour.gpx", "tour_gpx", gpx_download)
bp.add_url_rule(
    f"/{LANG}/tour-track.gpx", "tour_track_gpx", gpx_download, defaults={"track_only": True}
)
bp.add_url_rule(f"/{LANG}/legs/<int:number>.gpx", "leg_gpx", gpx_download)


@bp.route(f"/{LANG}/tour.tcx")
def course_download():
    """The walk as a Garmin course (TCX): the track at the plan's pace, a point per stop."""
    status = get_store().status()
    tour = status.tour or _tour_or_503()
    body = get_store().memo(("tcx", g.lang), lambda t: course.course_tcx(t, g.lang, _("Stop")))
    response = tour_response(
        body, "application/vnd.garmin.tcx+xml", f"tcx {g.lang} {tour.version}",
        last_modified=status.modified,
    )
    response.headers["Content-Disposition"] = content_disposition(tour.title[g.lang], "tcx")
    return response


@bp.route(f"/{LANG}/walk.ics")
def calendar_event():
    """The walk as an event for the participant's calendar (iCalendar, RFC 5545)."""
    status = get_store().status()
    tour = status.tour or _tour_or_503()
    page_url = public_url("tour.page")
    # The moment this version was accepted: the same bytes every time it is asked for.
    stamp = dt.datetime.fromtimestamp(int(status.modified), dt.UTC)
    body, ephemeral = _host_memo(
        ("ics", g.lang, page_url),
        lambda t: calendar.walk_ics(t, g.lang, page_url, stamp, public_url("tour.index")),
    )
    response = tour_response(
        body, "text/calendar", f"ics {g.lang} {tour.version} {page_url} {stamp}",
        last_modified=status.modified, ephemeral=ephemeral,
    )
    response.headers["Content-Disposition"] = content_disposition(tour.title[g.lang], "ics")
    return response


@bp.route(f"/{LANG}/guides")
def guides():
    """The guides' page: the downloads and the run sheet, a document to print on A4."""
    tour = _tour_or_503()
    page_url = public_url("tour.page")
    html, ephemeral = _host_memo(
        ("guides", g.lang, page_url),
        lambda t: render_template(
            "guides.html", tour=t, page_url=page_url, qr_svg=Markup(qr.svg(page_url)),
            route_svg=Markup(routemap.route_svg(t)), file_names=_file_names(t, g.lang),
        ),
    )
    return tour_response(html, "text/html", f"guides {g.lang} {tour.version} {page_url}",
                         ephemeral=ephemeral)


def _file_names(tour: Tour, lang: str) -> dict[str, Any]:
    """The downloads' names as their Content-Disposition gives them, for the links'
    ``download``: a static export's host sends no such header (files saved as 1.gpx)."""
    def name(title: str, extension: str) -> str:
        return download_name(title, extension)[1]

    return {
        "tour": name(downloads.gpx_title(tour, lang, None), "gpx"),
        "track": name(downloads.gpx_title(tour, lang, None, track_only=True), "gpx"),
        "course": name(tour.title[lang], "tcx"),
        "legs": [name(downloads.gpx_title(tour, lang, number), "gpx")
                 for number in range(1, len(tour.legs) + 1)],
    }


@bp.app_errorhandler(400)
@bp.app_errorhandler(404)
@bp.app_errorhandler(405)
@bp.app_errorhandler(413)
@bp.app_errorhandler(500)
@bp.app_errorhandler(503)
def error_page(error):
    """Errors as a page in the URL's language with links back to the walk, never a trace."""
    if isinstance(error, SecurityError):
        # A Host: outside TRUSTED_HOSTS: no URL can be built for it, and none should be.
        response = Response("400 Bad Request: this host name is not served here.\n", 400,
                            mimetype="text/plain")
        response.cache_control.no_store = True
        return response
    g.lang = select_locale()  # also for a URL no route matched: /en/no-such-page
    titles = {404: _("Page not found"), 503: _("Walk unavailable")}
    messages = {404: _("This page does not exist."), 503: error.description}
    html = render_template(
        "error.html",
        code=error.code,
        title=titles.get(error.code, _("Something went wrong")),
        message=messages.get(error.code, _("This request could not be answered.")),
    )
    headers = {"Retry-After": "30"} if error.code == 503 else {}
    if error.code == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)  # RFC 9110: a 405 names them
    return html, error.code, headers
