"""Shared pieces of the benchmarks: the app in production mode, the folium-default mirror,
machine facts.

Servers and Chromium come from ``tourapp.testing``, shared with the tests. Benchmarks
run as ``.venv/bin/python benchmarks/x.py``: Python puts this folder on ``sys.path``,
so ``from _common import …`` needs no path editing.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import platform
import re
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, abort

from tourapp import create_app
from tourapp.testing import LiveServer
from tourapp.web import assets

# Benchmarks run the app as in production (not TESTING, not debug), which refuses the
# development key: one random key per run, inherited by the gunicorn subprocesses.
SECRET_KEY = os.environ.setdefault("FLASK_SECRET_KEY", secrets.token_hex())

ROOT = Path(__file__).resolve().parent.parent  # the repository
OUT = ROOT / "benchmarks" / "out"  # git-ignored: npm mirror, synthetic tours, exports
SEEDED = ROOT / "data" / "stops.geojson"


def machine() -> str:
    """One line naming the machine the figures come from, and how loaded it is."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f", {mem_kb / 1024 / 1024:.1f} GiB RAM"
    except (OSError, AttributeError):
        mem = ""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {cpu}, {os.cpu_count()} cores{mem}; "
        f"load average {load}; "
        f"{platform.system()} {platform.release()}; Python {platform.python_version()}"
    )


# Production refuses to start without its own address or the hosts it answers: the
# benchmarks serve on loopback.
LOOPBACK_HOSTS = ["127.0.0.1", "localhost"]


_INSTANCES = tempfile.TemporaryDirectory(prefix="tourapp-benchmark-")  # removed at exit


def tourapp_server(tour_file: Path = SEEDED) -> LiveServer:
    """The app serving ``tour_file``, as in production (not TESTING), with an instance
    folder of its own: a live walk or a history left in the clone's ``instance/`` (by
    ``make run``, a rehearsal) would change what a first visit loads (live.js, its texts,
    the group's state) and the figures with it."""
    instance = tempfile.mkdtemp(dir=_INSTANCES.name)
    return LiveServer(create_app({"TESTING": False, "TOUR_DATA": tour_file,
                                  "SECRET_KEY": SECRET_KEY, "TRUSTED_HOSTS": LOOPBACK_HOSTS,
                                  "INSTANCE_PATH": instance}))


def file_app(root: Path) -> Flask:
    """Serves a folder compressed like a CDN would (brotli or gzip, negotiated)."""
    app = Flask(__name__, static_folder=None)
    app.extensions["tourapp_assets"] = assets.AssetCache()

    @app.route("/<path:filename>")
    def files(filename):
        target = root / filename
        if target.is_dir():
            filename += "/index.html"
        if not (root / filename).is_file():
            abort(404)
        return assets.send_file(root, filename)

    return app


class Calls:
    """Counts the calls of a function, to prove what a timed request did (render or not).

    A figure that claims a render must see the renderer called; one that claims a
    cached answer must not. Caches change; a count does not lie about them.
    """

    def __init__(self, owner, name: str):
        """Wrap ``owner.name`` (or ``owner[name]`` for a dict such as ``app.view_functions``)."""
        self.owner, self.name, self.count = owner, name, 0
        self.original = owner[name] if isinstance(owner, dict) else getattr(owner, name)

        def counted(*args, **kwargs):
            self.count += 1
            return self.original(*args, **kwargs)

        self._set(counted)

    def _set(self, function) -> None:
        if isinstance(self.owner, dict):
            self.owner[self.name] = function
        else:
            setattr(self.owner, self.name, function)

    def restore(self) -> None:
        """Put the original function back."""
        self._set(self.original)


class Renders:
    """Counts the renders of one template in ``app`` (Flask's ``template_rendered`` signal)."""

    def __init__(self, app: Flask, template: str):
        from flask import template_rendered

        self.app, self.template, self.count = app, template, 0
        self.signal = template_rendered
        template_rendered.connect(self._seen, app)

    def _seen(self, _app, template, context, **extra) -> None:
        self.count += template.name == self.template

    def restore(self) -> None:
        """Stop counting."""
        self.signal.disconnect(self._seen, self.app)


def view_calls(app: Flask, endpoint: str) -> Calls:
    """Count the calls of one view (a replayed response never reaches its view)."""
    return Calls(app.view_functions, endpoint)


def expect(condition: bool, message: str) -> None:
    """Stop the benchmark with ``message`` when what it timed is not what it names."""
    if not condition:
        raise SystemExit(f"benchmark invalid: {message}")


