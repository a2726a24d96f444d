"""The whole walk as a static site (Frozen-Flask), for any static host or CDN.

Every GET route of the app is frozen: routes without arguments once, routes
taking only ``lang`` once per language, and every other URL the pages link to
through ``url_for`` (per-leg downloads, Leaflet's files…). ``/fr/`` becomes
``fr/index.html``; links are relative, so the folder also works from a
sub-path (``https://example.org/walk/``); ``?v=`` query strings are ignored
by static hosts, which serve the file. Text files also get ``.gz`` and ``.br``
siblings for hosts that serve pre-compressed files (nginx ``gzip_static``).
"""

from __future__ import annotations

import contextlib
import contextvars
import posixpath
import re
import warnings
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import Flask, render_template
from flask_frozen import Freezer, MissingURLGeneratorWarning, relative_url_for

from ..domain.tour import LANGUAGES
from ..stopsfile.store import get_store
from . import assets
from .bundles import BUNDLES

EXCLUDED = {
    "tour.healthz",
    "tour.index",
    "live.state",
    "live.guide_page",
    "live.guide_check",
    "live.actuals_csv",
    "live.track_gpx",
    "tour.status_page",
    "console.sign_in",
    "console.home",
    "console.history",
    "console.edit",
    "console.new_walk",
}
"""Endpoints with no meaning in a static copy: the live health check, the language redirect,
the live walk (a static copy has no server to report to: its pages show the plan), and the
organisers' pages (behind sign-in: never in a public copy)."""

_ENDPOINTS_RE = re.compile(r"Nothing frozen for endpoints (.*?)\. ")
MARKER = ".tourapp-export"
"""Marks a folder as an export, which the next export may replace."""

PRECOMPRESSED = {
    ".html",
    ".js",
    ".css",
    ".json",
    ".geojson",
    ".gpx",
    ".svg",
    ".webmanifest",
    ".xml",
    ".txt",
}


class FreezeError(Exception):
    """The export cannot be written (no tour, or a destination that is not ours)."""


@dataclass
class FreezeReport:
    """What ``freeze`` wrote and what it could not."""

    destination: Path
    files: list[str] = field(default_factory=list)
    compressed: int = 0
    missing_links: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class _Freezer(Freezer):
    """Frozen-Flask that follows the links of the pages it writes."""

    def __init__(self, app: Flask):
        # Frozen-Flask's url_for log sees values before the blueprint adds the
        # page's language, and cannot rebuild them: links are read from the pages.
        super().__init__(app, with_no_argument_rules=False, log_url_for=False)
        self.pending: deque[str] = deque()
        self.register_generator(_routes(app))
        self.register_generator(self._linked)

    def _linked(self):
        while self.pending:
            yield self.pending.popleft()

    def urlpath_to_filepath(self, path):
        """``/fr/`` → ``fr/index.html``, ``/fr/guides`` → ``fr/guides.html``, others as they are."""
        if _needs_html_suffix(path):
            path += ".html"
        return super().urlpath_to_filepath(path)

    def _build_one(self, url, last_modified=None):
        # Frozen-Flask requests every page inside one request context (and `flask`
        # runs commands inside an app context): pages would share `g` and
        # flask-babel's cached locale, one page's language leaking into the next.
        with _static_links(self.app):
            path = contextvars.Context().run(super()._build_one, url, last_modified)
        if path.suffix == ".html":
            self.pending.extend(_local_links(url, path.read_text(encoding="utf-8")))
        return path


def _needs_html_suffix(path: str) -> bool:
    # A page at /fr/guides would be written as a file named "guides", which static
    # hosts serve as application/octet-stream: it becomes guides.html, links too.
    last = path.rsplit("/", 1)[-1]
    return bool(last) and "." not in last


def static_url_for(endpoint: str, **values) -> str:
    """``url_for`` for the export: relative, and naming the file the export writes."""
    url = relative_url_for(endpoint, **values)
    if urlsplit(url).scheme or urlsplit(url).netloc:
        return url
    path, sep, rest = url.partition("?") if "?" in url else url.partition("#")
    if _needs_html_suffix(path) and not path.endswith(".."):
        path += ".html"
    return path + sep + rest


@contextlib.contextmanager
def _static_links(app: Flask):
    previous = app.jinja_env.globals["url_for"]
    app.jinja_env.globals["url_for"] = static_url_for
    try:
        yield
    finally:
        app.jinja_env.globals["url_for"] = previous


def _local_links(url: str, html: str) -> list[str]:
    """The same-site URL paths an HTML page at ``url`` links to."""
    parser = _Links()
    parser.feed(html)
    base = url if url.endswith("/") else posixpath.dirname(url) + "/"
    found = []
    for link in parser.links:
        parts = urlsplit(link)
        if parts.scheme or parts.netloc or not parts.path:
            continue
        path = posixpath.normpath(posixpath.join(base, unquote(parts.path)))
        if parts.path.endswith("/") or path.endswith("/index.html"):
            path = path.removesuffix("/index.html").rstrip("/") + "/"
        elif path.endswith(".html") and _needs_html_suffix(path.removesuffix(".html")):
            path = path.removesuffix(".html")  # the app's URL of a page written as .html
        found.append(path)
    return found


