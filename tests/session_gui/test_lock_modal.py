"""Idle lock while a modal dialog is open (issue 10 item 5: the sign-password dialog open when
the idle lock fired deadlocked the station: keys, Esc and Log out were ignored).

A dialog's `exec()` blocks the test function under it, so each case is a script of short
steps run by a timer inside the dialog's event loop; the test body only waits for the
dialog's caller to return. Keys go in through the window system (`QTest.keyClick` on the
QWindow), as a keyboard's do: that path honours modality, which sending key events straight
to a widget would bypass.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox, QWidget

from app.demo import DEMO_READER, prepare_demo
from app.session import Session, SessionState
from app.windows.lock_screen import BACKGROUND, LockGuard
from app.windows.main_window import MainWindow
from app.windows.prompts import Unattended
from tests.session_gui.conftest import PW, Clock
from tests.session_support import wait_checked
from tests.session_gui.test_lock_screen import _grab, _rect_in
from tests.window_waits import wait_exposed

TIMEOUT = 300.0


@pytest.fixture
def reading(qtbot, windows, tmp_path, store, audit_log):
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
    qtbot.waitUntil(lambda: not win.reading.refreshing, timeout=60000)
    return win, guard, session, clock


class _Script:
    """Steps run one after another by a 50 ms timer; a step returns True when it is done.

    A failing step (or a step still waiting after `limit` ticks) is recorded and `abort`
    runs, so that the dialog's caller returns and the test reports instead of hanging."""

    def __init__(self, steps: list[Callable[[], bool]], abort: Callable[[], None], limit: int = 200) -> None:
        self.steps, self.abort, self.limit = list(steps), abort, limit
        self.error: BaseException | None = None
        self.ticks = 0
        self.timer = QTimer()
        self.timer.setInterval(50)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        if not self.steps:
            self.timer.stop()
            return
        self.ticks += 1
        try:
            if self.ticks > self.limit:
                raise AssertionError(f"step {self.steps[0].__name__} still waiting after {self.limit} ticks")
            if self.steps[0]():
                self.steps.pop(0)
                self.ticks = 0
        except BaseException as exc:  # noqa: BLE001 - reported by the test body
            self.error = exc
            self.steps = []
            self.timer.stop()
            self.abort()


def _type(window: QWidget, text: str) -> None:
    for ch in text:  # the handle asked for per key: the lock may have the native window remade
        QTest.keyClick(window.windowHandle(), ch)


def _enter(window: QWidget) -> None:
    QTest.keyClick(window.windowHandle(), Qt.Key_Return)


def test_idle_lock_with_the_sign_dialog_open_hides_it_and_gives_it_back(qtbot, reading, artifacts):
    win, guard, session, clock = reading
    panel = win.report_panel
    answer: list[str | None] = []
    seen: dict[str, object] = {}

    def dialog():
        return panel.password_dialog

    def dialog_open() -> bool:
        dlg = dialog()
        if dlg is None or not dlg.isVisible():
            return False
        if not dlg.isActiveWindow():
            return False  # the keys go where the window system sends them: wait for it
        _type(dlg, "Half-")  # the reader has begun typing the signing password
        return dlg.findChild(QLineEdit).text() == "Half-"

    def go_idle() -> bool:
        clock.t += TIMEOUT + 1  # the guard's next tick (inside the dialog's exec) locks
        return True

    def locked() -> bool:
        return guard.locked

    def screen_is_locked() -> bool:
        seen["ticks"] = seen.get("ticks", 0) + 1
        if seen["ticks"] < 4:  # let the X server unmap the dialog and the VTK windows
            return False
        assert session.state is SessionState.LOCKED
        assert not dialog().isVisible()
        assert QApplication.activeModalWidget() is None  # nothing blocks the lock widget
        shot = _grab(win)
        QApplication.primaryScreen().grabWindow(win.winId()).save(str(artifacts / "lock-with-sign-dialog.png"))
        panel_rect = _rect_in(win, guard.lock_widget.panel)
        outside = np.ones(shot.shape[:2], bool)
        outside[panel_rect.top(): panel_rect.bottom() + 1, panel_rect.left(): panel_rect.right() + 1] = False
        bg = np.array([BACKGROUND.red(), BACKGROUND.green(), BACKGROUND.blue()])
        assert (shot[outside] == bg).all(), "something other than the lock background is on screen"
        return True

    def wrong_password_is_answered() -> bool:
        # the lock screen takes keys from the keyboard: a wrong password gets its message
        _type(win, "not-the-password")
        _enter(win)
        assert guard.lock_widget.checking, "the lock screen did not take the keys"
        wait_checked(qtbot, guard.lock_widget)
        assert guard.locked
        assert guard.lock_widget.message.text() == "Wrong password."
        return True

    def unlock() -> bool:
        _type(win, PW)
        _enter(win)
        wait_checked(qtbot, guard.lock_widget)
        assert not guard.locked and session.state is SessionState.ACTIVE
        return True

    def dialog_back() -> bool:
        dlg = dialog()
        if dlg is None or not dlg.isVisible():
            return False
        if not dlg.isActiveWindow():
            return False  # the keys go where the window system sends them: wait for it
        assert dlg.findChild(QLineEdit).text() == "Half-"  # where the reader was
        _type(dlg, "rest")
        _enter(dlg)
        return True

    def abort() -> None:
        if guard.locked:
            guard._restore()
        dlg = dialog()
        if dlg is not None:
            dlg.reject()

    script = _Script([dialog_open, go_idle, locked, screen_is_locked, wrong_password_is_answered,
                      unlock, dialog_back], abort)
    QTimer.singleShot(0, lambda: answer.append(panel.ask_password()))
    qtbot.waitUntil(lambda: bool(answer) and not script.steps, timeout=60000)
    if script.error is not None:
        raise script.error
    assert answer == ["Half-rest"]  # the caller never saw the interruption
    assert win.worklist.isVisible()


