"""The centre's double-reading rules, enforced by the real Orthanc + centre plugin: roles per
workitem, the blind rule (403 and a refusal logged), a reading signed twice, a judgement before
both readings, a role the server did not assign. Nothing refused is stored."""
from __future__ import annotations

import io

import pydicom
import pytest

from tests.centre.support import STAFF, As, refusals_logged, uids_of
from tests.double_reading.support import (JUDGE, NAME_A, NAME_B, NAME_J, READER_A, READER_B, reading_report,
                                          reading_sr, start_double_centre)

pytestmark = pytest.mark.orthanc
NODULE = {"slice": 2, "lobe": "RLL", "long": "7.2", "short": "5.6", "centre": (300.0, 260.0)}


def _sops(server, study_uid: str, modality: str) -> set[str]:
    return uids_of(As(server, STAFF).qido(f"studies/{study_uid}/instances?Modality={modality}"))


def _stored(answer, sop: str) -> bool:
    return answer.status_code == 200 and sop in answer.text


def test_each_reader_sees_their_own_role_workitem(double) -> None:
    for creds, role in ((READER_A, "YOMI-READ-1"), (READER_B, "YOMI-READ-2"), (JUDGE, "YOMI-JUDGE")):
        items = As(double.server, creds).workitems().json()
        assert len(items) == 1
        assert items[0]["00404018"]["Value"][0]["00080100"]["Value"] == [role]


def test_second_reader_cannot_fetch_the_first_reading_until_their_own_is_signed(double) -> None:
    server, st = double.server, double.study
    a, b = As(server, READER_A), As(server, READER_B)
    sr_a = reading_sr(reading_report(st, [NODULE]), NAME_A, "reader-a")
    ds_a = pydicom.dcmread(io.BytesIO(sr_a))
    assert _stored(a.stow([sr_a], st.uid), ds_a.SOPInstanceUID)
    before = len(refusals_logged(server))
    series = f"/dicom-web/studies/{st.uid}/series/{ds_a.SeriesInstanceUID}"
    for path in (series, f"{series}/metadata", f"{series}/instances/{ds_a.SOPInstanceUID}",
                 f"{series}/instances/{ds_a.SOPInstanceUID}/metadata", f"/dicom-web/studies/{st.uid}",
                 f"/dicom-web/studies/{st.uid}/metadata", f"/dicom-web/studies/{st.uid}/instances",
                 f"{series}/instances", f"/dicom-web/instances?StudyInstanceUID={st.uid}"):
        assert b.get(path).status_code == 403, path
    logged = refusals_logged(server)[before:]
    assert len(logged) == 9 and all("user=reader-b" in line and "double reading" in line for line in logged)
    assert all("Takahashi" not in line for line in logged)     # UIDs only in the centre's log
    # B still reads the images and lists the series
    assert b.get(f"/dicom-web/studies/{st.uid}/series/{st.series}/metadata").status_code == 200
    assert b.qido(f"studies/{st.uid}/series").status_code == 200
    # the judge is blind too: one reading signed is not both
    j = As(server, JUDGE)
    assert j.get(f"{series}/metadata").status_code == 403
    # once B's own reading is signed, B may compare; the judge may once both are
    sr_b = reading_sr(reading_report(st, [NODULE], emphysema="none"), NAME_B, "reader-b")
    sop_b = pydicom.dcmread(io.BytesIO(sr_b)).SOPInstanceUID
    assert _stored(b.stow([sr_b], st.uid), sop_b)
    assert b.get(f"{series}/metadata").status_code == 200
    assert j.get(f"{series}/metadata").status_code == 200
    # A was blind to B's reading until A signed (symmetric), and is no longer
    assert a.get(f"{series}/metadata").status_code == 200


def test_a_reading_signed_twice_is_refused_and_not_stored(double) -> None:
    server, st = double.server, double.study
    a = As(server, READER_A)
    first = reading_sr(reading_report(st, [NODULE]), NAME_A, "reader-a")
    assert a.stow([first], st.uid).status_code == 200
    second = reading_sr(reading_report(st, []), NAME_A, "reader-a")
    sop2 = str(pydicom.dcmread(io.BytesIO(second)).SOPInstanceUID)
    answer = a.stow([second], st.uid)
    assert not _stored(answer, sop2)
    assert sop2 not in _sops(server, st.uid, "SR")
    assert any("user=reader-a" in line and "reading already signed" in line for line in refusals_logged(server))
    # the same SR sent again (the outbox resending) is no second signature
    assert a.stow([first], st.uid).status_code == 200
    assert len(_sops(server, st.uid, "SR")) == 1


