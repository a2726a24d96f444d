"""The edit form: the served file's stops and facts as fields, and back into the file.

Field names: ``tour.<property>`` for the walk's facts, ``<stop id>.<property>`` for a
stop's (ids are letters, digits, ``-`` and ``_``: the dot cannot be part of one). The
form is read back into a copy of the served document, so every property it does not
show (legs, steps, attribution…) is kept as it was. Problems are keyed by field name:
the form's own (a number, a time), then the file's validation (``stopsfile``), read
from the parts of its messages (feature index and property), so the page shows each
beside its field.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Mapping

from flask_babel import gettext

from ..render import wording

STOP_TEXTS = ("name_fr", "name_en", "description_fr", "description_en",
              "address_fr", "address_en", "short_name_fr", "short_name_en",
              "activity_fr", "activity_en", "notes_fr", "notes_en")
TOUR_TEXTS = ("tour_title_fr", "tour_title_en", "tour_description_fr",
              "tour_description_en", "tour_phone")
TOUR_CLOCKS = ("tour_start", "tour_end")
CLOCK_RE = re.compile(r"^\s*(\d{1,2})\s*(?:[:hH.]\s*(\d{2})?)?\s*$")
MINUTES_RE = re.compile(r"^\s*(\d{1,4})\s*(?:min\.?|mn|m)?\s*$", re.IGNORECASE)


def is_stop(feature) -> bool:
    """Whether a feature of the file is a stop (a point)."""
    geometry = feature.get("geometry") if isinstance(feature, dict) else None
    return isinstance(geometry, dict) and geometry.get("type") == "Point"


def stops_in_order(document: dict) -> list[dict]:
    """The stop features, in walking order."""
    stops = [f for f in document["features"] if is_stop(f)]
    return sorted(stops, key=lambda f: (f.get("properties") or {}).get("order", 0))


def facts_feature(document: dict) -> dict:
    """The stop that carries the walk's ``tour_*`` facts (the file allows any one)."""
    stops = stops_in_order(document)
    return next(
        (f for f in stops if any(k.startswith("tour_") for k in (f.get("properties") or {}))),
        stops[0],
    )


def values_of(document: dict) -> dict[str, str]:
    """The form's fields, filled from the file."""
    values: dict[str, str] = {}
    facts = facts_feature(document).get("properties") or {}
    for key in (*TOUR_TEXTS, "tour_date", *TOUR_CLOCKS):
        values[f"tour.{key}"] = str(facts.get(key) or "")
    for number, feature in enumerate(stops_in_order(document), 1):
        props = feature.get("properties") or {}
        ident = props.get("id")
        for key in (*STOP_TEXTS, "duration_min", "arrive_at"):
            value = props.get(key)
            values[f"{ident}.{key}"] = "" if value is None else str(value)
        values[f"{ident}.order"] = str(number)
        lon, lat = (feature.get("geometry") or {}).get("coordinates", [None, None])[:2]
        values[f"{ident}.lat"], values[f"{ident}.lon"] = f"{lat:.6f}", f"{lon:.6f}"
    return values


def geocoder_reason(reason: str) -> str:
    """Why the geocoder gave no single place, in the page's language."""
    reasons = {
        "not found": gettext("nothing matches"),
        "ambiguous": gettext("several places match"),
        "unreachable": gettext("the geocoder cannot be reached"),
    }
    return reasons.get(reason, reason)


def clock(text: str) -> str | None:
    """``15:30``, ``15h30``, ``15 h``, ``9.05`` → ``HH:MM``; None if it is no time of day."""
    match = CLOCK_RE.match(text or "")
    if not match:
        return None
    hours, minutes = int(match[1]), int(match[2] or 0)
    return f"{hours:02d}:{minutes:02d}" if hours < 24 and minutes < 60 else None


def degrees(text: str, limit: float) -> float | None:
    """``43.61``, ``43,61`` → 43.61 within ±``limit``; None otherwise."""
    try:
        value = float((text or "").strip().replace(",", "."))
    except ValueError:
        return None
    return value if -limit <= value <= limit else None


