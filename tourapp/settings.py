"""The app's settings, in one place: name, default, what a value must be, what it means.

Every setting ``NAME`` is read from the environment variable ``FLASK_NAME`` (Flask's own
convention, which ``flask`` reads from ``.env`` files too); a few older names are still
accepted (``TOUR_DATA``, ``LIVE_STORE``, ``TOURAPP_INSTANCE``). ``create_app`` takes the
defaults from here, then the environment, then a test config, and refuses to start on a
value it cannot use, with one sentence naming the setting (``docs/settings.md`` is
:func:`table`'s output).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import click
from flask import Flask

from .system import resources

PREFIX = "FLASK_"
DEV_SECRET_KEY = "dev"


class SettingError(SystemExit):
    """A setting holds a value tourapp cannot use.

    A ``SystemExit`` carrying one sentence: gunicorn (with ``--preload``) and ``flask run``
    then print that sentence and exit 1 instead of a traceback of the app factory.
    """

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def _text(value: Any) -> str:
    if not isinstance(value, str | os.PathLike):
        raise ValueError("text")
    return str(value)


def _path(value: Any) -> str:
    if not isinstance(value, str | os.PathLike) or not str(value).strip():
        raise ValueError("a file or folder path")
    return str(value)


def _optional_path(value: Any) -> str:
    return "" if value in (None, "") else _path(value)


def _folder(value: Any) -> str:
    # Flask wants an absolute instance path: a relative one is taken from the working folder.
    return "" if value in (None, "") else os.path.abspath(_path(value))


def _count(value: Any) -> int:
    """A whole number from 1 up, from an int or its text."""
    if isinstance(value, bool):
        raise ValueError("a whole number from 1 up")
    if isinstance(value, str):
        value = value.strip()
        if not value.isdigit():
            raise ValueError("a whole number from 1 up")
        value = int(value)
    if not isinstance(value, int) or value < 1:
        raise ValueError("a whole number from 1 up")
    return value


def _proxies(value: Any) -> int:
    """0, or how many proxies stand in front (a whole number)."""
    if not isinstance(value, bool) and str(value).strip() == "0":
        return 0
    try:
        return _count(value)
    except ValueError:
        raise ValueError("0 (no proxy) or the number of proxies in front, such as 1") from None


def _seconds(value: Any) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ValueError("a number of seconds from 0 to 600") from None
    if isinstance(value, bool) or not 0 < seconds <= 600:
        raise ValueError("a number of seconds from 0 to 600")
    return seconds


def _bounded(low: float, high: float, unit: str) -> Callable[[Any], float]:
    """A number above ``low`` and at most ``high`` (of ``unit``), from a number or its text."""

    def parse(value: Any) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if isinstance(value, bool) or not low < number <= high:
            raise ValueError(f"a number of {unit} above {low:g} and at most {high:g}")
        return number

    return parse


def _public_url(value: Any) -> str:
    text = _text(value).strip()
    parts = urlsplit(text)
    if text and (parts.scheme not in ("http", "https") or not parts.netloc):
        raise ValueError(
            "an http:// or https:// address such as https://walk.example.org/, or empty"
        )
    return text


def _hosts(value: Any) -> list[str] | None:
    """Host names, from a list, its JSON text or a comma-separated text; None when empty."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = json.loads(text) if text.startswith("[") else text.split(",")
        except ValueError:
            value = 0  # refused below
    if value is None:
        return None
    wrong = 'host names such as ["walk.example.org"] or walk.example.org, or empty'
    if not isinstance(value, list | tuple) or not all(isinstance(h, str) for h in value):
        raise ValueError(wrong)
    hosts = [h.strip() for h in value if h.strip()]
    if any(" " in h or "/" in h for h in hosts):
        raise ValueError(wrong)
    return hosts or None


def _tile_url(value: Any) -> str:
    text = _text(value).strip()
    parts = urlsplit(text)
    web = parts.scheme in ("http", "https") and parts.netloc
    if not (web or text.startswith("/")) or not all(p in text for p in ("{z}", "{x}", "{y}")):
        raise ValueError(
            "a tile address holding {z}, {x} and {y}, such as "
            "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
        )
    return text


LIVE_SCHEMES = ("redis", "rediss", "unix", "sqlite")


def _live_store(value: Any) -> str:
    text = _text(value).strip()
    if not text:
        return ""
    scheme = urlsplit(text).scheme
    if scheme not in LIVE_SCHEMES or (scheme == "sqlite" and not text.startswith("sqlite:///")):
        raise ValueError(
            "redis://host:port/db, rediss://…, unix:///path/redis.sock, sqlite:///path or empty"
        )
    return text


@dataclass(frozen=True)
class Setting:
    """One setting: its name in the app's config, default, check, meaning, older env names."""

    name: str
    default: Any
    meaning: str
    parse: Callable[[Any], Any] = _text
    aliases: tuple[str, ...] = ()
    shown_default: str | None = None  # for the table, where the default depends on the install

    @property
    def env(self) -> str:
        """The environment variable that sets it."""
        return PREFIX + self.name


SETTINGS: tuple[Setting, ...] = (
    Setting("SECRET_KEY", DEV_SECRET_KEY,
            "Signs the guides' links. Production refuses the development key: set a long "
            "random value, the same on every app machine."),
    Setting("INSTANCE_PATH", "",
            "Folder for the version history and the live walk's SQLite file "
            "(shared by every worker).",
            _folder, aliases=("TOURAPP_INSTANCE",),
            shown_default="instance/ (installed: <venv>/var/tourapp-instance)"),
    Setting("TOUR_DATA", str(resources.SEEDED_WALK), "The walk served: a stops file.",
            _path, aliases=("TOUR_DATA",),
            shown_default="data/stops.geojson (installed: in the package)"),
    Setting("TOUR_MAX_BYTES", 8 * 1024 * 1024, "Largest stops file accepted, in bytes.", _count),
    Setting("TOUR_HISTORY_DIR", "",
            "Folder of the walk's accepted versions (empty: "
            "<instance>/history/<file>-<hash of its path>).", _optional_path),
    Setting("TOUR_HISTORY_KEEP", 100, "How many accepted versions the history keeps.", _count),
    Setting("ROUTING_NETWORK", str(resources.CITY / "voies.geojson"),
            "Street network `tour route` and the stop commands route on without --network "
            "or --osrm.", _path,
            shown_default="data/montpellier/voies.geojson (installed: in the package)"),
    Setting("GEOCODER", "ban",
            "Addresses to points for the stop commands: ban, addok:URL or nominatim[:URL]."),
    Setting("GEOCODER_USER_AGENT", "",
            "Your application and a contact, sent to the geocoder (Nominatim requires it)."),
    Setting("GEOCODER_TIMEOUT", 10, "Seconds a geocoder request may take.", _seconds),
    Setting("TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            "Map tiles, with {z}, {x} and {y} (the Content-Security-Policy follows it).",
            _tile_url),
    Setting("TILE_ATTRIBUTION",
            '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
            "contributors",
            "The tiles' credit shown on the map (HTML, from the operator, not from the data)."),
    Setting("OFFLINE_TILE_CACHE_MAX", 300,
            "Most map tiles a phone keeps for offline use.", _count),
    Setting("PUBLIC_URL", "",
            "The site's address, for QR codes, GPX links and guide links (empty: the "
            "address of each request). Production refuses to start without it or "
            "TRUSTED_HOSTS.", _public_url),
    Setting("TRUSTED_HOSTS", None,
            "Host names the app answers (Flask's setting; others get 400), "
            'as ["walk.example.org"] or walk.example.org,balade.example.fr; with PUBLIC_URL '
            "empty, links then name the request's host, which is one of these.", _hosts),
    Setting("TRUSTED_PROXIES", 0,
            "How many reverse proxies stand in front: the app believes their X-Forwarded-For, "
            "-Proto and -Host (0: none, the headers are ignored; deploy/ sets 1).", _proxies),
    Setting("CONSOLE_SESSION_HOURS", 12,
            "Hours an organiser stays signed in to the console.", _bounded(0, 72, "hours")),
    Setting("CONSOLE_FAR_KM", 2.0,
            "A stop placed farther than this from every other one (km) asks the organiser to "
            "confirm before publishing.", _bounded(0, 100, "kilometres")),
    Setting("LIVE_STORE", "",
            "Where the live walk is kept: empty (SQLite in the instance folder), "
            "sqlite:///path, or redis://host:port/db for several app machines.",
            _live_store, aliases=("LIVE_STORE",)),
)
BY_NAME = {setting.name: setting for setting in SETTINGS}

# Variables of Flask's command line, not settings: never reported as unknown.
FLASK_CLI_VARIABLES = ("FLASK_APP", "FLASK_DEBUG", "FLASK_ENV", "FLASK_SKIP_DOTENV")


def defaults() -> dict[str, Any]:
    """Every setting's default, for ``app.config.from_mapping``."""
    # The instance folder is no config key: Flask takes it when the app is built.
    return {s.name: s.default for s in SETTINGS if s.name != "INSTANCE_PATH"}


def from_environ(environ: Mapping[str, str], flask_keys=()) -> tuple[dict, dict, list[str]]:
    """(values, where each came from, unknown ``FLASK_*`` names) read from the environment.

    ``flask_keys`` are Flask's own config keys (``FLASK_MAX_CONTENT_LENGTH``…), still read
    as ``app.config.from_prefixed_env`` reads them.
    """
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for setting in SETTINGS:
        found = {name: environ[name] for name in (setting.env, *setting.aliases) if name in environ}
        if len(set(found.values())) > 1:
            names = " and ".join(found)
            raise SettingError(f"tourapp cannot start: {names} are both set, to different "
                               f"values: set only {setting.env}.")
        if found:
            sources[setting.name], values[setting.name] = next(iter(found.items()))
    unknown = []
    for name, raw in environ.items():
        key = name[len(PREFIX):]
        if not name.startswith(PREFIX) or key in BY_NAME or name in FLASK_CLI_VARIABLES \
                or name.startswith("FLASK_RUN_"):
            continue
        if key in flask_keys:
            try:
                values[key] = json.loads(raw)
            except ValueError:
                values[key] = raw
            sources[key] = name
        else:
            unknown.append(name)
    return values, sources, unknown


def validate(config: dict, sources: Mapping[str, str] = {}) -> None:  # noqa: B006 (read only)
    """Check and convert every setting in ``config`` in place; refuse a wrong one in a sentence."""
    for setting in SETTINGS:
        if setting.name not in config:
            continue
        value = config[setting.name]
        try:
            config[setting.name] = setting.parse(value)
        except ValueError as exc:
            where = sources.get(setting.name, setting.name)
            raise SettingError(
                f"tourapp cannot start: {where} is {str(value)!r}, expected {exc} "
                "(docs/settings.md)."
            ) from None


def table() -> str:
    """The settings as one Markdown table (``docs/settings.md`` holds it)."""
    rows = ["| Setting (environment) | Default | Meaning |", "|---|---|---|"]
    for setting in SETTINGS:
        default = setting.default if setting.default not in ("", None) else ""
        default = setting.shown_default or default
        shown = f"`{default}`" if default != "" else "(empty)"
        names = ", ".join(f"`{n}`" for n in (setting.env, *setting.aliases))
        cell = setting.meaning.replace("|", "\\|")
        rows.append(f"| {names} | {shown} | {cell} |")
    return "\n".join(rows) + "\n"


def is_production(app: Flask) -> bool:
    """Production is any app not under test and not in debug mode (``make run`` is debug)."""
    return not app.testing and not app.debug


def is_development_key(key: Any) -> bool:
    """Whether a SECRET_KEY is the development one, a well-known word or too short to keep."""
    text = key.decode("utf-8", "replace") if isinstance(key, bytes) else str(key or "")
    return text.lower() in DEV_SECRET_KEYS or len(text) < 16


DEV_SECRET_KEYS = {DEV_SECRET_KEY, "development", "secret", "changeme", "change-me"}


def maintenance_command() -> bool:
    """True inside ``flask tour check``, ``flask routes``…: the app is built but serves nothing."""
    ctx = click.get_current_context(silent=True)
    return ctx is not None and ctx.info_name not in (None, "run")


if __name__ == "__main__":
    print(table(), end="")
