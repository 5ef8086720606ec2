"""Loading one study without Qt: retrieve from the centre, split series, build the volume.

Runs on the thread that calls `run()`; tells its `LoadListener` what happens. Where the
centre gives the instances' headers first (DICOMweb: the series metadata, `on_plan`), the
largest image series is laid out at once at its final size (`viewer.volume_fill`) and each
instance is decoded straight into it as it arrives, the slices nearest the middle first:
the window shows that one array from its first slice on (`partial`) and is told as it
fills (`grown`); nothing is rebuilt, and each filled instance's pixel data are dropped, so
the study is held once. Instances that are not what the metadata said, or a series the fill
cannot take (tilted, uneven: resampled from all slices), are built the classic way once all
have arrived; pixel data already dropped are read again, from the cache.

Without headers first (the local centre), partial volumes are built from what has arrived
at 1, 8, 64... instances: growing the step geometrically keeps all partial builds together
under a seventh of the final one.

Everything the window shows about the series (their `SeriesInfo`) is computed here too, so
the GUI thread only paints. Each instance's frame headers are read once, as it arrives: a
thread re-reading the headers of every received instance at each partial build kept the
GUI thread from the GIL for 0.3-1 s at a time (bench/RESULTS.md).

Once a volume is built, and as a volume filled in place grows, what the process holds is moved
out of the garbage collector's sight (`gc.freeze`): a study holds about 400 tracked objects per slice, and a full collection
walking 1000 slices' worth stopped every thread, the GUI's included, for 0.7 s (measured
without it). Frozen objects are still freed by reference counting; our volumes form no
reference cycles, nor do pydicom datasets once `collector.freeze` has made their multi-valued
elements acyclic (common/collector.py), and a test opens studies in turn and checks that each
replaced volume is freed and the frozen set does not grow (tests/gui/test_reading_window.py).
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from collections.abc import Callable
from typing import Any, Protocol

from pydicom.dataset import Dataset

from app.report.dose import DoseCollector, StudyDose
from common import collector
from common.background import let_others_in
from viewer.decode_pool import DecodePool, is_compressed
from viewer.dicom_files import planned_headers
from viewer.volume import (SeriesGroup, SeriesInfo, Volume, VolumeCancelled, VolumeError, build_volume, group_frames,
                           headers_of)
from viewer.volume_fill import FillAbandoned, VolumeFill
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
    def grown(self, volume: Volume) -> None: ...


def _pick(groups: list[SeriesGroup], series_key: str | None) -> tuple[list[SeriesGroup], SeriesGroup | None]:
    """The image series, largest first, and the one to show (the asked one, else the largest)."""
    images = sorted((g for g in groups if g.frames), key=lambda g: -len(g.frames))
    chosen = next((g for g in images if g.key == series_key), images[0] if images else None)
    return images, chosen


def _drop_pixels(ds: Dataset) -> None:
    """The instance's pixels are in the volume now: the dataset keeps its header only."""
    if "PixelData" in ds:
        del ds.PixelData
    ds._pixel_array = None  # pydicom's decoded copy, if it made one
    ds._pixel_id = {}


def _has_pixels(group: SeriesGroup) -> bool:
    return all("PixelData" in fr.source for fr in group.frames if isinstance(fr.source, Dataset))


