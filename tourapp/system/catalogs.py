"""Compiled translation catalogs (.mo) that match their sources (.po), or no app at all.

gettext reads only compiled catalogs, and they are built, not committed. Without
one, flask-babel falls back to the source strings without a word: `/fr/` comes up
in English. So the app checks at start that every language has a compiled catalog
at least as new as its ``.po``, compiles the missing or stale ones (as ``pybabel
compile`` does, with babel, which flask-babel installs), and refuses to start when
it cannot, with the command that fixes it.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po

from .durable import write_atomic


class CatalogError(RuntimeError):
    """A language that would be served without its compiled catalog."""


def catalog_paths(folder: Path, lang: str, domain: str) -> tuple[Path, Path]:
    """The source (.po) and compiled (.mo) catalog of ``lang`` in a translations folder."""
    base = folder / lang / "LC_MESSAGES" / domain
    return base.with_suffix(".po"), base.with_suffix(".mo")


def stale(po: Path, mo: Path) -> bool:
    """Whether ``mo`` is missing or older than its source ``po``."""
    try:
        return mo.stat().st_mtime_ns < po.stat().st_mtime_ns
    except FileNotFoundError:
        return True


def compile_catalog(po: Path, mo: Path, lang: str) -> None:
    """Compile ``po`` into ``mo`` atomically: a reader sees the old file or the new one."""
    try:
        with po.open("rb") as handle:
            # Strict: a catalog half read (a merge's conflict markers) would serve English.
            catalog = read_po(handle, locale=lang, abort_invalid=True)
    except PoFileError as exc:
        raise CatalogError(
            f"the {lang} catalog source {po} cannot be read ({exc}): fix it "
            "(a merge's conflict markers?), then start the app again"
        ) from exc
    buffer = io.BytesIO()
    write_mo(buffer, catalog)  # fuzzy entries left out, as `pybabel compile` does
    # Permissions as pybabel's output (a plain open(): the umask's), or the old file's.
    write_atomic(mo, buffer.getvalue())


def ensure_compiled(sources: Iterable[tuple[Path, str]], languages: Iterable[str]) -> list[Path]:
    """Compile every missing or stale catalog; return the ones compiled.

    ``sources`` are (translations folder, domain) pairs. Each language must have a
    catalog in one of them (flask-babel merges them). Raises ``CatalogError``, naming
    the fix, when a language has none or when a stale catalog cannot be written (a
    read-only install).
    """
    sources = [(Path(folder), domain) for folder, domain in sources]
    compiled = []
    for lang in languages:
        found = False
        for folder, domain in sources:
            po, mo = catalog_paths(folder, lang, domain)
            if not po.exists():
                found = found or mo.exists()  # a compiled catalog shipped alone is used as is
                continue
            found = True
            if not stale(po, mo):
                continue
            try:
                compile_catalog(po, mo, lang)
            except OSError as exc:
                reason = getattr(exc, "strerror", None) or exc
                state = "older than its source" if mo.exists() else "missing"
                raise CatalogError(
                    f"the {lang} catalog {mo} is {state} and cannot be compiled here "
                    f"({reason}): run `pybabel compile -d {folder}`, then start the app again"
                ) from exc
            compiled.append(mo)
        if not found:
            where = " or ".join(str(catalog_paths(f, lang, d)[0]) for f, d in sources)
            raise CatalogError(
                f"no {lang} catalog: {where} does not exist; point "
                "BABEL_TRANSLATION_DIRECTORIES at the project's translations folder "
                "(or run the app from a clone of the repository)"
            )
    return compiled
