"""The stops file's schema: read the document and report every problem in it.

The file is a FeatureCollection (RFC 7946, flat properties; ``data/README.md``
documents every property). Point features are stops, LineString features legs.
Nothing here builds the tour: each reader returns checked values or None after
recording a problem, so the organiser sees every mistake at once.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..domain.tour import (
    NO_TEXT,
    LatLon,
    Leg,
    Localized,
    Photo,
    Step,
    Stop,
    path_length_m,
    walk_minutes,
)
from .messages import N_, Message, at, json_error, sniff
from .photos import NAME_RE as PHOTO_NAME_RE

MAX_FILE_BYTES = 8 * 1024 * 1024
"""Largest stops file accepted (a 1,000-stop tour with routed legs is ~3 MB)."""

MAX_SPREAD_KM = 20.0
"""A stop farther than this from the other stops is a mistake (often swapped lon/lat)."""

MAX_LEG_GAP_M = 100.0
"""A leg whose ends are farther than this from its stops is stale and ignored."""

STALE_LEG_M = 10.0
"""A stop moved farther than this from where its leg was routed: the leg is flagged."""

UNRECORDED_GAP_M = 40.0
"""A leg without the routed-for positions whose end is farther than this is flagged.

Routed legs end where the stop meets the street: 3–15 m for the seeded walk's stops,
more for a stop inside a large square; the positions recorded since make this a fallback.
"""

DEFAULT_SPEED_KMH = 4.5
DEFAULT_TIMEZONE = "Europe/Paris"
MAX_TEXT = {"name": 200, "address": 300, "description": 2000, "title": 200,
            "activity": 2000, "notes": 1000, "photo_alt": 300, "photo_credit": 200}
YES = {True, "true", "yes", "oui", "1"}  # True == 1: the number 1 too
NO = {False, "false", "no", "non", "0"}  # False == 0
SHORT_NAME_MAX = 10
"""A stop's short name fits a Garmin course point's name (TCX allows 10 characters)."""
PHONE_RE = re.compile(r"^\+?[0-9 .()/-]+$")
PHONE_DIGITS = (6, 15)  # a short local number to the longest international one (E.164)
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
"""A stop id: a letter or digit first (so it is never read as a command option), 64 at most."""


def is_stop_id(ident: object) -> bool:
    """Whether ``ident`` is a valid stop id: the file's rule, which every edit checks first."""
    return isinstance(ident, str) and ID_RE.match(ident) is not None

# GDAL writes a Time field back as "13:30:00" (sometimes with milliseconds): accept seconds.
TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.\d{1,6})?)?$")
# GDAL may write a Date field as "2018/11/20"; Python alone would also take "20181120".
DATE_RE = re.compile(r"^\d{4}[-/]\d{2}[-/]\d{2}$")
YEARS = (1900, 2200)  # beyond this a date is a typo, and the schedule arithmetic overflows
# Control characters cannot be shown, break XML 1.0 (GPX) and HTTP headers; lone surrogates
# cannot be encoded as UTF-8 at all. Tab, line feed and carriage return are fine in a text.
BAD_CHAR_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
NUMBER_RE = re.compile(r"^\s*-?\d+(\.\d+)?\s*$")
STEP_KEYS = ("maneuver", "direction", "street", "distance_m")


def missing(key: str) -> Message:
    """A property that is absent or empty."""
    return Message.of(N_('"%(key)s" is missing'), key=key)


class TourError(Exception):
    """A stops file that cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: list[str], warnings: list[str] | None = None):
        # Messages go to terminals, logs, JSON and HTML: keep them printable UTF-8.
        self.problems = [printable(p) for p in problems] or ["unknown problem"]
        self.warnings = [printable(w) for w in warnings or []]
        super().__init__("\n".join(self.problems))


def printable(text: str) -> str:
    """``text`` with control characters and lone surrogates written as escapes."""
    if isinstance(text, Message):
        return text.mapped(printable)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return BAD_CHAR_RE.sub(lambda m: f"\\x{ord(m[0]):02x}", text)


def _show(value: Any) -> str:
    """A property value as the organiser typed it, shortened for a message."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (RecursionError, ValueError):
        text = "…"
    return text if len(text) <= 60 else text[:57] + "…"


