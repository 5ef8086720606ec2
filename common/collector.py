"""Python's cyclic garbage collector kept out of a burst of acyclic allocations.

A full collection walks every tracked object and holds the GIL while it does, so every
thread waits, the GUI thread included. Parsing a large series' metadata (11 MB of DICOM JSON
for 1000 instances: some 300 000 dicts, lists and values, no reference cycles) triggered two
full collections of 150-200 ms each while a study opened (bench/bench_gui_stall.py). Within
`paused()`, the objects are freed by reference counting as always; only the cycle search waits.

What is still alive when the last block ends is frozen (`gc.freeze`) before the collector
comes back: left in the youngest generation, the 300 000 objects were walked by the first
collections after the block instead (measured: 98 ms, then 128 ms, in the next 0.2 s). They
are the load's headers, kept until the study closes; a cycle among them would be freed only
by reference counting, as the loader already freezes what it keeps (app/reading/study_load.py).
"""
from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

__all__ = ["paused"]

_lock = threading.Lock()
_pausing = 0          # how many paused() blocks are running, in any thread
_was_enabled = False  # the collector's state when the first of them began


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No automatic collection inside; nested and concurrent blocks keep it off until the
    last of them ends, which gives back the state found by the first."""
    global _pausing, _was_enabled
    with _lock:
        if _pausing == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pausing += 1
    try:
        yield
    finally:
        with _lock:
            _pausing -= 1
            if _pausing == 0 and _was_enabled:
                gc.freeze()
                gc.enable()
