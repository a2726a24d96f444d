"""Addresses → points, through geopy, with the geocoder one setting names.

``GEOCODER`` (``FLASK_GEOCODER`` in the environment):

- ``ban`` (default): France's national address base, geopy's ``BANFrance`` on the
  Géoplateforme's address (``BAN_DOMAIN``);
- ``addok:URL``: any addok server (the engine behind the national base, same
  protocol), e.g. ``addok:http://127.0.0.1:7878`` for an offline deployment;
- ``nominatim`` or ``nominatim:URL``: OpenStreetMap's Nominatim (or your own), for walks
  outside France. Its usage policy asks for a User-Agent naming the application and a
  contact (``GEOCODER_USER_AGENT``, required here) and at most one request per second
  (enforced with geopy's ``RateLimiter``).

``GEOCODER_TIMEOUT`` is the seconds to wait for each answer (default 10).

``Geocoder.locate`` returns one ``Place`` or raises ``GeocodingError`` with a sentence
for the organiser: the geocoder is unreachable or too slow, nothing matches, several
places match about as well (the candidates are listed with their labels), the town or
postcode written in the address is not the place's, or only the street was found (a
house number that does not exist, a monument's name landing on a street: refused unless
the caller accepts street matches). A geocoder that covers only the walk's area
(``tourapp.geodata.local_addok``) says so when it finds nothing, and names the setting
of a wider one. No Flask here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from geopy import exc as geopy_exc
from geopy.adapters import URLLibAdapter
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import BANFrance, Nominatim

from ..domain.geo import Point, distance_m
from .streets import FRENCH_STREET_TYPES

DEFAULT_GEOCODER = "ban"
BAN_DOMAIN = "data.geopf.fr/geocodage"
"""The national address base's search API since its move to IGN's Géoplateforme
(2025); the old api-adresse.data.gouv.fr, geopy's default, was switched off in 2026."""
DEFAULT_TIMEOUT_S = 10.0
USER_AGENT = "tourapp/0.1 (walking-tour guide)"
CANDIDATES = 5  # asked of the geocoder, to tell a clear answer from a toss-up
MIN_SCORE = 0.4
"""BAN and addok score a match from 0 to 1; under this it is a guess: a made-up street
scores about 0.34 (« 12 rue des Nuages Imaginaires » → « 12 Rue des Rêves »), an
abbreviated real one 0.46 (« 39 bd Bonne Nouvelle » → « 39 Boulevard de Bonnes
Nouvelles »), a full address 0.6–0.9."""
TIE_SCORE = 0.1  # two candidates this close in score are a toss-up…
SAME_PLACE_M = 50.0  # …unless they are this close on the ground (one building, two entries)
NEAR_WALK_M = 30_000.0  # candidates farther than this from the walk are another town's
LOCAL_ATTRIBUTION = "tourapp local addok"
"""How ``local_addok`` signs its answers (addok's ATTRIBUTION setting): the geocoder
then knows only the walk's area, which the messages say."""
WIDER = ("set GEOCODER=ban (the national address base, all of France) or "
         "GEOCODER=nominatim (OpenStreetMap, with GEOCODER_USER_AGENT)")
POSTCODE = re.compile(r"\b(\d{5})\b")


class GeocodingError(Exception):
    """An address that cannot be placed; the message is for the organiser.

    ``reason``: "setting" (GEOCODER is wrong), "unreachable" (no answer, or an error
    answer), "not found", "ambiguous" (``candidates`` then lists what matched), "town"
    (the address names another town or postcode) or "street" (only the street found).
    """

    def __init__(self, message: str, reason: str, candidates: tuple[Place, ...] = ()):
        super().__init__(message)
        self.reason = reason
        self.candidates = candidates


@dataclass(frozen=True)
class Place:
    """What the geocoder found: its label, its point ``(lat, lon)`` and its score (0–1).

    ``kind`` is the national address base's type ("housenumber", "street", "locality",
    "municipality"; "" when the geocoder does not say), with the street, town, postcode
    and INSEE code when it gives them.
    """

    label: str
    location: Point
    score: float | None = None
    kind: str = ""
    street: str = ""
    city: str = ""
    postcode: str = ""
    citycode: str = ""