def _finite(value: Any) -> bool:
    """A JSON number (not a boolean) that fits in a float."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:  # an integer with hundreds of digits
        return False


def _bad_char(text: str) -> str | None:
    """Describe the first unusable character of ``text``, or None."""
    match = BAD_CHAR_RE.search(text)
    if match is None:
        return None
    return Message.of(
        N_("the invisible control character U+%(code)s at position %(position)d: remove it"),
        code=f"{ord(match[0]):04X}", position=match.start() + 1,
    )


class _Feature:
    """Reads one feature's properties and words problems about it."""

    def __init__(self, source: str, index: int, props: dict, problems: list[str]):
        self.props = props
        self.problems = problems
        ident = props.get("id")
        label = ident if isinstance(ident, str) and ident else props.get("name_fr")
        self.label = Message(source, ": ", (N_("feature %(index)d"), {"index": index}))
        if isinstance(label, str) and label:
            self.label += f" ({_show(label)})"

    def problem(self, text: str) -> None:
        self.problems.append(self.label + ": " + text)

    def get(self, key: str) -> Any:
        # GIS tools write null for a column a feature does not use.
        return self.props.get(key)

    def text(self, key: str, *, required: bool = True, limit: int = 200) -> str | None:
        value = self.get(key)
        if value is None or value == "":
            if required:
                self.problem(missing(key))
            return None
        if not isinstance(value, str):
            self.problem(Message.of(N_('"%(key)s" must be text, got %(got)s'),
                                    key=key, got=_show(value)))
            return None
        if len(value) > limit:
            self.problem(Message.of(
                N_('"%(key)s" must be at most %(limit)d characters, got %(got)d'),
                key=key, limit=limit, got=len(value),
            ))
            return None
        bad = _bad_char(value)
        if bad:
            self.problem(Message.of(N_('"%(key)s" contains '), key=key) + bad)
            return None
        return value

    def localized(self, base: str, *, required: bool, limit: int) -> Localized | None:
        """``base_fr`` and ``base_en``: both, or (when optional) neither."""
        keys = [f"{base}_fr", f"{base}_en"]
        present = [k for k in keys if self.get(k) not in (None, "")]
        if not present and not required:
            return Localized("", "")
        if present and len(present) < len(keys):
            absent = next(k for k in keys if k not in present)
            self.problem(missing(absent) + Message.of(
                N_(': "%(base)s" needs French and English (%(keys)s)'),
                base=base, keys=", ".join(keys),
            ))
            return None
        fr = self.text(keys[0], limit=limit)
        en = self.text(keys[1], limit=limit)
        return Localized(fr, en) if fr is not None and en is not None else None

    def number(
        self,
        key: str,
        *,
        required: bool = True,
        minimum: float = 0.0,
        maximum: float = math.inf,
        strict_min: bool = False,
        integer: bool = False,
        default: float | None = None,
    ) -> float | None:
        value = self.get(key)
        if value is None or value == "":
            if required:
                self.problem(missing(key))
            return default
        # uMap and some table editors store numbers as text: accept plain decimals.
        if isinstance(value, str) and NUMBER_RE.match(value):
            value = float(value)
        kind = N_("a whole number") if integer else N_("a number")
        if strict_min and minimum == 0:
            kind = N_("a positive whole number") if integer else N_("a positive number")
        ok = _finite(value)
        ok = ok and (value > minimum if strict_min else value >= minimum) and value <= maximum
        ok = ok and (not integer or float(value).is_integer())
        if not ok:
            message = Message.of(N_('"%(key)s" must be '), key=key) + Message((kind, {}))
            if not (strict_min and minimum == 0):
                message += Message.of(N_(" from %(minimum)s"), minimum=f"{minimum:g}")
            if math.isfinite(maximum):
                message += Message.of(N_(" to %(maximum)s"), maximum=f"{maximum:g}")
            message += Message.of(N_(", got %(got)s"), got=_show(self.get(key)))
            fixed = _number_fix(self.get(key))
            if fixed is not None:
                message += Message.of(N_(": write %(fixed)s"), fixed=fixed)
            self.problem(message)
            return None
        return float(value)

    def yes_no(self, key: str) -> Any:
        """A yes/no property: True, False, None when absent, ``NO_ANSWER`` after a problem."""
        value = self.get(key)
        if value is None or value == "":
            return None
        folded = value.strip().lower() if isinstance(value, str) else value
        if not isinstance(folded, bool | int | str):
            folded = None
        if folded in YES:
            return True
        if folded in NO:
            return False
        self.problem(Message.of(N_('"%(key)s" must be true or false, got %(got)s'),
                                key=key, got=_show(value)))
        return NO_ANSWER

    def clock(self, key: str, *, required: bool = True) -> dt.time | None:
        value = self.get(key)
        if value is None or value == "":
            if required:
                self.problem(missing(key))
            return None
        match = TIME_RE.match(value) if isinstance(value, str) else None
        if not match:
            message = Message.of(N_('"%(key)s" must be a time written HH:MM, got %(got)s'),
                                 key=key, got=_show(value))
            fixed = _clock_fix(value)
            if fixed is not None:
                message += Message.of(N_(": write %(fixed)s"), fixed=f'"{fixed}"')
            self.problem(message)
            return None
        return dt.time(int(match[1]), int(match[2]))


