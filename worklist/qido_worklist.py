"""A worklist for centres without UPS-RS (Orthanc): studies found by QIDO-RS.

Assignment lives in a study attribute the centre fills (default Name of Physician(s)
Reading Study (0008,1060) holding the reader's DICOM name). The server is queried with
'*Name?Given*': '?' in place of '^' because urllib3 always percent-encodes '^' and Orthanc
1.10 does not decode it, and '*' around it because Orthanc matches a multi-valued
attribute as one backslash-joined string. The answers are then filtered exactly here
(any value equal to the reader's name), so a near-miss name is never listed.

A study counts as reported once it holds an SR series whose Manufacturer (0008,0070) is
ours ("Yomi" by default) with an instance whose Verification Flag (0040,A493) is
VERIFIED: a draft (UNVERIFIED) or another vendor's SR leaves the study on the list.

Claims are local here (Orthanc has nothing to lock a study with): they are recorded in
the ClaimStore so that the item shows IN PROGRESS on this station after a restart.
"""
from __future__ import annotations

import dataclasses
import io
import logging
from dataclasses import dataclass

import pydicom
from pydicom.uid import generate_uid

from worklist.centre import BadData, CentreError, Priority, Status, WorkItem
from worklist.claims import ClaimStore
from worklist.dicomweb import DicomWebClient, dicom_json_value
from worklist.names import pn_from_dataset, pn_from_json, pn_is_garbled

__all__ = ["QidoWorklistSettings", "QidoWorklist", "same_person_name"]

log = logging.getLogger(__name__)

# Not (0008,0005): Orthanc 1.10 answers 400 to the whole search when it is included and a
# study has '\ISO 2022 IR 87' (empty first value).
_STUDY_FIELDS = ("00081030", "00080061", "00201208", "00100030", "00100040", "00080050")
_NON_IMAGE_MODALITIES = frozenset({"SR", "PR", "KO", "DOC", "REG", "SEG", "RWV"})


@dataclass(frozen=True)
class QidoWorklistSettings:
    reader_name: str                      # DICOM PN of the reader as the centre writes it
    assignment_attribute: str = "00081060"
    modalities: tuple[str, ...] = ("CT",)
    date_from: str = ""                   # YYYYMMDD, inclusive; empty = open
    date_to: str = ""
    limit: int = 500
    report_manufacturer: str = "Yomi"


def same_person_name(a: str, b: str) -> bool:
    """PN equality as a reader would see it: case, spaces and trailing '^' ignored."""
    def norm(s: str) -> str:
        return "^".join(c.strip() for c in s.split("=")[0].split("^")).rstrip("^").casefold()
    return bool(a.strip()) and norm(a) == norm(b)


