"""The reading workflow runs here without Qt: `post` puts callbacks on a queue that the
test drains on its own thread, as the GUI thread would."""
from __future__ import annotations

import queue
import time
from collections.abc import Callable

import pytest


class Inbox:
    """The test's stand-in for the GUI thread's event queue (a real queue, real threads)."""

    def __init__(self) -> None:
        self._q: queue.Queue = queue.Queue()
        self.events: list = []

    def post(self, fn: Callable[[], None]) -> None:
        self._q.put(fn)

    def record(self, event) -> None:
        self.events.append(event)

    def until(self, condition: Callable[[], bool], timeout_s: float = 30.0) -> None:
        """Run posted callbacks until `condition()` holds."""
        end = time.monotonic() + timeout_s
        while not condition():
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"condition not met in {timeout_s} s; events: {self.events}")
            try:
                fn = self._q.get(timeout=min(left, 0.1))
            except queue.Empty:
                continue
            fn()

    def drain(self, seconds: float) -> None:
        """Run whatever gets posted during `seconds` (to see that nothing more happens)."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            try:
                self._q.get(timeout=left)()
            except queue.Empty:
                return

    def of(self, kind) -> list:
        return [e for e in self.events if isinstance(e, kind)]


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()
