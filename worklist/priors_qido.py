"""A patient's other studies at a DICOMweb centre (QIDO-RS), for comparison with priors.

One study-level search by Patient ID (exact: no wildcard is ever sent, so a centre that scopes
a reader's searches to their patients, like packaging/centre, answers it), then one
series-level search per study for the body parts (Body Part Examined is a series attribute).
The Issuer of Patient ID is compared here, not sent: a server that does not index it would
answer nothing. A Patient ID with a wildcard character is refused before anything is sent:
it would match other patients.
"""
from __future__ import annotations

import logging

from common.person_name import pn_text
from worklist.centre import BadData, PriorStudy
from worklist.dicom_json import datasets_from_json, integer, text, texts

log = logging.getLogger(__name__)

__all__ = ["qido_priors", "WILDCARDS"]

WILDCARDS = frozenset("*?\\,")
_STUDY_FIELDS = ("00100021", "00080061", "00081030", "00201208", "00100040", "00100030")
_STUDY_TAGS = ("0020000D", "00080020", "00081030", "00080061", "00100020", "00100021", "00100010", "00100040",
               "00100030", "00201208")
_SERIES_FIELDS = ("00180015",)
_SERIES_TAGS = ("00080060", "00180015")


def qido_priors(client, patient_id: str, issuer_of_patient_id: str = "") -> list[PriorStudy]:
    """Every study of `patient_id` (with that issuer when both sides have one), newest first."""
    if not patient_id.strip() or WILDCARDS & set(patient_id):
        raise BadData("the patient ID cannot be searched exactly (empty or with a wildcard character)")
    answers = client.search_studies({"PatientID": patient_id}, includefield=_STUDY_FIELDS)
    studies = datasets_from_json(answers, what="a QIDO study result", keep=_STUDY_TAGS)
    out = []
    for st in studies:
        uid = text(st, "StudyInstanceUID")
        if not uid or text(st, "PatientID") != patient_id:
            continue  # a server matching loosely (case, wildcards) answered another patient
        issuer = text(st, "IssuerOfPatientID")
        if issuer and issuer_of_patient_id and issuer != issuer_of_patient_id:
            continue  # the same number from another assigning authority: another patient
        series = datasets_from_json(client.search_series(uid, includefield=_SERIES_FIELDS),
                                    what="a QIDO series result", keep=_SERIES_TAGS, study_uid=uid)
        parts = tuple(dict.fromkeys(p.upper() for se in series for p in texts(se, "BodyPartExamined") if p))
        out.append(PriorStudy(
            study_uid=uid, study_date=text(st, "StudyDate"), study_description=text(st, "StudyDescription"),
            modalities=texts(st, "ModalitiesInStudy"), body_parts=parts, patient_id=text(st, "PatientID"),
            issuer_of_patient_id=issuer, patient_name=pn_text(st.get("PatientName")),
            patient_sex=text(st, "PatientSex"), patient_birth_date=text(st, "PatientBirthDate"),
            number_of_images=integer(st, "NumberOfStudyRelatedInstances")))
    log.debug("priors: %d studies found for the patient of the study being read", len(out))
    return sorted(out, key=lambda p: (p.study_date, p.study_uid), reverse=True)
