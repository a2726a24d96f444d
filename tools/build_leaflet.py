"""Build static/vendor/leaflet-lite/: the parts of Leaflet 1.9.3 the map uses, minified.

Run: .venv/bin/python tools/build_leaflet.py   (needs node and npm; writes two files)

The page's budget (benchmarks/page_weight.py) leaves no room for the whole of
Leaflet: tools/leaflet-entry.js names the modules the folium map and the page's
scripts use, esbuild bundles them from Leaflet's npm sources into one IIFE that
defines the global ``L``, as leaflet.js does, and shortens the names of its
private members (code outside the bundle must use Leaflet's public API only). The output
is committed, so neither the app nor the tests need node. Re-run after changing the entry file
or the version below.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LEAFLET = "leaflet@1.9.3"
ESBUILD = "esbuild@0.24.0"
WORK = ROOT / ".cache" / "leaflet-build"  # git-ignored
OUT = ROOT / "static" / "vendor" / "leaflet-lite"
UNUSED_CSS = re.compile(
    r"control-layers|leaflet-oldie|leaflet-vml|\.lvml|leaflet-image-layer|leaflet-zoom-box"
    r"|leaflet-default-icon-path|leaflet-crosshair|map-pane canvas"
    # Every marker's icon has its own class (tour-map.js), the credit its own prefix, and
    # tooltips open beside their marker ("auto": left or right), never above or below.
    r"|leaflet-div-icon|leaflet-attribution-flag|leaflet-tooltip-top|leaflet-tooltip-bottom"
)
"""Rules of leaflet.css for parts the bundle leaves out (layers control, old IE, VML…)."""
LEGACY_DECLARATION = re.compile(
    r"^\s*(?:-moz-|-ms-|-webkit-transform|-webkit-transition)|:\s*-moz-"
)
"""Declarations for browsers the page does not serve: Firefox and Edge have had the
unprefixed properties since 2019, Safari and Chrome the unprefixed transforms since 2015
(``-webkit-user-select`` and ``-webkit-tap-highlight-color`` stay: Safari needs them)."""

BANNER = (
    "/* Leaflet 1.9.3 (the parts tourapp uses, tools/build_leaflet.py), "
    "https://leafletjs.com, (c) 2010-2022 Volodymyr Agafonkin, (c) 2010-2011 CloudMade, "
    "BSD-2-Clause */"
)


def trimmed_css(css: str) -> str:
    """leaflet.css without the selectors of the parts left out, and without print rules."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"@media print\s*\{(?:[^{}]*\{[^{}]*\})*\s*\}", "", css)
    kept = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        wanted = [s.strip() for s in selectors.split(",") if not UNUSED_CSS.search(s)]
        declarations = [d for d in body.split(";") if not LEGACY_DECLARATION.search(d)]
        # A property declared twice: the last wins in every browser served (the first was a
        # fallback for old ones: « font-size: 12px; font-size: 0.75rem »).
        names = [d.split(":")[0].strip() for d in declarations]
        body = ";".join(d for i, d in enumerate(declarations) if names[i] not in names[i + 1:])
        if wanted and body.strip(" \t\n;"):
            kept.append(f"{', '.join(wanted)} {{{body}}}")
    return "/* Leaflet 1.9.3 leaflet.css, trimmed (tools/build_leaflet.py), BSD-2-Clause */\n" + (
        "\n".join(kept) + "\n"
    )


def main() -> int:
    """Install Leaflet's sources and esbuild once, bundle, copy the stylesheet and licence."""
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "package.json").write_text('{"private": true}\n')
    if not (WORK / "node_modules" / ".bin" / "esbuild").exists():
        subprocess.run(
            ["npm", "install", "--no-save", "--no-audit", "--no-fund", "-E", LEAFLET, ESBUILD],
            cwd=WORK, check=True,
        )
    OUT.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            str(WORK / "node_modules" / ".bin" / "esbuild"),
            str(ROOT / "tools" / "leaflet-entry.js"),
            "--bundle", "--minify", "--format=iife", "--global-name=L", "--target=es2015",
            "--legal-comments=none", f"--banner:js={BANNER}",
            # Leaflet's private members (_map, _container…) get short names: the bundle is
            # the only code that uses them. _leaflet_* are set on DOM nodes and kept.
            "--mangle-props=^_", "--reserve-props=^_leaflet",
            f"--outfile={OUT / 'leaflet.js'}",
        ],
        cwd=WORK, check=True,
        env={"NODE_PATH": str(WORK / "node_modules"), "PATH": "/usr/bin:/bin"},
    )
    dist = WORK / "node_modules" / "leaflet"
    css = (dist / "dist" / "leaflet.css").read_text(encoding="utf-8")
    (OUT / "leaflet.css").write_text(trimmed_css(css), encoding="utf-8")
    shutil.copy(dist / "LICENSE", OUT / "LICENSE")
    print(f"wrote {OUT / 'leaflet.js'} ({(OUT / 'leaflet.js').stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
