"""`yomi --demo` from the command line's entry point: login dialog, then the reading window.

Drives app.main.main(["--demo"]) as a new user would: the login dialog comes up with the
demo reader's ID filled in; typing the password and Enter opens the window on the demo
worklist; opening the real CT puts it on screen; closing the window ends the program with 0.
"""
from __future__ import annotations

from PySide6.QtWidgets import QApplication

from app.gui import DEMO_PASSWORD
from tests.gui.startup import run_logged_in, when_loaded


def test_demo_starts_with_login_and_shows_the_real_ct(qtbot, shared_data, artifacts):
    def use(win, seen):
        seen["worklist"] = [i.patient_id for i in win.worklist.items]
        real = seen["worklist"].index("Lung_Dx-A0001")
        win.worklist.table.selectRow(real)
        win.open_item(win.worklist.items[real])

        def done():
            seen["shape"] = win.volume.shape
            QApplication.primaryScreen().grabWindow(win.winId()).save(str(artifacts / "demo-start.png"))
            win.close()

        when_loaded(win, done)

    rc, seen = run_logged_in(qtbot, ["--demo"], DEMO_PASSWORD, use)
    assert rc == 0
    assert seen["prefilled"] == "demo"
    assert seen["worklist"][0] == "SYNTH-0001"  # the STAT phantom heads the list
    assert seen["shape"] == (64, 512, 512)
    # The demo keeps its own audit trail: the station's stays untouched and verifiable.
    from app.audit import C, default_log

    assert not any(default_log().records())
    from app.audit import AuditLog
    from app.paths import data_dir

    demo_log = AuditLog(data_dir() / "demo-centre" / "audit" / "audit.jsonl")
    kinds = [r.event.event_id for r in demo_log.records()]
    assert C.USER_AUTHENTICATION in kinds and C.INSTANCES_ACCESSED in kinds


def test_holidays_load_off_the_gui_thread_while_the_login_window_waits(qtbot, monkeypatch):
    """The holiday calendar (0.15-0.5 s of imports) is neither paid before the login window
    shows nor on the GUI thread: it loads on a thread of its own once the window is up."""
    import threading

    import app.main
    from app.windows.login_dialog import LoginDialog

    calls, shown = [], threading.Event()
    real, show = app.main.load_holidays, LoginDialog.showEvent

    def recorded():
        calls.append((threading.current_thread() is threading.main_thread(), shown.is_set()))
        real()

    def on_show(self, event):
        shown.set()
        show(self, event)

    monkeypatch.setattr(app.main, "load_holidays", recorded)
    monkeypatch.setattr(LoginDialog, "showEvent", on_show)

    def use(win, seen):
        win.close()

    rc, _ = run_logged_in(qtbot, ["--demo"], DEMO_PASSWORD, use)
    assert rc == 0
    assert calls == [(False, True)]  # once, off the GUI thread, with the login window up
