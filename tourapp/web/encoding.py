"""Content encodings: which one a client gets, compressing once, and each encoding's ETag.

A body is sent as brotli or gzip when the client accepts it and its type gains from
it (:func:`compressible`); :func:`negotiate` picks the encoding from
``Accept-Encoding``. One entity has one strong ETag per encoding
(:func:`encoded_etag`), and :func:`same_entity` is the one place that reads such an
ETag back (the live polls' 304 shortcut asks it): the format stays in this module.
"""

from __future__ import annotations

import gzip

import brotli
from flask import Response, request

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


def compress(data: bytes, encoding: str) -> bytes:
    """``data`` compressed with ``br`` or ``gzip`` at the best ratio worth its time."""
    if encoding == "br":
        # Quality 11 runs at ~1 MB/s: fine once per version, too slow for huge maps.
        quality = 11 if len(data) < 1_000_000 else 6
        return brotli.compress(data, quality=quality)
    if encoding == "gzip":
        return gzip.compress(data, compresslevel=9, mtime=0)  # mtime=0: same bytes each time
    raise ValueError(f"unknown encoding {encoding!r}")


def compressible(mimetype: str | None, size: int) -> bool:
    """Whether a body of this type and size is worth compressing."""
    return mimetype in COMPRESSIBLE and size >= MIN_BYTES


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


def vary_on_encoding(response: Response) -> None:
    """Say that the body depends on ``Accept-Encoding`` (for caches)."""
    vary = response.headers.get("Vary")
    if not vary:
        response.headers["Vary"] = "Accept-Encoding"  # the common case, without parsing
    elif "accept-encoding" not in vary.lower():
        response.vary.add("Accept-Encoding")


def encoded_etag(etag: str, encoding: str | None) -> str:
    """The strong ETag of one entity in one encoding (``None``: the plain bytes)."""
    return f"{etag}-{encoding or 'id'}"


def same_entity(if_none_match: str, etag: str) -> bool:
    """Whether an ``If-None-Match`` value names ``etag`` in any encoding, or plainly."""
    tag = if_none_match.strip().removeprefix("W/").strip('"')
    return tag == etag or tag in {encoded_etag(etag, e) for e in (*ENCODINGS, None)}