# How organisers write what the file wants otherwise: « 15h30 », « 15 h », « 30 min », « 1,5 ».
# The file keeps one way of writing each (GIS tools and the schedule read it as it is): the
# loader names the value to write rather than guessing silently.
_CLOCK_FIX_RE = re.compile(r"^\s*(\d{1,2})\s*(?:[hH:.]\s*(\d{1,2})?)\s*$")
_NUMBER_FIX_RE = re.compile(
    r"^\s*(-?\d+)(?:,(\d+))?\s*(?:min\.?|mn|minutes?|m|km/h|kmh|km)?\s*$", re.IGNORECASE)


def _clock_fix(value: Any) -> str | None:
    """``HH:MM`` for « 15h30 », « 15 h », « 9.05 », « 9:5 »; None when it is no time."""
    match = _CLOCK_FIX_RE.match(value) if isinstance(value, str) else None
    if not match:
        return None
    hours, minutes = int(match[1]), int(match[2] or 0)
    return f"{hours:02d}:{minutes:02d}" if hours < 24 and minutes < 60 else None


def _number_fix(value: Any) -> str | None:
    """The number in « 30 min », « 1,5 », « 4,5 km/h », written as the file wants; or None."""
    match = _NUMBER_FIX_RE.match(value) if isinstance(value, str) else None
    if not match or NUMBER_RE.match(value):
        return None  # not a number at all, or one already (refused for its range)
    if match[2] is not None and len(match[2]) == 3:
        return None  # « 1,500 »: a thousands separator as much as a decimal comma
    return match[1] + (f".{match[2]}" if match[2] else "")


def _position(raw: Any) -> LatLon | None:
    """GeoJSON ``[lon, lat(, alt)]`` → ``(lat, lon)``, or None when invalid.

    This is the one place where the coordinate order is swapped.
    """
    if not isinstance(raw, list) or len(raw) not in (2, 3):
        return None
    if not all(_finite(c) for c in raw):
        return None
    lon, lat = float(raw[0]), float(raw[1])
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return (float(lat), float(lon))


def _read_document(data: bytes, source: str, max_bytes: int) -> Any:
    if len(data) > max_bytes:
        raise TourError([at(source, Message.of(
            N_("file is %(size)s bytes, more than the limit of %(limit)s"),
            size=f"{len(data):,}", limit=f"{max_bytes:,}",
        ))])
    other = sniff(data, source)
    if other is not None:
        raise TourError([at(source, other)])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TourError([at(source, Message.of(
            N_("not UTF-8 text (byte %(byte)d): save it again as UTF-8"), byte=exc.start
        ))]) from None
    if not text.strip():
        raise TourError([at(source, Message.of(
            N_("file is empty: was it saved completely? Save it again, or restore a version "
               "(flask --app tourapp tour history)")
        ))])

    def no_constants(name: str) -> None:
        raise ValueError(f"{name} is not allowed in JSON")

    try:
        return json.loads(text, parse_constant=no_constants)
    except json.JSONDecodeError as exc:
        raise TourError([at(source, json_error(text, exc))]) from None
    except (ValueError, RecursionError) as exc:
        raise TourError([at(source, Message.of(N_("invalid JSON: %(reason)s"),
                                               reason=str(exc)))]) from None