@dataclass(frozen=True)
class Settings:
    """Which geocoder, and how to talk to it."""

    kind: str  # "ban", "addok" or "nominatim"
    scheme: str = "https"
    domain: str = ""
    user_agent: str = USER_AGENT
    timeout_s: float = DEFAULT_TIMEOUT_S

    @property
    def name(self) -> str:
        """The geocoder as the organiser configured it, for messages."""
        if self.kind == "ban":
            return f"the Base Adresse Nationale at {self.scheme}://{self.domain}"
        where = f"{self.scheme}://{self.domain}" if self.domain else "nominatim.openstreetmap.org"
        return f"{self.kind} at {where}"


def settings(config: Mapping) -> Settings:
    """Read ``GEOCODER``, ``GEOCODER_USER_AGENT`` and ``GEOCODER_TIMEOUT`` from a mapping."""
    value = str(config.get("GEOCODER") or DEFAULT_GEOCODER).strip()
    kind, _, url = value.partition(":")
    kind = kind.lower()
    try:
        raw = config.get("GEOCODER_TIMEOUT")
        timeout_s = DEFAULT_TIMEOUT_S if raw in (None, "") else float(raw)
    except (TypeError, ValueError):
        raise GeocodingError(
            f"GEOCODER_TIMEOUT must be a number of seconds, got {config.get('GEOCODER_TIMEOUT')!r}",
            "setting",
        ) from None
    if not 0 < timeout_s <= 600:
        raise GeocodingError(
            f"GEOCODER_TIMEOUT must be from 0 to 600 seconds, got {timeout_s:g}", "setting"
        )
    agent = str(config.get("GEOCODER_USER_AGENT") or "").strip()
    scheme, domain = "https", ""
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise GeocodingError(
                f"GEOCODER={value!r}: the address after {kind}: must be an http(s) URL, "
                f"e.g. {kind}:http://127.0.0.1:7878",
                "setting",
            )
        scheme, domain = parts.scheme, parts.netloc + parts.path.rstrip("/")
    if kind == "ban":
        return Settings(kind, scheme, domain or BAN_DOMAIN, agent or USER_AGENT, timeout_s)
    if kind == "addok" and domain:
        return Settings(kind, scheme, domain, agent or USER_AGENT, timeout_s)
    if kind == "nominatim":
        if not agent:
            raise GeocodingError(
                "GEOCODER=nominatim needs GEOCODER_USER_AGENT: Nominatim's usage policy asks "
                "for a User-Agent that names your application and a contact, e.g. "
                "'montpellier-walks/1.0 (organiser@example.org)'",
                "setting",
            )
        return Settings(kind, scheme, domain, agent, timeout_s)
    raise GeocodingError(
        f"GEOCODER={value!r} is not a geocoder: use ban, addok:URL, nominatim or nominatim:URL",
        "setting",
    )


class _AddressBase(BANFrance):
    """geopy's BANFrance, keeping the answer's attribution (who knows which addresses)."""

    attribution: str = ""

    def _parse_json(self, response, exactly_one):
        answer = response.get("attribution") if isinstance(response, dict) else None
        self.attribution = answer if isinstance(answer, str) else ""
        return super()._parse_json(response, exactly_one)


