"""The UPS state machine of PS3.18 11.7 as the centre plugin enforces it (real Orthanc + plugin)."""
from __future__ import annotations

import pytest

from pydicom.uid import generate_uid

from tests.centre.support import READER_A, READER_B, STAFF, As, uids_of

pytestmark = pytest.mark.orthanc


def _mine(centre, who=READER_A) -> list[str]:
    return sorted(uids_of(As(centre.server, who).workitems()))


def _state(centre, uid: str) -> str:
    return As(centre.server, STAFF).get(f"/dicom-web/workitems/{uid}").json()[0]["00741000"]["Value"][0]


def test_claim_complete_with_the_transaction_uid(centre) -> None:
    a = As(centre.server, READER_A)
    uid = _mine(centre)[0]
    tx = generate_uid()
    assert a.set_state(uid, "IN PROGRESS", tx).status_code == 200
    assert _state(centre, uid) == "IN PROGRESS"
    assert a.set_state(uid, "IN PROGRESS", generate_uid()).status_code == 409     # claimed already
    assert a.set_state(uid, "COMPLETED", generate_uid()).status_code == 400       # not the claim's UID
    assert _state(centre, uid) == "IN PROGRESS"
    assert a.set_state(uid, "COMPLETED", tx).status_code == 200
    assert _state(centre, uid) == "COMPLETED"
    assert a.set_state(uid, "CANCELED", tx).status_code == 409                    # final state
    assert a.set_state(uid, "IN PROGRESS", generate_uid()).status_code == 409


def test_cancel_and_bad_requests(centre) -> None:
    a = As(centre.server, READER_A)
    uid = _mine(centre)[1]
    assert a.set_state(uid, "CANCELED", generate_uid()).status_code == 409        # not claimed
    assert a.set_state(uid, "SCHEDULED", generate_uid()).status_code == 400       # not a target state
    assert a.put(f"/dicom-web/workitems/{uid}/state", data=b'{"00741000": {"vr": "CS", "Value": ["IN PROGRESS"]}}',
                 headers={"Content-Type": "application/dicom+json"}).status_code == 400   # no Transaction UID
    assert a.put(f"/dicom-web/workitems/{uid}/state", data=b"not json",
                 headers={"Content-Type": "application/dicom+json"}).status_code == 400
    assert a.set_state("1.2.3.4.5.6", "IN PROGRESS", generate_uid()).status_code == 404
    tx = generate_uid()
    assert a.set_state(uid, "IN PROGRESS", tx).status_code == 200
    assert a.set_state(uid, "CANCELED", tx).status_code == 200
    assert _state(centre, uid) == "CANCELED"


def test_b_cannot_touch_a_workitem(centre) -> None:
    b = As(centre.server, READER_B)
    b_uid = _mine(centre, READER_B)[0]
    a_uids = set(uids_of(As(centre.server, STAFF).workitems())) - {b_uid}
    for uid in a_uids:
        assert b.set_state(uid, "IN PROGRESS", generate_uid()).status_code in (403, 409)
    assert all(_state(centre, u) != "IN PROGRESS" or u in _mine(centre) for u in a_uids)


def test_dcm4chee_state_path_variant(centre) -> None:
    b = As(centre.server, READER_B)
    uid = _mine(centre, READER_B)[0]
    tx = generate_uid()
    assert b.set_state(uid, "IN PROGRESS", tx, requester="YOMI_WS1").status_code == 200
    assert b.set_state(uid, "COMPLETED", generate_uid(), requester="YOMI_WS1").status_code == 400
    assert b.set_state(uid, "COMPLETED", tx, requester="YOMI_WS1").status_code == 200
    assert _state(centre, uid) == "COMPLETED"
