"""What double reading adds to the SR: the reading's full content, the readers and judge as
observers with their qualification and role, and the final report's references to both readings.

- Every reading SR carries its report content (fields, nodules, overrides; no identity, no
  signature) as one TEXT item "Yomi report content" in the Qualitative Evaluations container:
  TID 1500 codes sizes, sites, types and categories, not the template's other fields
  (calcification, margin, emphysema...), and the judge's comparison needs all of them. The SR's
  DICOM signature covers the item, so the judge compares what the reader signed.
- The observer: Person Observer's Role in the Organization (121010) is the qualification
  (Physician SCT 309343006, or the certified physician of lung cancer CT screening, 99YOMI);
  Role in this Procedure (121011) is the first or second reader (99YOMI, the centre's role
  codes) for the readings and CID 7453's Adjudicator (NCIt C96561) for the judge.
- The final SR names both readings in Predecessor Documents Sequence (0040,A360) and adds the
  two readers as further person observers (TID 1002) after the judge.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import highdicom as hd
import pydicom
from highdicom.sr import CodedConcept
from pydicom.dataset import Dataset
from pydicom.sr.codedict import codes

from .errors import ReportError
from .identity import CERTIFIED_PHYSICIAN, PHYSICIAN, Signer, StudyIdentity
from .model import Report

__all__ = ["CONTENT_CONCEPT", "QUALIFICATION_CODES", "READING_ROLES", "ADJUDICATOR_ROLE", "content_item",
           "qualification_code", "ReadingRef", "observer_items", "predecessor_stubs", "SrReading",
           "reading_from_sr", "UnreadableReading"]

CONTENT_CONCEPT = CodedConcept("REPORT-CONTENT", "99YOMI", "Yomi report content (JSON)")
QUALIFICATION_CODES: dict[str, CodedConcept] = {
    PHYSICIAN: CodedConcept("309343006", "SCT", "Physician"),
    CERTIFIED_PHYSICIAN: CodedConcept("JSCTS-CERT-PHYS", "99YOMI",
                                      "Certified physician, lung cancer CT screening (Japan)"),
}
ADJUDICATOR_ROLE = CodedConcept("C96561", "NCIt", "Adjudicator")
# CID 7453 (extensible) has Reader (NCIt C28747) but no first/second: the accreditation asks
# different qualifications of the two, so each reading names its own, with the centre's codes.
READING_ROLES: dict[str, CodedConcept] = {
    "first": CodedConcept("YOMI-READ-1", "99YOMI", "First reader (double reading)"),
    "second": CodedConcept("YOMI-READ-2", "99YOMI", "Second reader (double reading)"),
    "judge": ADJUDICATOR_ROLE,
}
_CONTENT_KEYS = ("format", "report_id", "template_id", "template_version", "language", "fields", "nodules",
                 "overrides", "created_at")


class UnreadableReading(ReportError):
    """A stored reading SR that cannot serve the comparison; the message names its SOP UID."""


def qualification_code(qualification: str) -> CodedConcept:
    return QUALIFICATION_CODES.get(qualification, QUALIFICATION_CODES[PHYSICIAN])


def content_item(report: Report) -> hd.sr.TextContentItem:
    data = {k: v for k, v in report.to_dict().items() if k in _CONTENT_KEYS}
    return hd.sr.TextContentItem(CONTENT_CONCEPT, json.dumps(data, ensure_ascii=False, sort_keys=True),
                                 hd.sr.RelationshipTypeValues.CONTAINS)


@dataclass(frozen=True)
class ReadingRef:
    """A signed reading as the final report names it."""

    role: str                  # app.reading.roles.ReadingRole value: "first" / "second"
    signer: Signer
    study_uid: str
    series_uid: str
    sop_uid: str
    signed_at: str             # DICOM DT of its verification


def observer_items(signer: Signer, role: CodedConcept) -> list:
    """TID 1002 person observer content items for `signer` in `role`."""
    person = hd.sr.PersonObserverIdentifyingAttributes(
        name=signer.name, login_name=signer.id, organization_name=signer.organisation,
        role_in_organization=qualification_code(signer.qualification), role_in_procedure=role)
    return list(hd.sr.ObserverContext(observer_type=codes.DCM.Person, observer_identifying_attributes=person))


def predecessor_stubs(readings: "tuple[ReadingRef, ...] | list[ReadingRef]") -> list[Dataset]:
    out = []
    for r in readings:
        ds = Dataset()
        ds.StudyInstanceUID, ds.SeriesInstanceUID = r.study_uid, r.series_uid
        ds.SOPClassUID, ds.SOPInstanceUID = pydicom.uid.Comprehensive3DSRStorage, r.sop_uid
        out.append(ds)
    return out


@dataclass(frozen=True)
class SrReading:
    """A stored reading read back from its SR: who signed it and what they reported."""

    ref: ReadingRef
    report: Report             # SIGNED-looking content: a draft Report with the reading's content
    verified: bool


def _items(ds: Any):
    for item in getattr(ds, "ContentSequence", []) or []:
        yield item
        yield from _items(item)


def _concept(item: Any) -> tuple[str, str]:
    seq = getattr(item, "ConceptNameCodeSequence", None)
    if not seq:
        return ("", "")
    code = seq[0].get("CodeValue") or seq[0].get("LongCodeValue") or seq[0].get("URNCodeValue") or ""
    return (str(code), str(seq[0].get("CodingSchemeDesignator", "")))


def reading_role_of(ds: Dataset) -> str:
    """The reading role ("first", "second", "judge") the SR's first observer names, or ""."""
    by_code = {c.value: k for k, c in READING_ROLES.items()}
    for item in getattr(ds, "ContentSequence", []) or []:
        if _concept(item) == (codes.DCM.PersonObserverRoleInThisProcedure.value, "DCM"):
            c = item.ConceptCodeSequence[0]
            return by_code.get(str(c.get("CodeValue") or c.get("LongCodeValue") or ""), "")
    return ""


