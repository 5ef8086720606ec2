"""Loading one study without Qt: retrieve from the centre, split series, build the volume.

Runs on the thread that calls `run()`; tells its `LoadListener` what happens. While
instances arrive it reports partial volumes: the largest series built from what has arrived
(the centre sends the slices nearest the middle first), so the reader sees the first images
long before the series is complete. Partial builds happen at 1, 8, 64... instances: each
rebuild decodes what has arrived, so growing the step geometrically keeps all partial
builds together under a seventh of the final one.

Everything the window shows about the series (their `SeriesInfo`) is computed here too, so
the GUI thread only paints. Each instance's frame headers are read once, as it arrives: a
thread re-reading the headers of every received instance at each partial build kept the
GUI thread from the GIL for 0.3-1 s at a time (bench/RESULTS.md).

Once a volume is built, what the process holds is moved out of the garbage collector's sight
(`gc.freeze`): a study holds about 400 tracked objects per slice, and a full collection
walking 1000 slices' worth stopped every thread, the GUI's included, for 0.7 s (measured
without it). Frozen objects are still freed by reference counting; pydicom datasets and our
volumes form no reference cycles, and a test opens studies in turn and checks that each
replaced volume is freed and the frozen set does not grow (tests/gui/test_reading_window.py).
"""
from __future__ import annotations

import gc
import logging
import threading
from dataclasses import dataclass
from typing import Any, Protocol

from app.report.dose import DoseCollector, StudyDose
from viewer.volume import (SeriesGroup, SeriesInfo, Volume, VolumeCancelled, VolumeError, build_volume, group_frames,
                           headers_of)
from worklist.centre import Cancelled, CentreError

log = logging.getLogger(__name__)


class LoadCancelled(Exception):
    """The reader cancelled the load (or opened another study)."""


class UnexpectedLoadError(Exception):
    """A study failed in a way no module foresaw; the message names the study, not the patient."""


@dataclass(frozen=True)
class Loaded:
    groups: list[SeriesGroup]
    volume: Volume
    problems: list[Any]   # viewer.dicom_files.FileProblem: files skipped, with the reason
    infos: list[SeriesInfo]  # one per group, same order: what the series list shows
    dose: StudyDose | None = None  # CTDIvol/DLP of the study (None: switching series, or none found)


class LoadListener(Protocol):
    def progress(self, done: int, total: int, what: str) -> None: ...
    def partial(self, volume: Volume) -> None: ...


class StudyLoad:
    partial_growth = 8

    def __init__(self, centre: Any, study_uid: str, series_key: str | None = None,
                 groups: list[SeriesGroup] | None = None) -> None:
        self.centre = centre
        self.study_uid = study_uid
        self.series_key = series_key
        self.groups = groups  # reuse already retrieved series when switching series
        self._cancel = threading.Event()
        self._expected = 0
        self._dose: DoseCollector | None = None

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self, listener: LoadListener) -> Loaded:
        """Load the study; raises LoadCancelled, CentreError, VolumeError or UnexpectedLoadError."""
        try:
            problems: list[Any] = []
            groups = self.groups
            if groups is None:
                frames, problems = self._receive(listener)
                groups = group_frames(frames)
            images = sorted(groups, key=lambda g: -g.info().slices)
            if not images:
                raise VolumeError(f"study {self.study_uid} holds no image series that can be shown")
            group = next((g for g in images if g.key == self.series_key), images[0])
            volume = build_volume(group, self._step(listener, "building volume"))
        except (Cancelled, VolumeCancelled):
            raise LoadCancelled(self.study_uid) from None
        except (CentreError, VolumeError):
            raise
        except Exception as exc:  # the window must survive any bad study; say which one
            log.exception("loading study %s failed", self.study_uid)
            raise UnexpectedLoadError(f"study {self.study_uid}: unexpected error ({type(exc).__name__})") from exc
        if self.cancelled:
            raise LoadCancelled(self.study_uid)
        volume.min_value  # a pass over every voxel: here, not on the GUI thread
        infos = [g.info() for g in images]
        dose = self._dose.result(volume.identity.series_uid) if self._dose is not None else None
        gc.freeze()
        return Loaded(images, volume, problems, infos, dose)

    def _step(self, listener: LoadListener, what: str):
        def report(done: int, total: int) -> bool:
            self._expected = total
            listener.progress(done, total, what)
            return not self._cancel.is_set()
        return report

    def _receive(self, listener: LoadListener) -> tuple[list, list]:
        """Frame headers of every instance (read as each arrives, once) and the problems."""
        frames: list = []
        problems: list = []
        received = 0
        next_partial = 1
        self._dose = DoseCollector()
        for ds in self.centre.retrieve(self.study_uid, self._step(listener, "retrieving")):
            self._dose.offer(ds)  # the dose SR is no image: kept here, before the image headers skip it
            got, problem = headers_of(ds)
            frames.extend(got)
            if problem is not None:
                problems.append(problem)
            received += 1
            if received == next_partial:
                if received < self._expected:  # the last one is the full build, not a partial
                    self._partial(listener, frames)
                next_partial *= self.partial_growth
        return frames, problems

    def _partial(self, listener: LoadListener, frames: list) -> None:
        try:
            images = [g for g in group_frames(frames) if g.info().slices]
            if images:
                volume = build_volume(max(images, key=lambda g: g.info().slices))
                volume.min_value  # a pass over every voxel: here, not on the GUI thread
                gc.freeze()
                listener.partial(volume)
        except VolumeError as exc:  # an incomplete series may not build yet; the full one will
            log.debug("partial volume of study %s not shown: %s", self.study_uid, exc)