class StudyLoad:
    partial_growth = 8
    grown_every_s = 0.5    # how often the window is told of slices filled in (each costs three draws)

    def __init__(self, centre: Any, study_uid: str, series_key: str | None = None,
                 groups: list[SeriesGroup] | None = None,
                 series_choice: Callable[[list[SeriesGroup]], str | None] | None = None) -> None:
        self.centre = centre
        self.study_uid = study_uid
        self.series_key = series_key
        # no series asked for: `series_choice(image groups)` names it (the hanging protocol's)
        self.series_choice = series_choice
        self.groups = groups  # reuse already retrieved series when switching series
        self._cancel = threading.Event()
        self._expected = 0
        self._fill: VolumeFill | None = None
        self._shown_fill = False
        self._told = 0.0
        self._dropped = False     # some arrived instance lost its pixel data to the fill
        self._planned = False
        self._pool: DecodePool | None = None
        self._dose: DoseCollector | None = None

    def _pick(self, groups: list[SeriesGroup]) -> tuple[list[SeriesGroup], SeriesGroup | None]:
        if self.series_key is None and self.series_choice is not None:
            try:
                self.series_key = self.series_choice([g for g in groups if g.frames])
            except Exception:  # a bad choice must not stop the study from opening: the largest shows
                log.exception("study %s: the series choice failed", self.study_uid)
                self.series_choice = None
        return _pick(groups, self.series_key)

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
            if groups is not None:
                _, chosen = self._pick(groups)
                if chosen is not None and not _has_pixels(chosen):
                    groups = None  # its pixels went into a volume since: read it again (cache)
            if groups is None:
                frames, problems = self._receive(listener, plan=True)
                groups = group_frames(frames)
            images, chosen = self._pick(groups)
            if chosen is None:
                raise VolumeError(f"study {self.study_uid} holds no image series that can be shown")
            self._wait_for_fill()
            volume = self._filled_volume(chosen)
            if volume is None:
                if self._dropped:
                    log.info("study %s: building from the instances themselves", self.study_uid)
                    frames, problems = self._receive(listener, plan=False)
                    images, chosen = self._pick(group_frames(frames))
                    if chosen is None:
                        raise VolumeError(f"study {self.study_uid} holds no image series that can be shown")
                volume = build_volume(chosen, self._step(listener, "building volume"))
        except (Cancelled, VolumeCancelled):
            raise LoadCancelled(self.study_uid) from None
        except (CentreError, VolumeError):
            raise
        except Exception as exc:  # the window must survive any bad study; say which one
            log.exception("loading study %s failed", self.study_uid)
            raise UnexpectedLoadError(f"study {self.study_uid}: unexpected error ({type(exc).__name__})") from exc
        finally:
            if self._pool is not None:
                self._pool.close()
                self._pool = None
        if self.cancelled:
            raise LoadCancelled(self.study_uid)
        volume.min_value  # a pass over every voxel: here, not on the GUI thread
        infos = [g.info() for g in images]
        dose = self._dose.result(volume.identity.series_uid) if self._dose is not None else None
        collector.freeze()
        return Loaded(images, volume, problems, infos, dose)

    def _wait_for_fill(self) -> None:
        if self._fill is None:
            return
        try:
            self._fill.wait()
        except FillAbandoned as exc:
            log.warning("study %s: %s", self.study_uid, exc)
            self._fill = None

    def _filled_volume(self, chosen: SeriesGroup) -> Volume | None:
        """The filled volume if it is exactly the chosen series, every slice arrived."""
        fill = self._fill
        if fill is None or not fill.complete or fill.key != chosen.key:
            return None
        if {(fr.sop_uid, fr.frame) for fr in chosen.frames} != fill.planned_frames:
            return None
        return fill.volume

    def _step(self, listener: LoadListener, what: str):
        def report(done: int, total: int) -> bool:
            self._expected = total
            listener.progress(done, total, what)
            return not self._cancel.is_set()
        return report

    def _receive(self, listener: LoadListener, *, plan: bool) -> tuple[list, list]:
        """Frame headers of every instance (read as each arrives, once) and the problems."""
        frames: list = []
        problems: list = []
        arrived: list[tuple[list, Dataset]] = []  # before the plan: put into the fill when it comes
        received = 0
        next_partial = 1
        self._fill, self._shown_fill, self._dropped, self._planned = None, False, False, False
        self._dose = DoseCollector()

        def on_plan(metas: list[Dataset]) -> None:
            self._planned = True
            collector.freeze()   # the headers kept for the whole load: no full collection walks them
            self._start_fill(metas)
            for got, ds in arrived:
                self._put(listener, got, ds)
            arrived.clear()

        for ds in self.centre.retrieve(self.study_uid, self._step(listener, "retrieving"),
                                       on_plan=on_plan if plan else None):
            let_others_in()
            self._dose.offer(ds)  # the dose SR is no image: kept here, before the image headers skip it
            got, problem = headers_of(ds)
            frames.extend(got)
            if problem is not None:
                problems.append(problem)
            received += 1
            if self._fill is not None:
                self._put(listener, got, ds)
            elif not self._planned:
                arrived.append((got, ds))
                if received == next_partial:
                    if received < self._expected:  # the last one is the full build, not a partial
                        self._partial(listener, frames)
                    next_partial *= self.partial_growth
        return frames, problems

    def _start_fill(self, metas: list[Dataset]) -> None:
        planned = [fr for meta in metas for fr in planned_headers(meta)]
        _, chosen = self._pick(group_frames(planned))
        if chosen is None:
            return
        try:
            self._fill = VolumeFill(chosen)
        except VolumeError as exc:  # NotFillable, VolumeTooLarge: the classic build says it all
            log.info("study %s: series %s built once all slices are here: %s", self.study_uid, chosen.key, exc)

    def _put(self, listener: LoadListener, got: list, ds: Dataset) -> None:
        fill = self._fill
        if fill is None:
            return
        try:
            taken = fill.put(got)
        except FillAbandoned as exc:
            log.warning("study %s: %s", self.study_uid, exc)
            self._fill = None
            return
        if not taken:
            return
        if self._pool is None and any(is_compressed(fr.transfer_syntax) for fr in got):
            # Compressed: the frames to come are decoded on every core (this one was decoded here).
            self._pool = DecodePool()
            fill.decode_in(self._pool)
        _drop_pixels(ds)
        self._dropped = True
        now = time.monotonic()
        if not self._shown_fill:
            self._shown_fill = True
            self._told = now
            collector.freeze()
            listener.partial(fill.volume)
        elif now - self._told >= self.grown_every_s or fill.complete:
            self._told = now
            # the instances received so far, out of the collector's sight as each is taken in:
            # full collections over a study still arriving took 100-200 ms each (measured)
            collector.freeze()
            listener.grown(fill.volume)

    def _partial(self, listener: LoadListener, frames: list) -> None:
        try:
            images = [g for g in group_frames(frames) if g.info().slices]
            if images:
                volume = build_volume(max(images, key=lambda g: g.info().slices))
                volume.min_value  # a pass over every voxel: here, not on the GUI thread
                collector.freeze()
                listener.partial(volume)
        except VolumeError as exc:  # an incomplete series may not build yet; the full one will
            log.debug("partial volume of study %s not shown: %s", self.study_uid, exc)