class Geocoder:
    """One configured geocoder: ``candidates`` lists what matches, ``locate`` picks one."""

    def __init__(self, config: Settings):
        self.settings = config
        if config.kind == "nominatim":
            engine = Nominatim(
                user_agent=config.user_agent, timeout=config.timeout_s, adapter_factory=_adapter,
                **({"domain": config.domain, "scheme": config.scheme} if config.domain else {}),
            )
            # One request per second, the policy's limit; errors are reported, not retried.
            self._geocode: Callable = RateLimiter(
                engine.geocode, min_delay_seconds=1.0, max_retries=0, swallow_exceptions=False
            )
        else:
            engine = _AddressBase(
                user_agent=config.user_agent, timeout=config.timeout_s, adapter_factory=_adapter,
                **({"domain": config.domain, "scheme": config.scheme} if config.domain else {}),
            )
            self._geocode = engine.geocode
        self._engine = engine

    @property
    def local(self) -> bool:
        """Whether the last answer came from a geocoder of the walk's area only."""
        return getattr(self._engine, "attribution", "").startswith(LOCAL_ATTRIBUTION)

    def candidates(self, address: str) -> list[Place]:
        """Every place the geocoder matches to ``address``, best first."""
        address = " ".join(address.split())
        if not address:
            raise GeocodingError("the address is empty", "not found")
        try:
            found = self._geocode(address, exactly_one=False, limit=CANDIDATES)
        except geopy_exc.GeocoderTimedOut:
            raise GeocodingError(
                f"{self.settings.name} did not answer within {self.settings.timeout_s:g} s "
                f"(GEOCODER_TIMEOUT)",
                "unreachable",
            ) from None
        except (geopy_exc.GeocoderQueryError, geopy_exc.GeocoderAuthenticationFailure,
                geopy_exc.GeocoderInsufficientPrivileges) as error:
            raise GeocodingError(
                f"{self.settings.name} refused the request: {_reason(error)}", "unreachable"
            ) from None
        except geopy_exc.GeopyError as error:  # connection refused, 5xx, rate limited…
            raise GeocodingError(
                f"{self.settings.name} is unreachable: {_reason(error)}", "unreachable"
            ) from None
        return [_place(location, self.settings.kind) for location in found or ()]

    def locate(
        self, address: str, near: Point | None = None, *, accept_street: bool = False
    ) -> Place:
        """The one place ``address`` names, or ``GeocodingError`` saying why there is none.

        ``near`` (a point of the walk) rules out the same address in another town;
        ``accept_street`` takes a street's point when no house matches.
        """
        found = self.candidates(address)
        if near is not None:
            close = [p for p in found if distance_m(p.location, near) <= NEAR_WALK_M]
            if found and not close:
                raise GeocodingError(
                    f"no place near the walk matches « {address} »; found only: "
                    + _listing(found),
                    "not found",
                    tuple(found),
                )
            found = close
        good = [p for p in found if p.score is None or p.score >= MIN_SCORE]
        if not good:
            message = f"no address matches « {address} »"
            if found:
                message += "; the closest guesses are too far from it: " + _listing(found)
            raise GeocodingError(message + self._coverage(), "not found", tuple(found))
        best = good[0]
        self._check_town(address, best)
        rivals = [
            p for p in good[1:]
            if _tie(best, p) and distance_m(p.location, best.location) > SAME_PLACE_M
            and not _exact_street(address, best, p)
        ]
        if rivals:
            raise GeocodingError(
                f"« {address} » matches several places; write the address more fully "
                f"(house number, street type, town): " + _listing([best, *rivals]),
                "ambiguous",
                (best, *rivals),
            )
        if best.kind == "street" and not accept_street:
            raise GeocodingError(_street_only(address, best), "street", (best,))
        return best

    def _check_town(self, address: str, place: Place) -> None:
        """Refuse a place in another town or postcode than the address writes."""
        postcode, town = written_town(address)
        if postcode and place.postcode and postcode != place.postcode:
            wrong = f"the postcode {postcode}, but the place found is in {place.postcode}"
        elif postcode and not place.postcode and place.citycode and (
            postcode[:2] != place.citycode[:2].replace("2A", "20").replace("2B", "20")
        ):
            wrong = (f"the postcode {postcode} (département {postcode[:2]}), but the place "
                     f"found is in the département {place.citycode[:2]}")
        elif town and place.city and not _same_town(town, place.city):
            wrong = f"the town « {town} », but the place found is in {place.city}"
        else:
            return
        raise GeocodingError(
            f"« {address} » names {wrong}: « {place.label} » is another place; the stop is "
            f"not placed" + self._coverage(),
            "town",
            (place,),
        )

    def _coverage(self) -> str:
        if not self.local:
            return ""
        return (f". The local geocoder ({self.settings.name}) knows only the walk's area "
                f"(its city's address points); for an address elsewhere, {WIDER}")


