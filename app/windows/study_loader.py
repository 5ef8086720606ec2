"""Loads a study off the GUI thread: retrieve from the centre, split series, build a volume."""
from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Signal

from viewer.volume import VolumeCancelled, VolumeError, build_volume, group_datasets
from worklist.centre import Cancelled, CentreError

log = logging.getLogger(__name__)


class StudyLoader(QObject):
    """One study load; emits `loaded(groups, volume, problems)` or `failed(message)`.

    Every signal carries the loader first, so the window can tell a current load from one
    it has already replaced (a cancelled load may still deliver queued signals).

    While instances arrive it also emits `partial(volume)`: the largest series built from
    what has arrived so far (the centre sends the slices nearest the middle first), so the
    reader sees the first images long before the series is complete. Partial builds happen
    at 1, 8, 64... instances: each rebuild decodes what has arrived, so growing the step
    geometrically keeps all partial builds together under a seventh of the final one, and
    leaves the GUI thread free to draw the first images (both need the interpreter lock).
    """

    progress = Signal(object, int, int, str)
    partial = Signal(object, object)
    loaded = Signal(object, object, object, object)
    failed = Signal(object, str)
    partial_growth = 8

    def __init__(self, centre, study_uid: str, series_key: str | None = None, groups=None) -> None:
        super().__init__()
        self.centre = centre
        self.study_uid = study_uid
        self.series_key = series_key
        self.groups = groups  # reuse already retrieved series when switching series
        self._cancel = threading.Event()
        self._expected = 0  # instances the centre announced
        self.error: Exception | None = None  # what ended a failed load, for the audit trail
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="study-loader", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _step(self, what: str):
        def report(done: int, total: int) -> bool:
            self._expected = total
            self.progress.emit(self, done, total, what)
            return not self._cancel.is_set()
        return report

    def _receive(self) -> list:
        datasets: list = []
        next_partial = 1
        for ds in self.centre.retrieve(self.study_uid, self._step("retrieving")):
            datasets.append(ds)
            if len(datasets) == next_partial:
                if len(datasets) < self._expected:  # the last one is the full build, not a partial
                    self._emit_partial(datasets)
                next_partial *= self.partial_growth
        return datasets

    def _emit_partial(self, datasets: list) -> None:
        try:
            groups, _ = group_datasets(datasets)
            images = [g for g in groups if g.info().slices]
            if images:
                self.partial.emit(self, build_volume(max(images, key=lambda g: g.info().slices)))
        except VolumeError as exc:  # an incomplete series may not build yet; the full one will
            log.debug("partial volume of study %s not shown: %s", self.study_uid, exc)

    def _run(self) -> None:
        try:
            problems = []
            groups = self.groups
            if groups is None:
                datasets = self._receive()
                groups, problems = group_datasets(datasets)
            images = sorted(groups, key=lambda g: -g.info().slices)
            if not images:
                raise VolumeError(f"study {self.study_uid} holds no image series that can be shown")
            group = next((g for g in images if g.key == self.series_key), images[0])
            volume = build_volume(group, self._step("building volume"))
        except (Cancelled, VolumeCancelled):
            self.failed.emit(self, "cancelled")
            return
        except (CentreError, VolumeError) as exc:
            self.error = exc
            self.failed.emit(self, str(exc))
            return
        except Exception as exc:  # the window must survive any bad study; say which one
            log.exception("loading study %s failed", self.study_uid)
            self.failed.emit(self, f"study {self.study_uid}: unexpected error ({type(exc).__name__})")
            return
        self.loaded.emit(self, images, volume, problems)
