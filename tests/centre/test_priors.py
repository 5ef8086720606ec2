"""Priors at a real reading centre (Orthanc 1.10 + DICOMweb + Yomi's centre plugin): the other
studies of the patient being read, found by Patient ID and Issuer of Patient ID over QIDO-RS,
checked for identity, and the most recent comparable one chosen (worklist/priors_qido.py,
app/reading/priors.py)."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pydicom
import pytest

from app.audit import C, default_log
from app.reading.priors import CurrentStudy, IdentityProblem, NotComparable, lookup_priors, prior_to_open
from tests.centre.support import NAME_A, NAME_B, READER_A, READER_B, make_study, require_centre, start_centre
from worklist.centre import Forbidden
from worklist.dicomweb import ClientSettings, DicomWebClient
from worklist.dicomweb_centre import DicomWebCentre

pytestmark = pytest.mark.orthanc

PID, ISSUER = "YOMI-PRI-7", "YOMI-HOSP"


def _restamp(study, **attrs) -> None:
    for f in study.files:
        ds = pydicom.dcmread(f)
        for k, v in attrs.items():
            setattr(ds, k, v)
        ds.save_as(f, enforce_file_format=True)


@pytest.fixture(scope="module")
def loaded():
    require_centre()
    work = Path(tempfile.mkdtemp(prefix="yomi-priors-"))
    server = start_centre(work / "orthanc")
    me = {"PatientID": PID, "IssuerOfPatientID": ISSUER, "PatientName": "Prior^Test", "PatientSex": "M",
          "PatientBirthDate": "19600101", "BodyPartExamined": "CHEST", "SpecificCharacterSet": "ISO_IR 192"}
    studies = {}
    plan = {
        "current": (NAME_A, {**me, "StudyDate": "20250601"}),
        "prior": (None, {**me, "StudyDate": "20240601", "PatientName": "PRIOR^TEST"}),  # romaji in capitals
        "older": (None, {**me, "StudyDate": "20230601"}),
        # same ID and issuer, but another sex and birth date: a reused or mistyped ID
        "mismatch": (None, {**me, "StudyDate": "20250101", "PatientSex": "F", "PatientBirthDate": "19710303"}),
        "other_issuer": (None, {**me, "StudyDate": "20240901", "IssuerOfPatientID": "OTHER-HOSP"}),
        "namesake": (NAME_B, {**me, "StudyDate": "20240602", "PatientID": "YOMI-PRI-8", "PatientSex": "F",
                              "PatientBirthDate": "19750505"}),
        "abdomen": (None, {**me, "StudyDate": "20240801", "BodyPartExamined": "ABDOMEN"}),
    }
    for n, (key, (reading, attrs)) in enumerate(plan.items()):
        st = make_study(work / key, patient_id=attrs["PatientID"], reading=[reading] if reading else None,
                        n=2, start=10 + 2 * n)
        _restamp(st, **attrs)
        server.upload(st.files)
        studies[key] = st
    try:
        yield server, studies
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


def _centre(server, who) -> DicomWebCentre:
    client = DicomWebClient(ClientSettings(server.dicomweb_url, user=who[0], secret=who[1], backoff=0.01))
    return DicomWebCentre("centre", client, None)


def test_priors_found_by_id_and_issuer_checked_and_the_comparable_one_chosen(loaded) -> None:
    server, st = loaded
    centre = _centre(server, READER_A)
    current = CurrentStudy(st["current"].uid, "20250601", PID, ISSUER, "Prior^Test", "M", "19600101", "CHEST")
    before = len(list(default_log().records()))
    found = lookup_priors(centre, "reader-a", current)
    by_uid = {c.study.study_uid: c for c in found}
    # the namesake (another ID) and the same number from another issuer are other patients
    assert set(by_uid) == {st[k].uid for k in ("prior", "older", "mismatch", "abdomen")}
    assert [c.study.study_date for c in found] == sorted((c.study.study_date for c in found), reverse=True)
    mismatch = by_uid[st["mismatch"].uid]
    assert set(mismatch.problems) == {IdentityProblem.SEX_DIFFERS, IdentityProblem.BIRTH_DATE_DIFFERS}
    assert not mismatch.same_patient
    assert by_uid[st["prior"].uid].problems == ()     # the same name in capitals
    assert by_uid[st["abdomen"].uid].not_comparable == (NotComparable.OTHER_BODY_PART,)
    chosen = prior_to_open(found)
    # the mismatched study is newer, but never opened by itself as the prior
    assert chosen is not None and chosen.study.study_uid == st["prior"].uid
    assert chosen.study.body_parts == ("CHEST",) and "CT" in chosen.study.modalities
    queries = [r for r in list(default_log().records())[before:] if r.event.event_id == C.QUERY]
    assert queries, "the priors search is audited"
    # the prior's images are readable by the reader of the current study (the centre's rule)
    got = list(centre.retrieve(chosen.study.study_uid))
    assert len(got) == 2 and str(got[0].PatientID) == PID
    centre.close()


def test_a_reader_without_a_study_of_that_patient_is_refused(loaded) -> None:
    server, st = loaded
    centre = _centre(server, READER_B)   # B reads the namesake, not this patient
    with pytest.raises(Forbidden):
        centre.priors(PID, ISSUER)
    centre.close()
