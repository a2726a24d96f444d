"""The live walk over HTTP: thin views over ``guide``, ``present`` and the store.

- ``GET /live/state.json``: what every participant's phone polls (ETag, 304);
- ``POST /live/guide``: the guide's reports, token in ``Authorization: Bearer``;
- ``GET /live/guide``: whether a token is valid (the guide page asks once);
- ``GET /<lang>/guide``: the guide's page (the token stays in the URL fragment);
- ``GET /live/actuals.csv``, ``GET /<lang>/track.gpx``: the walk as it happened.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    render_template,
    request,
)
from flask_babel import force_locale

from ..domain.tour import Tour
from ..render import leaflet
from ..stopsfile.store import get_store
from ..web.assets import tour_response, version_of, version_url
from ..web.security import content_disposition
from . import guide, present, shortcut, texts, tokens
from .backends import Guarded, StoreUnavailable, open_store

log = logging.getLogger(__name__)
bp = Blueprint("live", __name__)
# tourapp.render.i18n's converter and URL processors, shared by every blueprint.
LANG = "<lang:lang>"
RATE_INTERVAL_S = 1.0
"""At most one guide request per second per link."""


def get_live(app: Flask | None = None) -> Guarded:
    """The app's live store, opened on first use (after gunicorn's fork, per worker)."""
    app = app or current_app
    store = app.extensions.get("tourapp.live")
    if store is None:
        with _opening:
            store = app.extensions.get("tourapp.live")
            if store is None:
                store = open_store(app.config["LIVE_STORE"], app.instance_path)
                app.extensions["tourapp.live"] = store
    return store


_opening = threading.Lock()


def live_store_problem() -> str | None:
    """None when the live store answers a read; else why not, in words fit for /healthz."""
    try:
        get_live().revision()
    except Exception as exc:  # any backend's failure: refused, timed out, locked…
        # The address of the store stays in the log: /healthz is public.
        cause = getattr(exc, "cause", "") or type(exc).__name__  # StoreUnavailable: the backend's
        problem = f"the live store does not answer ({cause})"
        if _health.get("problem") != problem:
            current_app.logger.error("live store: %s: %s", problem, exc)
        _health["problem"] = problem
        return problem
    if _health.pop("problem", None):
        current_app.logger.info("live store: answers again")
    return None


_health: dict[str, str] = {}
"""The last problem /healthz saw in this worker: the log names a change once, not each check."""


def _tour() -> Tour:
    tour = get_store().tour()
    if tour is None:
        abort(503)
    return tour


class _PublicMemo:
    """The participants' JSON, built at most once per revision and second in a worker."""

    def __init__(self):
        self._key = None
        self._value: tuple[bytes, str] = (b"", "")
        self._lock = threading.Lock()

    def get(self, tour: Tour) -> tuple[bytes, str]:
        live = get_live()
        now = time.time()
        # The body depends on the clock (estimates move while the group lingers, a
        # position expires): rebuilt each second, same bytes in every worker.
        key = (tour.version, live.revision(), int(now))
        with self._lock:
            if key == self._key:
                return self._value
        _rev, doc = live.read()
        body = _encode(_public(tour, doc, now))
        value = (body, hashlib.sha256(body).hexdigest()[:20])
        with self._lock:
            self._key, self._value = key, value
        return value