def _features(document: Any, source: str) -> list:
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        found = document.get("type") if isinstance(document, dict) else type(document).__name__
        raise TourError([at(source, Message.of(
            N_("must be a GeoJSON FeatureCollection, got %(got)s"), got=_show(found)
        ))])
    features = document.get("features")
    if not isinstance(features, list):
        raise TourError([at(source, Message.of(N_('"features" must be a list')))])
    return features


def _tour_facts(readers: list[_Feature], source: str, problems: list[str]) -> dict:
    """Collect the ``tour_*`` properties, which may sit on any one stop."""
    seen: dict[str, tuple[Any, _Feature]] = {}
    for reader in readers:
        for key, value in reader.props.items():
            if not key.startswith("tour_") or value in (None, ""):
                continue
            if key in seen and seen[key][0] != value:
                reader.problem(Message.of(
                    N_("%(key)s is %(value)s here but %(other)s in %(where)s: keep it on "
                       "one stop"),
                    key=_show(key), value=_show(value), other=_show(seen[key][0]),
                    where=Message(*seen[key][1].label.parts[2:]),
                ))
            seen.setdefault(key, (value, reader))
    if not seen:
        problems.append(at(source, Message.of(
            N_('no tour properties: put "tour_title_fr", "tour_title_en", '
               '"tour_date" and "tour_start" on the first stop')
        )))
        return {}
    # Read every tour fact through the feature that holds the first of them.
    holder = next(iter(seen.values()))[1]
    merged = _Feature.__new__(_Feature)
    merged.props = {key: value for key, (value, _) in seen.items()}
    merged.problems = problems
    merged.label = holder.label
    facts: dict[str, Any] = {
        "title": merged.localized("tour_title", required=True, limit=MAX_TEXT["title"]),
        "description": merged.localized(
            "tour_description", required=False, limit=MAX_TEXT["description"]
        ),
        "start": merged.clock("tour_start"),
        "end": merged.clock("tour_end", required=False),
        "speed_kmh": merged.number(
            "tour_speed_kmh", required=False, minimum=1, maximum=10, default=DEFAULT_SPEED_KMH
        ),
        "attribution": merged.text("tour_attribution", required=False, limit=300) or "",
        "attribution_en": merged.text("tour_attribution_en", required=False, limit=300) or "",
        "organiser": merged.text("tour_organiser", required=False, limit=200) or "",
        "phone": _phone(merged),
    }
    raw_date = merged.get("tour_date")
    try:
        if raw_date in (None, ""):
            merged.problem(missing("tour_date"))
            raise LookupError
        if not (isinstance(raw_date, str) and DATE_RE.match(raw_date)):
            raise ValueError(raw_date)
        facts["date"] = dt.date.fromisoformat(raw_date.replace("/", "-"))
    except LookupError:
        pass
    except ValueError:
        merged.problem(Message.of(
            N_('"%(key)s" must be a date written YYYY-MM-DD, got %(got)s'),
            key="tour_date", got=_show(raw_date),
        ))
    else:
        if not YEARS[0] <= facts["date"].year <= YEARS[1]:
            del facts["date"]
            merged.problem(Message.of(
                N_('"tour_date" must be a date between %(first)d and %(last)d, got %(got)s'),
                first=YEARS[0], last=YEARS[1], got=_show(raw_date),
            ))
    timezone = merged.get("tour_timezone") or DEFAULT_TIMEZONE
    try:
        if not isinstance(timezone, str) or len(timezone) > 64:
            raise ValueError(timezone)
        ZoneInfo(timezone)
        facts["timezone"] = timezone
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: e.g. "Europe", a folder
        merged.problem(Message.of(
            N_('"tour_timezone" must be a time zone name such as "Europe/Paris", '
               "got %(got)s"),
            got=_show(timezone),
        ))
    return facts


