"""The guide's secret link: a token signed with the app's key, expiring, revocable.

A token carries the guide's name, its lifetime, the walk it leads (``audience``: its
data file and live store, so a link of a staging copy or another walk signed with the
same key leads nothing here) and the store's *generation* when it was made;
``tour guide-link --revoke-all`` bumps the generation, and every token of an older
one is refused. Signed with ``SECRET_KEY`` (itsdangerous, as Flask's
sessions), under a salt of its own so no other signed value can pass for one.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SALT = "tourapp.live.guide-link"
MAX_HOURS = 72
"""A link lives at most three days: a walk, its rehearsal and a margin."""


OLD_LINK = "an old link that names no walk: ask the organiser for a new one"
"""Links made before they named their walk (issue 21, point 9): refused since."""


class TokenError(Exception):
    """A token that must be refused; ``status`` is 401 (not valid) or 403 (revoked)."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Guide:
    """Who holds a valid token."""

    id: str  # random, for rate limiting: one per link
    name: str
    expires_s: float
    generation: int


def _serializer(secret_key: str | bytes, salt: str = SALT) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=salt)


def make(
    secret_key: str | bytes, name: str, hours: float, generation: int,
    audience: str | None = None, *, salt: str = SALT,
) -> str:
    """A new token for ``name``, valid ``hours`` from now, for the walk ``audience`` names.

    ``salt`` says whose link it is (a guide's, an organiser's console).
    """
    if not 0 < hours <= MAX_HOURS:
        raise ValueError(f"--hours must be more than 0 and at most {MAX_HOURS}, got {hours}")
    payload = {"id": secrets.token_urlsafe(9), "n": name, "h": hours, "g": generation}
    if audience:
        payload["a"] = audience
    return _serializer(secret_key, salt).dumps(payload)


def check(
    secret_key: str | bytes, token: str, generation: int, now: float | None = None,
    audience: str | None = None, *, salt: str = SALT,
) -> Guide:
    """The holder a token names, or :class:`TokenError` (``salt`` as given to ``make``).

    A token made for another walk or deployment (another ``audience``, same key) is
    refused, and so is one that names no walk (made before links named theirs): the
    guide is told to ask for a new link.
    """
    if not token or len(token) > 1024:
        raise TokenError(401, "missing or malformed token")
    try:
        payload, signed_at = _serializer(secret_key, salt).loads(token, return_timestamp=True)
    except SignatureExpired:  # pragma: no cover - no max_age is passed to loads()
        raise TokenError(401, "expired token") from None
    except BadSignature:
        raise TokenError(401, "invalid token") from None
    try:
        hours = float(payload["h"])
        expires = signed_at.timestamp() + hours * 3600
        guide = Guide(str(payload["id"]), str(payload["n"]), expires, int(payload["g"]))
    except (KeyError, TypeError, ValueError):
        raise TokenError(401, "invalid token") from None
    if audience and "a" not in payload:
        raise TokenError(401, OLD_LINK)
    if audience and payload["a"] != audience:
        raise TokenError(401, "a link of another walk")
    if (now if now is not None else time.time()) > expires:
        raise TokenError(401, "expired token")
    if guide.generation != generation:
        raise TokenError(403, "revoked token")
    return guide
