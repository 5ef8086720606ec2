"""`yomi --config centre.toml` against a real Orthanc, started as a reader starts it.

The station account is made with the same code as `yomi user add`; the centre password
comes from YOMI_PASSWORD (no keyring backend here: shared/PLATFORM-NOTES.md). Through
app.main.main: login dialog, then the reader's assigned studies from Orthanc, one opened.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from app.main import main
from app.session import add_user, default_store
from app.windows.login_dialog import LoginDialog
from app.windows.main_window import MainWindow
from tests.fixtures.orthanc import orthanc  # noqa: F401  (fixture)
from tests.gui.test_centre_window import assigned  # noqa: F401  (fixture)
from tests.worklist.conftest import READER

STATION_PASSWORD = "Station-Pass-4711"


def test_config_start_lists_assigned_studies_from_orthanc(qtbot, orthanc, assigned, tmp_path,  # noqa: F811
                                                           monkeypatch, artifacts):
    mine, other, _ = assigned
    config = tmp_path / "centre.toml"
    config.write_text(f'[centre]\nname = "Test centre"\ndicomweb_url = "{orthanc.dicomweb_url}"\n'
                      f'user = "{orthanc.user}"\nreader_dicom_name = "{READER}"\nprefetch = 1\n',
                      encoding="utf-8")
    monkeypatch.setenv("YOMI_PASSWORD", orthanc.password)
    add_user(default_store(), "dr.kenji", STATION_PASSWORD, "Kenji Takahashi", READER,
             must_change_password=False)
    seen = {}

    def find(kind):
        return next((w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()), None)

    def log_in():
        dialog = find(LoginDialog)
        if dialog is None:
            QTimer.singleShot(100, log_in)
            return
        seen["prefilled"] = dialog.user_id.text()
        qtbot.keyClicks(dialog.user_id, "dr.kenji")
        qtbot.keyClicks(dialog.password, STATION_PASSWORD)
        qtbot.keyClick(dialog.password, Qt.Key_Return)
        QTimer.singleShot(100, read)

    def read():
        win = find(MainWindow)
        if win is None:
            QTimer.singleShot(100, read)
            return
        win.quiet_errors = True
        seen["title"] = win.windowTitle()
        seen["studies"] = [i.study_uid for i in win.worklist.items]
        win.open_item(next(i for i in win.worklist.items if i.study_uid == mine))

        def wait_loaded():
            if win.loader is not None or win.volume is None:
                QTimer.singleShot(100, wait_loaded)
                return
            seen["shape"] = win.volume.shape
            QApplication.primaryScreen().grabWindow(win.winId()).save(str(artifacts / "config-start.png"))
            win.close()

        wait_loaded()

    QTimer.singleShot(100, log_in)
    assert main(["--config", str(config)]) == 0
    assert seen["prefilled"] == ""  # nothing about any reader is shown before login
    assert "Test centre" in seen["title"] and "dr.kenji" in seen["title"]
    assert mine in seen["studies"] and other not in seen["studies"]
    assert seen["shape"] == (64, 512, 512)
