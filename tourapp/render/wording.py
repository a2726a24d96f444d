"""Texts for organisers in their language: problems of a file, what changed between versions.

Problems and warnings are built in English by the loader (``stopsfile.messages``)
with their parts kept, so they can be said again in the page's or shell's language.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import get_locale, gettext, lazy_gettext

from ..stopsfile.messages import Message

REASONS = {
    "file": lazy_gettext("file saved"),
    "restore": lazy_gettext("restored"),
    "route": lazy_gettext("legs recomputed (tour route)"),
    "add-stop": lazy_gettext("stop added by address (tour add-stop)"),
    "move-stop": lazy_gettext("stop moved (tour move-stop)"),
    "remove-stop": lazy_gettext("stop removed (tour remove-stop)"),
    "console": lazy_gettext("edited in the console"),
    "new-walk": lazy_gettext("new walk made in the console"),
}

TOUR_FACTS = {
    "title": lazy_gettext("title"),
    "description": lazy_gettext("description of the walk"),
    "date": lazy_gettext("day of the walk"),
    "timezone": lazy_gettext("time zone"),
    "start": lazy_gettext("start time"),
    "end": lazy_gettext("planned end"),
    "speed_kmh": lazy_gettext("walking speed"),
    "phone": lazy_gettext("organisers' phone"),
}


def problem(text: str) -> str:
    """A problem or warning of the loader in the current language."""
    return text.translated(gettext) if isinstance(text, Message) else str(text)


def language() -> str:
    """The language texts are said in now (``fr`` or ``en``)."""
    locale = get_locale()
    return locale.language if locale is not None and locale.language in ("fr", "en") else "en"


def reason(name: str) -> str:
    """Why a version was accepted, in the current language."""
    return str(REASONS.get(name, name))


def accepted_at(timestamp: float, timezone: str = "") -> str:
    """When a version was accepted: in ``timezone`` (the walk's) if known, else UTC."""
    try:
        zone = ZoneInfo(timezone) if timezone else None
    except (ZoneInfoNotFoundError, ValueError):
        zone = None
    if zone is None:
        return f"{dt.datetime.fromtimestamp(timestamp, dt.UTC):%Y-%m-%d %H:%M:%S} UTC"
    local = dt.datetime.fromtimestamp(timestamp, zone)
    return f"{local:%Y-%m-%d %H:%M:%S} ({local:%Z})"


def change(item: dict) -> str:
    """One change between two versions, as a sentence."""
    kind = item.get("kind")
    stop = item.get("stop", "")
    if kind == "first":
        return gettext("first version kept (%(num)d stops)", num=item.get("stops", 0))
    if kind == "added":
        return gettext("stop “%(stop)s” added", stop=stop)
    if kind == "removed":
        return gettext("stop “%(stop)s” removed", stop=stop)
    if kind == "renamed":
        old, new = _names(item.get("old"), item.get("new"))
        return gettext("stop “%(stop)s” renamed: “%(old)s” → “%(new)s”",
                       stop=stop, old=old, new=new)
    if kind == "text":
        old, new = _names(item.get("old"), item.get("new"))
        if item.get("field") == "address":
            return gettext("stop “%(stop)s”: address “%(old)s” → “%(new)s”",
                           stop=stop, old=old, new=new)
        if item.get("field") == "short_name":
            return gettext("stop “%(stop)s”: short name “%(old)s” → “%(new)s”",
                           stop=stop, old=old, new=new)
        return gettext("stop “%(stop)s”: description changed", stop=stop)
    if kind == "details":
        return gettext("stop “%(stop)s”: programme, practical notes or photo changed", stop=stop)
    if kind == "duration":
        return gettext("stop “%(stop)s”: duration %(old)s → %(new)s min",
                       stop=stop, old=item.get("old", ""), new=item.get("new", ""))
    if kind == "order":
        return gettext("stop “%(stop)s”: number %(old)s → %(new)s",
                       stop=stop, old=item.get("old", ""), new=item.get("new", ""))
    if kind == "moved":
        return gettext("stop “%(stop)s” moved by %(m)s m", stop=stop, m=item.get("m", 0))
    if kind == "times":
        return gettext("stop “%(stop)s”: arrival %(old)s → %(new)s",
                       stop=stop, old=item.get("old", ""), new=item.get("new", ""))
    if kind == "tour":
        return gettext("tour %(fact)s changed", fact=TOUR_FACTS.get(str(item.get("fact", "")), ""))
    return str(kind)


def init_app(app) -> None:
    """The template filters of the organisers' status page."""
    app.jinja_env.filters["problem_text"] = problem
    app.jinja_env.filters["reason_text"] = reason
    app.jinja_env.filters["accepted_at"] = accepted_at
    app.jinja_env.filters["changes_text"] = changes


def _names(old, new) -> tuple[str, str]:
    """A renamed stop's names in the current language, or the other one if only it changed."""
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return str(old or ""), str(new or "")
    lang = get_locale().language if get_locale() else "en"
    order = [lang] + [other for other in ("fr", "en") if other != lang]
    changed = next((code for code in order if old.get(code) != new.get(code)), order[0])
    return old.get(changed, ""), new.get(changed, "")


def changes(items: tuple[dict, ...] | list[dict]) -> str:
    """Every change of a version, or a word saying nothing visible changed."""
    return "; ".join(change(item) for item in items) or gettext("no change to stops or times")
