"""Background threads yield the CPU to the GUI thread.

Retrieval, decoding, volume building and centre calls run on worker threads of the same
interpreter as the GUI. On a 2-core station five busy workers and the GUI thread take turns
at the GIL; the operating system decides which waiting thread runs next, so a worker at a
lower scheduling priority lets the GUI thread in first and keeps its stalls short while a
study loads (bench/bench_gui_stall.py). Linux schedules threads one by one, so the niceness
of the calling thread alone is raised; elsewhere this does nothing.
"""
from __future__ import annotations

import logging
import os
import sys
import threading

__all__ = ["BACKGROUND_NICENESS", "lower_priority"]

log = logging.getLogger(__name__)

BACKGROUND_NICENESS = 10  # niceness added to worker threads (0 = as the GUI, 19 = lowest)


def lower_priority() -> None:
    """Run the calling thread at background priority (an initializer for worker pools)."""
    if not sys.platform.startswith("linux") or threading.current_thread() is threading.main_thread():
        return
    tid = threading.get_native_id()
    try:
        now = os.getpriority(os.PRIO_PROCESS, tid)
        os.setpriority(os.PRIO_PROCESS, tid, min(19, now + BACKGROUND_NICENESS))
    except OSError as exc:  # a sandbox may forbid it; the work still runs, only less politely
        log.debug("could not lower the priority of thread %s: %s", threading.current_thread().name, exc)
