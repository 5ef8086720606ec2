"""A centre seen through the reader's encrypted study cache, with background prefetch.

`CachingCentre` wraps a DICOMweb centre: retrieving a study yields what the cache holds
first (decrypted, no network; a prefetched study's plan, kept in memory, first of all), then
asks the server only for the rest; every instance that
arrives is stored encrypted (worklist/cache.py). `prefetch(study_uids)` fills the cache for
the next studies of the worklist in one background thread, so opening them is local.
A study's cache is purged once its report has been delivered (`release(completed=True)`)
and when it is given back unread (`release(completed=False)`): a study the reader no longer
holds is no longer kept. While the station is locked the cache has no key and prefetch is
paused (`pause_prefetch`); `resume_prefetch` goes on with the studies not yet fetched.
"""
from __future__ import annotations

import io
import logging
import threading
from collections.abc import Iterable, Iterator

import pydicom

from common.background import lower_priority
from common.dicom_bounds import DecodeLimits, dcmread_bounded
from worklist.cache import StudyCache
from worklist.centre import Cancelled, CentreError, PriorsSource, PriorStudy, Progress, WorkItem
from worklist.retrieval import PlanListener

log = logging.getLogger(__name__)
_LIMITS = DecodeLimits()


class CachingCentre:
    def __init__(self, inner, cache: StudyCache) -> None:
        self.inner = inner
        self.cache = cache
        self.name = inner.name
        self._prefetch_stop = threading.Event()
        self._prefetch_thread: threading.Thread | None = None
        self._wanted: list[str] = []      # studies asked for and not yet fully fetched
        self._paused = False
        self._wanted_lock = threading.Lock()
        # study -> its instances' metadata (HEADER_TAGS) seen while prefetching; memory only, and
        # dropped with the study's cache and at lock: it holds the patient's identity
        self._plans: dict[str, list[pydicom.Dataset]] = {}

    @property
    def client(self):
        """The inner centre's DICOMweb client (None for a local centre): the comparison reading's
        fetch and the critical notice's UPS channel speak to the centre through it, uncached."""
        return getattr(self.inner, "client", None)

    def worklist(self) -> list[WorkItem]:
        return self.inner.worklist()

    def claim(self, item: WorkItem) -> WorkItem:
        return self.inner.claim(item)

    def release(self, item: WorkItem, *, completed: bool) -> None:
        self.inner.release(item, completed=completed)
        self._plans.pop(item.study_uid, None)
        if not self.cache.locked:
            self.cache.purge_study(item.study_uid)

    def submit(self, instances: Iterable[bytes]) -> list[str]:
        return self.inner.submit(instances)

    def priors(self, patient_id: str, issuer_of_patient_id: str = "") -> list[PriorStudy]:
        """The inner centre's list (a listing is never cached; the prior's instances are)."""
        if not isinstance(self.inner, PriorsSource):
            return []
        return self.inner.priors(patient_id, issuer_of_patient_id)

    def retrieve(self, study_uid: str, progress: Progress | None = None, *,
                 on_plan: PlanListener | None = None) -> Iterator[pydicom.Dataset]:
        cached = self.cache.sop_uids(study_uid)
        plan = self._plans.get(study_uid)
        if plan is not None:
            # Prefetched: its plan is here too, so the loader fills the volume in place from the
            # first cached instance on (nearest the middle first), where it held them all until
            # the centre had answered the plan again (0.6-1.4 s to the first slice of a 64-slice
            # study instead of under 0.5 s: bench/rhythm.py).
            if on_plan is not None:
                on_plan(plan)
            on_plan = None  # the centre's own plan, asked below, would start the fill again
            rank = {str(m.get("SOPInstanceUID", "")): n for n, m in enumerate(plan)}
            cached = sorted(cached, key=lambda s: rank.get(s, len(rank)))
        for sop in cached:
            data = self.cache.get(study_uid, sop)
            if data is None:  # rejected (tampered or another key): fetched again below
                continue
            yield dcmread_bounded(io.BytesIO(data), _LIMITS.max_file_bytes, f"cached instance {sop}")
        have = {s for s in cached if self.cache.has(study_uid, s)}
        for got in self.inner.retrieve_raw(study_uid, progress, have=have, on_plan=on_plan):
            self.cache.put(study_uid, got.planned.sop_uid, got.data)
            yield got.dataset

    # ---- prefetch ---------------------------------------------------------------------
    def prefetch(self, study_uids: list[str]) -> None:
        """Fill the cache for these studies in the background (replaces an earlier request);
        while paused, only remembered."""
        self.stop_prefetch()
        with self._wanted_lock:
            self._wanted = list(study_uids)
            if self._paused:
                return
        self._prefetch_stop = stop = threading.Event()
        self._prefetch_thread = threading.Thread(
            target=self._prefetch, args=(list(study_uids), stop), name="yomi-prefetch", daemon=True)
        self._prefetch_thread.start()

    def _prefetch(self, study_uids: list[str], stop: threading.Event) -> None:
        lower_priority()
        for uid in study_uids:
            if stop.is_set():
                return
            have = set(self.cache.sop_uids(uid))
            try:
                def planned(metas: list[pydicom.Dataset], uid: str = uid) -> None:
                    if not stop.is_set():
                        self._plans[uid] = metas

                for got in self.inner.retrieve_raw(uid, lambda _d, _t: not stop.is_set(), have=have,
                                                   on_plan=planned):
                    if stop.is_set():
                        return
                    self.cache.put(uid, got.planned.sop_uid, got.data)
                log.info("prefetched study %s", uid)
                with self._wanted_lock:
                    if uid in self._wanted:
                        self._wanted.remove(uid)
            except Cancelled:
                return
            except CentreError as exc:  # the reader will see the error when opening the study
                log.warning("prefetch of study %s failed: %s", uid, exc.reason)

    def stop_prefetch(self, timeout: float = 5.0) -> None:
        self._prefetch_stop.set()
        if self._prefetch_thread is not None:
            self._prefetch_thread.join(timeout)
            self._prefetch_thread = None

    def pause_prefetch(self) -> None:
        """Stop prefetching now (the station locks); `resume_prefetch` continues it."""
        with self._wanted_lock:
            self._paused = True
        self.stop_prefetch()
        self._plans.clear()

    def resume_prefetch(self) -> None:
        with self._wanted_lock:
            self._paused = False
            wanted = list(self._wanted)
        if wanted:
            self.prefetch(wanted)

    @property
    def prefetch_paused(self) -> bool:
        return self._paused

    def close(self) -> None:
        self.stop_prefetch()
        self._plans.clear()
        close = getattr(self.inner, "close", None)
        if close:
            close()
