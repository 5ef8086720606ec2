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

Cost of a refresh, whatever the number of studies (batched_search.py: one query per 100
studies, the chunks in parallel over the client's connection pool):
- one study query; the row comes from study-level attributes: Modalities in Study, Number
  of Study Related Instances, and Body Part Examined where the server gives it at study
  level (Orthanc takes it from one instance of the study);
- then the SR instances of the listed studies (Modality SR, with Manufacturer and
  Verification Flag: what is reported, and what to take off the image count);
- then, only for unreported studies without a study-level body part, their series, from
  which the row gets a series-level count (images without SR/PR/KO...) and every body part;
- one instance per study whose Japanese name Orthanc garbled (once: remembered).

Claims are local here (Orthanc has nothing to lock a study with): they are recorded in
the ClaimStore so that the item shows IN PROGRESS on this station after a restart.
"""
from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import io
import logging
from dataclasses import dataclass

import pydicom
from pydicom.dataset import Dataset
from pydicom.dataelem import DataElement
from pydicom.tag import Tag
from pydicom.uid import generate_uid
from pydicom.valuerep import PersonName

from common.background import lower_priority
from common.dicom_bounds import DecodeLimits, check_deflated_part10
from common.dicom_bounds import TooLarge as DecodeTooLarge
from common.charset_guess import decode_element_text
from common.person_name import pn_text, same_person_name
from common.uids import is_valid_uid
from worklist.batched_search import Mapper, bounded_map, search_grouped
from worklist.centre import BadData, CentreError, Priority, Status, TooLarge, WorkItem
from worklist.claims import ClaimStore
from worklist.dicom_json import datasets_from_json, integer, text, texts
from worklist.dicomweb import DicomWebClient
from worklist.names import pn_is_garbled

__all__ = ["QidoWorklistSettings", "QidoWorklist"]

log = logging.getLogger(__name__)

# Not (0008,0005): Orthanc 1.10 answers 400 to the whole search when it is included and a
# study has '\ISO 2022 IR 87' (empty first value).
_STUDY_FIELDS = ("00081030", "00080061", "00201208", "00100030", "00100040", "00080050", "00180015")
_STUDY_TAGS = ("0020000D", "00100010", "00100020", "00100030", "00100040", "00080020", "00081030",
               "00080050", "00080061", "00201208", "00180015")
_SERIES_FIELDS = ("00080070", "00180015", "00201209")
_SERIES_TAGS = ("0020000E", "00080060", *_SERIES_FIELDS)
_SR_FIELDS = ("0020000E", "00080070", "0040A493")
_SR_TAGS = ("00080018", "00080060", *_SR_FIELDS)
_STUDY_KEY = ("0020000D", "StudyInstanceUID")
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
    workers: int = 8                      # parallel queries, at most the client's pool size


class QidoWorklist:
    def __init__(self, client: DicomWebClient, settings: QidoWorklistSettings, claims: ClaimStore) -> None:
        if not settings.reader_name.strip():
            raise ValueError("a QIDO worklist needs the reader's DICOM name (reader_dicom_name)")
        self.client = client
        self.settings = settings
        self.claims = claims
        self._names: dict[str, str] = {}  # study UID -> name decoded from an instance
        # More threads than pooled connections would open (and drop) a connection per request.
        self._workers = max(1, min(settings.workers, client.settings.pool_size))

    # --- query ---------------------------------------------------------------------------

    def _match(self) -> dict[str, str]:
        s = self.settings
        match: dict[str, str] = {s.assignment_attribute: "*" + s.reader_name.replace("^", "?") + "*"}
        if len(s.modalities) == 1:
            match["ModalitiesInStudy"] = s.modalities[0]
        if s.date_from or s.date_to:
            match["StudyDate"] = f"{s.date_from}-{s.date_to}"
        return match

    def _assigned(self, study: Dataset) -> bool:
        value = study.get(Tag(int(self.settings.assignment_attribute, 16)))
        values = value.value if isinstance(value, DataElement) else value
        if values is None:
            return False
        if isinstance(values, (str, PersonName)):
            values = [values]
        return any(same_person_name(v, self.settings.reader_name) for v in values)

    def _studies(self) -> list[Dataset]:
        """The reader's studies, exactly filtered, with the wanted modalities."""
        s = self.settings
        answers = self.client.search_studies(self._match(), includefield=(*_STUDY_FIELDS, s.assignment_attribute),
                                             limit=s.limit)
        studies = datasets_from_json(answers, what="a QIDO study result",
                                     keep=(*_STUDY_TAGS, s.assignment_attribute))
        out = []
        for study in studies:
            if not text(study, "StudyInstanceUID") or not self._assigned(study):
                continue
            if not is_valid_uid(text(study, "StudyInstanceUID")):
                # it would go into URLs (series, instances, retrieval): left out, and said
                log.warning("study left out of the worklist: invalid Study Instance UID %r",
                            text(study, "StudyInstanceUID")[:80])
                continue
            modalities = set(texts(study, "ModalitiesInStudy"))
            if len(s.modalities) > 1 and not modalities & set(s.modalities):
                continue
            out.append(study)
        log.debug("QIDO worklist: %d of %d studies assigned to this reader", len(out), len(answers))
        return out

    def _series(self, uids: list[str], mapper: Mapper) -> dict[str, list[Dataset]]:
        """Every series of these studies, grouped by study."""
        if not uids:
            return {}
        return search_grouped(
            self.client, "series", _STUDY_KEY, uids, includefield=_SERIES_FIELDS, keep=_SERIES_TAGS,
            workers=self._workers, mapper=mapper,
            one_parent=lambda uid: self.client.search_series(uid, includefield=_SERIES_FIELDS))

    def _sr_instances(self, uids: list[str], must: list[str], mapper: Mapper) -> dict[str, list[Dataset]]:
        """The SR instances of these studies, with Manufacturer and Verification Flag.

        Asked of every study: Modalities in Study can miss an SR that Orthanc filed under
        another patient with the same Study UID. Where it does list SR (`must`), an empty
        answer means the server did not apply the UID list, and that study is asked alone.
        """
        if not uids:
            return {}
        match = {"Modality": "SR"}
        return search_grouped(
            self.client, "instances", _STUDY_KEY, uids, match=match, includefield=_SR_FIELDS, keep=_SR_TAGS,
            workers=self._workers, mapper=mapper, expected=must,
            one_parent=lambda uid: self.client.search_instances(uid, None, match, includefield=_SR_FIELDS))

    def worklist(self) -> list[WorkItem]:
        studies = self._studies()
        uids = [text(st, "StudyInstanceUID") for st in studies]
        must_sr = [uid for uid, st in zip(uids, studies) if "SR" in texts(st, "ModalitiesInStudy")]
        # One pool, no larger than the client's connection pool, for every fan-out below.
        with cf.ThreadPoolExecutor(self._workers, thread_name_prefix="yomi-qido",
                                   initializer=lower_priority) as pool:
            sr_instances = self._sr_instances(uids, must_sr, pool.map)
            reported = self._reported(sr_instances)
            todo = [st for st in studies if text(st, "StudyInstanceUID") not in reported]
            # After the SR query, not beside it: a reported study needs no detail, and those
            # are the studies whose study-level body part Orthanc took from the SR.
            without_part = [text(st, "StudyInstanceUID") for st in todo if not text(st, "BodyPartExamined")]
            all_series = self._series(without_part, pool.map)
        self._fix_garbled_names(todo, sr_instances)
        claimed = self.claims.all()
        items = []
        for study in todo:
            uid = text(study, "StudyInstanceUID")
            item = self._item(study, len(sr_instances.get(uid, [])), all_series.get(uid))
            if uid in claimed:
                item.status, item.transaction_uid = Status.IN_PROGRESS, claimed[uid]
            items.append(item)
        log.info("QIDO worklist: %d of %d studies assigned and unreported", len(items), len(studies))
        return items

    def _reported(self, sr_instances: dict[str, list[Dataset]]) -> set[str]:
        """Studies holding a VERIFIED SR of our manufacturer."""
        ours = self.settings.report_manufacturer.casefold()
        reported = {uid for uid, found in sr_instances.items()
                    if any(text(i, "Manufacturer").strip().casefold() == ours
                           and text(i, "VerificationFlag").strip().upper() == "VERIFIED" for i in found)}
        for uid in reported:
            log.debug("study %s already reported", uid)
        return reported

    def _item(self, study: Dataset, sr_count: int, all_series: list[Dataset] | None) -> WorkItem:
        uid = text(study, "StudyInstanceUID")
        if all_series is not None:  # series-level detail: exact count, every body part
            images, body_parts = 0, []
            for se in all_series:
                if text(se, "Modality") not in _NON_IMAGE_MODALITIES:
                    images += integer(se, "NumberOfSeriesRelatedInstances")
                    part = text(se, "BodyPartExamined")
                    if part and part not in body_parts:
                        body_parts.append(part)
            body_part = "\\".join(body_parts)
        else:
            images = max(0, integer(study, "NumberOfStudyRelatedInstances") - sr_count)
            body_part = text(study, "BodyPartExamined")
        name = pn_text(study.get("PatientName"))
        if pn_is_garbled(study.get("PatientName")):
            name = self._names.get(uid) or name
        return WorkItem(
            study_uid=uid,
            patient_id=text(study, "PatientID"),
            patient_name=name,
            patient_birth_date=text(study, "PatientBirthDate"),
            patient_sex=text(study, "PatientSex"),
            study_date=text(study, "StudyDate"),
            study_description=text(study, "StudyDescription"),
            accession_number=text(study, "AccessionNumber"),
            modalities=texts(study, "ModalitiesInStudy"),
            body_part=body_part,
            number_of_images=images,
            priority=Priority.ROUTINE,  # a study carries no reading priority in QIDO
            status=Status.SCHEDULED,
            assigned_to=self.settings.reader_name,
        )

    def _fix_garbled_names(self, studies: list[Dataset], sr_instances: dict[str, list[Dataset]]) -> None:
        """Read the patient name from an instance for each study whose JSON name is garbled."""
        todo = [text(st, "StudyInstanceUID") for st in studies
                if pn_is_garbled(st.get("PatientName")) and text(st, "StudyInstanceUID") not in self._names]
        names = bounded_map(lambda uid: self._name_from_instance(uid, sr_instances.get(uid, [])), todo,
                            self._workers)
        for uid, name in zip(todo, names):
            if name:
                self._names[uid] = name

    def _name_from_instance(self, study_uid: str, sr_instances: list[Dataset]) -> str:
        """The patient name decoded by pydicom from one instance's own bytes ('' if unavailable)."""
        try:
            # An SR is a few kB and already known; else any instance of the study (only its
            # header is read).
            found = sr_instances[:1] or datasets_from_json(
                self.client.search_instances(study_uid, limit=1, includefield=("0020000E",))[:1],
                what=f"an instance of study {study_uid}", keep=("00080018", "0020000E"))
            sop = text(found[0], "SOPInstanceUID") if found else ""
            se_uid = text(found[0], "SeriesInstanceUID") if found else ""
            if not sop or not se_uid:
                return ""
            data = self.client.retrieve_instance(study_uid, se_uid, sop)
            fp = io.BytesIO(data)
            check_deflated_part10(fp, DecodeLimits().max_file_bytes, f"instance {sop}")
            ds = pydicom.dcmread(fp, stop_before_pixels=True)
            # from the bytes, so that a mislabelled character set reads right too
            return pn_text(decode_element_text(ds, "PatientName").text)
        except CentreError as exc:
            log.warning("could not read the patient name of study %s from an instance: %s",
                        study_uid, type(exc).__name__)
            return ""
        except DecodeTooLarge as exc:
            raise TooLarge(f"an instance of study {study_uid}: {exc}", study_uid=study_uid) from None
        except Exception as exc:  # pydicom raises many kinds on garbage
            raise BadData(f"an instance of study {study_uid} is not readable DICOM ({type(exc).__name__})",
                          study_uid=study_uid) from None

    # --- claim -----------------------------------------------------------------------------

    def claim(self, item: WorkItem) -> WorkItem:
        token = self.claims.get(item.study_uid) or generate_uid()
        self.claims.put(item.study_uid, token)
        return dataclasses.replace(item, status=Status.IN_PROGRESS, transaction_uid=token)

    def release(self, item: WorkItem, *, completed: bool) -> None:
        # Completion is visible to everyone through the stored SR; locally the claim ends.
        self.claims.remove(item.study_uid)
