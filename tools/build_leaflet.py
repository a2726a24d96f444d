"""Build static/vendor/leaflet-lite/: the parts of Leaflet 1.9.3 the map uses, minified.

Run: .venv/bin/python tools/build_leaflet.py   (needs node and npm; writes two files)

The page's budget (benchmarks/page_weight.py) leaves no room for the whole of
Leaflet: tools/leaflet-entry.js names the modules the folium map and the page's
scripts use, esbuild bundles them from Leaflet's npm sources into one IIFE that
defines the global ``L``, as leaflet.js does. The output is committed, so
neither the app nor the tests need node. Re-run after changing the entry file
or the version below.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LEAFLET = "leaflet@1.9.3"
ESBUILD = "esbuild@0.24.0"
WORK = ROOT / ".cache" / "leaflet-build"  # git-ignored
OUT = ROOT / "static" / "vendor" / "leaflet-lite"
BANNER = (
    "/* Leaflet 1.9.3 (the parts tourapp uses, tools/build_leaflet.py), "
    "https://leafletjs.com, (c) 2010-2022 Volodymyr Agafonkin, (c) 2010-2011 CloudMade, "
    "BSD-2-Clause */"
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
            f"--outfile={OUT / 'leaflet.js'}",
        ],
        cwd=WORK, check=True, env={"NODE_PATH": str(WORK / "node_modules"), "PATH": "/usr/bin:/bin"},
    )
    dist = WORK / "node_modules" / "leaflet"
    shutil.copy(dist / "dist" / "leaflet.css", OUT / "leaflet.css")
    shutil.copy(dist / "LICENSE", OUT / "LICENSE")
    print(f"wrote {OUT / 'leaflet.js'} ({(OUT / 'leaflet.js').stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
