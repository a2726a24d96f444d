"""Garbage-collector tuning for bursts of allocation (loading a file, rendering a map)."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause CPython's cyclic garbage collector for a burst of allocations."""
    # A long file allocates hundreds of thousands of tuples and no reference cycle;
    # CPython's cyclic GC would scan the growing heap again and again: a quarter of
    # the time of a 100,000-point file, and the part that grew faster than the file.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
