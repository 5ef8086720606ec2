"""Getting a study here: metadata first, then instances in parallel, nearest slices first.

The series metadata (one small request) gives every instance's position, so the slices
nearest the one the reader looks at are asked for first; a bounded pool fetches them and
each is handed on as soon as it has arrived. Cancelling stops the pool promptly; a server
lost mid-way raises Unreachable saying how much arrived, and a retry skips what the
caller already `have`s.

A large series the caller has none of comes in one streamed series request (WADO-RS
retrieve series, multipart, each instance handed on as its part ends): per instance, each
request costs the server a lookup and a round trip, and 1000 slices took 33x a curl of
the series (issue 14). Its instances nearest the middle are asked for on their own first,
so the reader's first slices do not wait for the series' order. Whole instances rather
than frames: the viewer needs whole datasets (geometry, rescale, charset), and frames
would make us rebuild them from metadata.
"""
from __future__ import annotations

import concurrent.futures as cf
import io
import logging
import threading
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field

import pydicom

from common import collector
from common.background import let_others_in, lower_priority
from common.dicom_bounds import DecodeLimits, dcmread_bounded, declared_pixel_bytes
from common.dicom_bounds import TooLarge as DecodeTooLarge
from common.slice_position import slice_position
from common.uids import is_valid_uid
from worklist.centre import BadData, Cancelled, CentreError, Forbidden, Progress, TooLarge, Unreachable
from worklist.dicom_json import dataset_from_json, integer, text
from worklist.dicomweb import DicomWebClient