def test_judge_cannot_sign_before_both_readings_and_a_reader_cannot_judge(double) -> None:
    server, st = double.server, double.study
    a, j = As(server, READER_A), As(server, JUDGE)
    sr_a = reading_sr(reading_report(st, [NODULE]), NAME_A, "reader-a")
    assert a.stow([sr_a], st.uid).status_code == 200
    early = reading_sr(reading_report(st, [NODULE]), NAME_J, "judge-j")
    sop = str(pydicom.dcmread(io.BytesIO(early)).SOPInstanceUID)
    assert not _stored(j.stow([early], st.uid), sop)
    assert any("user=judge-j" in line and "before both readings" in line for line in refusals_logged(server))
    # an SR verified by someone else than the sender (B's name sent by A)
    forged = reading_sr(reading_report(st, []), NAME_B, "reader-b")
    fsop = str(pydicom.dcmread(io.BytesIO(forged)).SOPInstanceUID)
    assert not _stored(a.stow([forged], st.uid), fsop)
    assert any("verified by someone other" in line for line in refusals_logged(server))
    assert _sops(server, st.uid, "SR") == {str(pydicom.dcmread(io.BytesIO(sr_a)).SOPInstanceUID)}


def test_a_reader_cannot_store_a_final_judgement_joining_the_other_reading(double) -> None:
    """A first reader sending an SR that joins B's reading (what only the judge's final does)."""
    from app.report.double_sr import ReadingRef, predecessor_stubs
    from app.report.identity import Signer
    from app.report.model import SignatureRecord
    from app.report.render import render_text
    from app.report.sr import build_sr, encode
    from pydicom.uid import generate_uid

    server, st = double.server, double.study
    a, b = As(server, READER_A), As(server, READER_B)
    sr_a = reading_sr(reading_report(st, [NODULE]), NAME_A, "reader-a")
    sr_b = reading_sr(reading_report(st, [NODULE]), NAME_B, "reader-b")
    assert a.stow([sr_a], st.uid).status_code == 200 and b.stow([sr_b], st.uid).status_code == 200
    ds_a, ds_b = (pydicom.dcmread(io.BytesIO(x)) for x in (sr_a, sr_b))
    refs = [ReadingRef(role, Signer(str(d.VerifyingObserverSequence[0].VerifyingObserverName), "x", "o"),
                       st.uid, str(d.SeriesInstanceUID), str(d.SOPInstanceUID), "") for role, d in
            (("first", ds_a), ("second", ds_b))]
    report = reading_report(st, [NODULE])
    record = SignatureRecord(Signer(NAME_A, "reader-a", "Yomi test centre"), "2026-12-01T11:00:00+00:00",
                             generate_uid(), generate_uid(), generate_uid(), generate_uid(), False)
    claimed = encode(build_sr(report, record, render_text(report), predecessors=predecessor_stubs(refs)))
    sop = str(pydicom.dcmread(io.BytesIO(claimed)).SOPInstanceUID)
    assert not _stored(a.stow([claimed], st.uid), sop)
    assert any("user=reader-a" in line and "role not assigned" in line for line in refusals_logged(server))
    assert sop not in _sops(server, st.uid, "SR")


def test_roles_from_the_reading_order_without_workitems(tmp_path) -> None:
    """The QIDO-style fallback: (0008,1060) = A, B, J in that order gives first, second, judge."""
    from tests.centre.support import make_study
    from tests.double_reading.support import REQUESTER

    server = start_double_centre(tmp_path / "orthanc", double_reading={"RolesFromReadingOrder": True})
    try:
        st = make_study(tmp_path / "s", patient_id="YOMI-DR2", reading=[NAME_A, NAME_B, NAME_J], n=2, start=30)
        server.upload(st.files)
        for creds, role in ((READER_A, "YOMI-READ-1"), (READER_B, "YOMI-READ-2"), (JUDGE, "YOMI-JUDGE")):
            (item,) = As(server, creds).workitems().json()
            assert item["00404018"]["Value"][0]["00080100"]["Value"] == [role]
        a, b = As(server, READER_A), As(server, READER_B)
        sr_a = reading_sr(reading_report(st, []), NAME_A, "reader-a")
        ds_a = pydicom.dcmread(io.BytesIO(sr_a))
        assert _stored(a.stow([sr_a], st.uid), ds_a.SOPInstanceUID)
        assert b.get(f"/dicom-web/studies/{st.uid}/series/{ds_a.SeriesInstanceUID}/metadata").status_code == 403
        # the requester receives the final report only (test_requester_at_centre.py); the staff all
        assert As(server, REQUESTER).get(f"/dicom-web/studies/{st.uid}/series/{ds_a.SeriesInstanceUID}/metadata"
                                         ).status_code == 403
        assert As(server, STAFF).get(f"/dicom-web/studies/{st.uid}/series/{ds_a.SeriesInstanceUID}/metadata"
                                     ).status_code == 200
    finally:
        server.stop()
