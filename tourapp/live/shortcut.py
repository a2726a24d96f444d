"""Participants' polls that change nothing, answered 304 without the Flask stack.

Nine polls in ten find the state unchanged. Flask's dispatch, the after-request
hooks (security headers, compression) and the response objects cost about a
millisecond and a half of CPU each time; this WSGI middleware answers those polls
in a fraction of it:

- the decision is made on the current state, every time: the same memo the view
  uses (revision read from the store, rebuilt at most once a second);
- the answer is one Flask itself gave: the headers of a 304 the app produced for the
  same ``If-None-Match`` and ``Accept-Encoding``, replayed byte for byte (security
  headers, ETag, Vary, Cache-Control included).

Anything else (a first poll, a new state, another URL or method) goes to Flask.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from flask import Flask

from ..web.encoding import same_entity

PATH = "/live/state.json"
MAX_REPLIES = 64
"""Distinct (ETag, encoding) answers kept: a few per state, states change every few seconds."""


class NotModifiedShortcut:
    """Wraps ``app.wsgi_app``."""

    def __init__(self, app: Flask, wsgi_app: Callable, current_etag: Callable[[], str | None]):
        self.app = app
        self.wsgi_app = wsgi_app
        self.current_etag = current_etag
        self.replies: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self.lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        tag = environ.get("HTTP_IF_NONE_MATCH", "")
        if (
            not tag
            or environ.get("PATH_INFO") != PATH
            or environ.get("REQUEST_METHOD") != "GET"
            or environ.get("QUERY_STRING")
        ):
            return self.wsgi_app(environ, start_response)
        key = (tag, environ.get("HTTP_ACCEPT_ENCODING", ""))
        headers = self.replies.get(key)
        if headers is not None:
            with self.app.app_context():
                current = self.current_etag()
            # The client holds the state's ETag, plain or of one encoding (web.encoding).
            if current and same_entity(tag, current):
                start_response("304 NOT MODIFIED", headers)
                return []
        return self.wsgi_app(environ, self._capture(key, start_response))

    def _capture(self, key: tuple[str, str], start_response: Callable) -> Callable:
        def capture(status: str, headers: list, exc_info=None):
            if status.startswith("304 ") and exc_info is None:
                with self.lock:
                    if len(self.replies) >= MAX_REPLIES:
                        self.replies.clear()
                    self.replies[key] = list(headers)
            return start_response(status, headers, exc_info) if exc_info else start_response(
                status, headers
            )

        return capture


def install(app: Flask, public_etag: Callable[[], str | None]) -> None:
    """Put the shortcut in front of ``app``; ``public_etag`` gives the state's current ETag."""
    # Flask's documented way to add WSGI middleware (mypy sees a method assigned).
    app.wsgi_app = NotModifiedShortcut(  # type: ignore[method-assign]
        app, app.wsgi_app, public_etag
    )

