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


def test_the_error_sentences_are_imported_off_the_gui_thread_before_a_login_needs_them():
    """A failed login names its error through error_text, which imports the station's error
    classes (~0.9 s): done on the warm-up thread while the window waits, not on the GUI thread
    when the reader's password turns out wrong. A process of its own: this one has them."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys, threading\n"
        "import app.windows.login_dialog\n"
        "assert 'app.windows.error_text' not in sys.modules, 'imported before the login window'\n"
        "seen = []\n"
        "class Finder:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'app.windows.error_text':\n"
        "            seen.append(threading.current_thread().name)\n"
        "        return None\n"
        "sys.meta_path.insert(0, Finder())\n"
        "from app.windows import warm_up\n"
        "warm_up.start(); warm_up.wait()\n"
        "assert seen == ['warm-up'], seen\n"
        "assert 'app.windows.error_text' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=str(Path(__file__).resolve().parents[2]))
    assert done.returncode == 0, done.stderr[-2000:]