def slug(text: str) -> str:
    """A stop id from a name: « Cathédrale Saint-Pierre » → ``cathedrale-saint-pierre``."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:48] or "stop"


def minutes(text: str) -> int | None:
    """``30``, ``30 min`` → 30; None otherwise."""
    match = MINUTES_RE.match(text or "")
    return int(match[1]) if match else None


def _clock_field(form, name: str, errors: dict) -> str | None:
    """The time of day typed in field ``name`` ("" when empty), or None with its error noted."""
    typed = form[name].strip()
    value = clock(typed) if typed else ""
    if value is None:
        errors[name] = gettext("Write a time of day such as 13:30, got “%(got)s”.", got=typed)
    return value


def apply(document: dict, form: Mapping[str, str]) -> tuple[dict, dict[str, str]]:
    """A copy of ``document`` with the form's values, and the form's own problems by field."""
    new = copy.deepcopy(document)
    errors: dict[str, str] = {}
    facts = facts_feature(new).setdefault("properties", {})
    for key in (*TOUR_TEXTS, "tour_date"):
        name = f"tour.{key}"
        if name in form:
            _set(facts, key, form[name].strip())
    for key in TOUR_CLOCKS:
        name = f"tour.{key}"
        if name in form and (value := _clock_field(form, name, errors)) is not None:
            _set(facts, key, value)
    ranks: list[tuple[float, int, dict]] = []
    removed = []
    for number, feature in enumerate(stops_in_order(new), 1):
        props = feature.setdefault("properties", {})
        ident = props.get("id")
        if form.get(f"{ident}.remove"):
            removed.append(feature)
            continue
        for key in STOP_TEXTS:
            name = f"{ident}.{key}"
            if name in form:
                _set(props, key, form[name].strip())
        name = f"{ident}.duration_min"
        if name in form:
            count = minutes(form[name])
            if count is None:
                errors[name] = gettext("Write a whole number of minutes such as 20, got "
                                       "“%(got)s”.", got=form[name].strip())
            else:
                props["duration_min"] = count
        name = f"{ident}.arrive_at"
        if name in form and (value := _clock_field(form, name, errors)) is not None:
            _set(props, "arrive_at", value)
        _place(feature, form, ident, errors)
        rank_text = form.get(f"{ident}.order", str(number)).strip()
        try:
            rank = float(rank_text.replace(",", "."))
        except ValueError:
            errors[f"{ident}.order"] = gettext("Write the stop's number, got “%(got)s”.",
                                               got=rank_text)
            rank = number
        ranks.append((rank, number, feature))
    added = _new_stop(new, form, errors)
    if added is not None:
        after = form.get("new.after", "")
        rank = next((r[0] + 0.5 for r in ranks if r[2]["properties"].get("id") == after), 0.5)
        ranks.append((rank, len(ranks) + 1, added))
    if removed and not ranks:
        errors[f"{removed[0]['properties'].get('id')}.remove"] = gettext(
            "A walk needs at least one stop.")
        return new, errors
    for feature in removed:
        props = feature["properties"]
        tour_facts = {k: v for k, v in props.items() if k.startswith("tour_")}
        new["features"].remove(feature)
        if tour_facts:  # the walk's facts move to a remaining stop
            heir = min(ranks, key=lambda r: r[:2])[2]["properties"]
            heir.update({k: v for k, v in tour_facts.items() if k not in heir})
    for order, (_rank, _number, feature) in enumerate(sorted(ranks, key=lambda r: r[:2]), 1):
        feature["properties"]["order"] = order
    return new, errors


def _place(feature: dict, form: Mapping[str, str], prefix: str, errors: dict) -> None:
    """The point the form gives (a dragged pin or typed degrees), into the feature."""
    if f"{prefix}.lat" not in form and f"{prefix}.lon" not in form:
        return
    lat = degrees(form.get(f"{prefix}.lat", ""), 90)
    lon = degrees(form.get(f"{prefix}.lon", ""), 180)
    for name, value in ((f"{prefix}.lat", lat), (f"{prefix}.lon", lon)):
        if value is None:
            errors[name] = gettext("Write degrees such as 43.6085, or drag the stop's pin "
                                   "on the map; got “%(got)s”.", got=form.get(name, ""))
    if lat is not None and lon is not None:
        old = (feature.get("geometry") or {}).get("coordinates") or []
        shown = [f"{old[1]:.6f}", f"{old[0]:.6f}"] if len(old) >= 2 else None
        # Unchanged to the 6 decimals the form shows: keep the file's own digits.
        if shown != [f"{lat:.6f}", f"{lon:.6f}"]:
            feature["geometry"] = {"type": "Point",
                                   "coordinates": [round(lon, 7), round(lat, 7)]}


def _new_stop(document: dict, form: Mapping[str, str], errors: dict) -> dict | None:
    """The stop the form's "new stop" part adds, or None when its name is left empty."""
    name_fr, name_en = form.get("new.name_fr", "").strip(), form.get("new.name_en", "").strip()
    if not name_fr and not name_en:
        return None
    taken = {(f.get("properties") or {}).get("id") for f in document["features"]}
    base = slug(name_fr or name_en)
    ident = next(f"{base}-{n}" if n else base for n in range(len(taken) + 1)
                 if (f"{base}-{n}" if n else base) not in taken)
    duration = minutes(form.get("new.duration_min", "") or "0")
    if duration is None:
        errors["new.duration_min"] = gettext("Write a whole number of minutes such as 20, got "
                                             "“%(got)s”.", got=form["new.duration_min"].strip())
        duration = 0
    props = {"id": ident, "order": 0, "duration_min": duration}
    for key in STOP_TEXTS:
        value = form.get(f"new.{key}", "").strip()
        if value:
            props[key] = value
    # An address is written the same way in both languages more often than not.
    for one, other in (("address_fr", "address_en"), ("address_en", "address_fr")):
        if props.get(one) and not props.get(other):
            props[other] = props[one]
    feature = {"type": "Feature", "properties": props, "geometry": None}
    if not form.get("new.lat", "").strip() and not form.get("new.lon", "").strip():
        errors["new.lat"] = gettext("Place the new stop: write its address and let it be "
                                    "found, or drag its pin on the map.")
    else:
        _place(feature, form, "new", errors)
    document["features"].append(feature)
    return feature


def _set(props: dict, key: str, value: str) -> None:
    # An emptied optional field leaves the file, as a hand-edit would.
    if value == "":
        props.pop(key, None)
    else:
        props[key] = value


def file_problems(document: dict, problems: list[str]) -> tuple[dict[str, str], list[str]]:
    """The loader's problems, in the page's language: by field where one is named, else listed."""
    features = document.get("features") or []
    by_field: dict[str, str] = {}
    other: list[str] = []
    for problem in problems:
        field = _field_of(features, problem)
        text = wording.problem(problem)
        if field and field not in by_field:
            by_field[field] = text
        else:
            other.append(text)
    return by_field, other


def _field_of(features: list, problem: str) -> str | None:
    index = key = None
    for _template, values in getattr(problem, "parts", ()):
        if values and "index" in values and index is None:
            index = values["index"]
        if values and "key" in values and key is None:
            key = values["key"]
    if index is None or key is None or not 0 <= index < len(features):
        return None
    if str(key).startswith("tour_"):
        return f"tour.{key}"
    props = features[index].get("properties") or {} if isinstance(features[index], dict) else {}
    return f"{props.get('id')}.{key}"
