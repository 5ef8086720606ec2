"""Double reading against the real centre: Orthanc 1.10 + DICOMweb + Yomi's centre plugin with
readers A and B, judge J, the centre's staff and a requester account; a study made from the
real chest CT of shared/data; one UPS workitem per role; readings built by the real SR writer.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pydicom
from pydicom.uid import generate_uid

from tests.centre.support import PLUGIN_SCRIPT, STAFF, As, Study, make_study, require_centre, workitem
from tests.fixtures.orthanc import OrthancServer, start_orthanc

READER_A = ("reader-a", "a-pw-1")
READER_B = ("reader-b", "b-pw-1")
JUDGE = ("judge-j", "j-pw-1")
REQUESTER = ("ward", "ward-pw-1")      # the requester's account at the centre (not a reader)
NAME_A, NAME_B, NAME_J = "Takahashi^Kenji", "Sato^Jiro", "Suzuki^Hanako"
ROLE_CODES = {"first": "YOMI-READ-1", "second": "YOMI-READ-2", "judge": "YOMI-JUDGE"}


def start_double_centre(workdir: Path, *, double_reading: dict | None = None) -> OrthancServer:
    require_centre()
    readers = {READER_A[0]: {"dicom_name": NAME_A}, READER_B[0]: {"dicom_name": NAME_B},
               JUDGE[0]: {"dicom_name": NAME_J}}
    section = {"Readers": readers, "Requesters": [REQUESTER[0]],
               **({"DoubleReading": double_reading} if double_reading else {})}
    return start_orthanc(workdir, user=STAFF[0], password=STAFF[1],
                         extra_users=dict((READER_A, READER_B, JUDGE, REQUESTER)), python_script=PLUGIN_SCRIPT,
                         extra_config={"YomiCentre": section})


def role_workitem(study: Study, performer: str, role: str) -> dict:
    ds = workitem(study.uid, performer, patient_id=study.patient_id)
    ds["00404018"] = {"vr": "SQ", "Value": [{"00080100": {"vr": "SH", "Value": [ROLE_CODES[role]]},
                                             "00080102": {"vr": "SH", "Value": ["99YOMI"]},
                                             "00080104": {"vr": "LO", "Value": [role]}}]}
    return ds


@dataclass
class DoubleStudy:
    server: OrthancServer
    study: Study
    workitems: dict[str, str]          # role -> workitem UID


def load_double_study(server: OrthancServer, tmp: Path, *, patient_id: str = "YOMI-DR1") -> DoubleStudy:
    study = make_study(tmp / "study", patient_id=patient_id, reading=None, n=6, start=20)
    server.upload(study.files)
    staff = As(server, STAFF)
    uids = {}
    for role, name in (("first", NAME_A), ("second", NAME_B), ("judge", NAME_J)):
        ds = role_workitem(study, name, role)
        answer = staff.create_workitem(ds)
        assert answer.status_code == 201, answer.text
        uids[role] = ds["00080018"]["Value"][0]
    return DoubleStudy(server, study, uids)


def study_identity(study: Study):
    from app.report.identity import StudyIdentity

    ds = pydicom.dcmread(study.files[0], stop_before_pixels=True)
    return StudyIdentity(study.uid, study.patient_id, str(ds.get("PatientName", "")), str(ds.get("PatientBirthDate", "")),
                         str(ds.get("PatientSex", "")), str(ds.get("AccessionNumber", "")), str(ds.get("StudyDate", "")),
                         str(ds.get("StudyTime", "")), str(ds.get("StudyID", "")))


def reading_report(study: Study, nodules: list[dict], *, emphysema: str = "mild", language: str = "ja"):
    """A lung-screening report of the study with these nodules: dicts with slice (index into the
    study's instances), lobe, long, short, kind, centre (column, row) of the drawn axes."""
    from app.report.finding import Finding
    from app.report.model import Report
    from app.report.templates import load_template

    report = Report(load_template("lung-screening-ldct"), study_identity(study), language)
    for fid, value in (("comparison", "baseline"), ("lungrads_incomplete", "no"), ("emphysema", emphysema),
                       ("coronary_calcification", "none"), ("interstitial", "none")):
        report.set_field(fid, value)
    for n in nodules:
        c, r = n["centre"]
        half_l, half_s = float(n["long"]) / 2 / 0.84, float(n["short"]) / 2 / 0.84   # the CT's 0.84 mm pixels
        report.add_nodule(Finding(Decimal(str(n["long"])), Decimal(str(n["short"])), study.series,
                                  study.sops[n["slice"]], n["slice"], lobe=n["lobe"], kind=n.get("kind", "solid"),
                                  calcification="none", margin="smooth", status="baseline",
                                  long_axis_px=(c - half_l, r, c + half_l, r), short_axis_px=(c, r - half_s, c, r + half_s)))
    return report


def reading_sr(report, name: str, user_id: str, *, qualification: str = "physician") -> bytes:
    """The VERIFIED SR of `report` signed by `name` (built by the real SR writer, no key: the
    centre's rules read the Verification Flag and the Verifying Observer, not the signature)."""
    from app.report.identity import Signer
    from app.report.model import SignatureRecord
    from app.report.render import render_text
    from app.report.sr import build_sr, encode

    record = SignatureRecord(Signer(name, user_id, "Yomi test centre", qualification), "2026-12-01T10:00:00+00:00",
                             generate_uid(), generate_uid(), generate_uid(), generate_uid(), False)
    return encode(build_sr(report, record, render_text(report)))


def slice_geometry(study: Study) -> dict[str, tuple]:
    out = {}
    for f in study.files:
        ds = pydicom.dcmread(f, stop_before_pixels=True)
        out[str(ds.SOPInstanceUID)] = (list(ds.ImagePositionPatient), list(ds.ImageOrientationPatient),
                                       list(ds.PixelSpacing))
    return out
