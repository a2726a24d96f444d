"""The organisers' console: thin views over ``auth``, ``forms`` and ``services``.

- ``/<lang>/console/sign-in``: the organiser link's page (the token in its fragment);
- ``/<lang>/console/``: the walk served, the day's links (guide links, downloads);
- ``/<lang>/console/history``: what changed in each version, restore with one button;
- ``/<lang>/console/edit``: the walk's texts, times, durations and order.

Organisers' pages of other blueprints (``ORGANISER_ENDPOINTS``) are guarded here too:
without a session a page leads to sign-in and a download answers 401.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    g,
    get_flashed_messages,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal
from flask_babel import gettext as _
from werkzeug.wrappers import Response as AnyResponse  # what redirect() gives; Flask's is one

from .. import stopsfile
from ..geodata import geocoding
from ..live import tokens
from ..live.views import get_live, link_audience
from ..render import wording
from ..render.i18n import clock
from ..stopsfile import edits
from ..stopsfile.store import get_store
from ..web.views import OSM_LINK
from . import auth, forms, newwalk, services

bp = Blueprint("console", __name__)
LANG = "<lang:lang>"

ORGANISER_ENDPOINTS = frozenset({"tour.status_page", "live.actuals_csv", "live.track_gpx"})
"""Pages and downloads of other blueprints that belong to organisers."""
OPEN_ENDPOINTS = frozenset({"console.sign_in"})
"""The console's only page open without a session."""
DOWNLOADS = frozenset({"live.actuals_csv", "live.track_gpx"})


def _guarded(endpoint: str | None) -> bool:
    if not endpoint:
        return False
    if endpoint in ORGANISER_ENDPOINTS:
        return True
    return endpoint.startswith("console.") and endpoint not in OPEN_ENDPOINTS


def _local(target: str | None) -> str | None:
    """``target`` if it is a path of this site (never another host), else None."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def _refuse(status: int, message: str) -> Response:
    html = render_template("error.html", code=status, message=message,
                           title=_("Organisers only") if status == 401 else _("Refused"))
    response = Response(html, status=status, mimetype="text/html")
    response.cache_control.no_store = True
    return response


def guard() -> AnyResponse | None:
    """Before every request: organisers' URLs need a session, the console's POSTs a CSRF token."""
    endpoint = request.endpoint
    if endpoint is None or not (endpoint.startswith("console.") or endpoint in ORGANISER_ENDPOINTS):
        return None  # participants' and guides' URLs: the session is never read
    signed_in = auth.organiser() is not None  # from the cookie: no body read yet
    if signed_in and request.method == "POST":
        # A whole walk's form (or a new walk's routed file) is larger than the app's
        # 64 KB limit, which stays for everyone else.
        limit = 2 * int(current_app.config["TOUR_MAX_BYTES"])
        request.max_content_length = request.max_form_memory_size = limit
    if request.method == "POST" and not auth.csrf_ok():
        return _refuse(403, _("This form has expired or did not come from this site: "
                              "load the page again and repeat."))
    if not _guarded(endpoint) or signed_in:
        return None
    if request.method == "GET" and endpoint not in DOWNLOADS:
        return redirect(url_for("console.sign_in", lang=g.get("lang") or "fr",
                                next=request.full_path.rstrip("?")), 303)
    return _refuse(401, _("Sign in with your organiser link first."))


@bp.after_request
def _private(response: Response) -> Response:
    response.cache_control.no_store = True
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.app_template_global()
def csrf_field_value() -> str:
    """The session's CSRF token, for the hidden field of every console form."""
    return auth.csrf_token()


@bp.route(f"/{LANG}/console/sign-in", methods=["GET", "POST"])
def sign_in():
    """Open a session with an organiser link's token (pasted, or read from the fragment)."""
    error = None
    if request.method == "POST":
        try:
            holder = auth.check_link_token(request.form.get("token", "").strip())
        except tokens.TokenError as refused:
            error = (_("This link was revoked: ask for a new one.") if refused.status == 403
                     else _("This link is not valid or has expired: ask for a new one."))
        else:
            auth.open_session(holder)
            target = _local(request.args.get("next")) or url_for("console.home")
            return redirect(target, 303)
    html = render_template("console/sign-in.html", error=error)
    return Response(html, status=401 if error else 200, mimetype="text/html")


