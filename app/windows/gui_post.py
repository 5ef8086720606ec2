"""The reading workflow's `post` in Qt: run a callback on the GUI thread, from any thread."""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class GuiCallTimeout(Exception):
    """The GUI thread did not run a call in time (the window is closing or blocked)."""

from PySide6.QtCore import QObject, Qt, Signal


class GuiPost(QObject):
    """Create on the GUI thread; `post(fn)` from any thread queues `fn()` there."""

    _call = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._call.connect(self._run, Qt.QueuedConnection)

    def post(self, fn: Callable[[], None]) -> None:
        self._call.emit(fn)

    def call(self, fn: Callable[[], T], timeout_s: float = 60.0) -> T:
        """Run `fn()` on the GUI thread and wait for its result (from a worker thread), for
        the few things Qt allows there only (printing the PDF)."""
        if threading.current_thread() is threading.main_thread():
            return fn()
        done = threading.Event()
        box: dict = {}

        def run() -> None:
            try:
                box["result"] = fn()
            except BaseException as exc:  # handed to the waiting worker, raised there
                box["error"] = exc
            finally:
                done.set()

        self.post(run)
        if not done.wait(timeout_s):
            raise GuiCallTimeout(f"the GUI thread did not answer in {timeout_s:.0f} s")
        if "error" in box:
            raise box["error"]
        return box["result"]

    @staticmethod
    def _run(fn: Callable[[], None]) -> None:
        fn()
