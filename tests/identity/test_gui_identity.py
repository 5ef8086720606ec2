"""The reading window as reader B, started through app.main.main like a reader starts it, against
the real centre plugin (tests/centre): the worklist holds only B's studies, a configuration
naming reader A changes nothing (the account wins, and the reader is told), and a crafted
work item for A's study (A's own workitem UID inside) is refused with a visible message and
a Security Alert under B's station user."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from tests.centre.support import NAME_A, NAME_B, READER_A, READER_B, As, uids_of
from tests.gui.startup import run_logged_in
from tests.identity.support import make_station, study_alerts
from tests.session_support import PW
from worklist.centre import WorkItem

pytestmark = pytest.mark.orthanc


def test_reader_b_sees_and_opens_only_b_studies(qtbot, centre, tmp_path, monkeypatch, capsys, artifacts) -> None:
    station = make_station(tmp_path / "station", monkeypatch, totp=False)
    station.add("dr.takahashi", dicom_name=NAME_A, centre_user=READER_A[0])
    station.add("dr.sato", dicom_name=NAME_B, centre_user=READER_B[0])
    monkeypatch.setenv("YOMI_CENTRE_PASSWORD", READER_B[1])
    config = tmp_path / "centre.toml"  # a user file claiming to be reader A
    config.write_text(f'[centre]\nname = "Centre"\ndicomweb_url = "{centre.server.dicomweb_url}"\nhas_ups = true\n'
                      f'user = "{READER_A[0]}"\nreader_dicom_name = "{NAME_A}"\nprefetch = 0\n', encoding="utf-8")
    a_workitem = next(iter(uids_of(As(centre.server, READER_A).workitems(f"0040A370.0020000D={centre.a1.uid}"))),
                      "")

    def use(win, seen):
        seen["title"] = win.windowTitle()
        seen["studies"] = {i.study_uid for i in win.worklist.items}
        crafted = WorkItem(study_uid=centre.a1.uid, patient_id=centre.a1.patient_id, workitem_uid=a_workitem)
        win.open_item(crafted)

        def refused():
            if not win.prompts.warnings:
                qtbot.wait(100)
                return refused()
            seen["warnings"] = list(win.prompts.warnings)
            seen["status"] = win.status_label.text()
            seen["volume"] = win.volume
            QApplication.primaryScreen().grabWindow(win.winId()).save(str(artifacts / "identity-refused.png"))
            win.close()

        qtbot.waitUntil(lambda: bool(win.prompts.warnings), timeout=30000)
        refused()

    rc, seen = run_logged_in(qtbot, ["--config", str(config)], PW, use, user_id="dr.sato")
    err = capsys.readouterr().err
    assert rc == 0
    assert "dr.sato" in seen["title"]
    assert seen["studies"] == {centre.b1.uid}
    assert seen["volume"] is None
    assert any(centre.a1.uid in w and "not on this reader's worklist" in w for w in seen["warnings"])
    assert centre.a1.uid in seen["status"]
    # the account won over the file, and the reader was told (never silently)
    assert "reader_dicom_name" in err and NAME_B in err and "centre.user" in err
    alerts = study_alerts(centre.a1.uid)
    assert alerts and {a.participants[0].user_id for a in alerts} == {"dr.sato"}