@bp.route(f"/{LANG}/console/sign-out", methods=["POST"])
def sign_out():
    """Close the session."""
    auth.close_session()
    return redirect(url_for("console.sign_in"), 303)


def _home(new_link: str | None = None, status: int = 200) -> Response:
    store = get_store()
    live = get_live()
    html = render_template(
        "console/home.html", status=store.status(), organiser=auth.organiser(),
        new_link=new_link, guide_generation=live.generation(),
        max_hours=tokens.MAX_HOURS, messages=get_flashed_messages(),
    )
    return Response(html, status=status, mimetype="text/html")


@bp.route(f"/{LANG}/console/", methods=["GET", "POST"])
def home():
    """The console's first page: the walk served, the day's tools; POST: a guide link."""
    if request.method == "GET":
        return _home()
    return _guide_links()


def _guide_links() -> AnyResponse:
    """Make a guide link (shown once, never stored), or revoke them all."""
    live = get_live()
    if request.form.get("action") == "revoke":
        live.revoke_all()
        flash(_("Every guide link given so far is revoked."))
        return redirect(url_for("console.home"), 303)
    name = request.form.get("name", "").strip()[:60]
    try:
        hours = float(request.form.get("hours", "8").replace(",", "."))
        token = tokens.make(current_app.config["SECRET_KEY"], name, hours, live.generation(),
                            audience=link_audience())
    except ValueError:
        flash(_("The link lasts from 1 to %(max)d hours.", max=tokens.MAX_HOURS))
        return redirect(url_for("console.home"), 303)
    base = (current_app.config.get("PUBLIC_URL") or request.url_root).rstrip("/")
    return _home(f"{base}{url_for('live.guide_page')}#token={token}")


@bp.route(f"/{LANG}/console/history")
def history():
    """Every kept version, newest first: when (the walk's time), why, what changed."""
    tour = get_store().tour()
    html = render_template(
        "console/history.html", rows=services.history_rows(current_app),
        timezone=tour.timezone if tour else "", messages=get_flashed_messages(),
    )
    return Response(html, mimetype="text/html")


@bp.route(f"/{LANG}/console/restore", methods=["POST"])
def restore():
    """Serve a kept version again; a refused file on disk is copied first."""
    version = request.form.get("version", "")
    try:
        entry = services.restore(current_app, version)
    except services.NotKept:
        abort(404)
    except stopsfile.TourError as refused:  # accepted once: only a newer app could refuse it
        flash("; ".join(wording.problem(p) for p in refused.problems))
        return redirect(url_for("console.history"), 303)
    flash(_("Version %(version)s restored: every participant sees it now.",
            version=entry.version))
    if entry.kept:
        flash(_("The file on the server was refused; it was kept as %(path)s before being "
                "replaced.", path=entry.kept))
    return redirect(url_for("console.history"), 303)


@bp.route(f"/{LANG}/console/edit", methods=["GET", "POST"])
def edit():
    """The walk's texts, times, durations and order; saved through the file's own path."""
    status = get_store().status()
    if status.tour is None:
        abort(503, description=_("No valid walk is served: fix or restore the file first."))
    # The form is read back into the version it was loaded from: a save made on an older
    # version than the one served is a conflict, never a silent overwrite.
    base = request.form.get("base", "") if request.method == "POST" else status.tour.version
    document = forms_document(base) if request.method == "POST" else None
    if document is None:
        document = _document(status.data)
    values = forms.values_of(document)
    errors: dict[str, str] = {}
    problems: list[str] = []
    conflict = None
    code = 200
    far: dict[str, float] = {}
    if request.method == "POST":
        form = request.form.to_dict()
        values.update({k: v for k, v in form.items() if "." in k})
        _locate_new_stop(form, values, errors, status.tour)
        new, found = forms.apply(document, form)
        errors.update(found)
        code = 422
        if not errors:
            try:
                entry, far = _route_and_save(base, document, new, form)
            except services.Conflict as changed:
                conflict = [wording.change(c) for c in changed.changes] or [
                    _("the file was replaced")]
                code = 409
            except stopsfile.TourError as refused:
                errors, problems = forms.file_problems(new, refused.problems)
                errors, problems = _shown(errors, problems, values, document, new)
            except edits.EditError as refused:
                problems = [wording.problem(edits.said(refused))]
            else:
                if entry is not None:
                    flash(_("Saved: version %(version)s is served to everyone now.",
                            version=entry.version))
                    return redirect(url_for("console.edit"), 303)
                for ident, metres in far.items():
                    km = format_decimal(metres / 1000, format="#,##0.0")
                    errors[f"{ident}.lat"] = _(
                        "This stop is %(km)s km from every other stop: check its place, "
                        "then tick “Publish anyway” to save.", km=km)
    else:
        code = 200
    html = render_template(
        "console/edit.html", tour=status.tour, document=document, base=base,
        stops=forms.stops_in_order(document), values=values, errors=errors,
        problems=problems, conflict=conflict, messages=get_flashed_messages(), far=far,
        map_data=_map_data(document),
        stale=[leg for leg in map(stopsfile.stale_leg, status.tour.warnings) if leg],
    )
    return Response(html, status=code, mimetype="text/html")


