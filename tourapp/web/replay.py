"""Answers built from the tour, replayed from memory until the tour changes.

A view that builds its response with ``assets.tour_response`` promises that the
bytes depend only on the URL and the tour version: the response says so in a
field (:attr:`AppResponse.tour_versioned`). After the first such answer, the same
request (host, path and query, encoding, tour version) is answered from memory
before any view runs, with the same headers and the same body; werkzeug still
answers ``If-None-Match`` with a 304, and the other ``after_request`` hooks
(security headers…) still run. An answer that varies with ``Accept-Language``
is kept once per language.
"""

from __future__ import annotations

from typing import cast

from flask import Response, request

from ..render.i18n import best_language
from ..stopsfile.store import get_store
from .encoding import negotiate
from .files import get_cache


class AppResponse(Response):
    """The app's responses, with the two facts the replay needs as explicit fields."""

    tour_versioned: bool = False
    """The bytes depend only on the URL and the tour version: safe to replay."""
    replayed: bool = False
    """Sent again from memory: nothing is left to compress or remember."""


_REPLAYED = (
    "Content-Type",
    "Cache-Control",
    "ETag",
    "Last-Modified",
    "Vary",
    "Content-Encoding",
    "Content-Disposition",  # GPX downloads keep their file names
)


class _ByLanguage:
    """The replay entry of a URL whose answer varies with ``Accept-Language``."""


_BY_LANGUAGE = _ByLanguage()


def _key() -> tuple | None:
    if request.method != "GET":
        return None
    tour = get_store().status().tour
    if tour is None:
        return None
    # The host is part of the key: downloads and QR codes hold absolute links to it.
    return (request.host_url, request.full_path, negotiate(), tour.version)


def replay() -> AppResponse | None:
    """``before_request``: a tour-versioned response already built is sent again as it is.

    Replaying skips the view and the header work werkzeug redoes on each response,
    which made pages cost a third more than a trivial endpoint.
    """
    key = _key()
    if key is None:
        return None
    cache = get_cache()
    entry = cache.body(("replay", key), lambda: None)
    if entry is _BY_LANGUAGE:
        entry = cache.body(("replay", (*key, best_language())), lambda: None)
    if entry is None:
        return None
    headers, body = entry
    # werkzeug answers If-None-Match and If-Modified-Since alike, as the view did.
    response = cast(AppResponse, AppResponse(body, headers=headers).make_conditional(request))
    response.replayed = True
    return response


def remember(response: Response) -> None:
    """Keep a tour-versioned 200 with a strong ETag, to replay it."""
    if not (isinstance(response, AppResponse) and response.tour_versioned):
        return
    if response.status_code != 200:
        return
    key = _key()
    etag, weak = response.get_etag()
    if key is None or not etag or weak:
        return
    headers = [(name, response.headers[name]) for name in _REPLAYED if name in response.headers]
    if "accept-language" in response.headers.get("Vary", "").lower():
        # One URL, one answer per language (the root manifest): the URL's entry says
        # so, and each language has its own, as the view chose it.
        get_cache().remember(("replay", key), _BY_LANGUAGE)
        key = (*key, best_language())
    get_cache().remember(("replay", key), (headers, response.get_data()))
