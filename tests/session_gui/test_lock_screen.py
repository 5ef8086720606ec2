"""Idle lock of the real reading window (demo centre, real chest CT on screen).

The clock is injected (one clock for the session and the guard); the guard's own 1 s timer
does the checking, so the tests wait for its tick, never for a time. What is on screen is
checked on the window's pixels (QScreen.grabWindow: VTK areas included).
"""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app import audit
from app.audit import C
from app.demo import DEMO_READER, prepare_demo
from app.session import Session, SessionState
from app.windows.lock_screen import BACKGROUND, LOCKED_TITLE, LockGuard
from app.windows.main_window import MainWindow
from app.windows.prompts import Unattended
from app.windows.shortcut_sheet import show_shortcut_sheet
from tests.session_gui.conftest import PW, Clock
from tests.session_support import wait_checked
from tests.window_waits import wait_active, wait_exposed

TIMEOUT = 300.0


def _rgb(img: QImage) -> np.ndarray:
    img = img.convertToFormat(QImage.Format_RGB888)
    w, h = img.width(), img.height()
    buf = np.frombuffer(img.constBits(), np.uint8, count=img.bytesPerLine() * h)
    return buf.reshape(h, img.bytesPerLine())[:, : w * 3].reshape(h, w, 3).copy()


def _grab(win) -> np.ndarray:
    return _rgb(QApplication.primaryScreen().grabWindow(win.winId()).toImage())


def _rect_in(win, widget) -> QRect:
    return QRect(widget.mapTo(win, QPoint(0, 0)), widget.size())


def _cut(shot: np.ndarray, r: QRect) -> np.ndarray:
    return shot[r.top(): r.top() + r.height(), r.left(): r.left() + r.width()]


@pytest.fixture
def reading(qtbot, windows, shared_data, tmp_path, store, audit_log):
    """A logged-in reader's window on the demo centre, with its lock guard."""
    clock = Clock(1000.0)
    session = Session(store, audit_log=audit_log, clock=clock)
    session.login("dr.sato", PW)
    setup = prepare_demo(tmp_path / "centre")
    win = MainWindow(setup.centre, DEMO_READER, setup.notice, session=session)
    win.prompts = Unattended()
    windows.append(win)
    qtbot.addWidget(win)
    win.resize(1200, 800)
    guard = LockGuard(win, session, timeout_s=TIMEOUT, clock=clock)
    win.show()
    wait_exposed(qtbot, win)
    win.activateWindow()  # the view keys are the keymap's QActions: live in the active window
    wait_active(qtbot, win)
    qtbot.waitUntil(lambda: not win.reading.refreshing, timeout=60000)  # the first worklist is in
    return win, guard, session, clock


def _open_real_ct(qtbot, win) -> None:
    row = next(n for n, i in enumerate(win.worklist.items) if i.patient_id == "Lung_Dx-A0001")
    win.worklist.table.setFocus()
    win.worklist.table.selectRow(row)
    qtbot.keyClick(win.worklist.table, Qt.Key_Return)
    qtbot.waitUntil(lambda: win.volume is not None and not win.is_loading(), timeout=60000)
    qtbot.wait(100)


def _worklist_queries() -> int:
    """Worklist refreshes so far: the window audits each one (to the station's log) as a Query."""
    return sum(r.event.event_id == C.QUERY for r in audit.default_log().records())


def _tick(qtbot, guard) -> None:
    """Let the guard's timer fire once (it checks the session on each tick)."""
    with qtbot.waitSignal(guard.timer.timeout, timeout=3000):
        pass