def _observer(ds: Dataset) -> Signer:
    name, login, org, qualification = "", "", "", PHYSICIAN
    by_code = {(c.value, c.scheme_designator): k for k, c in QUALIFICATION_CODES.items()}
    for item in getattr(ds, "ContentSequence", []) or []:
        code = _concept(item)
        if code == (codes.DCM.PersonObserverName.value, "DCM") and not name:
            name = str(item.PersonName)
        elif code == (codes.DCM.PersonObserverLoginName.value, "DCM") and not login:
            login = str(item.TextValue)
        elif code == (codes.DCM.PersonObserverOrganizationName.value, "DCM") and not org:
            org = str(item.TextValue)
        elif code == (codes.DCM.PersonObserverRoleInTheOrganization.value, "DCM"):
            c = item.ConceptCodeSequence[0]
            key = (str(c.get("CodeValue") or c.get("LongCodeValue") or ""), str(c.get("CodingSchemeDesignator", "")))
            qualification = by_code.get(key, qualification)
    if not name and "VerifyingObserverSequence" in ds:
        name = str(ds.VerifyingObserverSequence[0].VerifyingObserverName)
    return Signer(name, login or name, org, qualification)


def reading_from_sr(data: bytes | Dataset, role: str = "") -> SrReading:
    """A reading SR (bytes or Dataset) as the comparison uses it; UnreadableReading if it cannot.
    `role` defaults to the one the SR names itself."""
    try:
        ds = data if isinstance(data, Dataset) else pydicom.dcmread(io.BytesIO(data))
        sop = str(ds.SOPInstanceUID)
    except Exception as exc:  # pydicom raises many types on bad bytes: one message naming the case
        raise UnreadableReading(f"a stored reading is not a readable DICOM SR ({exc.__class__.__name__})") from exc
    texts = [str(i.TextValue) for i in _items(ds) if _concept(i) == (CONTENT_CONCEPT.value, "99YOMI")]
    if len(texts) != 1:
        raise UnreadableReading(f"reading SR {sop} carries no Yomi report content (made elsewhere?)")
    try:
        content = json.loads(texts[0])
        identity = StudyIdentity(study_uid=str(ds.StudyInstanceUID), patient_id=str(ds.get("PatientID", "")),
                                 patient_name=str(ds.get("PatientName", "")),
                                 patient_birth_date=str(ds.get("PatientBirthDate", "")),
                                 patient_sex=str(ds.get("PatientSex", "")),
                                 accession_number=str(ds.get("AccessionNumber", "")),
                                 study_date=str(ds.get("StudyDate", "")), study_time=str(ds.get("StudyTime", "")),
                                 study_id=str(ds.get("StudyID", "")))
        report = Report.from_dict({**content, "identity": identity.to_dict(), "state": "draft", "signature": None})
        verifier = ds.VerifyingObserverSequence[0] if "VerifyingObserverSequence" in ds else None
        ref = ReadingRef(role or reading_role_of(ds), _observer(ds), identity.study_uid, str(ds.SeriesInstanceUID), sop,
                         str(verifier.VerificationDateTime) if verifier is not None else "")
    except Exception as exc:  # JSON, template and model errors: the reading cannot be compared
        raise UnreadableReading(f"reading SR {sop}: its report content is unusable ({exc.__class__.__name__})") \
            from exc
    return SrReading(ref, report, str(ds.get("VerificationFlag", "")) == "VERIFIED")
