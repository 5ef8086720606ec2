"""Imports made on a thread of their own while the login window waits for the reader.

The holiday calendar (the `holidays` package imports ~280 country modules) and the
station's error classes that the error sentences name (`error_text`: the workflow, the
report, the cache, pydicom: ~0.9 s) would otherwise be imported on the GUI thread, the
first before the login window shows, the second when a login fails or after it succeeds.

The GUI thread calls `wait()` before it imports any of them itself: the same modules are
never imported by two threads at once (a thread importing a module that imports one the
other thread is importing can be handed it half-initialised)."""
from __future__ import annotations

import importlib
import threading

__all__ = ["start", "wait"]

_thread: threading.Thread | None = None


def _load() -> None:
    from app.main import load_holidays

    load_holidays()
    importlib.import_module("app.windows.error_text")


def start() -> None:
    """Start the imports; call at the login window's first event-loop turn. A call after
    they are done starts them again: cheap then (the modules are loaded), and each login
    window of a process (tests run several) has its own."""
    global _thread
    if _thread is None or not _thread.is_alive():
        _thread = threading.Thread(target=_load, name="warm-up", daemon=True)
        _thread.start()


def wait() -> None:
    """Return once the imports are done (at once if they were never started)."""
    if _thread is not None:
        _thread.join()