def test_idle_lock_hides_patient_data_and_unlock_restores(qtbot, reading, audit_log, artifacts):
    win, guard, session, clock = reading
    _open_real_ct(qtbot, win)
    ax = win.mpr.axial
    qtbot.keyClick(ax, Qt.Key_Up)
    qtbot.keyClick(ax, Qt.Key_2)  # mediastinum window
    slice_before, window_before = ax.view.slice_index(), ax.view.state.window
    title_before = win.windowTitle()
    mpr_rect = _rect_in(win, win.mpr)
    shot = _grab(win)
    assert _cut(shot, mpr_rect).std() > 25  # the CT is on screen: there is something to hide
    patient = next(i for i in win.worklist.items if i.patient_id == "Lung_Dx-A0001")

    # input counts as activity: 299 s idle, a key, 299 s more -> still open
    clock.t += TIMEOUT - 1
    _tick(qtbot, guard)
    assert not guard.locked
    qtbot.keyClick(ax, Qt.Key_Down)
    qtbot.keyClick(ax, Qt.Key_Up)
    clock.t += TIMEOUT - 1
    _tick(qtbot, guard)
    assert not guard.locked and session.state is SessionState.ACTIVE

    clock.t += 2  # now past the timeout since the last key
    with qtbot.waitSignal(guard.lockedChanged, timeout=3000):
        pass
    assert guard.locked and session.state is SessionState.LOCKED
    qtbot.wait(200)  # let the X server unmap the VTK windows before grabbing the screen

    # nothing but the lock widget is visible; the title says nothing about anyone
    visible = [c for c in win.findChildren(QWidget, options=Qt.FindDirectChildrenOnly) if c.isVisible()]
    assert visible == [guard.lock_widget]
    assert win.windowTitle() == LOCKED_TITLE
    assert DEMO_READER not in win.windowTitle() and win.centre.name not in win.windowTitle()
    texts = " ".join(w.text() for w in guard.lock_widget.findChildren(QWidget) if hasattr(w, "text"))
    assert patient.patient_id not in texts
    assert all(part not in texts for part in patient.patient_name.replace("^", " ").split() if part)

    shot = _grab(win)
    QApplication.primaryScreen().grabWindow(win.winId()).save(str(artifacts / "lock-screen.png"))
    panel = _rect_in(win, guard.lock_widget.panel)
    outside = np.ones(shot.shape[:2], bool)
    outside[panel.top(): panel.top() + panel.height(), panel.left(): panel.left() + panel.width()] = False
    bg = np.array([BACKGROUND.red(), BACKGROUND.green(), BACKGROUND.blue()])
    # every pixel outside the password panel is the plain lock background: no worklist row,
    # no image, no overlay text anywhere, including the former MPR area
    assert (shot[outside] == bg).all(), "something other than the lock background is on screen"
    mpr_outside = _cut(outside, mpr_rect)
    former_mpr = _cut(shot, mpr_rect)[mpr_outside]
    assert mpr_outside.mean() > 0.5 and (former_mpr == former_mpr[0]).all()  # uniform
    # and the panel shows exactly what the panel itself paints (nothing bleeds through it);
    # a few pixels may differ by the blinking text cursor
    own = _rgb(guard.lock_widget.panel.grab().toImage())
    on_screen = _cut(shot, panel)
    differ = (np.abs(own.astype(int) - on_screen.astype(int)).max(axis=-1) > 8).mean()
    assert differ < 0.01, f"{differ:.1%} of the panel differs from its own rendering"

    # keys do not reach the hidden widgets, and no window shortcut fires (F5 = refresh)
    queries = _worklist_queries()
    qtbot.keyClick(ax, Qt.Key_Up)
    qtbot.keyClick(win.worklist.table, Qt.Key_Down)
    qtbot.keyClick(win, Qt.Key_F5)
    qtbot.keyClick(guard.lock_widget.password, Qt.Key_F5)
    assert not win.reading.refreshing  # a refresh would be in flight now (it runs off the GUI thread)
    qtbot.wait(300)
    assert ax.view.slice_index() == slice_before
    assert _worklist_queries() == queries
    # nor does the wheel (it scrolls slices when unlocked)
    from tests.gui.test_reading_window import _wheel
    _wheel(ax, QPoint(ax.width() // 2, ax.height() // 2), 120)
    assert ax.view.slice_index() == slice_before

    # a wrong password: a message, still locked
    qtbot.keyClicks(guard.lock_widget.password, "not it")
    qtbot.keyClick(guard.lock_widget.password, Qt.Key_Return)
    wait_checked(qtbot, guard.lock_widget)
    assert guard.locked and guard.lock_widget.message.text() == "Wrong password."
    assert guard.lock_widget.password.text() == ""
    assert not win.mpr.isVisible()

    qtbot.keyClicks(guard.lock_widget.password, PW)
    qtbot.keyClick(guard.lock_widget.password, Qt.Key_Return)
    wait_checked(qtbot, guard.lock_widget)
    assert not guard.locked and session.state is SessionState.ACTIVE
    assert not guard.lock_widget.isVisible()
    assert win.mpr.isVisible() and win.worklist.isVisible() and win.statusBar().isVisible()
    assert win.windowTitle() == title_before
    assert ax.view.slice_index() == slice_before and ax.view.state.window == window_before
    qtbot.waitUntil(lambda: _cut(_grab(win), mpr_rect).std() > 25, timeout=5000)  # the CT is back
    qtbot.keyClick(ax, Qt.Key_Up)  # and answers keys again
    assert ax.view.slice_index() == slice_before + 1

    kinds = [(r.event.event_types, int(r.event.outcome)) for r in audit_log.records()]
    assert kinds[-3:] == [((C.LOGOUT, C.IDLE_LOCK), 0), ((C.LOGIN, C.UNLOCK), 4), ((C.LOGIN, C.UNLOCK), 0)]
    assert PW not in audit_log.path.read_text()


def test_input_through_the_window_system_keeps_the_screen_open(qtbot, reading):
    """The guard watches input where it enters (the native windows and the focus widget), not
    application-wide: a mouse move, a key the keymap takes, a key in a dialog of the window
    each count; with none the screen locks."""
    win, guard, session, clock = reading
    _open_real_ct(qtbot, win)
    ax = win.mpr.axial
    handle = win.windowHandle()

    def idle_almost_out() -> None:
        clock.t += TIMEOUT - 1
        _tick(qtbot, guard)
        assert not guard.locked and session.state is SessionState.ACTIVE

    idle_almost_out()
    QTest.mouseMove(handle, ax.mapTo(win, ax.rect().center()))
    idle_almost_out()
    ax.setFocus()
    before = ax.view.slice_index()
    QTest.keyClick(handle, Qt.Key_Up)  # a shortcut: the QAction takes it, no KeyPress follows
    assert ax.view.slice_index() != before
    idle_almost_out()
    sheet = show_shortcut_sheet(win, win.keys)
    sheet.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is sheet)
    QTest.keyClick(sheet.windowHandle(), Qt.Key_Down)
    idle_almost_out()
    sheet.close()
    clock.t += 2  # and nothing since: past the timeout
    _tick(qtbot, guard)
    assert guard.locked


def test_ctrl_alt_l_locks_at_once(qtbot, reading, audit_log):
    win, guard, session, _clock = reading
    qtbot.keyClick(win.worklist.table, Qt.Key_L, Qt.ControlModifier | Qt.AltModifier)
    assert guard.locked and session.state is SessionState.LOCKED  # no timer tick needed
    assert not win.worklist.isVisible() and not win.mpr.isVisible()
    assert [r.event.event_types for r in audit_log.records()][-1] == (C.LOGOUT, C.IDLE_LOCK)
    qtbot.keyClicks(guard.lock_widget.password, PW)
    qtbot.keyClick(guard.lock_widget.password, Qt.Key_Return)
    wait_checked(qtbot, guard.lock_widget)
    assert not guard.locked and win.worklist.isVisible()


def test_what_shows_itself_while_locked_is_hidden_and_dialogs_closed(qtbot, reading):
    win, guard, _session, _clock = reading
    guard.lock_now()
    dock = win.worklist.parentWidget()
    dock.show()                       # e.g. a panel that opens itself when a load finishes
    win.setWindowTitle("Yomi — a study title")
    qtbot.waitUntil(lambda: not dock.isVisible(), timeout=3000)
    assert win.windowTitle() == LOCKED_TITLE
    box = QMessageBox(QMessageBox.Warning, "Yomi", "some message", parent=win)
    box.show()
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=3000)
    qtbot.keyClicks(guard.lock_widget.password, PW)
    qtbot.keyClick(guard.lock_widget.password, Qt.Key_Return)
    wait_checked(qtbot, guard.lock_widget)
    assert dock.isVisible() and not box.isVisible()
    assert win.windowTitle() == "Yomi — a study title"  # the newer title, kept for after the lock


