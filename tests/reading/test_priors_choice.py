"""Choosing the prior to compare with (app/reading/priors.py), without a centre: identity
checks, width and dash variants of names, comparability."""
from __future__ import annotations

from app.reading.priors import (CurrentStudy, IdentityProblem, NotComparable, assess_priors,
                                fold_width_and_dashes, prior_to_open)
from worklist.centre import PriorStudy

CURRENT = CurrentStudy("1.2.3.1", "20250601", "P-1", "HOSP", "Yamada^Taro=山田^太郎", "M", "19600101", "CHEST")


def _study(uid: str, date: str, **kw) -> PriorStudy:
    base = dict(modalities=("CT",), body_parts=("CHEST",), patient_id="P-1", issuer_of_patient_id="HOSP",
                patient_name="Yamada^Taro", patient_sex="M", patient_birth_date="19600101")
    return PriorStudy(uid, date, **{**base, **kw})


def test_width_and_dash_variants_fold_to_one_name():
    assert fold_width_and_dashes("ＹＡＭＡＤＡ^ＴＡＲＯ") == "YAMADA^TARO"
    assert fold_width_and_dashes("Smith\u2010Jones^Ann") == fold_width_and_dashes("Smith\uff0dJones^Ann") \
        == "Smith-Jones^Ann"
    found = assess_priors(CURRENT, [_study("1.2.3.2", "20240601", patient_name="ＹＡＭＡＤＡ^ＴＡＲＯ")])
    assert found[0].problems == ()


def test_a_prior_of_another_person_is_flagged_and_never_chosen():
    found = assess_priors(CURRENT, [
        _study("1.2.3.2", "20250101", patient_sex="F"),
        _study("1.2.3.3", "20241201", patient_birth_date="19700101"),
        _study("1.2.3.4", "20241101", patient_name="Suzuki^Hanako"),
        _study("1.2.3.5", "20240601"),
    ])
    assert [c.problems for c in found[:3]] == [(IdentityProblem.SEX_DIFFERS,), (IdentityProblem.BIRTH_DATE_DIFFERS,),
                                               (IdentityProblem.NAME_DIFFERS,)]
    assert prior_to_open(found).study.study_uid == "1.2.3.5"


def test_comparable_means_earlier_ct_of_the_chest():
    found = assess_priors(CURRENT, [
        _study("1.2.3.1", "20250601"),                       # the current study itself: left out
        _study("1.2.3.6", "20260101"),                       # later
        _study("1.2.3.7", "20240601", modalities=("MR",)),
        _study("1.2.3.8", "20240501", body_parts=("ABDOMEN",)),
        _study("1.2.3.9", "20240401", body_parts=("LUNG",)),  # LUNG and CHEST: one region
    ])
    assert [c.not_comparable for c in found] == [(NotComparable.NOT_EARLIER,), (NotComparable.NOT_CT,),
                                                 (NotComparable.OTHER_BODY_PART,), ()]
    assert prior_to_open(found).study.study_uid == "1.2.3.9"
    assert prior_to_open([]) is None


def test_the_local_centre_lists_and_serves_priors_of_my_patients_only(tmp_path):
    """worklist/local.py: priors by Patient ID once one of the patient's studies is mine."""
    import pydicom
    import pytest
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

    from worklist.centre import Forbidden
    from worklist.local import LocalCentre

    def study(folder: str, pid: str, date: str) -> str:
        ds = pydicom.Dataset()
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID = generate_uid(), generate_uid(), generate_uid()
        ds.SOPClassUID, ds.Modality, ds.PatientID, ds.StudyDate = CTImageStorage, "CT", pid, date
        ds.IssuerOfPatientID, ds.BodyPartExamined = "HOSP", "CHEST"
        ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.MediaStorageSOPInstanceUID = CTImageStorage, ds.SOPInstanceUID
        (tmp_path / "studies" / folder).mkdir(parents=True)
        ds.save_as(tmp_path / "studies" / folder / "1.dcm", enforce_file_format=True)
        return str(ds.StudyInstanceUID)

    centre = LocalCentre(tmp_path, "me")
    mine, prior, stranger = study("a", "P1", "20250101"), study("b", "P1", "20240101"), study("c", "P2", "20240101")
    centre.add_study("a", mine, "me")
    centre.add_study("b", prior, "someone")
    centre.add_study("c", stranger, "someone")
    found = centre.priors("P1", "HOSP")
    assert [p.study_uid for p in found] == [mine, prior] and found[1].body_parts == ("CHEST",)
    assert centre.priors("P2") == [] and centre.priors("P1", "OTHER") == []
    assert len(list(centre.retrieve(prior))) == 1     # a prior of my patient: readable
    with pytest.raises(Forbidden):
        list(centre.retrieve(stranger))
