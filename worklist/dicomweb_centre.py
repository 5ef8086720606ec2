"""A reading centre reached over DICOMweb: the Centre protocol on top of DicomWebClient.

The worklist comes from UPS-RS where the centre has it, else from QIDO-RS (ups.py,
qido_worklist.py); retrieval and storage are the same for both.
"""
from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Iterator
from typing import Protocol

import pydicom

from worklist.centre import CentreError, PriorStudy, Progress, StoreRefused, WorkItem
from worklist.dicomweb import DicomWebClient, sop_uid_of
from worklist.items import sort_items
from worklist.priors_qido import qido_priors
from worklist.retrieval import PlanListener, Retrieved, iter_retrieved, retrieve_study

__all__ = ["WorklistSource", "DicomWebCentre"]

log = logging.getLogger(__name__)


class WorklistSource(Protocol):
    def worklist(self) -> list[WorkItem]: ...
    def claim(self, item: WorkItem) -> WorkItem: ...
    def release(self, item: WorkItem, *, completed: bool) -> None: ...


class DicomWebCentre:
    def __init__(self, name: str, client: DicomWebClient, source: WorklistSource | None, *,
                 workers: int = 4) -> None:
        self.name = name
        self.client = client
        self.source = source
        self.workers = workers

    def _source(self) -> WorklistSource:
        if self.source is None:
            raise CentreError(f"{self.name}: no worklist configured (set the reader's DICOM name)")
        return self.source

    def worklist(self) -> list[WorkItem]:
        return sort_items(self._source().worklist())

    def claim(self, item: WorkItem) -> WorkItem:
        return self._source().claim(item)

    def release(self, item: WorkItem, *, completed: bool) -> None:
        self._source().release(item, completed=completed)

    def priors(self, patient_id: str, issuer_of_patient_id: str = "") -> list[PriorStudy]:
        return qido_priors(self.client, patient_id, issuer_of_patient_id)

    def retrieve(self, study_uid: str, progress: Progress | None = None, *, have: Collection[str] = (),
                 focus: int | None = None, decode: bool = False,
                 on_plan: PlanListener | None = None) -> Iterator[pydicom.Dataset]:
        return retrieve_study(self.client, study_uid, progress=progress, workers=self.workers,
                              have=have, focus=focus, decode=decode, on_plan=on_plan)

    def retrieve_raw(self, study_uid: str, progress: Progress | None = None, *, have: Collection[str] = (),
                     focus: int | None = None, on_plan: PlanListener | None = None) -> Iterator[Retrieved]:
        """Like retrieve, with each instance's bytes as received (for the encrypted cache)."""
        return iter_retrieved(self.client, study_uid, progress=progress, workers=self.workers,
                              have=have, focus=focus, on_plan=on_plan)

    def submit(self, instances: Iterable[bytes]) -> list[str]:
        """STOW the instances; all must be named in (0008,1199) and none in (0008,1198)."""
        blobs = list(instances)
        ours = [sop_uid_of(b) for b in blobs]
        result = self.client.store(blobs)
        refused = [u for u in ours if u in result.failed or u not in result.stored]
        if refused:
            reasons = ", ".join(f"{u} {result.failed.get(u, 'not acknowledged')}" for u in refused)
            raise StoreRefused(f"{self.name} did not store {len(refused)} of {len(ours)} instances: {reasons}",
                               failures={u: result.failed.get(u, "not acknowledged") for u in refused},
                               status=result.status)
        for uid, warning in result.warnings.items():
            log.warning("stored %s with warning %s", uid, warning)
        return ours

    def close(self) -> None:
        self.client.close()
