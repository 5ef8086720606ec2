"""Per-reader access enforced by the server: what reader B may not do with reader A's studies.

Against a real Orthanc with the centre plugin (conftest.py); every refusal is Orthanc's 403.
"""
from __future__ import annotations

import dataclasses

import pytest

from tests.centre.support import NAME_A, NAME_B, READER_A, READER_B, STAFF, As, refusals_logged, sr_into

pytestmark = pytest.mark.orthanc

INSTANCE = 'multipart/related; type="application/dicom"'
FRAMES = 'multipart/related; type="application/octet-stream"'


def test_b_gets_403_for_qido_of_a_study_at_every_level(centre) -> None:
    b, a1 = As(centre.server, READER_B), centre.a1
    for path in (f"studies?StudyInstanceUID={a1.uid}",
                 f"studies?0020000D={a1.uid}",
                 f"studies?StudyInstanceUID={centre.b1.uid},{a1.uid}",   # a list smuggling A's study
                 f"studies/{a1.uid}/series",
                 f"studies/{a1.uid}/instances",
                 f"studies/{a1.uid}/series/{a1.series}/instances",
                 f"series?StudyInstanceUID={a1.uid}",
                 f"instances?StudyInstanceUID={a1.uid}",
                 f"studies?PatientID={a1.patient_id}"):
        assert b.qido(path).status_code == 403, path
    # and B's own study answers
    assert b.qido(f"studies/{centre.b1.uid}/series").status_code == 200


def test_b_gets_403_for_wado_of_a_study(centre) -> None:
    b, a1 = As(centre.server, READER_B), centre.a1
    base = f"/dicom-web/studies/{a1.uid}"
    inst = f"{base}/series/{a1.series}/instances/{a1.sops[0]}"
    for path, accept in ((base, INSTANCE), (f"{base}/metadata", "application/dicom+json"),
                         (f"{base}/series/{a1.series}", INSTANCE),
                         (f"{base}/series/{a1.series}/metadata", "application/dicom+json"),
                         (inst, INSTANCE), (f"{inst}/metadata", "application/dicom+json"),
                         (f"{inst}/frames/1", FRAMES), (f"{inst}/rendered", "image/jpeg"),
                         (f"{inst}/frames/1/rendered", "image/png")):
        assert b.get(path, headers={"Accept": accept}).status_code == 403, path
    # the same requests by A succeed: the refusals are about B, not about the routes
    a = As(centre.server, READER_A)
    assert a.get(f"{inst}/frames/1", headers={"Accept": FRAMES}).status_code == 200
    assert a.get(f"{inst}/rendered", headers={"Accept": "image/jpeg"}).status_code == 200
    assert a.get(f"{base}/series/{a1.series}/metadata").status_code == 200


def test_b_cannot_store_into_a_study(centre) -> None:
    b, a1 = As(centre.server, READER_B), centre.a1
    sop, sr = sr_into(a1, centre.workdir / "sr-b")
    assert b.stow([sr], a1.uid).status_code == 403
    answer = b.stow([sr])                # no study in the URL: the instance itself is checked
    assert sop not in answer.text        # not in ReferencedSOPSequence: the client sees "not stored"
    staff = As(centre.server, STAFF)
    assert staff.qido(f"studies/{a1.uid}/instances?SOPInstanceUID={sop}").status_code in (200, 204)
    assert sop not in staff.qido(f"studies/{a1.uid}/instances").text


def test_a_stores_the_report_into_the_assigned_study(centre) -> None:
    a, a1 = As(centre.server, READER_A), centre.a1
    sop, sr = sr_into(a1, centre.workdir / "sr-a")
    answer = a.stow([sr])
    assert answer.status_code == 200 and sop in answer.text
    assert sop in As(centre.server, STAFF).qido(f"studies/{a1.uid}/instances").text
    # ... but not into the prior of the same patient, which A may only read
    sop2, sr2 = sr_into(centre.a1_prior, centre.workdir / "sr-a2")
    assert a.stow([sr2], centre.a1_prior.uid).status_code == 403
    assert sop2 not in a.stow([sr2]).text


def test_a_cannot_store_under_another_patient(centre) -> None:
    """Same Study UID, another Patient ID: Orthanc would file it as a new patient's study."""
    a, staff = As(centre.server, READER_A), As(centre.server, STAFF)
    patients = len(staff.get("/patients").json())
    forged = dataclasses.replace(centre.a1, patient_id="SOMEONE-ELSE")
    sop, sr = sr_into(forged, centre.workdir / "sr-forged")
    assert sop not in a.stow([sr]).text
    assert sop not in a.stow([sr], centre.a1.uid).text
    assert len(staff.get("/patients").json()) == patients      # no patient was added


@pytest.mark.parametrize("method,path", [
    ("GET", "/studies"), ("GET", "/instances"), ("GET", "/patients"), ("GET", "/series"),
    ("POST", "/tools/find"), ("GET", "/system"), ("GET", "/app/explorer.html"), ("GET", "/wado"),
    ("GET", "/dicom-web/servers"), ("POST", "/instances"), ("GET", "/changes"), ("DELETE", "/studies/x"),
])
def test_readers_get_no_orthanc_rest(centre, method: str, path: str) -> None:
    for who in (READER_A, READER_B):
        r = As(centre.server, who).s.request(method, centre.server.base_url + path, timeout=30,
                                             json={"Level": "Study", "Query": {}} if method == "POST" else None)
        assert r.status_code == 403, (who[0], method, path)