def _stop(reader: _Feature, index: int, location: LatLon) -> Stop | None:
    ident = reader.get("id")
    if ident is None or ident == "":
        reader.problem(missing("id"))
    elif not is_stop_id(ident):
        reader.problem(Message.of(
            N_('"id" must be a short identifier (letters, digits, "-" or "_"), got %(got)s'),
            got=_show(ident),
        ))
    order = reader.number("order", minimum=1, maximum=10_000, integer=True)
    name = reader.localized("name", required=True, limit=MAX_TEXT["name"])
    description = reader.localized("description", required=False, limit=MAX_TEXT["description"])
    address = reader.localized("address", required=False, limit=MAX_TEXT["address"])
    duration = reader.number("duration_min", maximum=24 * 60)
    arrive_at = reader.clock("arrive_at", required=False)
    short_name = _short_name(reader)
    extras = _stop_extras(reader)
    if (
        order is None or name is None or description is None or address is None
        or duration is None or not isinstance(ident, str) or short_name is None
        or extras is None
    ):
        return None
    if reader.get("arrive_at") not in (None, "") and arrive_at is None:
        return None
    if not is_stop_id(ident):
        return None
    return Stop(
        id=ident,
        order=int(order),
        location=location,
        name=name,
        description=description,
        address=address,
        duration_min=math.ceil(duration),
        arrive_at=arrive_at,
        feature_index=index,
        short_name=short_name,
        **extras,
    )


def _stop_extras(reader: _Feature) -> dict | None:
    """The optional texts for participants: activity, notes, access, toilets, photo."""
    extras: dict[str, Any] = {
        "activity": reader.localized("activity", required=False, limit=MAX_TEXT["activity"]),
        "notes": reader.localized("notes", required=False, limit=MAX_TEXT["notes"]),
        "step_free": reader.yes_no("step_free"),
        "toilets": reader.yes_no("toilets"),
        "photo": None,
    }
    name = reader.get("photo")
    named = name not in (None, "")
    keys = ("photo_alt_fr", "photo_alt_en", "photo_credit")
    if named and not (isinstance(name, str) and PHOTO_NAME_RE.match(name)):
        reader.problem(Message.of(
            N_('"photo" must be the name of a .jpg, .png or .webp file of the photos folder '
               "beside the stops file (letters, digits, \".\", \"-\", \"_\"; no folder), "
               "got %(got)s"), got=_show(name),
        ))
        named = False
        extras["photo"] = NO_PHOTO
    elif not named and any(reader.get(k) not in (None, "") for k in keys):
        reader.problem(Message.of(N_('"photo" is missing: %(keys)s describe a photo'),
                                  keys=", ".join(keys)))
        extras["photo"] = NO_PHOTO
    if named:
        # A photo says what it shows (for those who cannot see it) and who took it.
        alt = reader.localized("photo_alt", required=True, limit=MAX_TEXT["photo_alt"])
        credit = reader.text("photo_credit", limit=MAX_TEXT["photo_credit"])
        if alt is not None and credit is not None:
            extras["photo"] = Photo(file=str(name), alt=alt, credit=credit)
        else:
            extras["photo"] = NO_PHOTO
    if any(value is None for key, value in extras.items() if key in ("activity", "notes")):
        return None
    if extras["photo"] is NO_PHOTO or extras["step_free"] is NO_ANSWER:
        return None
    if extras["toilets"] is NO_ANSWER:
        return None
    return extras


NO_PHOTO = Photo("", NO_TEXT, "")
"""A photo with a problem (already reported)."""

NO_ANSWER = object()
"""A yes/no property with a problem (already reported)."""


