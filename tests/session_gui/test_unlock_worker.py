"""The lock screen's password check (scrypt) runs on a worker: the GUI thread keeps painting,
the lock screen says it is checking, a second Enter is not a second attempt, and a wrong
password gets the same answer as before.

The real key derivation runs; the test only watches it (which thread, and holds it at a gate
so the "checking" state can be looked at), it never replaces it.
"""
from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QMainWindow

from app.audit import C
from app.session import Session, SessionState, credentials
from app.windows.lock_screen import LockGuard
from tests.session_gui.conftest import PW, Clock
from tests.session_support import wait_checked
from tests.window_waits import wait_exposed


@pytest.fixture
def locked(qtbot, windows, store, audit_log):
    session = Session(store, audit_log=audit_log, clock=Clock(0.0))
    session.login("dr.sato", PW)
    win = QMainWindow()
    win.setCentralWidget(QLabel("study on screen"))
    windows.append(win)
    qtbot.addWidget(win)
    guard = LockGuard(win, session, timeout_s=300.0, clock=Clock(0.0))
    win.show()
    wait_exposed(qtbot, win)
    guard.lock_now()
    yield guard, session
    guard.stop()


@pytest.fixture
def derivations(monkeypatch):
    """Each scrypt run of a password check: the thread it ran on; `gate` holds it until set."""
    real = credentials.master_secret
    seen: list[threading.Thread] = []
    gate = threading.Event()
    gate.set()

    def watched(*args, **kwargs):
        seen.append(threading.current_thread())
        assert gate.wait(20), "the test never opened the gate"
        return real(*args, **kwargs)

    monkeypatch.setattr(credentials, "master_secret", watched)
    return seen, gate


def _unlock_attempts(audit_log) -> list[int]:
    return [int(r.event.outcome) for r in audit_log.records() if C.UNLOCK in r.event.event_types]


def test_the_password_is_derived_on_a_worker_while_the_screen_shows_it_is_checking(qtbot, locked, derivations,
                                                                                   audit_log):
    guard, session = locked
    lw = guard.lock_widget
    seen, gate = derivations
    gate.clear()
    qtbot.keyClicks(lw.password, PW)
    qtbot.keyClick(lw.password, Qt.Key_Return)
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=5000)
    assert seen[0] is not threading.main_thread() and seen[0].is_alive()
    assert lw.checking and lw.message.text() == "Checking the password…"
    assert not lw.password.isEnabled() and not lw.unlock_button.isEnabled() and not lw.logout_button.isEnabled()
    # the GUI thread is free while the worker derives: its timers fire
    ticks = []
    QTimer.singleShot(10, lambda: ticks.append(1))
    qtbot.waitUntil(lambda: ticks == [1], timeout=2000)
    # a second Enter (and a click on Unlock) while checking is not a second attempt
    lw._submit()
    lw.unlock_button.click()
    qtbot.keyClick(lw.password, Qt.Key_Return)
    assert guard.locked and session.state is SessionState.LOCKED
    gate.set()
    wait_checked(qtbot, lw)
    assert not guard.locked and session.state is SessionState.ACTIVE
    assert len(seen) == 1 and _unlock_attempts(audit_log) == [0]


def test_a_wrong_password_is_refused_with_the_same_message_off_the_gui_thread(qtbot, locked, derivations,
                                                                               audit_log):
    guard, session = locked
    lw = guard.lock_widget
    seen, _gate = derivations
    qtbot.keyClicks(lw.password, "not the password")
    qtbot.keyClick(lw.password, Qt.Key_Return)
    wait_checked(qtbot, lw)
    assert guard.locked and session.state is SessionState.LOCKED
    assert lw.message.text() == "Wrong password." and lw.password.text() == ""
    assert lw.password.isEnabled() and lw.password.hasFocus()
    assert seen and all(t is not threading.main_thread() for t in seen)
    qtbot.keyClicks(lw.password, PW)
    qtbot.keyClick(lw.password, Qt.Key_Return)
    wait_checked(qtbot, lw)
    assert not guard.locked and _unlock_attempts(audit_log) == [4, 0]
