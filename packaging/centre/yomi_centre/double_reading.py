"""Double reading (二重読影) of one study: who holds which role, which readings are signed, and
what the blind rule withholds.

Roles come from the centre's assignment, one UPS workitem per role, the role in Scheduled
Workitem Code Sequence (0040,4018) with a 99YOMI code (FIRST/SECOND reader, final JUDGE).
Where the centre has no workitems, `"DoubleReading": {"RolesFromReadingOrder": true}` reads
them from the order of Name of Physician(s) Reading Study (0008,1060): first, second, judge.

A reading is "signed" when the study holds an SR with Verification Flag VERIFIED whose
Verifying Observer is that reader (the stored SRs are the record: nothing else is trusted).
The blind rule: a first or second reader sees no report object (SR, DOC) of the study until
their own reading is signed; the judge sees none until both readings are signed. Only the
report series are withheld (the images stay readable); the refusal is the filter's 403.
"""
from __future__ import annotations

import enum
import threading
from dataclasses import dataclass

from .config import ReaderConfig
from .dicom_json import element, first, study_refs, values
from .names import alphabetic_key, names_match, pn_values
from .orthanc_api import OrthancApi

__all__ = ["Role", "ROLE_CODES", "ROLE_SCHEME", "WORKITEM_CODE_SEQ", "REPORT_MODALITIES", "StoredReading",
           "StoreRefusal", "role_of_workitem", "role_code_item", "DoubleReading"]

ROLE_SCHEME = "99YOMI"
WORKITEM_CODE_SEQ = "00404018"       # Scheduled Workitem Code Sequence
REPORT_MODALITIES = frozenset({"SR", "DOC"})


class Role(enum.Enum):
    FIRST = "first"
    SECOND = "second"
    JUDGE = "judge"


ROLE_CODES = {Role.FIRST: ("YOMI-READ-1", "First reading (double reading)"),
              Role.SECOND: ("YOMI-READ-2", "Second reading (double reading)"),
              Role.JUDGE: ("YOMI-JUDGE", "Final judgement (comparison reading)")}
_BY_CODE = {code: role for role, (code, _m) in ROLE_CODES.items()}


class StoreRefusal(enum.Enum):
    WRONG_SIGNER = "report verified by someone other than the sender"
    SIGNED_TWICE = "reading already signed"
    NOT_BOTH_SIGNED = "final judgement before both readings are signed"
    ROLE_NOT_ASSIGNED = "role not assigned to the sender"


def role_of_workitem(ds: dict) -> Role | None:
    for item in values(ds, WORKITEM_CODE_SEQ):
        if isinstance(item, dict) and first(item, "00080102") == ROLE_SCHEME:
            role = _BY_CODE.get(first(item, "00080100"))
            if role is not None:
                return role
    return None


def role_code_item(role: Role) -> dict:
    """The Scheduled Workitem Code Sequence element naming `role` (DICOM JSON)."""
    code, meaning = ROLE_CODES[role]
    return element("SQ", {"00080100": element("SH", code), "00080102": element("SH", ROLE_SCHEME),
                          "00080104": element("LO", meaning)})


@dataclass(frozen=True)
class StoredReading:
    """One SR of the study as stored: who verified it and which SRs it supersedes or joins."""

    sop_uid: str
    verified: bool
    observer: str                       # Verifying Observer Name, PN text ('' when none)
    predecessors: frozenset[str]        # SOP Instance UIDs in Predecessor Documents Sequence


def _observer(tags: dict) -> str:
    for item in tags.get("VerifyingObserverSequence") or []:
        if isinstance(item, dict):
            names = pn_values(item.get("VerifyingObserverName"))
            if names:
                return names[0]
    return ""


def _predecessors(tags: dict) -> frozenset[str]:
    out = set()
    for study in tags.get("PredecessorDocumentsSequence") or []:
        for series in (study.get("ReferencedSeriesSequence") or []) if isinstance(study, dict) else []:
            for sop in (series.get("ReferencedSOPSequence") or []) if isinstance(series, dict) else []:
                if isinstance(sop, dict) and sop.get("ReferencedSOPInstanceUID"):
                    out.add(str(sop["ReferencedSOPInstanceUID"]))
    return frozenset(out)


