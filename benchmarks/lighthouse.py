"""Lighthouse (mobile) on the participant page in both languages: the four scores.

Run: .venv/bin/python benchmarks/lighthouse.py

Lighthouse 12.2.3 is installed once with npm into benchmarks/out/lighthouse
(git-ignored; Node 20 runs it) and drives Debian's Chromium, headless. The app
runs as in production on a loopback port; map tiles are blocked (left out of
every figure, as in page_weight.py). Lighthouse's default mobile settings:
a mid-range phone, simulated slow 4G. Target: 100 in performance,
accessibility, best practices and SEO on /fr/ and /en/; exit status 1 when a
score is under it or a run fails.
"""

from __future__ import annotations

import json
import subprocess
import sys

from _common import OUT, machine, quiet, tourapp_server

from tourapp.testing import CHROMIUM

VERSION = "12.2.3"
HOME = OUT / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TILES = "*tile.openstreetmap.org*"


def lighthouse() -> str:
    """The lighthouse command, installed once."""
    command = HOME / "node_modules" / ".bin" / "lighthouse"
    if not command.exists():
        HOME.mkdir(parents=True, exist_ok=True)
        (HOME / "package.json").write_text('{"private": true}\n')
        subprocess.run(
            ["npm", "install", "--no-save", "--no-audit", "--no-fund", "-E", f"lighthouse@{VERSION}"],
            cwd=HOME, check=True, stdout=subprocess.DEVNULL,
        )
    return str(command)


def scores(command: str, url: str, report: str) -> dict[str, int]:
    """Run Lighthouse on ``url``; its four category scores out of 100.

    A run whose trace Chromium failed to record (Lighthouse's NO_NAVSTART, seen on a
    loaded machine) is run once more; a second failure stops the benchmark.
    """
    for attempt in (1, 2):
        done = subprocess.run(_arguments(command, url, report), check=False)
        if done.returncode == 0:
            break
        print(f"    lighthouse failed (exit {done.returncode}), attempt {attempt} of 2")
    else:
        raise SystemExit(f"{url}: lighthouse failed twice")
    return _read(url, report)


def _arguments(command: str, url: str, report: str) -> list[str]:
    return (
        [
            command, url,
            f"--chrome-path={CHROMIUM}",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
            f"--only-categories={','.join(CATEGORIES)}",
            f"--blocked-url-patterns={TILES}",
            "--output=json", f"--output-path={report}", "--quiet",
        ]
    )


def _read(url: str, report: str) -> dict[str, int]:
    result = json.loads(open(report, encoding="utf-8").read())
    if result.get("runtimeError"):
        raise SystemExit(f"{url}: {result['runtimeError']}")
    final = result.get("finalDisplayedUrl") or result.get("finalUrl")
    if not final.startswith(url):
        raise SystemExit(f"{url} ended at {final}")
    failed = {
        audit["id"]: audit["title"]
        for category in result["categories"].values()
        for ref in category["auditRefs"]
        if (audit := result["audits"][ref["id"]])["score"] is not None
        and audit["score"] < 1 and ref["weight"] > 0
    }
    for key, title in sorted(failed.items()):
        print(f"    below 1: {key} — {title}")
    return {name: round(result["categories"][name]["score"] * 100) for name in CATEGORIES}


def main() -> int:
    """Score /fr/ and /en/ and print them against the target."""
    quiet()
    print(f"lighthouse {VERSION} (mobile, tiles blocked) — {machine()}")
    command = lighthouse()
    missed = False
    with tourapp_server() as app:
        for lang in ("fr", "en"):
            url = f"{app.url}/{lang}/"
            got = scores(command, url, str(OUT / f"lighthouse-{lang}.json"))
            line = ", ".join(f"{name} {score}" for name, score in got.items())
            print(f"  /{lang}/: {line}")
            missed |= any(score < 100 for score in got.values())
    print("target: 100 in each: " + ("MISSED" if missed else "met"))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