def _encode(state: dict) -> bytes:
    # "replace": a character UTF-8 cannot hold (a lone surrogate) must not stop the polls.
    return json.dumps(state, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(
        "utf-8", "replace"
    )


def _public(tour: Tour, doc: dict, now: float) -> dict:
    """The participants' state; the plan alone if the stored document cannot be read."""
    try:
        return present.public(tour, present.readable(doc), now)
    except Exception:  # noqa: BLE001 - stored data must never answer every phone with a 500
        log.exception("live: the stored walk cannot be presented, participants see the plan")
        return present.public(tour, {}, now)


def _memo() -> _PublicMemo:
    return current_app.extensions.setdefault("tourapp.live.public", _PublicMemo())


def current_etag() -> str | None:
    """The participants' state's ETag now (None without a tour), for ``shortcut``."""
    tour = get_store().tour()
    return None if tour is None else _memo().get(tour)[1]


@bp.route("/live/state.json")
def state():
    """The group's progress for every participant: polled, answered 304 when unchanged."""
    body, etag = _memo().get(_tour())
    response = Response(body, mimetype="application/json")
    response.set_etag(etag)
    response.cache_control.no_cache = True  # always revalidate: it is live
    response.cache_control.private = True
    return response.make_conditional(request)


def link_audience(app: Flask | None = None) -> str:
    """Which walk a guide link leads: its data file and its live store, hashed."""
    app = app or current_app
    where = app.config["LIVE_STORE"] or os.path.join(app.instance_path, "live.sqlite3")
    data = os.path.realpath(app.config["TOUR_DATA"])
    return hashlib.sha256(f"{data}\n{where}".encode()).hexdigest()[:12]


def guide_token(name: str, hours: float, app: Flask | None = None) -> str:
    """A new guide link's token: this walk's audience and the links' current generation."""
    app = app or current_app
    with app.app_context():
        generation = get_live().generation()
    return tokens.make(app.config["SECRET_KEY"], name, hours, generation,
                       audience=link_audience(app))


def _refuse(status: int, reason: str, **headers) -> Response:
    response = jsonify(error=reason)
    response.status_code = status
    response.headers.update(headers)
    response.cache_control.no_store = True
    return response


def _guide() -> tokens.Guide | Response:
    """The token's guide, or the response refusing it (401 or 403)."""
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header[:7].lower() == "bearer " else ""
    try:
        return tokens.check(
            current_app.config["SECRET_KEY"], token, get_live().generation(), now=time.time(),
            audience=link_audience(),
        )
    except tokens.TokenError as error:
        auth = {"WWW-Authenticate": 'Bearer realm="tourapp guide"'}
        return _refuse(error.status, error.reason, **(auth if error.status == 401 else {}))


@bp.route("/live/guide", methods=["GET"])
def guide_check():
    """Tell the guide page whether its link works, and whose it is."""
    who = _guide()
    if isinstance(who, Response):
        return who
    response = jsonify(name=who.name, expires=who.expires_s)
    response.cache_control.no_store = True
    return response


@bp.route("/live/guide", methods=["POST"])
def guide_post():
    """One report of the guide: position, arrival, departure, message, stop sharing."""
    who = _guide()
    if isinstance(who, Response):
        return who
    if (request.content_length or 0) > guide.MAX_BODY_BYTES:
        return _refuse(413, "request too large")
    if not request.is_json:
        return _refuse(415, "send application/json")
    if not get_live().allow(who.id, RATE_INTERVAL_S):
        return _refuse(429, "at most one request per second", **{"Retry-After": "1"})
    raw = request.get_data(cache=False)
    if len(raw) > guide.MAX_BODY_BYTES:  # chunked bodies carry no Content-Length
        return _refuse(413, "request too large")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: nested a thousand deep
        return _refuse(400, "not JSON")
    tour = _tour()
    now = time.time()
    try:
        # Checked before the transaction (cheap, no lock taken): a malformed request.
        point = guide.check(body, tour, who.name, now, who.id)
    except guide.GuideError as error:
        return _refuse(422, str(error))
    replayed = []

    def change(doc: dict) -> dict | None:
        # Checked again on the stored walk, inside the transaction: a replay, a departure
        # before its arrival, the cap, an undo. Raising here rolls back, and is answered below.
        new = guide.change(doc, body, tour, who.name, now, who.id)
        if new is None:
            replayed.append(True)
        return new

    try:
        rev, _doc = get_live().update(change, point)
    except guide.Conflict as error:
        return _refuse(409, str(error))
    except guide.GuideError as error:
        return _refuse(422, str(error))
    # A replay (a phone retrying what the server already has) gets the same answer.
    response = jsonify(ok=True, rev=rev, **({"replay": True} if replayed else {}))
    response.cache_control.no_store = True
    return response


@bp.route(f"/{LANG}/guide")
def guide_page():
    """The guide's page: useless without the token its link carries in the fragment."""
    tour = _tour()
    html = render_template(
        "guide.html", tour=tour, texts=texts.guide(tour), stops=_guide_stops(tour),
        guide_map=_guide_map(tour),
    )
    response = Response(html, mimetype="text/html")
    response.cache_control.no_store = True
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _guide_stops(tour: Tour) -> list[dict]:
    return [
        {"id": s.id, "order": s.order, "name": s.name[g.lang],
         "lat": round(s.location[0], 6), "lon": round(s.location[1], 6)}
        for s in tour.stops
    ]


def _guide_map(tour: Tour) -> dict:
    """The guide's map (static/js/guide-map.js): the legs' paths, tiles and their credit."""
    return {
        # 5 decimals: about a metre, and a page smaller by a third.
        "legs": [[[round(lat, 5), round(lon, 5)] for lat, lon in leg.path] for leg in tour.legs],
        "tiles": current_app.config["TILE_URL"],
        "attribution": leaflet.tile_attribution(
            current_app.config["TILE_ATTRIBUTION"], tour.credit(g.lang)
        ),
    }


def _download(body: str, mimetype: str, title: str, extension: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(title, extension)
    response.cache_control.no_store = True
    return response


@bp.route(f"/{LANG}/actuals.csv")
def actuals_csv():
    """Planned and actual times of every stop, for organisers after the walk."""
    tour = _tour()
    _rev, doc = get_live().read()
    spreadsheet = request.args.get("for") == "spreadsheet"
    body = present.actuals_csv(tour, present.readable(doc), time.time(), g.lang, spreadsheet)
    return _download(body, "text/csv", f"{tour.title[g.lang]} actuals", "csv")


@bp.route(f"/{LANG}/track.gpx")
def track_gpx():
    """The guide's track with its timestamps, as GPX 1.1."""
    tour = _tour()
    live = get_live()
    # Built once per revision of the walk: 50,000 points cost a third of a second.
    key = (tour.version, live.revision(), g.lang)
    memo = current_app.extensions.setdefault("tourapp.live.track", {})
    body = memo.get(key)
    if body is None:
        _rev, doc = live.read()
        guides = present.readable(doc).get("guides", {})
        names = {key: value.get("name") for key, value in guides.items()}
        body = present.track_gpx(tour, live.track(), g.lang, names)
        for old in [k for k in memo if k[:2] != key[:2]]:
            memo.pop(old, None)  # an older revision's bodies are of no more use
        memo[key] = body
    return _download(body, "application/gpx+xml", f"{tour.title[g.lang]} track", "gpx")


@bp.app_template_global()
def live_status(tour: Tour) -> dict:
    """For the organisers' status page: planned and actual times, the guide's last contact."""
    try:
        _rev, doc = get_live().read()
    except StoreUnavailable as error:
        return {"unavailable": str(error), "rows": [], "guide": None, "contact": None,
                "contact_age_min": None, "sharing": False}
    doc = present.readable(doc)
    now = time.time()
    return {
        "rows": present.status_rows(tour, doc, now),
        "guide": doc.get("guide"),
        "contact": doc.get("contact"),
        "contact_age_min": None if "contact" not in doc else int((now - doc["contact"]) // 60),
        "sharing": present.fresh_position(doc, now) is not None,
        # Every guide who reported: last contact, and whether they share their position.
        "guides": [
            {"name": one.get("name", ""), "sharing": bool(one.get("sharing")),
             "contact_age_min": int((now - one["contact"]) // 60) if "contact" in one else None}
            for one in sorted(doc.get("guides", {}).values(), key=lambda o: o.get("name", ""))
        ],
        "holder": (present.fresh_position(doc, now) or {}).get("guide"),
    }


@bp.route(f"/{LANG}/live-texts.json", endpoint="texts")
def texts_file():
    """The participant script's texts in one language: live.js asks for them when it runs.

    Out of the page (whose first render most visits pay for, live.js most never load),
    versioned by their hash and stored by the offline worker, exported with the pages.
    """
    body = _texts_json(g.lang)
    return tour_response(body, "application/json", f"live texts {g.lang} {texts_version(g.lang)}")


def _texts_json(lang: str) -> str:
    # The texts depend on the language and the compiled catalogs only: built once per worker.
    cache = current_app.extensions.setdefault("tourapp.live_texts", {})
    if lang not in cache:
        with force_locale(lang):
            cache[lang] = json.dumps(texts.participant(), ensure_ascii=False, separators=(",", ":"))
    return cache[lang]


def texts_version(lang: str) -> str:
    """The texts file's ``?v=``: its hash."""
    return version_of(_texts_json(lang).encode())


@bp.record_once
def _register_assets(state) -> None:
    version_url(state.app, "live.texts", texts_version)


def store_unavailable(error: StoreUnavailable) -> Response:
    """503 and a retry delay: phones keep their last state and show its age, guides retry."""
    return _refuse(503, "the live walk is unavailable for a moment", **{"Retry-After": "5"})


def init_app(app: Flask) -> None:
    """The blueprint (LIVE_STORE is read and checked in settings.py), the 304 shortcut."""
    app.register_blueprint(bp)
    app.register_error_handler(StoreUnavailable, store_unavailable)
    shortcut.install(app, current_etag)