@dataclass(frozen=True)
class _ReportObject:
    """A report instance (SR or DOC) as far as the requester rule needs it."""

    series_uid: str
    modality: str
    reading: StoredReading          # an SR: who verified it; a DOC: its SOP UID only
    source: frozenset[str]          # a DOC: the SR it renders (Source Instance Sequence)


def reading_of_tags(tags: dict) -> StoredReading:
    """A StoredReading from Orthanc's simplified tags of an SR instance."""
    return StoredReading(str(tags.get("SOPInstanceUID", "")),
                         str(tags.get("VerificationFlag", "")).strip().upper() == "VERIFIED",
                         _observer(tags), _predecessors(tags))


class DoubleReading:
    def __init__(self, api: OrthancApi, roles_from_reading_order: bool = False) -> None:
        self.api = api
        self.roles_from_reading_order = roles_from_reading_order
        self._lock = threading.Lock()
        self._series_modality: dict[str, str] = {}                             # series UID -> Modality
        self._reports: dict[str, _ReportObject] = {}                           # orthanc instance id -> report

    # --- roles ---------------------------------------------------------------------------

    def roles(self, snap, study_uid: str) -> dict[Role, list[str]]:
        """Performer names per role for the study ({} when it is not double-read)."""
        out: dict[Role, list[str]] = {}
        governed = False
        for wi in snap.created:
            if study_uid not in study_refs(wi.dataset) or wi.state == "CANCELED":
                continue
            governed = True
            role = role_of_workitem(wi.dataset)
            if role is None:
                continue
            for item in values(wi.dataset, "00404034"):
                if isinstance(item, dict):
                    out.setdefault(role, []).extend(pn_values(values(item, "00404037")))
        if governed or not self.roles_from_reading_order:
            return out
        rec = snap.record(study_uid)
        names = [n for n in (rec.reading if rec else ()) if alphabetic_key(n)]
        if len(names) >= 2:
            for role, name in zip((Role.FIRST, Role.SECOND, Role.JUDGE), names):
                out[role] = [name]
        return out

    def role_of(self, snap, reader: ReaderConfig, study_uid: str) -> Role | None:
        for role, names in self.roles(snap, study_uid).items():
            if names_match(names, reader.dicom_name):
                return role
        return None

    # --- what is stored --------------------------------------------------------------------

    def readings(self, orthanc_study_id: str) -> tuple[StoredReading, ...]:
        """The study's SRs as stored now (see _report_objects)."""
        return tuple(o.reading for o in self._report_objects(orthanc_study_id) if o.modality == "SR")

    def _report_objects(self, orthanc_study_id: str) -> list[_ReportObject]:
        """The study's report instances (SR, DOC) as stored now. The series and instance lists
        are read at every call (a study's LastUpdate has a one-second grain: two readings stored
        within a second would look unchanged); each instance is parsed once, as Orthanc does not
        overwrite an instance (OverwriteInstances off) and its ID names its UIDs."""
        study = self.api.get_json(f"/studies/{orthanc_study_id}")
        out = []
        for series_id in (study.get("Series") or []) if isinstance(study, dict) else []:
            series = self.api.get_json(f"/series/{series_id}")
            if not isinstance(series, dict):
                continue
            main = series.get("MainDicomTags") or {}
            modality = str(main.get("Modality", "")).upper()
            with self._lock:
                self._series_modality[str(main.get("SeriesInstanceUID", ""))] = modality
            if modality not in REPORT_MODALITIES:
                continue
            for instance_id in series.get("Instances") or []:
                with self._lock:
                    known = self._reports.get(instance_id)
                if known is None:
                    tags = self.api.get_json(f"/instances/{instance_id}/simplified-tags")
                    if not isinstance(tags, dict):
                        continue
                    source = frozenset(str(i.get("ReferencedSOPInstanceUID", ""))
                                       for i in tags.get("SourceInstanceSequence") or [] if isinstance(i, dict))
                    known = _ReportObject(str(main.get("SeriesInstanceUID", "")), modality, reading_of_tags(tags),
                                          source)
                    with self._lock:
                        self._reports[instance_id] = known
                out.append(known)
        return out

    def withheld_from_requester(self, snap, study_uid: str) -> frozenset[str]:
        """Report series of a double-read study a requester does not get under "final": all but
        the judge's final SR and the PDF that renders it (a series holding anything else is
        withheld whole; each signing has its own series)."""
        roles = self.roles(snap, study_uid)
        rec = snap.record(study_uid)
        if not roles or rec is None:
            return frozenset()
        objects = self._report_objects(rec.orthanc_id)
        finals = {o.reading.sop_uid for o in objects if o.modality == "SR"
                  and self.signed_by((o.reading,), roles.get(Role.JUDGE, []))}
        return frozenset(o.series_uid for o in objects
                         if not (o.reading.sop_uid in finals if o.modality == "SR" else o.source & finals))

    def has_reports(self, orthanc_study_id: str) -> bool:
        study = self.api.get_json(f"/studies/{orthanc_study_id}")
        for series_id in (study.get("Series") or []) if isinstance(study, dict) else []:
            series = self.api.get_json(f"/series/{series_id}")
            if isinstance(series, dict) and \
                    str((series.get("MainDicomTags") or {}).get("Modality", "")).upper() in REPORT_MODALITIES:
                return True
        return False

    def series_is_report(self, series_uid: str) -> bool:
        with self._lock:
            known = self._series_modality.get(series_uid)
        if known is not None:
            return known in REPORT_MODALITIES
        found = [r for r in self.api.post_json("/tools/lookup", series_uid) or []
                 if isinstance(r, dict) and r.get("Type") == "Series"]
        modality = ""
        for r in found:
            series = self.api.get_json(f"/series/{r['ID']}")
            if isinstance(series, dict):
                modality = str((series.get("MainDicomTags") or {}).get("Modality", "")).upper()
        with self._lock:
            self._series_modality[series_uid] = modality
        return modality in REPORT_MODALITIES

    @staticmethod
    def signed_by(readings: tuple[StoredReading, ...], names: list[str]) -> list[StoredReading]:
        return [r for r in readings if r.verified and any(names_match(r.observer, n) for n in names)]

    # --- the rules ---------------------------------------------------------------------------

    def blind(self, snap, reader: ReaderConfig, study_uid: str) -> bool:
        """Must this reader be kept from the study's report objects now?"""
        roles = self.roles(snap, study_uid)
        mine = [role for role, names in roles.items() if names_match(names, reader.dicom_name)]
        if not mine:
            return False
        rec = snap.record(study_uid)
        if rec is None:
            return True
        readings = self.readings(rec.orthanc_id)
        if Role.JUDGE in mine:
            return not self.both_signed(roles, readings)
        return not self.signed_by(readings, [reader.dicom_name])

    def both_signed(self, roles: dict[Role, list[str]], readings: tuple[StoredReading, ...]) -> bool:
        return all(roles.get(r) and self.signed_by(readings, roles[r]) for r in (Role.FIRST, Role.SECOND))

    def check_store(self, snap, reader: ReaderConfig, study_uid: str, tags: dict) -> StoreRefusal | None:
        """Refusal of a reader's SR sent into a double-read study, or None to store it."""
        roles = self.roles(snap, study_uid)
        if not roles or str(tags.get("Modality", "")).upper() != "SR":
            return None
        incoming = reading_of_tags(tags)
        if not incoming.verified:
            return None
        mine = [role for role, names in roles.items() if names_match(names, reader.dicom_name)]
        if not mine:
            return StoreRefusal.ROLE_NOT_ASSIGNED
        if not names_match(incoming.observer, reader.dicom_name):
            return StoreRefusal.WRONG_SIGNER
        rec = snap.record(study_uid)
        readings = self.readings(rec.orthanc_id) if rec else ()
        if any(r.sop_uid == incoming.sop_uid for r in readings):
            return None                    # the outbox sending the same SR again: Orthanc keeps one copy
        others = [r for r in readings if r.verified and not names_match(r.observer, reader.dicom_name)]
        joins_others = bool(incoming.predecessors & {r.sop_uid for r in others})
        if joins_others and Role.JUDGE not in mine:
            return StoreRefusal.ROLE_NOT_ASSIGNED
        if Role.JUDGE in mine and (joins_others or mine == [Role.JUDGE]) and not self.both_signed(roles, readings):
            return StoreRefusal.NOT_BOTH_SIGNED
        own = self.signed_by(readings, [reader.dicom_name])
        if own and not ({r.sop_uid for r in own} <= incoming.predecessors):
            return StoreRefusal.SIGNED_TWICE
        return None
