"""One URL per resource: every other spelling redirects to it.

``/fr/guides/`` and ``/fr/guides``, ``/fr/legs/01.gpx`` and ``/fr/legs/1.gpx``
would otherwise answer the same bytes under two URLs (two cache entries, two
offline copies, a page indexed twice) or, for the slash, a 404. Routes match
with or without a trailing slash; a GET whose path is not the one ``url_for``
builds for its endpoint and values is redirected there (308, query kept).
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import Flask, redirect, request, url_for
from werkzeug.routing import BuildError, RequestRedirect


def _redirect_to_canonical():
    """``before_request``: a non-canonical path of a known resource moves to the canonical one."""
    routing = request.routing_exception
    if isinstance(routing, RequestRedirect):
        # Werkzeug's own redirects (``//`` merged) name the request's host, whatever it
        # is: a stranger's ``Host:`` would send people elsewhere. The path is enough.
        target = urlsplit(routing.new_url)
        query = "?" + target.query if target.query else ""
        return redirect(target.path + query, code=routing.code)
    if request.method not in ("GET", "HEAD") or request.url_rule is None:
        return None
    try:
        # The language was taken out of the values into g.lang: url_for puts it back.
        canonical = url_for(request.endpoint, **(request.view_args or {}))
    except BuildError:
        return None
    path = canonical.split("?", 1)[0]
    if unquote(path) == request.script_root + request.path:
        return None
    query = request.query_string.decode("latin-1")
    return redirect(path + ("?" + query if query else ""), code=308)


def init_app(app: Flask) -> None:
    """Match routes with or without their trailing slash, then redirect to the canonical URL.

    Call before any blueprint is registered: rules take the map's setting when added.
    """
    app.url_map.strict_slashes = False
    app.before_request(_redirect_to_canonical)
