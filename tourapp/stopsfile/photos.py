"""The stops' photos: files of a ``photos/`` folder beside the stops file.

The file names a photo (``"photo": "musee-fabre.jpg"``); the reader checks here that it
exists, is a JPEG, PNG or WebP image of a sensible size, and reads its width and height
from its header (the page reserves its room: nothing moves when it arrives). No imaging
library: a header is a few bytes, read by hand.
"""

from __future__ import annotations

import hashlib
import re
import struct
from pathlib import Path

FOLDER = "photos"
"""The photos' folder, beside the stops file."""

MAX_PHOTO_BYTES = 500_000
"""Largest photo accepted: a phone on a slow network loads it (1,200 px wide, JPEG 80 %)."""

MAX_SIDE_PX = 6000
"""A side larger than this is a camera's original, not a photo for the page."""

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.(jpe?g|png|webp)$", re.IGNORECASE)
"""A photo's file name: no folder, no space, a known image type."""

TYPES = {"jpeg": "image/jpeg", "jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


def folder_of(stops_path: str | Path) -> Path:
    """The photo folder beside the stops file at ``stops_path``."""
    return Path(stops_path).parent / FOLDER


def media_type(name: str) -> str:
    """The HTTP type of a photo by its name's extension."""
    return TYPES[name.rsplit(".", 1)[-1].lower()]


def version_of(data: bytes) -> str:
    """The photo's version: a hash of its bytes, for its URL."""
    return hashlib.sha256(data).hexdigest()[:12]


def image_size(data: bytes) -> tuple[str, int, int] | None:
    """``(kind, width, height)`` of a JPEG, PNG or WebP image, or None when it is none of them."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return "png", width, height
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp(data)
    if data[:2] == b"\xff\xd8":
        return _jpeg(data)
    return None


def _webp(data: bytes) -> tuple[str, int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return "webp", width, height
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return "webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return "webp", width & 0x3FFF, height & 0x3FFF
    return None


# The start-of-frame markers (baseline, progressive, …) carry the image's size; not the
# DHT (C4), JPG (C8) and DAC (CC) markers that share their range.
_SOF = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg(data: bytes) -> tuple[str, int, int] | None:
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        if marker in _SOF:
            if at + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return "jpeg", width, height
        if marker == 0xDA or length < 2:  # image data before any frame: not a JPEG we can read
            return None
        at += 2 + length
    return None
