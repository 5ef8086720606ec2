"""The judge's fetch of the two signed readings of a study, off the GUI thread.

The centre withholds them (403) until both are signed (the blind rule, packaging/centre); the
station asks first and says why in typed form. Every fetch is audited: the readings accessed
(110103, Read) or the refusal (Security Alert on the study). The reading SRs are read in
memory only, never written to disk.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from app import audit
from app.reading.roles import FetchDecision, ReadingRole, ReadingsState, may_open_comparison
from app.report.double_sr import SrReading, UnreadableReading, reading_from_sr
from worklist.centre import Forbidden
from worklist.dicom_json import dataset_from_json, text

__all__ = ["ComparisonRefused", "ReadingPair", "fetch_readings"]

log = logging.getLogger(__name__)


class ComparisonRefused(Exception):
    """The comparison cannot open for this study; `decision` says why (the window words it)."""

    def __init__(self, study_uid: str, decision: FetchDecision, detail: str = "") -> None:
        super().__init__(f"study {study_uid}: {decision.value}" + (f" ({detail})" if detail else ""))
        self.study_uid = study_uid
        self.decision = decision
        self.detail = detail


@dataclass(frozen=True)
class ReadingPair:
    study_uid: str
    first: SrReading
    second: SrReading


def fetch_readings(client: Any, study_uid: str, role: ReadingRole | None, *, user: str, patient_id: str = "",
                   audit_log: Any = None) -> ReadingPair:
    """Both signed readings of `study_uid` from the centre (`client`: worklist.dicomweb.DicomWebClient).
    Raises ComparisonRefused (audited) for a user who is not the judge, a centre that withholds the
    readings, or readings not both signed; UnreadableReading for an SR that cannot be compared."""
    def refuse(decision: FetchDecision, detail: str = "") -> ComparisonRefused:
        audit.study_refused(user, study_uid, f"comparison reading refused: {decision.value}", log=audit_log)
        log.warning("comparison of study %s refused: %s", study_uid, decision.value)
        return ComparisonRefused(study_uid, decision, detail)

    if role is not ReadingRole.JUDGE:
        raise refuse(FetchDecision.NO_ROLE)
    try:
        found = client.search_instances(study_uid, match={"Modality": "SR"}, includefield=["0020000E"])
    except Forbidden as exc:     # the centre's blind rule: not both signed yet
        raise refuse(FetchDecision.READINGS_NOT_BOTH_SIGNED, "the centre withholds the readings") from exc
    readings: dict[str, SrReading] = {}
    for raw in found:
        inst = dataset_from_json(raw, what=f"an SR of study {study_uid}", keep=("00080018", "0020000E"),
                                 study_uid=study_uid)
        sop, series = text(inst, "SOPInstanceUID"), text(inst, "SeriesInstanceUID")
        if not sop or not series:
            continue
        reading = reading_from_sr(client.retrieve_instance(study_uid, series, sop))
        if reading.verified and reading.ref.role in ("first", "second"):
            if reading.ref.role in readings and readings[reading.ref.role].ref.sop_uid != sop:
                raise UnreadableReading(f"study {study_uid} holds two signed {reading.ref.role} readings")
            readings[reading.ref.role] = reading
    decision = may_open_comparison(role, ReadingsState("first" in readings, "second" in readings))
    if decision is not FetchDecision.ALLOWED:
        raise refuse(decision)
    audit.study_opened(user, study_uid, patient_id, sop_uids=[r.ref.sop_uid for r in readings.values()],
                       log=audit_log)
    return ReadingPair(study_uid, readings["first"], readings["second"])
