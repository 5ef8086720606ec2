"""Yomi's UPS-RS worklist client against a real UPS-RS server: Orthanc with the centre plugin
of packaging/centre/ (workitems created by the centre's staff, PS3.18 11.4; claims 11.7)."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydicom.uid import generate_uid

from tests.centre.support import NAME_A, READER_A, STAFF, As, require_centre, start_centre, workitem
from tests.fixtures.orthanc import OrthancServer
from worklist.centre import BadData, Forbidden, Priority, Status
from worklist.claims import ClaimStore
from worklist.dicomweb import ClientSettings, DicomWebClient
from worklist.dicomweb_centre import DicomWebCentre
from worklist.ups import UpsSettings, UpsWorklist

pytestmark = pytest.mark.orthanc

ME = NAME_A


class Items:
    """Four workitems: two for me (MEDIUM then HIGH), one for Sato^Jiro, one for a near-miss name."""

    def __init__(self, server: OrthancServer) -> None:
        self.mine_medium, self.mine_high, self.sato, self.near = (generate_uid() for _ in range(4))
        self.studies = {uid: generate_uid() for uid in (self.mine_medium, self.mine_high, self.sato, self.near)}
        staff = As(server, STAFF)
        for uid, performer, priority, start in ((self.mine_medium, ME, "MEDIUM", "20240105090000"),
                                                (self.mine_high, ME, "HIGH", "20240105100000"),
                                                (self.sato, "Sato^Jiro", "MEDIUM", "20240105090000"),
                                                (self.near, "Takahashi Kenji", "MEDIUM", "20240105090000")):
            answer = staff.create_workitem(workitem(self.studies[uid], performer, uid=uid, priority=priority,
                                                    start=start))
            assert answer.status_code == 201, answer.text


def _server(tmp_path: Path, **centre: object) -> Iterator[OrthancServer]:
    require_centre()
    from tests.centre.support import READERS
    server = start_centre(tmp_path / "orthanc", centre={"Readers": READERS, **centre})
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def ups(tmp_path: Path) -> Iterator[OrthancServer]:
    yield from _server(tmp_path)


def centre(server: OrthancServer, tmp_path: Path, **settings: str) -> DicomWebCentre:
    client = DicomWebClient(ClientSettings(server.dicomweb_url, user=READER_A[0], secret=READER_A[1], backoff=0.01))
    return DicomWebCentre("ups", client, UpsWorklist(client, UpsSettings(reader_name=ME, **settings),
                                                     ClaimStore(tmp_path / "claims.json")))


def server_state(server: OrthancServer, uid: str) -> str:
    return As(server, STAFF).get(f"/dicom-web/workitems/{uid}").json()[0]["00741000"]["Value"][0]


def server_transaction(server: OrthancServer, uid: str) -> str:
    """The Transaction UID the server holds (from its state file: it is never sent back)."""
    state = json.loads((server.workdir / "storage" / "yomi-centre" / "workitems.json").read_text())
    return state["workitems"][uid]["transaction"]


def test_search_lists_mine_stat_first(ups: OrthancServer, tmp_path: Path) -> None:
    it = Items(ups)
    items = centre(ups, tmp_path).worklist()
    assert [i.workitem_uid for i in items] == [it.mine_high, it.mine_medium]
    assert items[0].priority == Priority.STAT and items[0].study_uid == it.studies[it.mine_high]
    assert items[1].patient_name == "Yamada^Tarou=山田^太郎=やまだ^たろう"
    assert items[1].arrived == "2024-01-05T09:00:00"
    # the performer key the client sends is matched by the server ('?' for '^')
    direct = As(ups, STAFF).workitems("00404034.00404037=Takahashi?Kenji")
    assert {w["00080018"]["Value"][0] for w in direct.json()} == {it.mine_high, it.mine_medium, it.near}


def test_server_that_cannot_match_performer_filtered_here(tmp_path: Path) -> None:
    for server in _server(tmp_path, RejectPerformerKey=True):
        it = Items(server)
        assert As(server, READER_A).workitems("00404034.00404037=Takahashi?Kenji").status_code == 400
        items = centre(server, tmp_path).worklist()
        assert {i.workitem_uid for i in items} == {it.mine_medium, it.mine_high}


def test_empty_search_204(ups: OrthancServer, tmp_path: Path) -> None:
    assert As(ups, READER_A).workitems().status_code == 204
    assert centre(ups, tmp_path).worklist() == []


def test_claim_persists_transaction_uid_and_complete_after_restart(ups: OrthancServer, tmp_path: Path) -> None:
    it = Items(ups)
    c = centre(ups, tmp_path)
    item = next(i for i in c.worklist() if i.workitem_uid == it.mine_medium)
    claimed = c.claim(item)
    assert claimed.status == Status.IN_PROGRESS
    assert server_transaction(ups, it.mine_medium) == claimed.transaction_uid
    assert ClaimStore(tmp_path / "claims.json").get(it.mine_medium) == claimed.transaction_uid
    # Restart of both: the server keeps the state, the client knows the claim only from its file.
    ups.restart()
    again = centre(ups, tmp_path)
    seen = next(i for i in again.worklist() if i.workitem_uid == it.mine_medium)
    assert seen.status == Status.IN_PROGRESS and seen.transaction_uid == claimed.transaction_uid
    seen.transaction_uid = ""
    again.release(seen, completed=True)
    assert server_state(ups, it.mine_medium) == "COMPLETED"
    assert ClaimStore(tmp_path / "claims.json").get(it.mine_medium) is None
    assert it.mine_medium not in {i.workitem_uid for i in again.worklist()}


def test_cancel_gives_it_back(ups: OrthancServer, tmp_path: Path) -> None:
    it = Items(ups)
    c = centre(ups, tmp_path)
    claimed = c.claim(next(i for i in c.worklist() if i.workitem_uid == it.mine_high))
    c.release(claimed, completed=False)
    assert server_state(ups, it.mine_high) == "CANCELED"


def test_claim_taken_by_another_is_forbidden_and_not_recorded(ups: OrthancServer, tmp_path: Path) -> None:
    it = Items(ups)
    c = centre(ups, tmp_path)
    item = next(i for i in c.worklist() if i.workitem_uid == it.mine_medium)
    # the centre's staff took it meanwhile (another station was faster)
    assert As(ups, STAFF).set_state(it.mine_medium, "IN PROGRESS", generate_uid()).status_code == 200
    with pytest.raises(Forbidden) as err:
        c.claim(item)
    assert "409" in err.value.reason
    assert ClaimStore(tmp_path / "claims.json").get(it.mine_medium) is None


def test_wrong_transaction_uid_refused(ups: OrthancServer, tmp_path: Path) -> None:
    it = Items(ups)
    c = centre(ups, tmp_path)
    claimed = c.claim(next(i for i in c.worklist() if i.workitem_uid == it.mine_medium))
    claimed.transaction_uid = "1.2.3.999"
    with pytest.raises(BadData) as err:
        c.release(claimed, completed=True)
    assert "400" in err.value.reason
    assert server_state(ups, it.mine_medium) == "IN PROGRESS"


def test_release_without_claim_is_refused_here(ups: OrthancServer, tmp_path: Path) -> None:
    Items(ups)
    c = centre(ups, tmp_path)
    item = c.worklist()[0]
    with pytest.raises(BadData):
        c.release(item, completed=True)
    assert server_state(ups, item.workitem_uid) == "SCHEDULED"


def test_dcm4chee_state_path_variant(ups: OrthancServer, tmp_path: Path) -> None:
    it = Items(ups)
    c = centre(ups, tmp_path, state_path_variant="dcm4chee", requester="YOMI01")
    claimed = c.claim(next(i for i in c.worklist() if i.workitem_uid == it.mine_high))
    assert server_state(ups, it.mine_high) == "IN PROGRESS"
    assert server_transaction(ups, it.mine_high) == claimed.transaction_uid
    c.release(claimed, completed=True)
    assert server_state(ups, it.mine_high) == "COMPLETED"


def test_workitems_read_by_the_short_path_equal_pydicom_from_json(ups: OrthancServer, tmp_path: Path) -> None:
    """The centre's real workitem answers (sequences, a Japanese name) give the same Dataset
    through dicom_json's short path as through pydicom's Dataset.from_json."""
    import warnings

    from pydicom.dataset import Dataset

    from tests.worklist.test_dicom_json import _same_datasets
    from worklist.dicom_json import _plain_dataset, dataset_from_json

    Items(ups)
    answers = As(ups, STAFF).workitems("includefield=all").json()
    assert len(answers) == 4
    for obj in answers:
        assert _plain_dataset(obj) is not None  # the short path really ran
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = Dataset.from_json(dict(obj))
        _same_datasets(dataset_from_json(obj, what="a workitem"), ref)
    assert any("山田" in str(dataset_from_json(o, what="w").PatientName) for o in answers)
