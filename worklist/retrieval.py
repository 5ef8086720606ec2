"""Getting a study here: metadata first, then instances in parallel, nearest slices first.

The series metadata (one small request) gives every instance's position, so the slices
nearest the one the reader looks at are asked for first; a bounded pool fetches them and
each is handed on as soon as it has arrived. Cancelling stops the pool promptly; a server
lost mid-way raises Unreachable saying how much arrived, and a retry skips what the
caller already `have`s.

Per-instance WADO-RS rather than frames: the viewer needs whole datasets (geometry,
rescale, charset), and frames would make us rebuild them from metadata; measured, the
per-instance path is also the faster one here (bench/bench_retrieval.py).
"""
from __future__ import annotations

import concurrent.futures as cf
import io
import logging
import threading
from collections.abc import Collection, Iterator
from dataclasses import dataclass

import pydicom

from common.background import lower_priority
from common.dicom_bounds import DecodeLimits, dcmread_bounded, declared_pixel_bytes
from common.dicom_bounds import TooLarge as DecodeTooLarge
from common.slice_position import slice_position
from common.uids import is_valid_uid
from worklist.centre import BadData, Cancelled, Forbidden, Progress, TooLarge, Unreachable
from worklist.dicom_json import dataset_from_json, integer, text
from worklist.dicomweb import DicomWebClient

