"""Who is an organiser: a signed link made by a command, then a session cookie; CSRF tokens.

The link is a token of ``live.tokens`` (signed with ``SECRET_KEY``, expiring, carrying
a *generation*) under a salt of its own, so a guide's link never opens the console
and an organiser's never leads the group. ``flask tour organiser-link --revoke-all``
bumps the organisers' generation (a small file beside the walk's history, shared by
every worker): every link given so far and every session opened with one is refused.

A valid link opens a session (Flask's signed cookie: HttpOnly, SameSite=Lax, Secure
over https, expiring after ``CONSOLE_SESSION_HOURS``). Every POST to the console
carries the session's CSRF token, checked in constant time.
"""

from __future__ import annotations

import hmac
import json
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app, request, session
from flask.sessions import SecureCookieSessionInterface

from ..live import tokens
from ..system.durable import write_atomic

SALT = "tourapp.console.organiser-link"
MAX_HOURS = tokens.MAX_HOURS
SESSION_KEY = "organiser"
CSRF_KEY = "csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True)
class Organiser:
    """Who holds a valid session."""

    name: str
    expires_s: float


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure whenever the request came over https."""

    def get_cookie_secure(self, app: Flask) -> bool:
        # Behind a proxy, ProxyFix (X-Forwarded-Proto) makes request.is_secure true.
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def _state_path(app: Flask) -> Path:
    return Path(app.config["TOUR_HISTORY_DIR"]) / "organisers.json"


def generation(app: Flask | None = None) -> int:
    """The organisers' generation now: links and sessions of an older one are refused."""
    app = app or current_app
    try:
        return int(json.loads(_state_path(app).read_text(encoding="utf-8"))["generation"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def revoke_all(app: Flask | None = None) -> int:
    """Refuse every organiser link and session given so far; the new generation."""
    app = app or current_app
    new = generation(app) + 1
    path = _state_path(app)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps({"generation": new}) + "\n")
    return new


def make_link_token(app: Flask, name: str, hours: float) -> str:
    """A new organiser token for ``name``, valid ``hours`` from now."""
    return tokens.make(app.config["SECRET_KEY"], name, hours, generation(app), salt=SALT)


def check_link_token(token: str, now: float | None = None) -> tokens.Guide:
    """The holder of an organiser token, or ``tokens.TokenError`` (401 invalid, 403 revoked)."""
    return tokens.check(current_app.config["SECRET_KEY"], token, generation(), now=now,
                        salt=SALT)


def open_session(holder: tokens.Guide, now: float | None = None) -> None:
    """Sign the holder in: a fresh session (new CSRF token), expiring at the earliest end."""
    now = time.time() if now is None else now
    hours = float(current_app.config["CONSOLE_SESSION_HOURS"])
    session.clear()  # no value of a session before sign-in survives it (session fixation)
    session.permanent = True
    session[SESSION_KEY] = {"n": holder.name, "g": holder.generation,
                            "exp": now + hours * 3600}
    session[CSRF_KEY] = secrets.token_urlsafe(24)


def close_session() -> None:
    """Sign out."""
    session.clear()


def organiser(now: float | None = None) -> Organiser | None:
    """The signed-in organiser, or None (no session, expired, or revoked since)."""
    data = session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    try:
        expires, gen, name = float(data["exp"]), int(data["g"]), str(data["n"])
    except (KeyError, TypeError, ValueError):
        return None
    if (time.time() if now is None else now) > expires or gen != generation():
        return None
    return Organiser(name, expires)


def csrf_token() -> str:
    """The session's CSRF token, made on first use (the sign-in form needs one too)."""
    token = session.get(CSRF_KEY)
    if not isinstance(token, str) or len(token) < 16:
        token = secrets.token_urlsafe(24)
        session[CSRF_KEY] = token
    return token


def csrf_ok() -> bool:
    """Whether this request carries the session's CSRF token (form field or header)."""
    expected = session.get(CSRF_KEY)
    given = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    return (isinstance(expected, str) and len(expected) >= 16
            and hmac.compare_digest(expected.encode(), given.encode()))


def init_app(app: Flask) -> None:
    """Session settings for the console (participants' pages never open a session)."""
    # CONSOLE_SESSION_HOURS and CONSOLE_FAR_KM: tourapp/settings.py, checked at start.
    if app.config["SESSION_COOKIE_NAME"] == "session":  # Flask's default: say whose it is
        app.config["SESSION_COOKIE_NAME"] = "tourapp_organiser"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    app.permanent_session_lifetime = timedelta(hours=float(app.config["CONSOLE_SESSION_HOURS"]))
    app.session_interface = SessionInterface()
