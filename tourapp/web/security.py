"""Security headers, production settings, safe download names.

The pages have no inline script and no inline style: every script is a file
served by the app (the map's script is ``/<lang>/map.js``), so the
Content-Security-Policy needs no ``'unsafe-inline'``, nonce or hash. The tile
server is the only outside origin, and only for images.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, urlsplit

from flask import Flask, Response, request
from werkzeug.datastructures import Headers

from ..settings import SettingError, is_development_key, is_production, maintenance_command

HSTS = "max-age=31536000"
"""A year; no includeSubDomains nor preload: the app does not own its parent domain."""

PERMISSIONS_POLICY = "geolocation=(self), camera=(), microphone=(), payment=(), usb=()"

# Characters that must not reach a download name: control characters, path separators,
# quotes (they end the header's quoted string) and characters Windows forbids in names.
UNSAFE_NAME_RE = re.compile(r'[\x00-\x1f\x7f-\x9f\ud800-\udfff/\\"*:<>?|]+')


class InsecureConfig(SettingError):
    """The app was asked to serve in production with development settings."""


def tile_origin(tile_url: str) -> str:
    """The CSP source for a Leaflet tile URL template (``{s}`` subdomains become ``*``)."""
    parts = urlsplit(tile_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    host = re.sub(r"\{[a-z]\}", "*", parts.netloc)
    return f"{parts.scheme}://{host}"


SUBRESOURCE_TYPES = frozenset({
    "text/javascript", "application/javascript", "text/css", "application/json",
    "application/manifest+json", "image/png", "image/jpeg", "image/webp", "image/x-icon",
    "image/vnd.microsoft.icon", "font/woff2", "font/woff",
})
"""Types a browser never runs as a document: it only reads them for a page (with
``nosniff``, a script or a style cannot be taken for HTML). The service worker is a
script, but its policy governs its own requests: it gets the document headers."""


def is_document(response: Response) -> bool:
    """Whether the browser may show ``response`` as a document (anything but a subresource).

    The policies that only documents and workers obey (CSP, Permissions-Policy,
    X-Frame-Options, COOP) are sent with documents only: on each script, style and JSON
    poll they were half a kilobyte the browser ignores. A response of unknown or no type
    (a redirect, a 304 without a body) counts as a document, to be safe.
    """
    return response.mimetype not in SUBRESOURCE_TYPES


def content_security_policy(tile_url: str, *, worker: bool = False) -> str:
    """The policy for every page: own scripts and styles only, images also from the tiles.

    A service worker's own fetch() calls obey ``connect-src`` of the policy sent with
    /sw.js: the worker, which keeps the tiles a participant viewed, may also connect to
    the tile server (``worker=True``); pages may not.
    """
    tiles = tile_origin(tile_url)
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": f"'self' data: {tiles}".strip(),
        "font-src": "'self'",
        "connect-src": f"'self' {tiles}".strip() if worker else "'self'",
        "worker-src": "'self'",  # the offline service worker, /sw.js
        "manifest-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def check_production(app: Flask) -> None:
    """Refuse to serve in production with a development key, or links taken from any host."""
    if not is_production(app) or maintenance_command():
        return
    if is_development_key(app.config.get("SECRET_KEY")):
        raise InsecureConfig(
            "tourapp refuses to start in production with a development SECRET_KEY: set "
            "FLASK_SECRET_KEY to a long random value (python3 -c 'import secrets; "
            "print(secrets.token_hex())'), or run with --debug for development."
        )
    if not app.config.get("PUBLIC_URL") and not app.config.get("TRUSTED_HOSTS"):
        # Links, QR codes and GPX files would otherwise name whatever Host: a request
        # claims (issue 21, point 8); the proxy's Host check alone is not the app's.
        raise InsecureConfig(
            "tourapp refuses to start in production without the site's address: set "
            "FLASK_PUBLIC_URL (such as https://walk.example.org/) or FLASK_TRUSTED_HOSTS "
            "(such as [\"walk.example.org\"]), otherwise QR codes and links name whatever "
            "host a request claims, or run with --debug for development."
        )


def download_name(title: str, extension: str) -> tuple[str, str]:
    """A file name from untrusted text: (ASCII fallback, full Unicode name), both safe."""
    name = UNSAFE_NAME_RE.sub(" ", unicodedata.normalize("NFC", title))
    name = " ".join(name.split()).strip(". ")[:80].strip() or "tour"
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_name).strip("-.") or "tour"
    return f"{ascii_name}.{extension}", f"{name}.{extension}"


def content_disposition(title: str, extension: str, *, attachment: bool = True) -> str:
    """A ``Content-Disposition`` value naming the file after ``title`` (RFC 6266 / 5987).

    Written by werkzeug as its ``send_file(download_name=…)`` writes it: an ASCII
    ``filename`` for old clients and the readable name as ``filename*``.
    """
    fallback, full = download_name(title, extension)
    names = {"filename": fallback}
    if full != fallback:
        names["filename*"] = "UTF-8''" + quote(full, safe="!#$&+-.^_`|~")  # RFC 5987 attr-char
    headers = Headers()
    headers.set("Content-Disposition", "attachment" if attachment else "inline", **names)
    return headers["Content-Disposition"]


def init_app(app: Flask) -> None:
    """Check production settings; security headers on every response, policies on documents."""
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = 64 * 1024  # no view reads a request body
    check_production(app)
    policy = content_security_policy(app.config["TILE_URL"])
    worker_policy = content_security_policy(app.config["TILE_URL"], worker=True)
    everywhere = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",  # tile servers ask for one
    }
    documents = {
        "Content-Security-Policy": policy,
        "Permissions-Policy": PERMISSIONS_POLICY,
        "X-Frame-Options": "DENY",  # frame-ancestors for browsers without CSP 2
        "Cross-Origin-Opener-Policy": "same-origin",
    }

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in everywhere.items():
            response.headers.setdefault(name, value)
        if request.is_secure:
            # Only over TLS (RFC 6797 §7.2): sent over plain HTTP it would be ignored, and a
            # client-supplied X-Forwarded-Proto counts only from a trusted proxy (ProxyFix,
            # installed in create_app when TRUSTED_PROXIES is set).
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        worker = request.endpoint == "offline.worker"
        if worker or is_document(response):
            for name, value in documents.items():
                response.headers.setdefault(name, value)
        if worker:
            response.headers["Content-Security-Policy"] = worker_policy
        return response