def quiet() -> None:
    """No request log lines from the loopback servers in the figures."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)


def warm(base: str, root: Path) -> None:
    """Request every file of a mirror once, so compression time is not counted as network."""
    import urllib.request

    for path in root.rglob("*"):
        if path.is_file() and path.suffix in {".css", ".js", ".html"}:
            request = urllib.request.Request(
                f"{base}/{path.relative_to(root).as_posix()}", headers={"Accept-Encoding": "br"}
            )
            with urllib.request.urlopen(request) as response:
                response.read()


# --- folium's defaults, from a local mirror of their npm packages -----------------------------

NPM_PACKAGES = [
    "leaflet@1.9.3",
    "jquery@3.7.1",
    "bootstrap@5.2.2",
    "@fortawesome/fontawesome-free@6.2.0",
    # The files cdnjs serves as Leaflet.awesome-markers 2.0.2.
    "drmonty-leaflet-awesome-markers@2.0.2",
    "bootstrap3@npm:bootstrap@3.1.1",  # glyphicons: 3.0.0's separate CSS is not on npm
]


def npm_mirror() -> Path:
    """node_modules with folium's CDN packages, installed once into benchmarks/out/npm."""
    base = OUT / "npm"
    modules = base / "node_modules"
    if (
        not (modules / "drmonty-leaflet-awesome-markers").is_dir()
        or not (modules / "bootstrap3").is_dir()
    ):
        base.mkdir(parents=True, exist_ok=True)
        (base / "package.json").write_text('{"private": true}\n')
        subprocess.run(
            [
                "npm",
                "install",
                "--no-save",
                "--no-package-lock",
                "--no-audit",
                "--no-fund",
                "--ignore-scripts",
                *NPM_PACKAGES,
            ],
            cwd=base,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return modules


def _glyphicons_css(bootstrap3_css: str) -> str:
    """Bootstrap 3's glyphicon rules: what netdna's bootstrap-glyphicons.css 3.0.0 held."""
    start = bootstrap3_css.index("@font-face")
    end = bootstrap3_css.index(".caret", start)  # the rule that follows the icons
    return bootstrap3_css[start:end]


def _rotate_css() -> str:
    # folium's leaflet.awesome.rotate CSS is 360 generated rules, regenerated here.
    return "".join(
        f".fa-rotate-{n}{{-ms-transform:rotate({n}deg);-webkit-transform:rotate({n}deg);"
        f"transform:rotate({n}deg)}}"
        for n in range(1, 361)
    )


def build_cdn_mirror(root: Path) -> dict[str, Path]:
    """Lay out folium's CDN files under ``root/<host>/<path>``; return {url prefix: folder}."""
    modules = npm_mirror()
    layout = {
        "cdn.jsdelivr.net/npm/leaflet@1.9.3": modules / "leaflet",
        "cdn.jsdelivr.net/npm/bootstrap@5.2.2": modules / "bootstrap",
        "cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0": modules
        / "@fortawesome/fontawesome-free",
        "cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2": modules
        / "drmonty-leaflet-awesome-markers/css",
    }
    for prefix, source in layout.items():
        target = root / prefix
        if not target.exists():
            shutil.copytree(source, target)
    awesome = root / "cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2"
    shutil.copy(modules / "drmonty-leaflet-awesome-markers/js/leaflet.awesome-markers.js", awesome)
    (root / "code.jquery.com").mkdir(parents=True, exist_ok=True)
    shutil.copy(modules / "jquery/dist/jquery.min.js", root / "code.jquery.com/jquery-3.7.1.min.js")
    glyph = root / "netdna.bootstrapcdn.com/bootstrap/3.0.0/css"
    glyph.mkdir(parents=True, exist_ok=True)
    css = (modules / "bootstrap3/dist/css/bootstrap.css").read_text(encoding="utf-8")
    (glyph / "bootstrap-glyphicons.css").write_text(_glyphicons_css(css), encoding="utf-8")
    rotate = root / "cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates"
    rotate.mkdir(parents=True, exist_ok=True)
    (rotate / "leaflet.awesome.rotate.min.css").write_text(_rotate_css(), encoding="utf-8")
    return layout


def folium_default_page(tour, root: Path, lang: str = "fr", folder: str = "folium") -> Path:
    """The tour drawn with folium's defaults in ``lang``, saved as ``root/folder/index.html``
    with CDN URLs pointing at ``root``'s mirror (``folder`` under ``folium/``, or ``folium``)."""
    import folium

    (south, west), (north, east) = tour.bounds()
    m = folium.Map(location=[(south + north) / 2, (west + east) / 2], zoom_start=15)
    for leg in tour.legs:
        folium.PolyLine([list(p) for p in leg.path]).add_to(m)
    for visit in tour.visits:
        stop = visit.stop
        folium.Marker(
            list(stop.location),
            popup=f"{stop.order}. {stop.name[lang]}<br>{stop.description[lang]}",
            tooltip=stop.name[lang],
        ).add_to(m)
    m.fit_bounds([[south, west], [north, east]])
    page = root / folder / "index.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    m.save(str(page))
    html = page.read_text(encoding="utf-8")
    missing = []

    def local(match):
        path = match.group(2).split("://", 1)[1]
        if not (root / path).is_file():
            missing.append(match.group(2))
        return f'{match.group(1)}/{path}"'

    html = re.sub(r'(<(?:script|link)\b[^>]*?\b(?:src|href)=")(https://[^"]+)"', local, html)
    if missing:
        raise RuntimeError(f"not in the mirror: {missing}")
    page.write_text(html, encoding="utf-8")
    return page


def origin_of(url: str, mirror_base: str | None = None) -> str:
    """The origin a request would have gone to (mirror paths stand for their CDN host)."""
    if (
        mirror_base
        and url.startswith(mirror_base + "/")
        and not url.startswith(mirror_base + "/folium/")
    ):
        return urlsplit(url[len(mirror_base) :]).path.split("/")[1]
    parts = urlsplit(url)
    return parts.netloc or parts.scheme
