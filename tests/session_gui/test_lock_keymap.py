"""The lock key is the keymap's (File > Lock screen): a changed key locks, the old one no
longer does, also in a window of the window's own; the lock saves the reader's window layout before it hides the window."""
from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtWidgets import QDockWidget, QPushButton

from app.demo import DEMO_READER, prepare_demo
from app.keymap.defaults import Menu
from app.session import Session
from app.windows.lock_screen import LockGuard
from app.windows.shortcut_sheet import show_shortcut_sheet
from tests.report_gui.helpers import make_window
from tests.session_gui.conftest import PW
from tests.session_support import wait_checked
from tests.window_waits import wait_exposed


def test_the_lock_key_is_the_keymaps_and_the_lock_saves_the_layout(qtbot, windows, tmp_path, store, audit_log):
    session = Session(store, audit_log=audit_log)
    session.login("dr.sato", PW)
    win = make_window(qtbot, windows, prepare_demo(tmp_path / "centre").centre, DEMO_READER, session=session)
    guard = LockGuard(win, session, timeout_s=300.0)
    lock = win.keys.action("file.lock_screen")
    assert lock in win.menuBar().menus[Menu.FILE].actions()
    assert [s.toString() for s in lock.shortcuts()] == ["Ctrl+Alt+L", "Ctrl+Shift+L"]

    keymap = win.keys.keymap.copy()
    keymap.bind("file.lock_screen", ["Ctrl+Alt+K"])
    win.keys.set_keymap(keymap)
    qtbot.keyClick(win.worklist.table, Qt.Key_L, Qt.ControlModifier | Qt.AltModifier)
    assert not guard.locked  # the old key is nobody's now

    worklist = win.findChild(QDockWidget, "worklist")
    win.removeDockWidget(worklist)
    win.addDockWidget(Qt.RightDockWidgetArea, worklist)
    worklist.show()  # removeDockWidget hid it
    on_screen = win.saveState(1)  # layout_memory's state version
    qtbot.keyClick(win.worklist.table, Qt.Key_K, Qt.ControlModifier | Qt.AltModifier)
    assert guard.locked
    saved = QSettings(str(win.layout_memory.path), QSettings.IniFormat).value("window/state")
    assert isinstance(saved, QByteArray) and saved == on_screen  # saved before the lock hid the docks
    qtbot.keyClicks(guard.lock_widget.password, PW)
    qtbot.keyClick(guard.lock_widget.password, Qt.Key_Return)
    wait_checked(qtbot, guard.lock_widget)
    assert not guard.locked

    # in a window of the window's own (the F1 sheet) the keymap's lock key locks too (the
    # guard's filter checks the lock QAction's keys where the QAction itself is not live)
    sheet = show_shortcut_sheet(win, win.keys)
    wait_exposed(qtbot, sheet)
    qtbot.keyClick(sheet.tree, Qt.Key_K, Qt.ControlModifier | Qt.AltModifier)
    assert guard.locked and not sheet.isVisible()
    at_lock = QSettings(str(win.layout_memory.path), QSettings.IniFormat).value("window/state")
    # Log out on the lock screen: the window closes with its docks hidden; the next login
    # gets the layout of before the lock, not an empty window
    guard.loggedOut.connect(win.close)  # as app/gui.py wires it
    next(b for b in guard.lock_widget.findChildren(QPushButton) if b.text() == "Log out").click()
    assert not win.isVisible()
    assert QSettings(str(win.layout_memory.path), QSettings.IniFormat).value("window/state") == at_lock
    again = make_window(qtbot, windows, prepare_demo(tmp_path / "centre").centre, DEMO_READER)
    worklist = again.findChild(QDockWidget, "worklist")
    assert worklist.isVisible() and again.dockWidgetArea(worklist) == Qt.RightDockWidgetArea
    assert again.findChild(QDockWidget, "report").isVisible()
