"""Lighthouse (mobile and desktop) on the participant page in both languages: the four scores.

Run: .venv/bin/python benchmarks/lighthouse.py [--runs 3] [--target default|calibrated]
     [--form-factor mobile|desktop|both]

Lighthouse 12.2.3 is installed once with npm into benchmarks/out/lighthouse
(git-ignored; Node 20 runs it) and drives Debian's Chromium, headless. The app
runs as in production on a loopback port; map tiles are blocked (left out of
every figure, as in page_weight.py). Lighthouse's mobile settings: a mid-range
phone, simulated slow 4G.

Lighthouse simulates that phone from a trace taken at full speed on this machine,
slowing its CPU work down 4 times by default. Its throttling docs ("CPU throttling")
give a calculator for a host-specific factor from the benchmark index it measures
(800 → 2×, 1300 → 3×, 1533 → 4×, 2000 → 6×, extrapolated above). On a shared
virtual machine that index moves a lot (1,650 to 3,400 on one morning here), so each
mobile run is traced once (``--gather-mode``) and that one trace is scored twice
(``--audit-mode``): at Lighthouse's default 4×, and at the factor calibrated from the
index measured in that same run. Both are printed; the target judges the default
(the issues' "Lighthouse 100 ×4"), or the calibrated one with ``--target calibrated``.

Each page is run ``--runs`` times (Lighthouse's advice: the median of several runs),
every run printed with its total blocking time and largest contentful paint.
``--form-factor desktop`` (or ``both``, the default) also runs Lighthouse's desktop
preset (``--preset=desktop``: a wide screen, a fast network, no CPU slowdown).
Target: a median of 100 in performance, accessibility, best practices and SEO on /fr/
and /en/, on each form factor; exit status 1 when a median is under it or a run fails.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

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
            ["npm", "install", "--no-save", "--no-audit", "--no-fund", "-E",
             f"lighthouse@{VERSION}"],
            cwd=HOME, check=True, stdout=subprocess.DEVNULL,
        )
    return str(command)


class Failed(Exception):
    """A Lighthouse run that gave no figures."""


def gather(command: str, url: str, folder: Path, desktop: bool = False) -> float:
    """One Lighthouse trace of ``url`` at full speed, its artifacts saved in ``folder``;
    the host's benchmark index measured in that same run.

    Lighthouse's mobile throttling is simulated: the page is traced unthrottled and the
    phone is computed from the trace afterwards, so one trace can be scored at several CPU
    factors.
    """
    shutil.rmtree(folder, ignore_errors=True)
    done = subprocess.run(
        [*_arguments(command, url, 4.0, desktop), f"--gather-mode={folder}"], check=False)
    if done.returncode != 0 or not (folder / "artifacts.json").exists():
        raise Failed(f"lighthouse could not trace the page (exit {done.returncode})")
    artifacts = json.loads((folder / "artifacts.json").read_text(encoding="utf-8"))
    if artifacts.get("PageLoadError"):
        raise Failed(str(artifacts["PageLoadError"]))
    return float(artifacts["BenchmarkIndex"])


def audit(
    command: str, url: str, folder: Path, report: Path, slowdown: float = 4.0,
    desktop: bool = False,
) -> dict[str, int]:
    """Score the trace in ``folder`` with the phone's CPU ``slowdown`` times slower than
    this host; the four category scores out of 100.

    Lighthouse refuses settings that differ from the gathering run's; the CPU factor only
    enters the simulation, so the saved settings take the factor asked for.
    """
    artifacts_file = folder / "artifacts.json"
    artifacts = json.loads(artifacts_file.read_text(encoding="utf-8"))
    if not desktop:
        artifacts["settings"]["throttling"]["cpuSlowdownMultiplier"] = round(slowdown, 2)
        artifacts_file.write_text(json.dumps(artifacts), encoding="utf-8")
    done = subprocess.run(
        [*_arguments(command, url, slowdown, desktop), f"--audit-mode={folder}",
         "--output=json", f"--output-path={report}"],
        check=False,
    )
    if done.returncode != 0:
        raise Failed(f"lighthouse could not score its trace (exit {done.returncode})")
    return _read(url, report)


def _arguments(command: str, url: str, slowdown: float = 4.0, desktop: bool = False) -> list[str]:
    # The desktop preset brings its own throttling (no CPU slowdown): left as it is.
    throttling = ["--preset=desktop"] if desktop else [
        f"--throttling.cpuSlowdownMultiplier={round(slowdown, 2)}"]
    return [
        command, url,
        f"--chrome-path={CHROMIUM}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--blocked-url-patterns={TILES}",
        *throttling,
        "--quiet",
    ]


def _read(url: str, report: Path) -> dict[str, int]:
    result = json.loads(report.read_text(encoding="utf-8"))
    if result.get("runtimeError"):
        raise Failed(str(result["runtimeError"]))
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
        print(f"      below 1: {key} — {title}")
    audits = result["audits"]
    print(
        "      total blocking time {}, largest contentful paint {}, layout shift {}".format(
            *(audits[k]["displayValue"] for k in (
                "total-blocking-time", "largest-contentful-paint", "cumulative-layout-shift"))
        )
    )
    for warning in result.get("runWarnings", []):
        print(f"      lighthouse warned: {warning}")
    return {name: round(result["categories"][name]["score"] * 100) for name in CATEGORIES}


def calibrated_slowdown(benchmark_index: float) -> float:
    """Lighthouse's CPU slowdown for a host of ``benchmark_index`` (its throttling docs'
    calculator): the factor that makes this host simulate Lighthouse's reference phone."""
    if benchmark_index >= 1300:
        return 3 + (benchmark_index - 1300) / 233
    if benchmark_index >= 800:
        return 2 + (benchmark_index - 800) / 500
    return max(1.0, 1 + (benchmark_index - 150) / 650)