__all__ = ["HEADER_TAGS", "PlanListener", "PlannedInstance", "Retrieved", "plan_study", "order_nearest", "iter_retrieved",
           "retrieve_study", "study_series"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlannedInstance:
    study_uid: str
    series_uid: str
    sop_uid: str
    position: float  # along the slice normal (mm); instance number where geometry is missing
    # What the metadata say of the instance (HEADER_TAGS, no pixel data): lets the caller lay
    # out a volume before the pixels arrive.
    meta: pydicom.Dataset | None = field(default=None, compare=False, repr=False)


@dataclass
class Retrieved:
    """One instance as received: the exact bytes (for writing) and the parsed dataset."""

    planned: PlannedInstance
    data: bytes
    dataset: pydicom.Dataset


# What the plan keeps of each instance's metadata: what a viewer needs to lay out an image
# series before its pixels (identity, geometry, size, rescale, windows, kernel, type; the
# functional groups of enhanced objects). The rest of the 11 kB per instance is not parsed.
HEADER_TAGS = (
    "00080008", "00080016", "00080018", "00080020", "00080050", "00080060", "00080080", "00081030", "0008103E",
    "00100010", "00100020", "00100030", "00100040",
    "00180015", "00180050", "00180088", "00181164", "00181210",
    "0020000D", "0020000E", "00200011", "00200012", "00200013", "00200032", "00200037", "00200052",
    "00280002", "00280004", "00280008", "00280010", "00280011", "00280030", "00280100",
    "00281050", "00281051", "00281052", "00281053", "00281054", "00281055",
    "52009229", "52009230",
)
PlanListener = Callable[[list[pydicom.Dataset]], None]
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


def study_series(client: DicomWebClient, study_uid: str) -> list[pydicom.Dataset]:
    """The study's series (UID, instance count, modality), the big ones first: they are what
    the reader waits for; SR and scouts after."""
    series_list = [dataset_from_json(se, what=f"a series of study {study_uid}",
                                     keep=("0020000E", "00201209", "00080060"), study_uid=study_uid)
                   for se in client.search_series(study_uid, includefield=["00201209"])]
    series_list.sort(key=lambda se: -integer(se, "NumberOfSeriesRelatedInstances"))
    return series_list


def plan_study(client: DicomWebClient, study_uid: str, focus: int | None = None,
               series_list: list[pydicom.Dataset] | None = None) -> list[PlannedInstance]:
    """Every instance of the study, series by series, each series nearest-to-focus first."""
    plan: list[PlannedInstance] = []
    if series_list is None:
        series_list = study_series(client, study_uid)
    for series in series_list:
        series_uid = text(series, "SeriesInstanceUID")
        if not series_uid:
            raise BadData(f"a series of study {study_uid} has no Series Instance UID", study_uid=study_uid)
        if not is_valid_uid(series_uid):  # it goes into the next URLs
            raise BadData(f"a series of study {study_uid} has an invalid Series Instance UID "
                          f"{series_uid[:80]!r}", study_uid=study_uid)
        items = []
        with collector.paused():   # hundreds of thousands of acyclic objects (common/collector.py)
            try:
                metadata = client.series_metadata(study_uid, series_uid)
            except Forbidden:
                if text(series, "Modality").upper() not in _WITHHELD_MODALITIES:
                    raise
                log.info("study %s: report series %s withheld by the centre (blind reading); not loaded",
                         study_uid, series_uid)
                continue
            # Taken from the end and dropped one by one: freeing the whole decoded answer at once
            # (~300 000 objects for 1000 slices) held the GIL, and so the GUI, for 0.2-0.4 s (measured).
            metadata.reverse()
            while metadata:
                meta = dataset_from_json(metadata.pop(), what=f"metadata of series {series_uid}", keep=HEADER_TAGS,
                                         study_uid=study_uid)
                sop = text(meta, "SOPInstanceUID")
                if not sop:
                    raise BadData(f"an instance of study {study_uid} has no SOP Instance UID", study_uid=study_uid)
                if not is_valid_uid(sop):
                    raise BadData(f"an instance of study {study_uid} has an invalid SOP Instance UID {sop[:80]!r}",
                                  study_uid=study_uid)
                items.append(PlannedInstance(study_uid, series_uid, sop, _position(meta), meta))
        plan.extend(order_nearest(items, focus))
    return plan


def _fetch(client: DicomWebClient, p: PlannedInstance, stop: threading.Event, decode: bool) -> Retrieved:
    if stop.is_set():
        raise Cancelled("retrieval cancelled", study_uid=p.study_uid)
    return _parsed(p, client.retrieve_instance(p.study_uid, p.series_uid, p.sop_uid), decode)


def _parsed(p: PlannedInstance, data: bytes, decode: bool) -> Retrieved:
    """The received bytes of planned instance `p` read (bounded) and checked."""
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


def _sop_of(data: bytes) -> str:
    """The SOP Instance UID of a Part 10 instance, from its header alone."""
    try:
        meta = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True, specific_tags=["SOPInstanceUID"])
        return str(meta.get("SOPInstanceUID", ""))
    except Exception:  # garbage: _parsed of the instance it should be says so
        return ""


def _stream(client: DicomWebClient, study_uid: str, series_uid: str, waiting: dict[str, tuple[PlannedInstance, cf.Future]],
            stop: threading.Event, decode: bool, lead: threading.Semaphore) -> None:
    """One series in one streamed WADO-RS request, each instance handed to its waiting future
    as it arrives; an instance the answer lacked, or did not get to because it broke off, is
    then asked for on its own. Whatever goes wrong then is set on the futures still waiting:
    the caller raises it where it counts (a server gone: Unreachable, saying how much came).

    Each instance handed on takes one of `lead`'s places, given back once the caller has it:
    a loopback server streams faster than a loader decodes and caches, and with no bound the
    instances received and not yet taken held 2.4 GB at once for a 3000-slice study (measured)."""
    def hand_on(fut: cf.Future, got: Retrieved) -> bool:
        while not lead.acquire(timeout=0.1):
            if stop.is_set():
                return False
        fut.set_result(got)
        return True

    try:
        for data in client.iter_series(study_uid, series_uid):
            if stop.is_set():
                return
            let_others_in()   # its receives would keep the GUI thread from the GIL (common/background.py)
            entry = waiting.get(_sop_of(data))
            if entry is None or entry[1].done():
                continue  # fetched on its own already (the reader's first slices), or not planned
            p, fut = entry
            if not hand_on(fut, _parsed(p, data, decode)):
                return
    except CentreError as exc:
        if stop.is_set():
            return
        log.info("series %s: the series answer broke off (%s); the rest asked for one by one", series_uid,
                 type(exc).__name__)
    try:
        for p, fut in list(waiting.values()):   # the caller drops what it has taken
            if not fut.done() and not stop.is_set():
                log.info("series %s: instance %s not in the series answer; asked for alone", series_uid, p.sop_uid)
                if not hand_on(fut, _fetch(client, p, stop, decode)):
                    return
    except BaseException as exc:  # noqa: BLE001  (handed to the waiting futures, re-raised there)
        for _, fut in list(waiting.values()):
            if not fut.done():
                fut.set_exception(exc)


