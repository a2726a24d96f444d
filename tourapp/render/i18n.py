"""Languages: which one a request uses, its URLs, and locale-aware times and distances.

The language plumbing is defined here once for every blueprint: a ``lang`` URL
converter (``/<lang:lang>/…``), a URL value preprocessor that moves the language
into ``g.lang`` and URL defaults that keep it in links, and the languages'
names for the templates' language switch.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import Flask, current_app, g, request
from flask_babel import Babel, format_decimal, format_time, get_locale, ngettext
from werkzeug.routing import BaseConverter

from ..domain.tour import LANGUAGES
from ..system import catalogs

LANGUAGE_NAMES = {"fr": "Français", "en": "English"}
"""Each language in its own words, for the language switch."""

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


class LanguageConverter(BaseConverter):
    """``<lang:lang>`` in a route: one of the tour's languages, nothing else."""

    regex = "|".join(LANGUAGES)


def pull_lang(endpoint: str | None, values: dict | None) -> None:
    """Take the language out of the URL's values into ``g.lang``, for babel and templates."""
    if values and "lang" in values:
        g.lang = values.pop("lang")


def add_lang(endpoint: str, values: dict) -> None:
    """Links keep the page's language unless told otherwise."""
    if "lang" not in values and getattr(g, "lang", None) and endpoint in _language_endpoints():
        values["lang"] = g.lang


def _language_endpoints() -> frozenset[str]:
    # The URL map is complete once the app serves: compute the set once per app.
    endpoints = current_app.extensions.get("tourapp_language_endpoints")
    if endpoints is None:
        endpoints = frozenset(
            rule.endpoint for rule in current_app.url_map.iter_rules() if "lang" in rule.arguments
        )
        current_app.extensions["tourapp_language_endpoints"] = endpoints
    return endpoints


def catalog_sources(app: Flask) -> list[tuple[Path, str]]:
    """(folder, domain) of each translations folder, read from the settings as flask-babel does."""
    folders = app.config.get("BABEL_TRANSLATION_DIRECTORIES", "translations").split(";")
    domains = app.config.get("BABEL_DOMAIN", "messages").split(";")
    # flask-babel: one domain for every folder, or one domain per folder.
    return [
        (Path(app.root_path, folder), domains[0] if len(domains) == 1 else domains[index])
        for index, folder in enumerate(folders)
    ]


def init_app(app: Flask) -> None:
    """Set up flask-babel, the language URLs of every blueprint, and the template helpers.

    Every language's compiled catalog is made or refreshed first; the app refuses to
    start (``catalogs.CatalogError``) rather than serve a language in English.
    """
    for mo in catalogs.ensure_compiled(catalog_sources(app), LANGUAGES):
        app.logger.info("compiled the translation catalog %s", mo)
    Babel(app, locale_selector=select_locale)
    app.url_map.converters["lang"] = LanguageConverter
    app.url_value_preprocessor(pull_lang)
    app.url_defaults(add_lang)
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    app.jinja_env.filters["clock"] = clock
    app.jinja_env.filters["distance"] = distance
    app.jinja_env.filters["minutes"] = minutes
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["page_language"] = select_locale
