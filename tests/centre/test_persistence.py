"""What must outlast a moment: workitem states across an Orthanc restart, and access that
follows the assignment when the centre moves it (real Orthanc + plugin)."""
from __future__ import annotations

import pytest

import json
from pathlib import Path

import requests
from pydicom.uid import generate_uid

from tests.centre.support import NAME_A, NAME_B, READER_A, READER_B, STAFF, As, make_study, uids_of, workitem

pytestmark = pytest.mark.orthanc


def _state(server, uid: str) -> str:
    return As(server, STAFF).get(f"/dicom-web/workitems/{uid}").json()[0]["00741000"]["Value"][0]


def test_states_survive_a_restart(fresh_centre) -> None:
    c = fresh_centre
    staff, a = As(c.server, STAFF), As(c.server, READER_A)
    created = staff.create_workitem(workitem(c.unassigned.uid, NAME_A, patient_id=c.unassigned.patient_id))
    assert created.status_code == 201
    derived = sorted(uids_of(a.workitems()) - {created.headers["Location"].rsplit("/", 1)[1]})[0]
    wid = created.headers["Location"].rsplit("/", 1)[1]
    tx_created, tx_derived = generate_uid(), generate_uid()
    assert a.set_state(wid, "IN PROGRESS", tx_created).status_code == 200
    assert a.set_state(derived, "IN PROGRESS", tx_derived).status_code == 200
    state_file = c.server.workdir / "storage" / "yomi-centre" / "workitems.json"
    on_disk = json.loads(state_file.read_text())
    assert on_disk["workitems"][wid]["state"] == "IN PROGRESS"
    assert "Lung" not in state_file.read_text() or on_disk["workitems"][wid]["origin"] == "created"

    c.server.kill()              # as in a crash: nothing is flushed on the way out
    c.server.restart()
    a = As(c.server, READER_A)
    assert _state(c.server, wid) == "IN PROGRESS" and _state(c.server, derived) == "IN PROGRESS"
    assert a.set_state(wid, "COMPLETED", generate_uid()).status_code == 400   # still the old claim's UID
    assert a.set_state(wid, "COMPLETED", tx_created).status_code == 200
    assert a.set_state(derived, "CANCELED", tx_derived).status_code == 200
    c.server.restart()
    assert _state(c.server, wid) == "COMPLETED" and _state(c.server, derived) == "CANCELED"


def test_priors_follow_the_assignment_when_it_moves(fresh_centre, tmp_path: Path) -> None:
    c = fresh_centre
    a, b, staff = As(c.server, READER_A), As(c.server, READER_B), As(c.server, STAFF)
    prior = c.a1_prior
    assert a.get(f"/dicom-web/studies/{prior.uid}/series/{prior.series}/metadata").status_code == 200
    assert b.get(f"/dicom-web/studies/{prior.uid}/series/{prior.series}/metadata").status_code == 403
    # The centre moves a1 to B: its instances are sent again with (0008,1060) = B.
    orthanc_id = staff.post("/tools/lookup", data=c.a1.uid).json()[0]["ID"]
    assert staff.s.delete(f"{c.server.base_url}/studies/{orthanc_id}", timeout=30).status_code == 200
    moved = make_study(tmp_path / "moved", patient_id=c.a1.patient_id, reading=[NAME_B], n=3, start=20,
                       study_uid=c.a1.uid)
    c.server.upload(moved.files)
    assert a.get(f"/dicom-web/studies/{prior.uid}/series/{prior.series}/metadata").status_code == 403
    assert a.qido(f"studies/{c.a1.uid}/series").status_code == 403
    assert a.qido(f"studies?PatientID={c.a1.patient_id}").status_code == 403
    assert b.get(f"/dicom-web/studies/{prior.uid}/series/{prior.series}/metadata").status_code == 200
    assert b.qido(f"studies/{c.a1.uid}/series").status_code == 200


def test_unusable_configuration_refuses_everyone(tmp_path: Path) -> None:
    from tests.centre.support import require_centre, start_centre
    require_centre()
    server = start_centre(tmp_path / "o", centre={"Readers": {READER_A[0]: {"dicom_name": ""}}})
    try:
        for who in (STAFF, READER_A):
            assert requests.get(f"{server.base_url}/dicom-web/studies", auth=who, timeout=10).status_code == 403
        assert "dicom_name" in server.log_path.read_text(errors="replace")
    finally:
        server.stop()


def test_without_orthanc_authentication_claimed_users_are_not_believed(tmp_path: Path) -> None:
    """AuthenticationEnabled off: Orthanc checks no password, so "I am staff" is not believed."""
    from tests.centre.support import require_centre, start_centre
    require_centre()
    server = start_centre(tmp_path / "o", extra_config={"AuthenticationEnabled": False})
    try:
        for who in (STAFF, ("staff", "wrong"), READER_A, None):
            assert requests.get(f"{server.base_url}/dicom-web/studies", auth=who, timeout=10).status_code == 403
            assert requests.get(f"{server.base_url}/studies", auth=who, timeout=10).status_code == 403
    finally:
        server.stop()