def test_log_out_from_the_lock_screen(qtbot, reading, audit_log):
    win, guard, session, _clock = reading
    guard.lock_now()
    with qtbot.waitSignal(guard.loggedOut, timeout=3000):
        qtbot.mouseClick(guard.lock_widget.findChild(QWidget, "logout"), Qt.LeftButton)
    assert session.state is SessionState.LOGGED_OUT
    assert [r.event.event_types for r in audit_log.records()][-1] == (C.LOGOUT,)
    assert not win.mpr.isVisible()  # still hidden: the shell closes the window


T0 = 1_800_000_000.0


def test_unlock_asks_for_the_code_once_the_site_hours_have_passed(qtbot, windows, totp_site, audit_log):
    """Site setting totp_unlock_after_h = 1: the password alone within the hour, then a code too.
    A plain window stands in for the reading window: what is checked is the lock panel."""
    from PySide6.QtWidgets import QLabel, QMainWindow

    e = totp_site.add("dr.sato")
    wall, mono = Clock(T0), Clock(0.0)
    session = Session(totp_site.store, audit_log=audit_log, clock=mono, wall_clock=wall)
    session.login("dr.sato", PW, totp_site.code(e, T0))
    win = QMainWindow()
    win.setCentralWidget(QLabel("study on screen"))
    windows.append(win)
    qtbot.addWidget(win)
    guard = LockGuard(win, session, timeout_s=TIMEOUT, clock=mono)
    win.show()
    wait_exposed(qtbot, win)
    lw = guard.lock_widget

    wall.t = T0 + 1800
    guard.lock_now()
    assert not lw.asking_code and not lw.code.isVisible()
    qtbot.keyClicks(lw.password, PW)
    qtbot.keyClick(lw.password, Qt.Key_Return)
    wait_checked(qtbot, lw)
    assert not guard.locked

    wall.t = T0 + 3600
    guard.lock_now()
    assert lw.asking_code and lw.code.isVisible()
    qtbot.keyClicks(lw.password, PW)
    qtbot.keyClick(lw.password, Qt.Key_Return)  # Enter moves on to the code, submits nothing yet
    assert guard.locked and lw.focusWidget() is lw.code and lw.password.text() == PW
    qtbot.keyClicks(lw.code, totp_site.code(e, wall.t - 120))  # read off the app two minutes ago
    qtbot.keyClick(lw.code, Qt.Key_Return)
    wait_checked(qtbot, lw)
    assert guard.locked and "expired" in lw.message.text()
    assert lw.password.text() == "" and lw.code.text() == ""
    qtbot.keyClicks(lw.password, PW)
    qtbot.keyClicks(lw.code, totp_site.code(e, wall.t))
    qtbot.keyClick(lw.code, Qt.Key_Return)
    wait_checked(qtbot, lw)
    assert not guard.locked and session.state is SessionState.ACTIVE

    # the hour runs out while the screen is locked: the password alone is then refused
    wall.t += 600
    guard.lock_now()
    assert not lw.asking_code
    wall.t += 3600
    qtbot.keyClicks(lw.password, PW)
    qtbot.keyClick(lw.password, Qt.Key_Return)
    wait_checked(qtbot, lw)
    assert guard.locked and lw.asking_code and "one-time code" in lw.message.text()
    qtbot.keyClicks(lw.password, PW)
    qtbot.keyClicks(lw.code, e.recovery_codes[0])  # a recovery code works here too
    qtbot.keyClick(lw.code, Qt.Key_Return)
    wait_checked(qtbot, lw)
    assert not guard.locked
    guard.stop()
    unlocks = [int(r.event.outcome) for r in audit_log.records() if C.UNLOCK in r.event.event_types]
    assert unlocks == [0, 4, 0, 0]  # the stale code failed; the password-only try never reached the check
