"""Files the app serves: read once per version of the file, compressed once, cached a year.

An :class:`AssetCache` (one per app) keeps each static file, and each bundle of
files joined in order, with its content hash (``version``), re-read only when the
file changes on disk; its bodies in each encoding are compressed on first use. A
URL that carries ``?v=<that hash>`` is served as immutable for a year; without it
(or with a stale one) for an hour. The cache also keeps a bounded memo of derived
bodies (compressed pages, replayed answers), least recently used first out.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

from flask import Flask, Response, abort, current_app, request
from werkzeug.security import safe_join

from ..system import durable
from . import encoding as encodings
from .encoding import compressible, encoded_etag, negotiate, vary_on_encoding

IMMUTABLE_S = 365 * 24 * 3600
UNVERSIONED_S = 3600
"""Static files asked for without a version (e.g. from inside a CSS file): an hour."""

# Types the standard library may not know: files written by `flask freeze` and
# served by any static host are typed by extension.
for _type, _ext in (
    ("application/geo+json", ".geojson"),
    ("application/gpx+xml", ".gpx"),
    ("application/manifest+json", ".webmanifest"),
    ("text/javascript", ".js"),
):
    mimetypes.add_type(_type, _ext)


def version_of(data: bytes) -> str:
    """The short content hash used as ``?v=`` and in ETags."""
    return hashlib.sha256(data).hexdigest()[:12]


@dataclass
class Asset:
    """One file's bytes in every encoding, for one version of the file."""

    signature: tuple
    mimetype: str
    version: str
    bodies: dict[str, bytes]


class AssetCache:
    """Files and derived bodies, computed once per version and kept in memory."""

    def __init__(self, max_entries: int = 512):
        self._lock = threading.Lock()
        self._files: dict[Any, Asset] = {}
        self._bodies: OrderedDict = OrderedDict()  # bounded: old tour versions fall out
        self.max_entries = max_entries

    def asset(self, path: str) -> Asset | None:
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
        asset = Asset(signature, mimetype, version_of(data), {"identity": data})
        self._files[path] = asset
        return asset

    def bundle(
        self, paths: list[str], separator: bytes, mimetype: str, shrink=None
    ) -> Asset | None:
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
        asset = Asset(signature, mimetype, version_of(data), {"identity": data})
        self._files[key] = asset
        return asset

    def encoded(self, asset: Asset, encoding: str) -> bytes:
        """The file's bytes in ``encoding``, compressed on first use only."""
        body = asset.bodies.get(encoding)
        if body is None:
            body = encodings.compress(asset.bodies["identity"], encoding)
            asset.bodies[encoding] = body
        return body

    def remember(self, key: tuple, value) -> None:
        """Keep ``value`` under ``key`` (least recently used entries go first)."""
        with self._lock:
            self._bodies[key] = value
            while len(self._bodies) > self.max_entries:
                self._bodies.popitem(last=False)

    def body(self, key: tuple, build: Callable[[], Any]) -> Any:
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


def file_version(endpoint: str, filename: str) -> str | None:
    """The ``?v=`` of a file a :func:`versioned_files` endpoint serves, if it is one."""
    directories = current_app.extensions.get("tourapp_asset_dirs", {})
    if endpoint not in directories:
        return None
    path = safe_join(directories[endpoint][0], filename)
    asset = get_cache().asset(path) if path else None
    return asset.version if asset is not None else None


def serves_files(endpoint: str) -> bool:
    """Whether ``endpoint`` was declared with :func:`versioned_files`."""
    return endpoint in current_app.extensions.get("tourapp_asset_dirs", {})


def send_file(directory: str | os.PathLike, filename: str) -> Response:
    """A file of ``directory``, in the client's encoding, cached for a year when versioned."""
    path = safe_join(str(directory), filename)
    if path is None or not os.path.isfile(path):
        abort(404)
    return send_asset(get_cache().asset(path))


def send_asset(asset: Asset | None) -> Response:
    """An asset in the client's encoding, cached for a year when asked for by its version."""
    if asset is None:
        abort(404)
    worth = compressible(asset.mimetype, len(asset.bodies["identity"]))
    encoding = negotiate() if worth else None
    body = get_cache().encoded(asset, encoding) if encoding else asset.bodies["identity"]
    response = Response(body, mimetype=asset.mimetype)
    if encoding:
        response.content_encoding = encoding
    if worth:
        vary_on_encoding(response)
    response.set_etag(encoded_etag(asset.version, encoding))
    cache_headers(response, request.args.get("v") == asset.version)
    return cast(Response, response.make_conditional(request))


def cache_headers(response: Response, immutable: bool) -> None:
    """A year, immutable, for a versioned URL whose version is right; an hour otherwise."""
    response.cache_control.public = True
    if immutable:
        response.cache_control.no_cache = None  # set by views that revalidate by default
        response.cache_control.max_age = IMMUTABLE_S
        response.cache_control.immutable = True
    else:
        response.cache_control.max_age = UNVERSIONED_S