@bp.route(f"/{LANG}/console/route-leg", methods=["POST"])
def route_leg():
    """Route again the one leg a warning names (its stop was moved in a GIS tool, say)."""
    start, _colon, end = request.form.get("leg", "").partition(":")
    try:
        entry = services.route_legs(current_app, request.form.get("base", ""), {(start, end)})
    except services.NotKept:
        flash(_("This page was made for a version no longer kept: load it again."))
    except services.Conflict:
        flash(_("Not routed: someone else saved the walk after you opened this page. "
                "Look at the walk as it is now, then route the leg again if it still needs it."))
    except edits.EditError as refused:
        flash(_("Not routed: %(problem)s", problem=wording.problem(edits.said(refused))))
    except stopsfile.TourError as refused:
        flash("; ".join(wording.problem(p) for p in refused.problems))
    else:
        flash(_("The leg “%(start)s” → “%(end)s” follows the streets again: version "
                "%(version)s is served to everyone now.", start=start, end=end,
                version=entry.version))
    return redirect(url_for("console.edit"), 303)


def _shown(errors: dict, problems: list, values: dict, document: dict, new: dict):
    """Problems of fields the page has: the new stop's under ``new.``; the others listed."""
    old_ids = {(f.get("properties") or {}).get("id") for f in document["features"]}
    added = {(f.get("properties") or {}).get("id") for f in new["features"]} - old_ids
    shown: dict[str, str] = {}
    for name, text in errors.items():
        ident, _dot, key = name.partition(".")
        name = f"new.{key}" if ident in added else name
        if name in values or name.startswith("new."):
            shown.setdefault(name, text)
        else:
            problems.append(text)
    return shown, problems


def _locate_new_stop(form: dict, values: dict, errors: dict, tour) -> None:
    """A new stop given by its address and no point: ask the geocoder where it is."""
    address = form.get("new.address_fr", "").strip() or form.get("new.address_en", "").strip()
    named = form.get("new.name_fr", "").strip() or form.get("new.name_en", "").strip()
    if not named or not address or form.get("new.lat", "").strip():
        return
    try:
        place = services.locate(current_app, address, tour)
    except geocoding.GeocodingError as failed:
        errors["new.address_fr"] = _(
            "No single place was found for this address (%(reason)s): write it more fully, "
            "or drag the new stop's pin on the map.", reason=forms.geocoder_reason(failed.reason))
        return
    form["new.lat"] = values["new.lat"] = f"{place.location[0]:.6f}"
    form["new.lon"] = values["new.lon"] = f"{place.location[1]:.6f}"