__all__ = ["PlannedInstance", "Retrieved", "plan_study", "order_nearest", "iter_retrieved", "retrieve_study"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlannedInstance:
    study_uid: str
    series_uid: str
    sop_uid: str
    position: float  # along the slice normal (mm); instance number where geometry is missing


@dataclass
class Retrieved:
    """One instance as received: the exact bytes (for writing) and the parsed dataset."""

    planned: PlannedInstance
    data: bytes
    dataset: pydicom.Dataset


# What the plan reads of each instance's metadata: SOP UID, position, orientation, number.
_PLAN_TAGS = ("00080018", "00200032", "00200037", "00200013")
# Report series a centre may withhold while the reader reads blind (double reading: the other
# reader's SR and PDF until the reader's own reading is signed). Images are never skipped.
_WITHHELD_MODALITIES = frozenset({"SR", "DOC"})


def _position(meta: pydicom.Dataset) -> float:
    """Along the slice normal (as the volume sorts); the instance number without geometry."""
    ipp, iop = meta.get("ImagePositionPatient"), meta.get("ImageOrientationPatient")
    if ipp and iop:
        try:
            return slice_position(ipp, iop)
        except (TypeError, ValueError):
            pass
    return float(integer(meta, "InstanceNumber", 0))


def order_nearest(instances: list[PlannedInstance], focus: int | None) -> list[PlannedInstance]:
    """Sort by position along the normal, then put the slice at index `focus` first and
    the others by distance from it (default: the middle slice, where a viewer opens)."""
    by_pos = sorted(instances, key=lambda p: (p.position, p.sop_uid))
    if not by_pos:
        return []
    k = len(by_pos) // 2 if focus is None else min(max(int(focus), 0), len(by_pos) - 1)
    return [p for _, p in sorted(enumerate(by_pos), key=lambda t: (abs(t[0] - k), t[0]))]


def plan_study(client: DicomWebClient, study_uid: str, focus: int | None = None) -> list[PlannedInstance]:
    """Every instance of the study, series by series, each series nearest-to-focus first."""
    plan: list[PlannedInstance] = []
    series_list = [dataset_from_json(se, what=f"a series of study {study_uid}",
                                     keep=("0020000E", "00201209", "00080060"), study_uid=study_uid)
                   for se in client.search_series(study_uid, includefield=["00201209"])]
    # Big image series first: they are what the reader waits for; SR and scouts after.
    series_list.sort(key=lambda se: -integer(se, "NumberOfSeriesRelatedInstances"))
    for series in series_list:
        series_uid = text(series, "SeriesInstanceUID")
        if not series_uid:
            raise BadData(f"a series of study {study_uid} has no Series Instance UID", study_uid=study_uid)
        if not is_valid_uid(series_uid):  # it goes into the next URLs
            raise BadData(f"a series of study {study_uid} has an invalid Series Instance UID "
                          f"{series_uid[:80]!r}", study_uid=study_uid)
        items = []
        try:
            metadata = client.series_metadata(study_uid, series_uid)
        except Forbidden:
            if text(series, "Modality").upper() not in _WITHHELD_MODALITIES:
                raise
            log.info("study %s: report series %s withheld by the centre (blind reading); not loaded",
                     study_uid, series_uid)
            continue
        for raw in metadata:
            meta = dataset_from_json(raw, what=f"metadata of series {series_uid}", keep=_PLAN_TAGS,
                                     study_uid=study_uid)
            sop = text(meta, "SOPInstanceUID")
            if not sop:
                raise BadData(f"an instance of study {study_uid} has no SOP Instance UID", study_uid=study_uid)
            if not is_valid_uid(sop):
                raise BadData(f"an instance of study {study_uid} has an invalid SOP Instance UID {sop[:80]!r}",
                              study_uid=study_uid)
            items.append(PlannedInstance(study_uid, series_uid, sop, _position(meta)))
        plan.extend(order_nearest(items, focus))
    return plan


def _fetch(client: DicomWebClient, p: PlannedInstance, stop: threading.Event, decode: bool) -> Retrieved:
    if stop.is_set():
        raise Cancelled("retrieval cancelled", study_uid=p.study_uid)
    data = client.retrieve_instance(p.study_uid, p.series_uid, p.sop_uid)
    limits = DecodeLimits()
    try:
        ds = dcmread_bounded(io.BytesIO(data), limits.max_file_bytes, f"instance {p.sop_uid}")
    except DecodeTooLarge as exc:
        raise TooLarge(f"study {p.study_uid}: {exc}", study_uid=p.study_uid) from None
    except Exception as exc:  # pydicom raises many kinds on garbage
        raise BadData(f"instance {p.sop_uid} of study {p.study_uid} is not readable DICOM "
                      f"({type(exc).__name__})", study_uid=p.study_uid) from None
    if str(ds.get("SOPInstanceUID", "")) != p.sop_uid:
        raise BadData(f"server sent another instance for {p.sop_uid}", study_uid=p.study_uid)
    if decode and "PixelData" in ds:
        try:
            size = declared_pixel_bytes(ds.get("Rows"), ds.get("Columns"), ds.get("NumberOfFrames") or 1,
                                        ds.get("SamplesPerPixel", 1), ds.get("BitsAllocated"))
        except ValueError as exc:
            raise BadData(f"instance {p.sop_uid} of study {p.study_uid}: {exc}", study_uid=p.study_uid) from None
        if size > limits.max_file_bytes:
            raise TooLarge(f"study {p.study_uid}: " + str(DecodeTooLarge(
                f"pixel data of instance {p.sop_uid}", size, limits.max_file_bytes)), study_uid=p.study_uid)
        ds.pixel_array  # decodes here in the pool, off the caller's thread; pydicom caches it
    return Retrieved(p, data, ds)


def iter_retrieved(client: DicomWebClient, study_uid: str, *, progress: Progress | None = None,
                   workers: int = 4, have: Collection[str] = (), focus: int | None = None,
                   decode: bool = False) -> Iterator[Retrieved]:
    """Yield each instance of the study as it arrives (not in plan order)."""
    plan = plan_study(client, study_uid, focus)
    todo = [p for p in plan if p.sop_uid not in have]
    total, done = len(plan), len(plan) - len(todo)
    log.info("retrieving study %s: %d instances, %d already here", study_uid, total, done)
    if progress is not None and progress(done, total) is False:
        raise Cancelled(f"retrieval of study {study_uid} cancelled", study_uid=study_uid)
    stop = threading.Event()
    pool = cf.ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="yomi-wado",
                                 initializer=lower_priority)
    pending: set[cf.Future] = set()
    queue = iter(todo)
    # A short queue (2 per worker) keeps the nearest-first order and lets a cancel stop soon.
    window = 2 * max(1, workers)
    try:
        while True:
            for p in queue:
                pending.add(pool.submit(_fetch, client, p, stop, decode))
                if len(pending) >= window:
                    break
            if not pending:
                break
            finished, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for fut in finished:
                try:
                    item = fut.result()
                except Unreachable as exc:
                    raise Unreachable(f"lost the server after {done} of {total} instances of study "
                                      f"{study_uid}: {exc.reason}", study_uid=study_uid, url=exc.url) from None
                done += 1
                yield item
                if progress is not None and progress(done, total) is False:
                    raise Cancelled(f"retrieval of study {study_uid} cancelled after {done} of {total}",
                                    study_uid=study_uid)
    finally:
        stop.set()
        for fut in pending:
            fut.cancel()
        # Requests already on the wire end within the read timeout; nobody waits for them.
        pool.shutdown(wait=False, cancel_futures=True)


def retrieve_study(client: DicomWebClient, study_uid: str, *, progress: Progress | None = None,
                   workers: int = 4, have: Collection[str] = (), focus: int | None = None,
                   decode: bool = False) -> Iterator[pydicom.Dataset]:
    """The Centre.retrieve view: datasets only."""
    for item in iter_retrieved(client, study_uid, progress=progress, workers=workers, have=have,
                               focus=focus, decode=decode):
        yield item.dataset
