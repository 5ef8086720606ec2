"""What the GUI thread was doing while its heartbeat was late: a sampling watchdog for the stall figures.

Set BENCH_STALL_STACKS=1 for `python -m bench --only window` or bench/bench_gui_stall.py: a plain
Python thread looks every
10 ms at the time of the last heartbeat tick; while it is later than 50 ms it records the stack of
every thread. After the opening, the samples that fall inside the longest gap are printed to
stderr, most frequent first, so a stall names its code. A thread that cannot take the GIL (the
GUI thread waiting for it) shows up as a gap with the GUI thread inside Qt's event loop and
another thread's Python stack busy: that is the reading, not a fault of the sampler.
"""
from __future__ import annotations

import collections
import os
import sys
import threading
import time
import traceback

LATE_S = 0.05
EVERY_S = 0.01


def wanted() -> bool:
    return os.environ.get("BENCH_STALL_STACKS") == "1"


def _summary(frame, depth: int = 7) -> str:
    stack = traceback.extract_stack(frame)[-depth:]
    return " <- ".join(f"{os.path.basename(f.filename)}:{f.lineno}:{f.name}" for f in reversed(stack))


class StallSampler:
    def __init__(self, ticks: list[float]) -> None:
        self._ticks = ticks
        self._gui = threading.get_ident()
        self._stop = threading.Event()
        self.samples: list[tuple[float, dict[str, str]]] = []
        self._thread = threading.Thread(target=self._run, name="stall-sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        names = {}
        while not self._stop.wait(EVERY_S):
            now = time.perf_counter()
            if not self._ticks or now - self._ticks[-1] < LATE_S:
                continue
            for t in threading.enumerate():
                names[t.ident] = t.name
            frames = sys._current_frames()
            self.samples.append((now, {("GUI" if ident == self._gui else names.get(ident, str(ident))):
                                       _summary(frame) for ident, frame in frames.items()
                                       if ident != threading.get_ident()}))

    def report(self, start: float, end: float, label: str) -> None:
        inside = [s for t, s in self.samples if start <= t <= end]
        print(f"--- {label}: gap {1000 * (end - start):.0f} ms, {len(inside)} samples", file=sys.stderr)
        per_thread: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        for sample in inside:
            for name, stack in sample.items():
                per_thread[name][stack] += 1
        for name in sorted(per_thread, key=lambda n: (n != "GUI", n)):
            for stack, count in per_thread[name].most_common(3):
                print(f"  [{name}] x{count}: {stack}", file=sys.stderr)
