"""The wheel's build step: the app's folders go into the package, catalogs compiled.

The repository keeps ``templates/``, ``static/``, ``translations/`` and ``data/`` at its
top level (``tourapp/system/resources.py`` finds them there in a clone). A wheel carries
them inside ``tourapp/``, with each language's catalog compiled here, once, so that an
installed app never has to write beside its own code (a read-only install starts).
Everything else about the package is in ``pyproject.toml``.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
COPIED = ("templates", "static", "data")  # as they are, every file
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")


class BuildWithAppFiles(build_py):
    """``build_py``, then the app's folders copied into the built package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # `pip install -e .`: the clone's folders are used in place
            return
        package = Path(self.build_lib) / "tourapp"
        for name in COPIED:
            shutil.copytree(HERE / name, package / name, ignore=IGNORED, dirs_exist_ok=True)
        compile_catalogs(HERE / "translations", package / "translations")


def compile_catalogs(source: Path, target: Path) -> None:
    """Compile every ``<lang>/LC_MESSAGES/*.po`` under ``source`` into ``target``."""
    # The app's own compiler (strict, atomic), loaded from its folder as a package of its
    # own: importing ``tourapp`` would need its dependencies, which a build environment
    # does not have; ``tourapp/system`` needs only the standard library and babel.
    folder = HERE / "tourapp" / "system"
    spec = importlib.util.spec_from_file_location(
        "_tourapp_system", folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    assert spec is not None and spec.loader is not None
    sys.modules[spec.name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sys.modules[spec.name])
    catalogs = importlib.import_module(f"{spec.name}.catalogs")
    for po in sorted(source.glob("*/LC_MESSAGES/*.po")):
        mo = target / po.relative_to(source).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        catalogs.compile_catalog(po, mo, po.parent.parent.name)


setup(
    cmdclass={"build_py": BuildWithAppFiles},
    # setuptools stages in build/ by default, which is also `tourapp freeze`'s default
    # output: a folder of its own, emptied by `make wheel` so no deleted file ships.
    options={"build": {"build_base": ".build"}},
)
