"""The Makefile's targets that must leave a clean clone clean."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT

CATALOG_FILES = [
    "translations/messages.pot",
    "translations/fr/LC_MESSAGES/messages.po",
    "translations/en/LC_MESSAGES/messages.po",
]


def test_make_translate_rewrites_nothing_when_no_message_changed(tmp_path):
    clone = tmp_path / "clone"
    clone.mkdir()
    for name in ("Makefile", "babel.cfg", "pyproject.toml", "setup.py"):
        shutil.copy2(ROOT / name, clone / name)
    for folder in ("tourapp", "templates", "translations"):
        shutil.copytree(ROOT / folder, clone / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    # The test run's own environment stands for .venv, marked as installed (no pip here).
    venv = clone / "venv"
    (venv / "bin").mkdir(parents=True)
    for program in ("pybabel", "python"):
        (venv / "bin" / program).symlink_to(Path(sys.executable).with_name(program))
    (venv / ".installed-app").touch()

    def translate() -> str:
        done = subprocess.run(["make", "--no-print-directory", "VENV=venv", "translate"],
                              cwd=clone, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    translate()  # brings the catalogs in line with the code, whatever their state
    # As if that had been run at another time (the template's date is per minute).
    pot = clone / CATALOG_FILES[0]
    dated = r'"POT-Creation-Date: 2018-11-20 13:30+0000\\n"'
    pot.write_text(re.sub(r'"POT-Creation-Date: [^"]*"', dated, pot.read_text(encoding="utf-8")),
                   encoding="utf-8")
    before = {name: (clone / name).read_bytes() for name in CATALOG_FILES}
    said = translate()
    assert {name: (clone / name).read_bytes() for name in CATALOG_FILES} == before
    assert "catalogs left as they are" in said

