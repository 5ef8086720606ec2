"""`yomi --demo` from the command line's entry point: login dialog, then the reading window.

Drives app.main.main(["--demo"]) as a new user would: the login dialog comes up with the
demo reader's ID filled in; typing the password and Enter opens the window on the demo
worklist; opening the real CT puts it on screen; closing the window ends the program with 0.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from app.gui import DEMO_PASSWORD
from app.main import main
from app.windows.login_dialog import LoginDialog
from app.windows.main_window import MainWindow


def test_demo_starts_with_login_and_shows_the_real_ct(qtbot, shared_data, artifacts):
    seen = {}

    def find(kind):
        return next((w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()), None)

    def log_in():
        dialog = find(LoginDialog)
        if dialog is None:
            QTimer.singleShot(100, log_in)
            return
        seen["user_prefilled"] = dialog.user_id.text()
        qtbot.keyClicks(dialog.password, DEMO_PASSWORD)
        qtbot.keyClick(dialog.password, Qt.Key_Return)
        QTimer.singleShot(100, read)

    def read():
        win = find(MainWindow)
        if win is None:
            QTimer.singleShot(100, read)
            return
        win.quiet_errors = True
        seen["worklist"] = [i.patient_id for i in win.worklist.items]
        real = seen["worklist"].index("Lung_Dx-A0001")
        win.worklist.table.selectRow(real)
        win.open_item(win.worklist.items[real])

        def wait_loaded():
            if win.loader is not None or win.volume is None:
                QTimer.singleShot(100, wait_loaded)
                return
            seen["shape"] = win.volume.shape
            QApplication.primaryScreen().grabWindow(win.winId()).save(str(artifacts / "demo-start.png"))
            win.close()

        wait_loaded()

    QTimer.singleShot(100, log_in)
    rc = main(["--demo"])
    assert rc == 0
    assert seen["user_prefilled"] == "demo"
    assert seen["worklist"][0] == "SYNTH-0001"  # the STAT phantom heads the list
    assert seen["shape"] == (64, 512, 512)
