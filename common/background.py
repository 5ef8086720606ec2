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
import time

__all__ = ["BACKGROUND_NICENESS", "YIELD_EVERY_S", "let_others_in", "lower_priority"]

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


YIELD_EVERY_S = 0.01   # a worker looping over many small items sleeps this often at most
_YIELD_S = 0.0005
_last_yield = threading.local()


def let_others_in() -> None:
    """In a worker's loop over many small items (instances arriving, parts of a stream): a
    0.5 ms sleep when 10 ms have passed since the last one, so a thread waiting for the GIL,
    the GUI's, gets it.

    A thread that lets go of the GIL and takes it back many times a second (each socket
    receive, each small numpy call) wakes the waiting thread each time and has the GIL again
    before that one runs; CPython restarts the waiter's 5 ms timeout at each wake-up, so its
    request to take over is never made while the loop goes on. The GUI waited 0.1-0.5 s for it
    while a study streamed in (bench/bench_gui_stall.py). A real sleep lets the waiter in."""
    if threading.current_thread() is threading.main_thread():
        return
    now = time.monotonic()
    if now - getattr(_last_yield, "at", 0.0) >= YIELD_EVERY_S:
        time.sleep(_YIELD_S)
        _last_yield.at = time.monotonic()
