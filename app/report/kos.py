"""The report's key images as a Key Object Selection document (TID 2010, highdicom).

Document title (113000, DCM, "Of Interest"): the CID 7010 title for images a reader selected
as significant, which is what a key image of a report is. The content references each key
image's instance as an IMAGE item; the captions go into the Key Object Description. Study and
patient identity come from the report, as in the SR (app/report/sr.py), never from an image.

UIDs: the KOS and its series are derived from the SR's UID (pydicom generate_uid with the SR
UID as entropy): signing fixes them with the SR's, a re-send after a crash is byte-identical,
and SignatureRecord needs no new field.
"""
from __future__ import annotations

import logging

import highdicom as hd
from pydicom.dataset import Dataset
from pydicom.sr.codedict import codes
from pydicom.uid import generate_uid

from common.dicom_dates import dicom_datetime

from .errors import SrError
from .model import Report, SignatureRecord
from .sr import _no_names_in_warnings

__all__ = ["KOS_SERIES_NUMBER", "KEY_OBJECT_SELECTION", "kos_uids", "build_kos"]

log = logging.getLogger(__name__)
KEY_OBJECT_SELECTION = "1.2.840.10008.5.1.4.1.1.88.59"
KOS_SERIES_NUMBER = 9003
_DESCRIPTION_MAX = 1024  # UT allows more; a description is a few captions


def kos_uids(record: SignatureRecord) -> tuple[str, str]:
    """(series UID, SOP Instance UID) of the report's KOS, fixed by the SR's UID."""
    return (generate_uid(entropy_srcs=[record.sr_sop_uid, "yomi-kos-series"]),
            generate_uid(entropy_srcs=[record.sr_sop_uid, "yomi-kos-instance"]))


def _evidence(report: Report) -> list[Dataset]:
    ident = report.identity
    seen: dict[str, Dataset] = {}
    for k in report.key_images:
        ds = Dataset()
        ds.StudyInstanceUID, ds.SeriesInstanceUID = ident.study_uid, k.series_uid
        ds.SOPClassUID, ds.SOPInstanceUID = k.sop_class_uid, k.sop_instance_uid
        ds.Rows = ds.Columns = 1   # marks it an image for highdicom (an IMAGE item, not COMPOSITE)
        ds.PatientID, ds.PatientName = ident.patient_id, ident.patient_name
        ds.PatientBirthDate, ds.PatientSex = ident.patient_birth_date, ident.patient_sex
        ds.AccessionNumber, ds.StudyID = ident.accession_number, ident.study_id
        ds.StudyDate, ds.StudyTime = ident.study_date, ident.study_time
        ds.ReferringPhysicianName = ""
        seen.setdefault(k.sop_instance_uid, ds)
    return list(seen.values())


@_no_names_in_warnings
def build_kos(report: Report, record: SignatureRecord) -> hd.ko.KeyObjectSelectionDocument | None:
    """The KOS of a report being signed with `record`; None when it has no key images."""
    if not report.key_images:
        return None
    series_uid, sop_uid = kos_uids(record)
    captions = "; ".join(f"{i + 1}: {k.caption}" for i, k in enumerate(report.key_images) if k.caption)
    try:
        evidence = _evidence(report)
        signer = record.signer
        person = hd.sr.ObserverContext(
            observer_type=codes.DCM.Person,
            observer_identifying_attributes=hd.sr.PersonObserverIdentifyingAttributes(name=signer.name))
        content = hd.ko.KeyObjectSelection(document_title=codes.DCM.OfInterest, referenced_objects=evidence,
                                           observer_person_context=person,
                                           description=captions[:_DESCRIPTION_MAX] or None)
        kos = hd.ko.KeyObjectSelectionDocument(
            evidence=evidence, content=content, series_instance_uid=series_uid, series_number=KOS_SERIES_NUMBER,
            sop_instance_uid=sop_uid, instance_number=1, manufacturer="Yomi",
            institution_name=signer.organisation, specific_character_set="ISO_IR 192")
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise SrError(f"key object selection for report {report.report_id} not built: "
                      f"{exc.__class__.__name__}: {exc}") from exc
    da, tm, off = dicom_datetime(record.signed_at)
    kos.ContentDate, kos.ContentTime = da, tm
    kos.SeriesDate, kos.SeriesTime = da, tm
    kos.InstanceCreationDate, kos.InstanceCreationTime = da, tm
    kos.TimezoneOffsetFromUTC = off
    kos.SeriesDescription = "Yomi key images"
    log.info("KOS %s built for study %s (%d key images)", sop_uid, report.identity.study_uid,
             len(report.key_images))
    return kos