STREAM_MIN = 16   # a series this large comes in one streamed request (measured: ~30x faster than per instance)
STREAM_LEAD = 32  # instances the streams may have received and the caller not yet taken
HEAD = 4          # its instances nearest the middle are asked for on their own first: the first slices shown
FIRST_LOOK_MIN = 200   # a series this large has one instance shown before its metadata are read (_first_look)


def _first_look(client: DicomWebClient, study_uid: str, series_list: list[pydicom.Dataset],
                stop: threading.Event, decode: bool) -> Retrieved | None:
    """One instance from the middle of the largest series, asked for while the plan's metadata
    are read: Orthanc takes 1-3 s to answer the metadata of 1000 instances (it reads every
    file), one QIDO query with limit and offset 50 ms. The middle of the server's order, which
    is the acquisition's as a rule; only the first image shown depends on it. None when the
    study has no large series (a smaller one's metadata come soon enough) or the look fails:
    the plan then brings everything as before."""
    big = next((se for se in series_list if integer(se, "NumberOfSeriesRelatedInstances") >= FIRST_LOOK_MIN), None)
    if big is None or stop.is_set():
        return None
    series_uid = text(big, "SeriesInstanceUID")
    try:
        if not is_valid_uid(series_uid):
            return None
        found = client.search_instances(study_uid, series_uid, limit=1,
                                        offset=integer(big, "NumberOfSeriesRelatedInstances") // 2)
        if not found:
            return None
        sop = text(dataset_from_json(found[0], what=f"an instance of study {study_uid}", keep=("00080018",),
                                     study_uid=study_uid), "SOPInstanceUID")
        if not is_valid_uid(sop):
            return None
        return _fetch(client, PlannedInstance(study_uid, series_uid, sop, 0.0), stop, decode)
    except CentreError as exc:  # the plan's own requests say what is wrong, if anything is
        log.info("study %s: first look at series %s failed (%s)", study_uid, series_uid, type(exc).__name__)
        return None


def iter_retrieved(client: DicomWebClient, study_uid: str, *, progress: Progress | None = None,
                   workers: int = 4, have: Collection[str] = (), focus: int | None = None,
                   decode: bool = False, on_plan: PlanListener | None = None) -> Iterator[Retrieved]:
    """Yield each instance of the study as it arrives (not in plan order); `on_plan` is
    given every instance's metadata (HEADER_TAGS) before the first instance is asked for.

    A large series none of whose instances the caller has comes in one streamed request
    (its HEAD instances nearest the focus first, each on its own); the rest instance by
    instance, nearest the focus first."""
    stop = threading.Event()
    series_list = study_series(client, study_uid)
    early: set[str] = set()   # the first look's instance, yielded before the plan
    if not have:
        ahead = cf.ThreadPoolExecutor(max_workers=2, thread_name_prefix="yomi-plan", initializer=lower_priority)
        try:
            look = ahead.submit(_first_look, client, study_uid, series_list, stop, decode)
            planning = ahead.submit(plan_study, client, study_uid, focus, series_list)
            cf.wait([look, planning], return_when=cf.FIRST_COMPLETED)
            first = look.result() if look.done() and not planning.done() else None
            if first is not None:
                early.add(first.planned.sop_uid)
                expected = sum(integer(se, "NumberOfSeriesRelatedInstances") for se in series_list)
                if progress is not None and progress(0, max(expected, 1)) is False:
                    raise Cancelled(f"retrieval of study {study_uid} cancelled", study_uid=study_uid)
                yield first
            plan = planning.result()
        finally:
            ahead.shutdown(wait=False, cancel_futures=True)   # a look later than the plan is dropped
    else:
        plan = plan_study(client, study_uid, focus, series_list)
    if on_plan is not None:
        on_plan([p.meta for p in plan if p.meta is not None])
    todo = [p for p in plan if p.sop_uid not in have and p.sop_uid not in early]
    total, done = len(plan), len(plan) - len(todo)
    log.info("retrieving study %s: %d instances, %d already here", study_uid, total, done)
    if progress is not None and progress(done, total) is False:
        raise Cancelled(f"retrieval of study {study_uid} cancelled", study_uid=study_uid)
    series: dict[str, list[PlannedInstance]] = {}
    for p in plan:
        series.setdefault(p.series_uid, []).append(p)
    streamed = [uid for uid, items in series.items()
                if len(items) >= STREAM_MIN and not any(p.sop_uid in have for p in items)]
    # the stream brings the first look's instance again: read once, it is skipped (_stream)
    heads = [p for uid in streamed for p in series[uid][:HEAD] if p.sop_uid not in early]
    waiting = {uid: {p.sop_uid: (p, cf.Future()) for p in series[uid][HEAD:] if p.sop_uid not in early}
               for uid in streamed}
    singles = heads + [p for p in todo if p.series_uid not in waiting]
    pool = cf.ThreadPoolExecutor(max_workers=max(1, workers) + len(streamed), thread_name_prefix="yomi-wado",
                                 initializer=lower_priority)
    pending: set[cf.Future] = set()       # instances asked for on their own
    arriving: set[cf.Future] = {fut for w in waiting.values() for _, fut in w.values()}
    lead = threading.Semaphore(STREAM_LEAD)
    queue = iter(singles)
    # A short queue (2 per worker) keeps the nearest-first order and lets a cancel stop soon.
    window = 2 * max(1, workers)
    try:
        for p in heads:  # the first slices before the streams take the bandwidth
            pending.add(pool.submit(_fetch, client, p, stop, decode))
        queue = iter(singles[len(heads):])
        for uid in streamed:
            pool.submit(_stream, client, study_uid, uid, waiting[uid], stop, decode, lead)
        while True:
            for p in queue:
                pending.add(pool.submit(_fetch, client, p, stop, decode))
                if len(pending) >= window:
                    break
            if not pending and not arriving:
                break
            finished, _ = cf.wait(pending | arriving, return_when=cf.FIRST_COMPLETED)
            pending -= finished
            streamed_in = finished & arriving
            arriving -= finished
            for fut in finished:
                try:
                    item = fut.result()
                except Unreachable as exc:
                    raise Unreachable(f"lost the server after {done} of {total} instances of study "
                                      f"{study_uid}: {exc.reason}", study_uid=study_uid, url=exc.url) from None
                if fut in streamed_in:
                    # a taken instance leaves `waiting`: its future holds it (all its bytes) while it
                    # stays there, and the study's pixel data were held again until the last (measured)
                    waiting[item.planned.series_uid].pop(item.planned.sop_uid, None)
                    lead.release()   # taken: the stream may receive one more
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
                   decode: bool = False, on_plan: PlanListener | None = None) -> Iterator[pydicom.Dataset]:
    """The Centre.retrieve view: datasets only."""
    for item in iter_retrieved(client, study_uid, progress=progress, workers=workers, have=have,
                               focus=focus, decode=decode, on_plan=on_plan):
        yield item.dataset
