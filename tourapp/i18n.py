"""Languages: which one a request uses, and locale-aware formatting of times and distances."""

from __future__ import annotations

import datetime as dt

from flask import Flask, g, request
from flask_babel import Babel, format_decimal, format_time, get_locale, ngettext

from .tour import LANGUAGES

# Babel date patterns: « 13 h 30 » is how French writes times of day; English uses "1:30 PM".
TIME_PATTERNS = {"fr": "H' h 'mm", "en": "h:mm a"}


def select_locale() -> str:
    """The language in the URL, else the best of the browser's, else French."""
    lang = getattr(g, "lang", None)
    if lang in LANGUAGES:
        return lang
    # A URL no route matched (a 404) still says its language: /en/no-such-page.
    if request and request.path.split("/")[1] in LANGUAGES:
        return request.path.split("/")[1]
    return best_language()


def best_language() -> str:
    """The request's preferred tour language by Accept-Language."""
    if not request:
        return LANGUAGES[0]
    return request.accept_languages.best_match(LANGUAGES, default=LANGUAGES[0])


def clock(moment: dt.datetime | dt.time) -> str:
    """A time of day in the current language, in the tour's own time zone."""
    # The active locale, so that flask-babel's force_locale() applies here too.
    lang = get_locale().language
    lang = lang if lang in TIME_PATTERNS else LANGUAGES[0]
    # rebase=False: the tour's times are already in its time zone, whatever the server's.
    # No-break spaces: « 14 h 20 » and "2:20 PM" never break across lines.
    return keep_together(format_time(moment, TIME_PATTERNS[lang], rebase=False))


def keep_together(text: str) -> str:
    """``text`` with no-break spaces, for a figure and its unit that must stay on one line."""
    return text.replace(" ", "\u00a0").replace("\u202f", "\u00a0")


def distance(metres: float) -> str:
    """A walking distance: metres, rounded to 10, under 1 km; km with one decimal above."""
    if metres < 1000:
        return f"{format_decimal(round(metres / 10) * 10)}\u00a0m"
    return f"{format_decimal(metres / 1000, format='#,##0.0')}\u00a0km"


def minutes(count: int) -> str:
    """A duration in minutes, e.g. « 12 min »."""
    return keep_together(ngettext("%(num)d min", "%(num)d min", count))


def init_app(app: Flask) -> None:
    """Set up flask-babel and the template helpers."""
    Babel(app, locale_selector=select_locale)
    app.jinja_env.filters["clock"] = clock
    app.jinja_env.filters["distance"] = distance
    app.jinja_env.filters["minutes"] = minutes
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["page_language"] = select_locale