def written_town(address: str) -> tuple[str, str]:
    """(postcode, town) as the address writes them: « …, 30000 Nîmes », « …, Lodève »."""
    parts = [part.strip() for part in address.split(",") if part.strip()]
    match = POSTCODE.search(address)
    if match:
        after = address[match.end():].split(",")[0].strip()
        return match.group(1), after
    if len(parts) < 2:
        return "", ""
    last = parts[-1]
    words = last.split()
    # « 11 boulevard Victor Hugo » or « place de la Comédie » is a street, not a town.
    if any(c.isdigit() for c in last) or not words or words[0].lower() in FRENCH_STREET_TYPES:
        return "", ""
    return "", last


def _plain(text: str) -> str:
    """Lower case, no accents, hyphens and apostrophes as spaces: how names compare."""
    text = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    text = re.sub(r"[-'’.]", " ", text)
    return " ".join(re.sub(r"\bst\b", "saint", text).split())


def _same_town(written: str, found: str) -> bool:
    a, b = _plain(written), _plain(found)
    return a == b or a in b or b in a


def _exact_street(address: str, best: Place, other: Place) -> bool:
    """Whether the address writes the best place's street in full and not the other's.

    « 20 rue Saint-Pierre » names the Rue Saint Pierre; the Rue Saint Pierre de Trivisy
    scores close behind only because its name starts the same.
    """
    if not best.street or not other.street:
        return False
    written = f" {_plain(address)} "
    return f" {_plain(best.street)} " in written and f" {_plain(other.street)} " not in written


def _street_only(address: str, place: Place) -> str:
    """Why a street's point is not the address's place."""
    asked = re.search(r"(?<!\d)(\d{1,4})(?!\d)", address)  # a house number, not a postcode
    where = f"« {place.label} »"
    if asked:
        what = (f"there is no number {asked.group(1)} in {place.street or place.label}: "
                f"only the street was found, {where}")
    elif place.street and f" {_plain(place.street)} " in f" {_plain(address)} ":
        what = f"« {address} » is a street, not an address: only the street was found, {where}"
    else:
        what = (f"« {address} » was not found as an address: only the street {where} "
                f"matches part of it")
    return (what + "; write the house number, or give --accept-street to put the stop on "
            "the street's point (its middle address)")


def from_config(config: Mapping) -> Geocoder:
    """The geocoder the app's settings name."""
    return Geocoder(settings(config))


def _adapter(proxies, ssl_context):
    # urllib rather than requests: one attempt per question, so GEOCODER_TIMEOUT is the
    # whole wait (requests' adapter retries twice) and a timeout is reported as one.
    return URLLibAdapter(proxies=proxies, ssl_context=ssl_context)


def _place(location, kind: str) -> Place:
    raw = location.raw if isinstance(location.raw, dict) else {}
    if kind == "nominatim":
        # Nominatim ranks by importance, not by match: no score, keep its order.
        return Place(str(location.address), (location.latitude, location.longitude), None)
    props = raw.get("properties") or {}
    score = props.get("score")
    label = props.get("label") or location.address

    def text(key: str) -> str:
        value = props.get(key)
        return value.strip() if isinstance(value, str) else ""

    return Place(
        str(label), (location.latitude, location.longitude),
        float(score) if isinstance(score, int | float) else None,
        kind=text("type"), city=text("city"),
        street=text("street") or (text("name") if text("type") == "street" else ""),
        postcode=text("postcode"), citycode=text("citycode"),
    )


def _tie(best: Place, other: Place) -> bool:
    if best.score is None or other.score is None:
        return False  # Nominatim: its first answer is its answer
    return best.score - other.score < TIE_SCORE


def _listing(places: list[Place]) -> str:
    return "; ".join(
        f"« {p.label} »" + (f" (score {p.score:.2f})" if p.score is not None else "")
        for p in places
    )


def _reason(error: Exception) -> str:
    text = str(error).strip()
    return text[:200] if text else type(error).__name__