def _short_name(reader: _Feature) -> Localized | None:
    """``short_name_fr`` and ``short_name_en`` (optional, both or neither), spaces collapsed."""
    short = reader.localized("short_name", required=False, limit=MAX_TEXT["name"])
    if short is None:
        return None
    texts = {lang: " ".join(short[lang].split()) for lang in ("fr", "en")}
    for lang, text in texts.items():
        if len(text) > SHORT_NAME_MAX or (short[lang] and not text):
            reader.problem(Message.of(
                N_('"%(key)s" must be 1 to %(limit)d characters (what a GPS watch shows of a '
                   "stop; the full name stays in \"name_%(lang)s\"), got %(got)d: %(value)s"),
                key=f"short_name_{lang}", limit=SHORT_NAME_MAX, lang=lang, got=len(text),
                value=_show(short[lang]),
            ))
            return None
    return Localized(texts["fr"], texts["en"])


def _phone(reader: _Feature) -> str:
    """``tour_phone``: the organisers' number for the day, as written ("" when absent)."""
    value = reader.text("tour_phone", required=False, limit=40)
    if not value:
        return ""
    digits = sum(c.isdigit() for c in value)
    if not (PHONE_RE.match(value) and PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]):
        reader.problem(Message.of(
            N_('"%(key)s" must be a phone number: %(low)d to %(high)d digits, with spaces, '
               '".", "-", "/", "(", ")" and a leading "+" allowed, such as '
               '"+33 4 67 00 00 00", got %(got)s'),
            key="tour_phone", low=PHONE_DIGITS[0], high=PHONE_DIGITS[1], got=_show(value),
        ))
        return ""
    return " ".join(value.split())


def _steps(reader: _Feature, raw: Any) -> tuple[Step, ...] | None:
    """Steps are a JSON-encoded list in one text property.

    GDAL (so QGIS too) writes such a text back as the JSON list itself: accept both.
    """
    if raw in (None, "", []):
        return ()
    try:
        items = json.loads(raw) if isinstance(raw, str) else raw if isinstance(raw, list) else None
    except json.JSONDecodeError as exc:
        reader.problem(Message.of(
            N_('"steps" must be a JSON list of steps: %(reason)s at column %(column)d'),
            reason=exc.msg, column=exc.colno,
        ))
        return None
    if not isinstance(items, list):
        reader.problem(Message.of(N_('"steps" must be text holding a JSON list of steps')))
        return None
    steps = []
    for number, item in enumerate(items):
        ok = isinstance(item, dict) and all(k in item for k in STEP_KEYS)
        ok = ok and all(
            isinstance(item[k], str) and len(item[k]) <= 300 and not _bad_char(item[k])
            for k in STEP_KEYS[:3]
        )
        distance = item.get("distance_m") if isinstance(item, dict) else None
        ok = ok and distance is not None and _finite(distance) and 0 <= distance <= 100_000
        location = _position(item.get("location")) if ok and "location" in item else None
        if not ok or distance is None or ("location" in item and location is None):
            reader.problem(Message.of(
                N_('"steps" item %(number)d must have "maneuver", "direction", "street" '
                   '(text, no control characters), "distance_m" (number ≥ 0) and optionally '
                   '"location" [lon, lat]'),
                number=number,
            ))
            return None
        steps.append(
            Step(item["maneuver"], item["direction"], item["street"], float(distance), location)
        )
    return tuple(steps)


def _leg(reader: _Feature, path: tuple[LatLon, ...], speed_kmh: float) -> Leg | None:
    leg_from = reader.text("leg_from")
    leg_to = reader.text("leg_to")
    distance = reader.number("distance_m", required=False, strict_min=True, maximum=100_000)
    walk = reader.number("walk_min", required=False, maximum=24 * 60, integer=True)
    steps = _steps(reader, reader.get("steps"))
    if leg_from is None or leg_to is None or steps is None:
        return None
    if reader.get("distance_m") not in (None, "") and distance is None:
        return None
    if reader.get("walk_min") not in (None, "") and walk is None:
        return None
    distance = distance if distance is not None else path_length_m(path)
    return Leg(
        from_id=leg_from,
        to_id=leg_to,
        path=path,
        distance_m=distance,
        walk_min=int(walk) if walk is not None else walk_minutes(distance, speed_kmh),
        steps=steps,
        routed=True,
    )