def test_log_out_from_the_lock_with_the_sign_dialog_open(qtbot, reading):
    win, guard, session, clock = reading
    panel = win.report_panel
    answer: list[str | None] = []

    def dialog_open() -> bool:
        dlg = panel.password_dialog
        return dlg is not None and dlg.isVisible()

    def lock_now() -> bool:
        guard.lock_now()
        return True

    def log_out() -> bool:
        qtbot.mouseClick(guard.lock_widget.findChild(QWidget, "logout"), Qt.LeftButton)
        return True

    def abort() -> None:
        if panel.password_dialog is not None:
            panel.password_dialog.reject()

    script = _Script([dialog_open, lock_now, log_out], abort)
    QTimer.singleShot(0, lambda: answer.append(panel.ask_password()))
    qtbot.waitUntil(lambda: bool(answer) and not script.steps, timeout=60000)
    if script.error is not None:
        raise script.error
    assert answer == [None]  # signing cancelled, not resumed for nobody
    assert session.state is SessionState.LOGGED_OUT


def test_a_plain_modal_message_open_at_lock_time_is_closed_not_left_blocking(qtbot, reading):
    win, guard, session, _clock = reading
    result: list[int] = []

    def box_open() -> bool:
        return isinstance(QApplication.activeModalWidget(), QMessageBox)

    def lock_now() -> bool:
        guard.lock_now()
        return True

    def keys_reach_the_lock() -> bool:
        if QApplication.activeModalWidget() is not None:
            return False
        _type(win, PW)
        _enter(win)
        wait_checked(qtbot, guard.lock_widget)
        assert not guard.locked
        return True

    def abort() -> None:
        box = QApplication.activeModalWidget()
        if box is not None:
            box.reject()

    script = _Script([box_open, lock_now, keys_reach_the_lock], abort)
    box = QMessageBox(QMessageBox.Information, "Yomi", "a message", parent=win.report_panel)
    QTimer.singleShot(0, lambda: result.append(box.exec()))
    qtbot.waitUntil(lambda: bool(result) and not script.steps, timeout=60000)
    if script.error is not None:
        raise script.error
    assert session.state is SessionState.ACTIVE and win.worklist.isVisible()


def test_a_modal_message_of_no_parent_shown_while_locked_does_not_block_the_lock(qtbot, reading):
    """E.g. a worker's failure reported while the reader is away: the lock keeps its keys."""
    win, guard, session, _clock = reading
    guard.lock_now()
    result: list[int] = []

    def box_gone() -> bool:
        return bool(result) and QApplication.activeModalWidget() is None

    def keys_reach_the_lock() -> bool:
        if not win.isActiveWindow():
            return False
        _type(win, PW)
        _enter(win)
        wait_checked(qtbot, guard.lock_widget)
        assert not guard.locked and session.state is SessionState.ACTIVE
        return True

    def abort() -> None:
        box = QApplication.activeModalWidget()
        if box is not None:
            box.reject()

    box = QMessageBox(QMessageBox.Warning, "Yomi", "a message", parent=None)
    QTimer.singleShot(0, lambda: result.append(box.exec()))
    script = _Script([box_gone, keys_reach_the_lock], abort)
    qtbot.waitUntil(lambda: bool(result) and not script.steps, timeout=60000)
    if script.error is not None:
        raise script.error
    assert win.worklist.isVisible()


def test_the_windows_own_question_open_at_lock_time_is_back_after_the_unlock(qtbot, reading):
    """The reading window's prompts (app/windows/prompts.Dialogs) resume like the sign dialog:
    the reader answers the question they were asked before the lock."""
    from app.windows.prompts import Dialogs

    win, guard, session, _clock = reading
    answer: list[bool] = []

    def box():
        w = QApplication.activeModalWidget()
        return w if isinstance(w, QMessageBox) else None

    def box_open() -> bool:
        return box() is not None and box().isVisible()

    def lock_now() -> bool:
        guard.lock_now()
        return True

    def unlock() -> bool:
        if QApplication.activeModalWidget() is not None:
            return False
        _type(win, PW)
        _enter(win)
        wait_checked(qtbot, guard.lock_widget)
        assert not guard.locked
        return True

    def answer_yes() -> bool:
        b = box()
        if b is None or not b.isVisible():
            return False
        b.button(QMessageBox.Yes).click()
        return True

    def abort() -> None:
        if guard.locked:
            guard._restore()
        b = box()
        if b is not None:
            b.reject()

    script = _Script([box_open, lock_now, unlock, answer_yes], abort)
    QTimer.singleShot(0, lambda: answer.append(Dialogs().confirm(win, "Give the study back?")))
    qtbot.waitUntil(lambda: bool(answer) and not script.steps, timeout=60000)
    if script.error is not None:
        raise script.error
    assert answer == [True] and session.state is SessionState.ACTIVE