def test_crafted_uids_are_refused(centre) -> None:
    a, a1, b1 = As(centre.server, READER_A), centre.a1, centre.b1
    crafted = [
        f"/dicom-web/studies/{a1.uid}%2F..%2F{b1.uid}/series",                 # encoded traversal
        f"/dicom-web/studies/{a1.uid}/..%2F{b1.uid}/series",
        f"/dicom-web/studies/{a1.uid}%2F..%2F..%2Fstudies%2F{b1.uid}%2Fseries",   # encoded slashes
        f"/dicom-web/studies/{a1.uid}/series/..%2F..%2F..%2Fstudies/{b1.uid}/series",
        f"/dicom-web/studies/{a1.uid}/series/{b1.series}/metadata",             # B's series under A's study
        f"/dicom-web/studies/{a1.uid}/series/{a1.series}/instances/{b1.sops[0]}",
        f"/dicom-web/studies/{a1.uid}/series/{b1.series}/instances/{b1.sops[0]}/frames/1",
        f"/dicom-web/studies/{a1.uid}/series?StudyInstanceUID={b1.uid}",        # query contradicting the path
        f"/dicom-web/studies?StudyInstanceUID={a1.uid}&0020000D={b1.uid}",     # one key, two spellings
        f"/dicom-web/studies/{a1.uid}x/series",
        f"/dicom-web//studies/{b1.uid}",
    ]
    for path in crafted:
        assert a.get(path, headers={"Accept": "application/dicom+json"}).status_code in (403, 404), path
        assert b1.uid not in a.get(path).text, path
    assert a.get(f"/dicom-web/studies/{a1.uid}/series/{b1.series}/metadata").status_code == 403


def test_priors_of_the_assigned_patient_are_readable(centre) -> None:
    a = As(centre.server, READER_A)
    prior = centre.a1_prior
    assert a.qido(f"studies?PatientID={prior.patient_id}").status_code == 200
    assert {centre.a1.uid, prior.uid} <= {s["0020000D"]["Value"][0]
                                         for s in a.qido(f"studies?PatientID={prior.patient_id}").json()}
    assert a.get(f"/dicom-web/studies/{prior.uid}/series/{prior.series}/metadata").status_code == 200
    # a wildcard on Patient ID could reach other patients: refused
    assert a.qido("studies?PatientID=YOMI-P*").status_code == 403
    # another patient's unassigned study is not a prior
    assert a.qido(f"studies/{centre.unassigned.uid}/series").status_code == 403


def test_multi_valued_and_ideographic_reading_names(centre) -> None:
    a, b = As(centre.server, READER_A), As(centre.server, READER_B)
    assert a.qido(f"studies/{centre.a_multi.uid}/series").status_code == 200     # case-insensitive, 2nd value
    assert a.qido(f"studies/{centre.a_jis.uid}/series").status_code == 200       # ISO 2022 IR 87 ideographic group
    assert a.qido(f"studies/{centre.near_miss.uid}/series").status_code == 403   # "Takahashi Kenji" is not A
    assert b.qido(f"studies/{centre.a_multi.uid}/series").status_code == 403


def test_staff_keeps_full_access(centre) -> None:
    staff = As(centre.server, STAFF)
    assert staff.get("/studies").status_code == 200
    assert staff.post("/tools/find", json={"Level": "Study", "Query": {}}).status_code == 200
    assert staff.qido("studies").status_code == 200
    for st in (centre.a1, centre.b1, centre.near_miss):
        assert staff.get(f"/dicom-web/studies/{st.uid}/series/{st.series}/metadata").status_code == 200
    assert staff.workitems().status_code == 200       # staff sees every workitem


def test_refusals_are_logged_without_personal_data(centre) -> None:
    b = As(centre.server, READER_B)
    assert b.qido(f"studies?PatientName=Lung*&StudyInstanceUID={centre.a1.uid}").status_code == 403
    assert b.get("/patients/Lung_Dx-A0001").status_code == 403
    lines = refusals_logged(centre.server)
    assert any("user=reader-b" in line and centre.a1.uid in line for line in lines)
    text = "\n".join(lines)
    for secret in ("Lung", NAME_A, NAME_B, "Takahashi", READER_B[1], "YOMI-P"):
        assert secret not in text


def test_parallel_readers_while_the_centre_uploads(centre) -> None:
    """The filter calls Orthanc's REST API from inside HTTP threads: many at once, with the
    picture rebuilt under them by uploads, must neither block nor let a wrong request through."""
    import concurrent.futures as cf

    from tests.centre.support import make_study

    a, b, a1 = As(centre.server, READER_A), As(centre.server, READER_B), centre.a1
    ok_path = f"/dicom-web/studies/{a1.uid}/series/{a1.series}/instances/{a1.sops[0]}/metadata"

    def reads(i: int) -> tuple[int, int]:
        return a.get(ok_path).status_code, b.get(ok_path).status_code

    new = [make_study(centre.workdir / f"par{i}", patient_id=f"YOMI-PAR{i}", reading=None, n=1, start=i)
           for i in range(4)]
    with cf.ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(reads, i) for i in range(48)]
        for st in new:
            centre.server.upload(st.files)
        results = [f.result(timeout=60) for f in futures]
    assert set(results) == {(200, 403)}
