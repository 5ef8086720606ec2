"""The worklist the centre plugin serves over UPS-RS, read by Yomi's own UPS client.

Without workitems created by the centre, each study's Name of Physician(s) Reading Study
(0008,1060) is the assignment; a workitem the centre creates (PS3.18 11.4) takes over its
study. Real Orthanc + plugin (conftest.py).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.centre.support import NAME_A, NAME_B, READER_A, READER_B, STAFF, As, uids_of, workitem
from worklist.centre import Forbidden, Status
from worklist.claims import ClaimStore
from worklist.dicomweb import ClientSettings, DicomWebClient
from worklist.dicomweb_centre import DicomWebCentre
from worklist.qido_worklist import QidoWorklist, QidoWorklistSettings
from worklist.ups import UpsSettings, UpsWorklist

pytestmark = pytest.mark.orthanc


def ups_centre(server, who: tuple[str, str], name: str, tmp: Path) -> DicomWebCentre:
    client = DicomWebClient(ClientSettings(server.dicomweb_url, user=who[0], secret=who[1], backoff=0.01))
    return DicomWebCentre("centre", client, UpsWorklist(client, UpsSettings(reader_name=name),
                                                        ClaimStore(tmp / f"claims-{who[0]}.json")))


def test_a_worklist_from_reading_physician_lists_only_a_studies(centre, tmp_path: Path) -> None:
    items = ups_centre(centre.server, READER_A, NAME_A, tmp_path).worklist()
    assert {it.study_uid for it in items} == {centre.a1.uid, centre.a_multi.uid, centre.a_jis.uid}
    assert all(it.status == Status.SCHEDULED and it.workitem_uid.startswith("2.25.") for it in items)
    assert {it.patient_id for it in items} == {"YOMI-P1", "YOMI-P3", "YOMI-P6"}
    b_items = ups_centre(centre.server, READER_B, NAME_B, tmp_path).worklist()
    assert {it.study_uid for it in b_items} == {centre.b1.uid}


def test_a_reader_sees_only_own_workitems_whatever_the_query(centre) -> None:
    a = As(centre.server, READER_A)
    mine = a.workitems()
    assert mine.status_code == 200
    for query in ("00404034.00404037=Sato?Jiro", "00404034.00404037=*", "", "00741000=SCHEDULED",
                  "ScheduledHumanPerformersSequence.HumanPerformerName=*Jiro*"):
        answer = a.workitems(query)
        assert uids_of(answer) <= uids_of(mine), query
    assert a.workitems("00404034.00404037=Sato?Jiro").status_code == 204
    assert uids_of(a.workitems("00404034.00404037=takahashi?kenji")) == uids_of(mine)
    assert uids_of(a.workitems("00404034.00404037=Taka*")) == uids_of(mine)
    # staff sees them all, the near-miss "Takahashi Kenji" and "Other^Doctor" included
    everything = uids_of(As(centre.server, STAFF).workitems())
    assert uids_of(mine) < everything and len(everything) == 7
    b_wi = uids_of(As(centre.server, READER_B).workitems())
    assert len(b_wi) == 1 and a.get(f"/dicom-web/workitems/{b_wi.pop()}").status_code == 403


def test_unsupported_search_keys_are_ignored_with_a_warning(centre) -> None:
    a = As(centre.server, READER_A)
    answer = a.workitems("00100010=Yamada*&limit=1")
    assert answer.status_code == 200 and len(answer.json()) == 1
    assert "00100010" in answer.headers["Warning"] and "Yamada" not in answer.headers["Warning"]
    assert a.workitems("limit=x").status_code == 400


def test_retrieve_has_no_transaction_uid(centre) -> None:
    a = As(centre.server, READER_A)
    uid = sorted(uids_of(a.workitems()))[0]
    got = a.get(f"/dicom-web/workitems/{uid}")
    assert got.status_code == 200
    ds = got.json()[0]
    assert ds["00080018"]["Value"] == [uid] and ds["00741000"]["Value"] == ["SCHEDULED"]
    assert "00081195" not in ds
    assert a.get("/dicom-web/workitems/1.2.3.4.5").status_code == 404


def test_qido_only_worklist_mode_is_refused_here(centre, tmp_path: Path) -> None:
    """The plugin cannot filter a QIDO answer, so a reader's unscoped study search is refused:
    readers of a centre running it use the UPS worklist."""
    client = DicomWebClient(ClientSettings(centre.server.dicomweb_url, user=READER_A[0], secret=READER_A[1],
                                           backoff=0.01))
    qido = QidoWorklist(client, QidoWorklistSettings(reader_name=NAME_A), ClaimStore(tmp_path / "c.json"))
    with pytest.raises(Forbidden):
        qido.worklist()


def test_created_workitem_governs_its_study(fresh_centre, tmp_path: Path) -> None:
    c = fresh_centre
    staff, a, b = As(c.server, STAFF), As(c.server, READER_A), As(c.server, READER_B)
    # (0008,1060) of a1 says A; the centre's workitem gives it to B.
    created = staff.create_workitem(workitem(c.a1.uid, NAME_B, patient_id=c.a1.patient_id, priority="HIGH"))
    assert created.status_code == 201 and "/dicom-web/workitems/" in created.headers["Location"]
    wid = created.headers["Location"].rsplit("/", 1)[1]
    a_list = ups_centre(c.server, READER_A, NAME_A, tmp_path).worklist()
    assert c.a1.uid not in {it.study_uid for it in a_list}
    assert a.qido(f"studies/{c.a1.uid}/series").status_code == 403
    assert a.qido(f"studies/{c.a1_prior.uid}/series").status_code == 403      # no prior without the assignment
    b_centre = ups_centre(c.server, READER_B, NAME_B, tmp_path)
    b_list = b_centre.worklist()
    assert b_list[0].workitem_uid == wid and b_list[0].study_uid == c.a1.uid   # HIGH first
    assert b.qido(f"studies/{c.a1.uid}/series").status_code == 200
    assert b.qido(f"studies/{c.a1_prior.uid}/series").status_code == 200
    # readers cannot create workitems; a workitem naming no study is refused
    assert a.create_workitem(workitem(c.a1.uid, NAME_A)).status_code == 403
    no_study = workitem(c.a1.uid, NAME_A)
    del no_study["0040A370"]
    assert staff.create_workitem(no_study).status_code == 400
    assert staff.create_workitem(workitem(c.a1.uid, NAME_B, uid=wid)).status_code == 409
    # once B completes it, B's access ends with it
    claimed = b_centre.claim(b_list[0])
    b_centre.release(claimed, completed=True)
    assert b.qido(f"studies/{c.a1.uid}/series").status_code == 403


def test_staff_moves_a_scheduled_workitem_to_another_reader(fresh_centre) -> None:
    c = fresh_centre
    staff, a, b = As(c.server, STAFF), As(c.server, READER_A), As(c.server, READER_B)
    created = staff.create_workitem(workitem(c.unassigned.uid, NAME_B, patient_id=c.unassigned.patient_id))
    wid = created.headers["Location"].rsplit("/", 1)[1]
    assert b.qido(f"studies/{c.unassigned.uid}/series").status_code == 200
    to_a = {"00404034": {"vr": "SQ", "Value": [{"00404037": {"vr": "PN", "Value": [{"Alphabetic": NAME_A}]}}]}}
    assert b.post(f"/dicom-web/workitems/{wid}", json=to_a).status_code == 403          # not by a reader
    assert staff.post(f"/dicom-web/workitems/{wid}", json=to_a).status_code == 200
    assert b.qido(f"studies/{c.unassigned.uid}/series").status_code == 403
    assert a.qido(f"studies/{c.unassigned.uid}/series").status_code == 200
    assert wid in uids_of(a.workitems()) and wid not in uids_of(b.workitems())
    assert a.set_state(wid, "IN PROGRESS", "1.2.3.4").status_code == 200
    assert staff.post(f"/dicom-web/workitems/{wid}", json=to_a).status_code == 409       # claimed: not any more