class QidoWorklist:
    def __init__(self, client: DicomWebClient, settings: QidoWorklistSettings, claims: ClaimStore) -> None:
        if not settings.reader_name.strip():
            raise ValueError("a QIDO worklist needs the reader's DICOM name (reader_dicom_name)")
        self.client = client
        self.settings = settings
        self.claims = claims
        self._names: dict[str, str] = {}  # study UID -> name decoded from an instance

    # --- query ---------------------------------------------------------------------------

    def _match(self) -> dict[str, str]:
        s = self.settings
        match: dict[str, str] = {s.assignment_attribute: "*" + s.reader_name.replace("^", "?") + "*"}
        if len(s.modalities) == 1:
            match["ModalitiesInStudy"] = s.modalities[0]
        if s.date_from or s.date_to:
            match["StudyDate"] = f"{s.date_from}-{s.date_to}"
        return match

    def _assigned(self, study: dict) -> bool:
        element = study.get(self.settings.assignment_attribute) or {}
        for value in element.get("Value") or []:
            text = value.get("Alphabetic", "") if isinstance(value, dict) else str(value)
            if same_person_name(text, self.settings.reader_name):
                return True
        return False

    def worklist(self) -> list[WorkItem]:
        s = self.settings
        studies = self.client.search_studies(self._match(), includefield=(*_STUDY_FIELDS, s.assignment_attribute),
                                             limit=s.limit)
        claimed = self.claims.all()
        items = []
        for study in studies:
            uid = str(dicom_json_value(study, "0020000D"))
            if not uid or not self._assigned(study):
                continue
            modalities = tuple(str(m) for m in (study.get("00080061") or {}).get("Value") or [])
            if len(s.modalities) > 1 and not set(modalities) & set(s.modalities):
                continue
            item = self._item(uid, study, modalities)
            if item is None:
                continue
            if uid in claimed:
                item.status, item.transaction_uid = Status.IN_PROGRESS, claimed[uid]
            items.append(item)
        log.info("QIDO worklist: %d of %d studies assigned and unreported", len(items), len(studies))
        return items

    def _item(self, uid: str, study: dict, modalities: tuple[str, ...]) -> WorkItem | None:
        series = self.client.search_series(uid, includefield=("00080070", "00180015", "00201209"))
        images, body_parts = 0, []
        for se in series:
            modality = str(dicom_json_value(se, "00080060"))
            if modality == "SR" and self._verified_report(uid, se):
                log.debug("study %s already reported", uid)
                return None
            if modality not in _NON_IMAGE_MODALITIES:
                images += int(dicom_json_value(se, "00201209", 0) or 0)
                part = str(dicom_json_value(se, "00180015"))
                if part and part not in body_parts:
                    body_parts.append(part)
        name_el = study.get("00100010")
        name = pn_from_json(name_el)
        if pn_is_garbled(name_el):
            name = self._name_from_instance(uid, series) or name
        return WorkItem(
            study_uid=uid,
            patient_id=str(dicom_json_value(study, "00100020")),
            patient_name=name,
            patient_birth_date=str(dicom_json_value(study, "00100030")),
            patient_sex=str(dicom_json_value(study, "00100040")),
            study_date=str(dicom_json_value(study, "00080020")),
            study_description=str(dicom_json_value(study, "00081030")),
            accession_number=str(dicom_json_value(study, "00080050")),
            modalities=modalities,
            body_part="\\".join(body_parts),
            number_of_images=images,
            priority=Priority.ROUTINE,  # a study carries no reading priority in QIDO
            status=Status.SCHEDULED,
            assigned_to=self.settings.reader_name,
        )

    def _verified_report(self, study_uid: str, series: dict) -> bool:
        manufacturer = str(dicom_json_value(series, "00080070"))
        if manufacturer.strip().casefold() != self.settings.report_manufacturer.casefold():
            return False
        series_uid = str(dicom_json_value(series, "0020000E"))
        for inst in self.client.search_instances(study_uid, series_uid, includefield=("0040A493",)):
            if str(dicom_json_value(inst, "0040A493")).strip().upper() == "VERIFIED":
                return True
        return False

    def _name_from_instance(self, study_uid: str, series: list[dict]) -> str:
        """The patient name decoded by pydicom from one instance's own bytes."""
        if study_uid in self._names:
            return self._names[study_uid]
        if not series:
            return ""
        # The smallest series costs the least to open; an SR is a few kB.
        se = min(series, key=lambda s: int(dicom_json_value(s, "00201209", 0) or 0))
        se_uid = str(dicom_json_value(se, "0020000E"))
        try:
            inst = self.client.search_instances(study_uid, se_uid, limit=1)
            sop = str(dicom_json_value(inst[0], "00080018")) if inst else ""
            if not sop:
                return ""
            data = self.client.retrieve_instance(study_uid, se_uid, sop)
            ds = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True)
            name = pn_from_dataset(ds.get("PatientName"))
        except CentreError as exc:
            log.warning("could not read the patient name of study %s from an instance: %s",
                        study_uid, type(exc).__name__)
            return ""
        except Exception as exc:  # pydicom raises many kinds on garbage
            raise BadData(f"an instance of study {study_uid} is not readable DICOM ({type(exc).__name__})",
                          study_uid=study_uid) from None
        self._names[study_uid] = name
        return name

    # --- claim -----------------------------------------------------------------------------

    def claim(self, item: WorkItem) -> WorkItem:
        token = self.claims.get(item.study_uid) or generate_uid()
        self.claims.put(item.study_uid, token)
        return dataclasses.replace(item, status=Status.IN_PROGRESS, transaction_uid=token)

    def release(self, item: WorkItem, *, completed: bool) -> None:
        # Completion is visible to everyone through the stored SR; locally the claim ends.
        self.claims.remove(item.study_uid)