def _routes(app: Flask):
    def routes():
        for rule in app.url_map.iter_rules():
            if "GET" not in (rule.methods or ()) or rule.endpoint in EXCLUDED:
                continue
            if rule.endpoint == "static":
                continue  # Frozen-Flask walks the static folder itself
            arguments = set(rule.arguments) - set(rule.defaults or {})
            if not arguments:
                yield rule.endpoint, {}
            elif arguments == {"lang"}:
                for lang in LANGUAGES:
                    yield rule.endpoint, {"lang": lang}
            elif arguments == {"filename"}:
                # File routes declare their files (Leaflet's images are only named in its CSS).
                for name in assets.declared_files(app, rule.endpoint):
                    yield rule.endpoint, {"filename": name}
            elif rule.endpoint == "bundles.bundle":
                # Every bundle: a page's script loads some of them itself (live.js).
                for name in BUNDLES:
                    yield rule.endpoint, {"name": name}
            # Other routes (per-leg files…) are frozen when a frozen page links to them.

    return routes


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def check_links(root: Path) -> list[str]:
    """Local links of the frozen HTML pages whose target file is missing."""
    missing = []
    for page in sorted(root.rglob("*.html")):
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        base = "/" + page.relative_to(root).as_posix()
        for link in parser.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not parts.path:
                continue  # tiles, other sites, in-page anchors
            path = posixpath.normpath(posixpath.join(posixpath.dirname(base), unquote(parts.path)))
            if link.split("?")[0].split("#")[0].endswith("/"):
                path += "/index.html"
            target = root / path.lstrip("/")
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                missing.append(f"{page.relative_to(root)}: {link}")
    return missing


def _precompress(root: Path) -> int:
    count = 0
    for path in sorted(root.rglob("*")):
        if path.suffix not in PRECOMPRESSED or not path.is_file():
            continue
        data = path.read_bytes()
        if len(data) < assets.MIN_BYTES:
            continue
        for encoding, suffix in (("gzip", ".gz"), ("br", ".br")):
            path.with_name(path.name + suffix).write_bytes(assets.compress(data, encoding))
        count += 1
    return count


def freeze(app: Flask, destination: str | Path, *, precompress: bool = True) -> FreezeReport:
    """Write the static site to ``destination`` (replacing a previous export there)."""
    root = Path(destination).resolve()
    marker = root / MARKER
    if root.is_dir() and any(root.iterdir()) and not marker.is_file():
        # Frozen-Flask deletes whatever it did not write: never in a folder of other files.
        raise FreezeError(
            f"{root} is not empty and is not a previous export: choose a new or empty folder"
        )
    with app.app_context():
        status = get_store().status()
    if status.tour is None:
        raise FreezeError("no tour to export:\n" + "\n".join(status.problems))
    app.config.update(
        FREEZER_DESTINATION=str(root),
        FREEZER_RELATIVE_URLS=False,  # _static_links makes them relative, and names .html files
        FREEZER_REDIRECT_POLICY="error",
        FREEZER_REMOVE_EXTRA_FILES=True,
        FREEZER_DESTINATION_IGNORE=["*.gz", "*.br", MARKER],
    )
    freezer = _Freezer(app)
    report = FreezeReport(root)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pages = list(freezer.freeze_yield())
    report.files = sorted(str(page.path) for page in pages)
    for warning in caught:
        if isinstance(warning.message, MissingURLGeneratorWarning):
            unlinked = _ENDPOINTS_RE.search(str(warning.message))
            names = set(unlinked.group(1).split(", ")) - EXCLUDED if unlinked else set()
            if names:
                report.notes.append(
                    f"not exported (no page links to them): {', '.join(sorted(names))}"
                )
        else:
            report.notes.append(str(warning.message))
    contextvars.Context().run(_write_root_index, app, root)
    marker.write_text(
        "Written by `flask --app tourapp freeze`: the next export replaces this folder.\n"
    )
    report.files.append("index.html")
    for stale in [*root.rglob("*.gz"), *root.rglob("*.br")]:
        stale.unlink()  # from a previous export
    if precompress:
        report.compressed = _precompress(root)
    report.missing_links = check_links(root)
    return report


def _write_root_index(app: Flask, root: Path) -> None:
    # A static host cannot read Accept-Language: the root page sends visitors to the
    # default language, with a link to each language for the others.
    with app.test_request_context("/"), _static_links(app):
        html = render_template("freeze-index.html", tour=get_store().tour(), languages=LANGUAGES)
    (root / "index.html").write_text(html, encoding="utf-8")
