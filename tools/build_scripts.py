"""Build static/js/min/: the page's own scripts minified with their local names shortened.

Run: .venv/bin/python tools/build_scripts.py   (needs node and npm)

The participant page's budget (benchmarks/page_weight.py) counts every compressed byte
of its first render. The bundles (tourapp/web/bundles.py) strip comments and spaces from
the app's scripts on the way in; esbuild also gives each function's local variables and
parameters one- or two-letter names (globals, properties and strings stay as they are):
about 1.1 KiB fewer brotli bytes for the page's bundle. esbuild needs node, so its output
is committed, with the SHA-256 of each source it was built from (sources.json): the
bundles use a built file only while its source is unchanged, and fall back to the plain
minifier for a source edited since (tests/test_build_scripts.py fails until this is run
again). Re-run after changing any script of a bundle.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tourapp.web.bundles import BUILT, BUNDLES, MANIFEST  # noqa: E402

ESBUILD = "esbuild@0.24.0"  # the version tools/build_leaflet.py uses
WORK = ROOT / ".cache" / "scripts-build"  # git-ignored
STATIC = ROOT / "static"


def sources() -> list[str]:
    """The app's scripts in the bundles (``js/…``; vendor files come minified already)."""
    seen: list[str] = []
    for files in BUNDLES.values():
        seen += [f for f in files if f.startswith("js/") and f.endswith(".js") and f not in seen]
    return seen


def digest(path: Path) -> str:
    """The SHA-256 of a file's bytes, as the bundles check it."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> int:
    """Install esbuild once, minify each script, write the manifest of their sources."""
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "package.json").write_text('{"private": true}\n')
    esbuild = WORK / "node_modules" / ".bin" / "esbuild"
    if not esbuild.exists():
        subprocess.run(
            ["npm", "install", "--no-save", "--no-audit", "--no-fund", "-E", ESBUILD],
            cwd=WORK, check=True,
        )
    out = STATIC / BUILT
    out.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for name in sources():
        source = STATIC / name
        target = out / Path(name).name
        subprocess.run(
            [
                str(esbuild), str(source), "--minify", "--target=es2017",
                "--legal-comments=none", f"--outfile={target}", "--log-level=warning",
            ],
            check=True, env={"PATH": "/usr/bin:/bin"},
        )
        manifest[name] = digest(source)
        print(f"{name}: {source.stat().st_size} → {target.stat().st_size} bytes")
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