def _route_and_save(base: str, document: dict, new: dict, form: dict):
    """Validate, route the touched legs, check for far stops, save: (entry or None, far)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    name = Path(app.config["TOUR_DATA"]).name
    max_bytes = app.config["TOUR_MAX_BYTES"]
    # The loader first, on the form's document: its problems name the fields.
    proposed = stopsfile.parse(stopsfile.dumps(new).encode(), name, max_bytes=max_bytes)
    before = stopsfile.parse(stopsfile.dumps(document).encode(), name, max_bytes=max_bytes)
    changed = services.changed_stops(before, new)
    # Before routing: a slip of the mouse is said as such, not as a street too far away.
    far = services.far_stops(proposed, changed, float(app.config["CONSOLE_FAR_KM"]) * 1000)
    if far and not form.get("confirm_far"):
        return None, far
    edited = services.route(app, before, new)
    return services.save(app, base, edited.text.encode()), far


def _map_data(document: dict) -> str:
    """The map's settings for console.js: tiles and credit (stops are read from the form)."""
    attribution = current_app.config["TILE_ATTRIBUTION"]
    if attribution == f"&copy; {OSM_LINK} contributors":  # the default, in the page's language
        attribution = "&copy; " + _("%(openstreetmap)s contributors", openstreetmap=OSM_LINK)
    return json.dumps({
        "tiles": current_app.config["TILE_URL"], "attribution": attribution,
        "zoom_in": _("Zoom in"), "zoom_out": _("Zoom out"),
    })


@bp.route(f"/{LANG}/console/edit/schedule", methods=["POST"])
def schedule():
    """The edit form's schedule as it stands, for the page to show while the organiser types."""
    status = get_store().status()
    document = forms_document(request.form.get("base", "")) or (
        _document(status.data) if status.tour else None)
    if document is None:
        abort(503)
    new, errors = forms.apply(document, request.form)
    body: dict = {"errors": errors}
    if not errors:
        try:
            tour = stopsfile.parse(stopsfile.dumps(new).encode(),
                                   Path(current_app.config["TOUR_DATA"]).name,
                                   max_bytes=current_app.config["TOUR_MAX_BYTES"])
        except stopsfile.TourError as refused:
            body["errors"], body["problems"] = forms.file_problems(new, refused.problems)
        else:
            body["times"] = {v.stop.id: f"{clock(v.arrival)} – {clock(v.departure)}"
                             for v in tour.visits}
            body["end"] = _("The walk ends at %(time)s.", time=clock(tour.visits[-1].departure))
            body["warnings"] = [wording.problem(w) for w in tour.warnings]
    return jsonify(body)


NEW_FACTS = ("title_fr", "title_en", "date", "start", "end")


@bp.route(f"/{LANG}/console/new", methods=["GET", "POST"])
def new_walk():
    """A new walk from its facts and pasted rows: previewed with its timetable, then published."""
    status = get_store().status()
    facts = {key: request.form.get(f"tour.tour_{key}", "") for key in NEW_FACTS}
    rows_text = request.form.get("rows", "")
    built, conflict, code = None, None, 200
    if request.method == "POST" and request.form.get("action") == "publish":
        try:
            document = json.loads(request.form.get("document", ""))
            data = stopsfile.dumps(document).encode()
            entry = services.save(current_app, request.form.get("base", ""), data, "new-walk")
        except services.Conflict as changed:
            conflict = [wording.change(c) for c in changed.changes] or [
                _("the file was replaced")]
            code = 409
        except (ValueError, TypeError, stopsfile.TourError):
            code = 422  # the preview's document altered on its way back: preview again
        else:
            flash(_("The new walk is published: version %(version)s is served to everyone "
                    "now. The one it replaced stays in the history.", version=entry.version))
            return redirect(url_for("console.edit"), 303)
    if request.method == "POST" and code == 200 or code == 422:
        built = newwalk.build(current_app, facts, rows_text, status.tour)
        code = 200 if built.tour is not None else 422
    html = render_template(
        "console/new.html", facts=facts, rows=rows_text, built=built, conflict=conflict,
        base=request.form.get("base") or (status.tour.version if status.tour else ""),
        document=json.dumps(built.document, ensure_ascii=False) if built and built.document
        else "",
    )
    return Response(html, status=code, mimetype="text/html")


def forms_document(version: str) -> dict | None:
    """The document of a kept version (the one a form was loaded from), or None."""
    data = services.shared_history(current_app).data(version)
    return _document(data) if data is not None else None


def _document(data: bytes) -> dict:
    return json.loads(data.decode("utf-8-sig"))


def init_app(app: Flask) -> None:
    """Sessions, the blueprint, and the guard in front of every organisers' URL."""
    auth.init_app(app)
    app.register_blueprint(bp)
    app.before_request(guard)
    app.jinja_env.filters["change_text"] = wording.change
