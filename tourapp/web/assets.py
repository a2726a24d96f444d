"""Transfer efficiency: versioned asset URLs, pre-compressed bytes, long-lived caching.

* ``url_for('static', …)`` (and every endpoint registered with
  :func:`versioned_files`) gets ``?v=<hash of the file>``; ``/<lang>/map.js``
  gets ``?v=<hash of the script>``. A response whose ``v`` is the hash of the
  very bytes it serves is cached for a year as immutable; a stale ``v`` (an old
  page asking for an asset that has changed since) gets the new bytes with a
  short lifetime instead, never a year of the wrong file.
* Static files are compressed once per file version (gzip and brotli) and kept
  in memory; pages, map scripts and data files are compressed once per ETag,
  that is once per tour version and language, never per request. The client's
  ``Accept-Encoding`` picks the encoding; responses carry ``Vary:
  Accept-Encoding`` and one strong ETag per encoding, and 304 still works.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import mimetypes
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import brotli
from flask import Flask, Response, abort, current_app, g, request
from werkzeug.security import safe_join

from ..render.i18n import best_language
from ..stopsfile.store import get_store
from ..system import durable

IMMUTABLE_S = 365 * 24 * 3600
UNVERSIONED_S = 3600
"""Static files asked for without a version (e.g. from inside a CSS file): an hour."""

MIN_BYTES = 512
"""Smaller bodies gain nothing from compression: headers cost more than they save."""

ENCODINGS = ("br", "gzip")
COMPRESSIBLE = {
    "application/geo+json",
    "application/gpx+xml",
    "application/javascript",
    "application/json",
    "application/manifest+json",
    "application/xml",
    "image/svg+xml",
    "text/css",
    "text/html",
    "text/javascript",
    "text/plain",
    "text/xml",
}
# Types the standard library may not know: files written by `flask freeze` and
# served by any static host are typed by extension.
for _type, _ext in (
    ("application/geo+json", ".geojson"),
    ("application/gpx+xml", ".gpx"),
    ("application/manifest+json", ".webmanifest"),
    ("text/javascript", ".js"),
):
    mimetypes.add_type(_type, _ext)


class AppResponse(Response):
    """The app's responses, with the two facts the replay needs as explicit fields."""

    tour_versioned: bool = False
    """The bytes depend only on the URL and the tour version: safe to replay."""
    replayed: bool = False
    """Sent again from memory: nothing is left to compress or remember."""
    ephemeral: bool = False
    """One of many variants a stranger may ask for (a preview time): compressed fast,
    never remembered, so it costs little and evicts nothing."""


MAX_HOSTS = 8
"""Hosts whose answers are remembered when links take the request's host (no PUBLIC_URL):
strangers sending random ``Host:`` headers get answers, but fill no cache."""