def measure(
    command: str, url: str, folder: Path, factor: str, run: int
) -> dict[str, dict[str, int]]:
    """Run ``run`` of ``url``: one trace, scored at 4× and at its calibrated factor (mobile)
    or with the desktop preset. A run Lighthouse could not record or score (its
    NO_NAVSTART, seen on a loaded machine) is run once more; a second failure stops the
    benchmark."""
    lang = urlsplit(url).path.strip("/")
    for attempt in (1, 2):
        try:
            index = gather(command, url, folder, desktop=factor == "desktop")
            if factor == "desktop":
                print(f"  /{lang}/ desktop run {run} (host index {index:.0f}):")
                got = audit(command, url, folder, OUT / f"lighthouse-{lang}-desktop.json",
                            desktop=True)
                print(f"    {_line(got)}")
                return {"default": got}
            slowdown = calibrated_slowdown(index)
            print(f"  /{lang}/ mobile run {run} (host index {index:.0f}), one trace scored"
                  f" at 4× and at {slowdown:.2f}×:")
            figures: dict[str, dict[str, int]] = {}
            for kind, times in (("default", 4.0), ("calibrated", slowdown)):
                report = OUT / f"lighthouse-{lang}-mobile-{kind}.json"
                figures[kind] = audit(command, url, folder, report, times)
                print(f"    {times:.2f}× ({kind}): {_line(figures[kind])}")
            return figures
        except Failed as error:
            print(f"    {url}: {error} (attempt {attempt} of 2)")
    raise SystemExit(f"{url}: lighthouse failed twice")


def _median(got: list[dict[str, int]]) -> dict[str, float]:
    return {name: statistics.median(g[name] for g in got) for name in CATEGORIES}


def _line(scores: dict[str, int] | dict[str, float]) -> str:
    return ", ".join(f"{name} {score:g}" for name, score in scores.items())


def main() -> int:
    """Score /fr/ and /en/ ``--runs`` times each; their medians against the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page")
    parser.add_argument(
        "--target", choices=("default", "calibrated"), default="default",
        help="which mobile figure the target judges: Lighthouse's default 4× CPU slowdown "
        "(the default) or the factor calibrated from each run's benchmark index",
    )
    parser.add_argument(
        "--form-factor", choices=("mobile", "desktop", "both"), default="both",
        help="Lighthouse's mobile settings, its desktop preset, or both (the default)",
    )
    options = parser.parse_args()
    runs = options.runs
    factors = ("mobile", "desktop") if options.form_factor == "both" else (options.form_factor,)
    quiet()
    print(f"lighthouse {VERSION} ({', '.join(factors)}, tiles blocked, {runs} runs a page;"
          f" target judged on the {options.target} mobile figure) — {machine()}")
    command = lighthouse()
    missed = False
    with tourapp_server() as app:
        for factor, lang in ((f, lang) for f in factors for lang in ("fr", "en")):
            url = f"{app.url}/{lang}/"
            folder = OUT / f"lighthouse-{lang}-{factor}"
            figures: dict[str, list[dict[str, int]]] = {"default": [], "calibrated": []}
            for run in range(1, runs + 1):
                for kind, got in measure(command, url, folder, factor, run).items():
                    figures[kind].append(got)
            for kind, results in figures.items():
                if not results:
                    continue
                median = _median(results)
                judged = factor == "desktop" or kind == options.target
                label = "desktop" if factor == "desktop" else f"mobile, {kind} slowdown"
                print(f"  /{lang}/ {label} median: {_line(median)}"
                      + ("" if judged else " (for information)"))
                missed |= judged and any(score < 100 for score in median.values())
    print("target: a median of 100 in each: " + ("MISSED" if missed else "met"))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
