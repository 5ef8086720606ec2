"""A study load (app/reading/study_load.py) on its own thread, reporting by Qt signals.

Every signal carries the loader first, so the window can tell a current load from one it
has already replaced (a cancelled load may still deliver queued signals). `failed` carries
the exception itself: LoadCancelled, a CentreError or VolumeError subclass, or
UnexpectedLoadError.
"""
from __future__ import annotations

import threading
import time

from PySide6.QtCore import QObject, Signal

from app.reading.study_load import StudyLoad
from common.background import lower_priority


class StudyLoader(QObject):
    progress = Signal(object, int, int, str)
    partial = Signal(object, object)    # loader, a volume to show (its first slices)
    grown = Signal(object, object)      # loader, the volume shown: more of its slices filled in
    loaded = Signal(object, object)     # loader, app.reading.study_load.Loaded
    failed = Signal(object, object)     # loader, exception

    def __init__(self, centre, study_uid: str, series_key: str | None = None, groups=None,
                 series_choice=None) -> None:
        super().__init__()
        self.load = StudyLoad(centre, study_uid, series_key, groups, series_choice)
        self.study_uid = study_uid
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="study-loader", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        self.load.cancel()

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        lower_priority()
        listener = _Listener(self)
        try:
            result = self.load.run(listener)
        except Exception as exc:  # typed: the window decides by the exception's class
            self.failed.emit(self, exc)
            return
        self.loaded.emit(self, result)


class _Listener:
    """Progress at most every PROGRESS_S (and the last step): one signal per instance of a
    3000-slice study would flood the GUI thread's queue with events nobody can see."""

    PROGRESS_S = 0.05

    def __init__(self, loader: StudyLoader) -> None:
        self._loader = loader
        self._last = 0.0

    def progress(self, done: int, total: int, what: str) -> None:
        now = time.monotonic()
        if done >= total or now - self._last >= self.PROGRESS_S:
            self._last = now
            self._loader.progress.emit(self._loader, done, total, what)

    def partial(self, volume) -> None:
        self._loader.partial.emit(self._loader, volume)

    def grown(self, volume) -> None:
        self._loader.grown.emit(self._loader, volume)
