"""Garbage-collector tuning for bursts of allocation (loading a file, rendering a map)."""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_pauses = 0  # threads inside gc_paused() now
_resume = False  # whether the collector was on when the first of them came in


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause CPython's cyclic garbage collector for a burst of allocations."""
    # A long file allocates hundreds of thousands of tuples and no reference cycle;
    # CPython's cyclic GC would scan the growing heap again and again: a quarter of
    # the time of a 100,000-point file, and the part that grew faster than the file.
    # The collector is one switch for the whole process, and a worker's threads pause it
    # at once: the last thread out turns it back on, not the first (which would resume
    # collection in the middle of another thread's burst).
    global _pauses, _resume
    with _lock:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()