def tour_response(
    body: bytes | str,
    mimetype: str,
    etag_seed: str,
    max_age: int = 0,
    last_modified: float | None = None,
    ephemeral: bool = False,
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
    response.ephemeral = ephemeral
    return response.make_conditional(request)


def version_url(app: Flask, endpoint: str, version: Callable[[str], str]) -> None:
    """Give ``endpoint``'s URLs ``?v=version(lang)``: for generated scripts (the map's)."""
    app.extensions.setdefault("tourapp_url_versions", {})[endpoint] = version


def version_of(data: bytes) -> str:
    """The short content hash used as ``?v=`` and in ETags."""
    return hashlib.sha256(data).hexdigest()[:12]


def compress(data: bytes, encoding: str, fast: bool = False) -> bytes:
    """``data`` compressed with ``br`` or ``gzip`` at the best ratio worth its time.

    ``fast``: for a body sent once (a millisecond, not tens of them, for a page).
    """
    if encoding == "br":
        # Quality 11 runs at ~1 MB/s: fine once per version, too slow for huge maps.
        quality = 4 if fast else 11 if len(data) < 1_000_000 else 6
        return brotli.compress(data, quality=quality)
    if encoding == "gzip":
        # mtime=0: the same bytes each time.
        return gzip.compress(data, compresslevel=5 if fast else 9, mtime=0)
    raise ValueError(f"unknown encoding {encoding!r}")


_NEGOTIATED: dict[str, str | None] = {}


def negotiate() -> str | None:
    """The encoding the client prefers among ours, or None for identity."""
    # Browsers send a handful of distinct headers: parse each once, not per request.
    header = request.headers.get("Accept-Encoding", "")
    try:
        return _NEGOTIATED[header]
    except KeyError:
        best = request.accept_encodings.best_match([*ENCODINGS, "identity"])
        if len(_NEGOTIATED) < 256:
            _NEGOTIATED[header] = best if best in ENCODINGS else None
        return best if best in ENCODINGS else None


def _vary_on_encoding(response: Response) -> None:
    vary = response.headers.get("Vary")
    if not vary:
        response.headers["Vary"] = "Accept-Encoding"  # the common case, without parsing
    elif "accept-encoding" not in vary.lower():
        response.vary.add("Accept-Encoding")


@dataclass
class _Asset:
    """One file's bytes in every encoding, for one version of the file."""

    signature: tuple
    mimetype: str
    version: str
    bodies: dict[str, bytes]


class AssetCache:
    """Files and compressed bodies, computed once per version and kept in memory."""

    def __init__(self, max_entries: int = 512):
        self._lock = threading.Lock()
        self._files: dict[str, _Asset] = {}
        self._bodies: OrderedDict = OrderedDict()  # bounded: old tour versions fall out
        self.max_entries = max_entries
        self.hosts: set[str] = set()

    def known_host(self, host: str) -> bool:
        """Whether answers for ``host`` may be remembered: the first ``MAX_HOSTS`` seen."""
        if host in self.hosts:
            return True
        with self._lock:
            if len(self.hosts) < MAX_HOSTS:
                self.hosts.add(host)
                return True
        return False

    def asset(self, path: str) -> _Asset | None:
        """The file at ``path`` with its version, re-read when it changes on disk."""
        signature = durable.signature(path)
        if signature is None:
            return None
        cached = self._files.get(path)
        if cached is not None and cached.signature == signature:
            return cached
        with open(path, "rb") as handle:
            data = handle.read()
        mimetype = mimetypes.guess_type(path)[0] or "application/octet-stream"
        asset = _Asset(signature, mimetype, version_of(data), {"identity": data})
        self._files[path] = asset
        return asset

    def bundle(
        self, paths: list[str], separator: bytes, mimetype: str, shrink=None
    ) -> _Asset | None:
        """The files at ``paths`` joined in order, as one asset re-joined when any changes.

        ``shrink(path, data)``, when given, returns each file's bytes as they go in.
        """
        signature = tuple(durable.signature(path) for path in paths)
        if None in signature:
            return None
        key = ("bundle", *paths)
        cached = self._files.get(key)
        if cached is not None and cached.signature == signature:
            return cached
        parts = []
        for path in paths:
            with open(path, "rb") as handle:
                data = handle.read()
            parts.append((shrink(path, data) if shrink else data).rstrip(b"\n"))
        data = separator.join(parts) + b"\n"
        asset = _Asset(signature, mimetype, version_of(data), {"identity": data})
        self._files[key] = asset
        return asset

    def encoded(self, asset: _Asset, encoding: str) -> bytes:
        """The file's bytes in ``encoding``, compressed on first use only."""
        body = asset.bodies.get(encoding)
        if body is None:
            body = compress(asset.bodies["identity"], encoding)
            asset.bodies[encoding] = body
        return body

    def remember(self, key: tuple, value) -> None:
        """Keep ``value`` under ``key`` (least recently used entries go first)."""
        with self._lock:
            self._bodies[key] = value
            while len(self._bodies) > self.max_entries:
                self._bodies.popitem(last=False)

    def body(self, key: tuple, build) -> bytes:
        """A derived body (compressed page, hash) once per key; least recently used go first."""
        with self._lock:
            if key in self._bodies:
                self._bodies.move_to_end(key)
                return self._bodies[key]
        value = build()
        if value is not None:
            self.remember(key, value)
        return value


def get_cache() -> AssetCache:
    """The current app's asset cache."""
    return current_app.extensions["tourapp_assets"]


def versioned_files(
    app: Flask, endpoint: str, directory: str | os.PathLike, files: Iterable[str] | None = None
) -> None:
    """Declare that ``endpoint(filename=…)`` serves ``files`` (default: all) of ``directory``.

    Their URLs get ``?v=``; ``flask freeze`` exports the files listed here.
    """
    app.extensions.setdefault("tourapp_asset_dirs", {})[endpoint] = (
        str(directory),
        None if files is None else sorted(files),
    )


def declared_files(app: Flask, endpoint: str) -> list[str]:
    """The files a :func:`versioned_files` endpoint serves, when it listed them."""
    return (app.extensions.get("tourapp_asset_dirs", {}).get(endpoint) or ("", None))[1] or []


def send_file(directory: str | os.PathLike, filename: str) -> Response:
    """A file of ``directory``, in the client's encoding, cached for a year when versioned."""
    path = safe_join(str(directory), filename)
    if path is None or not os.path.isfile(path):
        abort(404)
    return send_asset(get_cache().asset(path))


def send_asset(asset: _Asset | None) -> Response:
    """An asset in the client's encoding, cached for a year when asked for by its version."""
    if asset is None:
        abort(404)
    cache = get_cache()
    encoding = negotiate() if _compressible(asset.mimetype, len(asset.bodies["identity"])) else None
    body = cache.encoded(asset, encoding) if encoding else asset.bodies["identity"]
    response = Response(body, mimetype=asset.mimetype)
    if encoding:
        response.content_encoding = encoding
    if _compressible(asset.mimetype, len(asset.bodies["identity"])):
        _vary_on_encoding(response)
    response.set_etag(f"{asset.version}-{encoding or 'id'}")
    _cache_headers(response, request.args.get("v") == asset.version)
    return response.make_conditional(request)


def _compressible(mimetype: str | None, size: int) -> bool:
    return mimetype in COMPRESSIBLE and size >= MIN_BYTES


def _cache_headers(response: Response, immutable: bool) -> None:
    response.cache_control.public = True
    if immutable:
        response.cache_control.no_cache = False  # set by views that revalidate by default
        response.cache_control.max_age = IMMUTABLE_S
        response.cache_control.immutable = True
    else:
        response.cache_control.max_age = UNVERSIONED_S


def _add_version(endpoint: str, values: dict) -> None:
    """``url_defaults``: versioned URLs for files and for the map script."""
    if "v" in values:
        return
    directories = current_app.extensions.get("tourapp_asset_dirs", {})
    if endpoint in directories and "filename" in values:
        path = safe_join(directories[endpoint][0], values["filename"])
        asset = get_cache().asset(path) if path else None
        if asset is not None:
            values["v"] = asset.version
    elif endpoint in current_app.extensions.get("tourapp_url_versions", {}):
        lang = values.get("lang") or getattr(g, "lang", None)
        if lang:
            try:
                values["v"] = current_app.extensions["tourapp_url_versions"][endpoint](lang)
            except LookupError:  # no tour loaded: the link stays unversioned
                pass


def _compress_response(response: Response) -> Response:
    """``after_request``: dynamic bodies compressed once per ETag, never per request."""
    if isinstance(response, AppResponse) and response.replayed:
        return response
    response = _encode(response)
    _remember(response)
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
            _cache_headers(response, True)
    if not _compressible(response.mimetype, len(data)):
        return response
    _vary_on_encoding(response)
    encoding = negotiate()
    if encoding is None:
        return response
    # Keyed by the ETag when the view gave one (it names the tour version and
    # language); otherwise by the body's hash, which is still far cheaper than
    # compressing it again.
    if getattr(response, "ephemeral", False):
        response.set_data(compress(data, encoding, fast=True))
    else:
        key = ("body", etag if etag and not weak else version_of(data), encoding)
        response.set_data(get_cache().body(key, lambda: compress(data, encoding)))
    response.content_encoding = encoding
    if etag and not weak:
        response.set_etag(f"{etag}-{encoding}")
        if "If-None-Match" in request.headers:
            # The view compared If-None-Match with the plain ETag; compare again
            # with the one of this encoding, which is what the client holds.
            response = response.make_conditional(request)
    return response


_REPLAYED = (
    "Content-Type",
    "Cache-Control",
    "ETag",
    "Last-Modified",
    "Vary",
    "Content-Encoding",
    "Content-Disposition",  # GPX downloads keep their file names
)


_BY_LANGUAGE = "by language"
"""The replay entry of a URL whose answer varies with ``Accept-Language``."""


def _tour_version() -> str | None:
    tour = get_store().status().tour
    return tour.version if tour is not None else None


def _replay_key() -> tuple | None:
    if request.method != "GET":
        return None
    if any(name != "v" for name in request.args):
        # ?r=<random>, ?at=…: any number of URLs for a few answers. Not one entry each:
        # the view answers them from its memo, and the pages' entries stay.
        return None
    version = _tour_version()
    if version is None:
        return None
    host = request.host_url
    if current_app.config.get("PUBLIC_URL"):
        host = ""  # links name PUBLIC_URL: the answer does not depend on the host
    elif not get_cache().known_host(host):
        return None
    # The host is part of the key: downloads and QR codes hold absolute links to it.
    return (host, request.full_path, negotiate(), version)


def _replay():
    """``before_request``: a tour-versioned response already built is sent again as it is.

    Views build such responses with :func:`tour_response`: their bytes depend on
    the URL and the tour version only. Replaying skips the view and the header
    work werkzeug redoes on each response, which made pages cost a third more than
    a trivial endpoint. Other ``after_request`` hooks (security headers…) still run.
    """
    key = _replay_key()
    if key is None:
        return None
    cache = get_cache()
    entry = cache.body(("replay", key), lambda: None)
    if entry is _BY_LANGUAGE:
        entry = cache.body(("replay", (*key, best_language())), lambda: None)
    if entry is None:
        return None
    _etag, headers, body = entry
    # werkzeug answers If-None-Match and If-Modified-Since alike, as the view did.
    response = AppResponse(body, headers=headers).make_conditional(request)
    response.replayed = True
    return response


def _remember(response: Response) -> None:
    if not (isinstance(response, AppResponse) and response.tour_versioned):
        return
    if response.ephemeral:
        return
    if response.status_code != 200:
        return
    key = _replay_key()
    etag, weak = response.get_etag()
    if key is None or not etag or weak:
        return
    headers = [(name, response.headers[name]) for name in _REPLAYED if name in response.headers]
    if "accept-language" in response.headers.get("Vary", "").lower():
        # One URL, one answer per language (the root manifest): the URL's entry says
        # so, and each language has its own, as the view chose it.
        get_cache().remember(("replay", key), _BY_LANGUAGE)
        key = (*key, best_language())
    get_cache().remember(("replay", key), (etag, headers, response.get_data()))


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
    app.before_request(_replay)
    app.after_request(_compress_response)


__all__ = [
    "AppResponse",
    "AssetCache",
    "compress",
    "declared_files",
    "init_app",
    "negotiate",
    "send_asset",
    "send_file",
    "tour_response",
    "version_of",
    "version_url",
    "versioned_files",
]
