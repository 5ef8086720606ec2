"""UPS-RS worklist against the stand-in server of ups_server.py (no UPS server exists here)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.worklist.ups_server import UpsServer, UpsState, workitem
from worklist.centre import BadData, Forbidden, Priority, Status
from worklist.claims import ClaimStore
from worklist.dicomweb import ClientSettings, DicomWebClient
from worklist.dicomweb_centre import DicomWebCentre
from worklist.ups import UpsSettings, UpsWorklist

ME = "Takahashi^Kenji"


def state() -> UpsState:
    s = UpsState()
    s.items = {
        "1.2.3.1": workitem("1.2.3.1", "1.2.9.1", ME, priority="MEDIUM", start="20240105090000"),
        "1.2.3.2": workitem("1.2.3.2", "1.2.9.2", ME, priority="HIGH", start="20240105100000"),
        "1.2.3.3": workitem("1.2.3.3", "1.2.9.3", "Sato^Jiro"),
        "1.2.3.4": workitem("1.2.3.4", "1.2.9.4", "Takahashi Kenji"),
    }
    return s


def centre(url: str, tmp_path: Path) -> DicomWebCentre:
    client = DicomWebClient(ClientSettings(url, backoff=0.01))
    return DicomWebCentre("ups", client, UpsWorklist(client, UpsSettings(reader_name=ME),
                                                     ClaimStore(tmp_path / "claims.json")))


def test_search_lists_mine_stat_first(tmp_path: Path) -> None:
    st = state()
    with UpsServer(st) as url:
        items = centre(url, tmp_path).worklist()
    assert [it.workitem_uid for it in items] == ["1.2.3.2", "1.2.3.1"]
    assert items[0].priority == Priority.STAT and items[0].study_uid == "1.2.9.2"
    assert items[1].patient_name == "Yamada^Tarou=山田^太郎=やまだ^たろう"
    assert items[1].arrived == "2024-01-05T09:00:00"
    assert "00404034.00404037" in st.searches[0]


def test_server_that_cannot_match_performer_filtered_here(tmp_path: Path) -> None:
    st = state()
    st.reject_performer_key = True
    with UpsServer(st) as url:
        items = centre(url, tmp_path).worklist()
    assert {it.workitem_uid for it in items} == {"1.2.3.1", "1.2.3.2"}
    assert len(st.searches) == 2 and "00404034" not in st.searches[1]


def test_empty_search_204(tmp_path: Path) -> None:
    st = UpsState()
    with UpsServer(st) as url:
        assert centre(url, tmp_path).worklist() == []


def test_claim_persists_transaction_uid_and_complete_after_restart(tmp_path: Path) -> None:
    st = state()
    with UpsServer(st) as url:
        c = centre(url, tmp_path)
        item = next(it for it in c.worklist() if it.workitem_uid == "1.2.3.1")
        claimed = c.claim(item)
        assert claimed.status == Status.IN_PROGRESS
        assert st.transactions["1.2.3.1"] == claimed.transaction_uid
        assert ClaimStore(tmp_path / "claims.json").get("1.2.3.1") == claimed.transaction_uid
        # Restart: a new centre object knows the claim only from the file.
        again = centre(url, tmp_path)
        seen = next(it for it in again.worklist() if it.workitem_uid == "1.2.3.1")
        assert seen.status == Status.IN_PROGRESS and seen.transaction_uid == claimed.transaction_uid
        seen.transaction_uid = ""
        again.release(seen, completed=True)
        assert st.items["1.2.3.1"]["00741000"]["Value"] == ["COMPLETED"]
        assert ClaimStore(tmp_path / "claims.json").get("1.2.3.1") is None
        assert "1.2.3.1" not in {it.workitem_uid for it in again.worklist()}


def test_cancel_gives_it_back(tmp_path: Path) -> None:
    st = state()
    with UpsServer(st) as url:
        c = centre(url, tmp_path)
        claimed = c.claim(next(it for it in c.worklist() if it.workitem_uid == "1.2.3.2"))
        c.release(claimed, completed=False)
    assert st.items["1.2.3.2"]["00741000"]["Value"] == ["CANCELED"]


def test_claim_taken_by_another_is_forbidden_and_not_recorded(tmp_path: Path) -> None:
    st = state()
    with UpsServer(st) as url:
        c = centre(url, tmp_path)
        item = next(it for it in c.worklist() if it.workitem_uid == "1.2.3.1")
        st.items["1.2.3.1"]["00741000"]["Value"] = ["IN PROGRESS"]  # another reader was faster
        with pytest.raises(Forbidden) as err:
            c.claim(item)
    assert "409" in err.value.reason
    assert ClaimStore(tmp_path / "claims.json").get("1.2.3.1") is None


def test_wrong_transaction_uid_refused(tmp_path: Path) -> None:
    st = state()
    with UpsServer(st) as url:
        c = centre(url, tmp_path)
        claimed = c.claim(next(it for it in c.worklist() if it.workitem_uid == "1.2.3.1"))
        claimed.transaction_uid = "1.2.3.999"
        with pytest.raises(BadData) as err:
            c.release(claimed, completed=True)
    assert "400" in err.value.reason
    assert st.items["1.2.3.1"]["00741000"]["Value"] == ["IN PROGRESS"]


def test_release_without_claim_is_refused_here(tmp_path: Path) -> None:
    with UpsServer(state()) as url:
        c = centre(url, tmp_path)
        item = c.worklist()[0]
        with pytest.raises(BadData):
            c.release(item, completed=True)
