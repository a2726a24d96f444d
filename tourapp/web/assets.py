"""How the app's answers travel: versioned URLs, compressed once, replayed from memory.

Views build answers from the tour with :func:`tour_response` (a strong ETag naming
what the bytes depend on, 304 when the client has them). After each request, a
body of a compressible type is compressed once per ETag and encoding, never per
request (:mod:`.encoding`), and a tour-versioned answer is kept to be replayed
before the view runs next time (:mod:`.replay`). URLs of static files, and of the
generated scripts a view registers with :func:`version_url`, get ``?v=<hash>``;
an answer whose ``v`` is the hash of its very bytes is cached for a year
(:mod:`.files`, which also serves the static files).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import cast

from flask import Flask, Response, current_app, g, request

from . import encoding as encodings
from . import replay
from .encoding import (
    MIN_BYTES,
    compress,
    compressible,
    encoded_etag,
    negotiate,
    vary_on_encoding,
)
from .files import (
    AssetCache,
    cache_headers,
    declared_files,
    file_version,
    get_cache,
    send_asset,
    send_file,
    serves_files,
    version_of,
    versioned_files,
)
from .replay import AppResponse


def tour_response(
    body: bytes | str,
    mimetype: str,
    etag_seed: str,
    max_age: int = 0,
    last_modified: float | None = None,
) -> AppResponse:
    """A response built from the tour: strong ETag, 304 when the client has it, replayable.

    ``etag_seed`` names everything the bytes depend on (page, language, tour
    version…). ``max_age=0`` makes clients revalidate, as the tour may change any time.
    """
    response = AppResponse(body, mimetype=mimetype)
    response.set_etag(hashlib.sha256(etag_seed.encode()).hexdigest()[:20])
    if last_modified:
        response.last_modified = dt.datetime.fromtimestamp(int(last_modified), dt.UTC)
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    if max_age == 0:
        response.cache_control.no_cache = True
    response.tour_versioned = True
    # make_conditional returns the response itself (typed as werkzeug's base class).
    return cast(AppResponse, response.make_conditional(request))


def version_url(app: Flask, endpoint: str, version: Callable[[str], str]) -> None:
    """Give ``endpoint``'s URLs ``?v=version(lang)``: for generated scripts (the map's)."""
    app.extensions.setdefault("tourapp_url_versions", {})[endpoint] = version


def _add_version(endpoint: str, values: dict) -> None:
    """``url_defaults``: versioned URLs for files and for the map script."""
    if "v" in values:
        return
    if serves_files(endpoint):
        if "filename" in values:
            version = file_version(endpoint, values["filename"])
            if version is not None:
                values["v"] = version
    elif endpoint in current_app.extensions.get("tourapp_url_versions", {}):
        lang = values.get("lang") or getattr(g, "lang", None)
        if lang:
            try:
                values["v"] = current_app.extensions["tourapp_url_versions"][endpoint](lang)
            except LookupError:  # no tour loaded: the link stays unversioned
                pass


def _after(response: Response) -> Response:
    """``after_request``: dynamic bodies compressed once per ETag, then kept for replay."""
    if isinstance(response, AppResponse) and response.replayed:
        return response
    response = _encode(response)
    replay.remember(response)
    return response


def _encode(response: Response) -> Response:
    if (
        request.method not in ("GET", "HEAD")
        or response.status_code != 200
        or response.direct_passthrough
        or response.content_encoding
    ):
        return response
    data = response.get_data()
    etag, weak = response.get_etag()
    version = request.args.get("v")
    if version and etag and not weak:
        # A versioned URL is immutable only if its v is the hash of these very bytes.
        actual = get_cache().body(("version", etag), lambda: version_of(data))
        if actual == version:
            cache_headers(response, True)
    if not compressible(response.mimetype, len(data)):
        return response
    vary_on_encoding(response)
    encoding = negotiate()
    if encoding is None:
        return response
    # Keyed by the ETag when the view gave one (it names the tour version and
    # language); otherwise by the body's hash, which is still far cheaper than
    # compressing it again.
    key = ("body", etag if etag and not weak else version_of(data), encoding)
    response.set_data(get_cache().body(key, lambda: encodings.compress(data, encoding)))
    response.content_encoding = encoding
    if etag and not weak:
        response.set_etag(encoded_etag(etag, encoding))
        if "If-None-Match" in request.headers:
            # The view compared If-None-Match with the plain ETag; compare again
            # with the one of this encoding, which is what the client holds.
            response = cast(Response, response.make_conditional(request))
    return response


def init_app(app: Flask) -> None:
    """Serve static files pre-compressed and versioned; compress dynamic bodies once."""
    app.response_class = AppResponse
    app.extensions["tourapp_assets"] = AssetCache()
    if app.static_folder:
        versioned_files(app, "static", app.static_folder)
        static_folder = app.static_folder

        def static(filename: str) -> Response:
            return send_file(static_folder, filename)

        app.view_functions["static"] = static
    app.url_defaults(_add_version)
    app.before_request(replay.replay)
    app.after_request(_after)


__all__ = [
    "MIN_BYTES",
    "AppResponse",
    "AssetCache",
    "compress",
    "declared_files",
    "get_cache",
    "init_app",
    "negotiate",
    "send_asset",
    "send_file",
    "tour_response",
    "version_of",
    "version_url",
    "versioned_files",
]
