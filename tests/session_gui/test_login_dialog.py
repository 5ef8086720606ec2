"""The login dialog, typed into as a reader types: success, failure, lockout, first-use change."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QLineEdit

from app.audit import C
from app.session import Session, SessionState, UserStore
from app.windows.login_dialog import WRONG, LoginDialog, login
from tests.session_gui.conftest import FAST, IT_PW, PW


def _dialog(qtbot, windows, store, **session_kw) -> LoginDialog:
    dlg = LoginDialog(store, lambda s: Session(s, **session_kw))
    windows.append(dlg)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    return dlg


def _type_login(qtbot, dlg: LoginDialog, user_id: str, password: str) -> None:
    dlg.user_id.clear()
    qtbot.keyClicks(dlg.user_id, user_id)
    qtbot.keyClick(dlg.user_id, Qt.Key_Tab)
    qtbot.keyClicks(dlg.password, password)
    qtbot.keyClick(dlg.password, Qt.Key_Return)  # Enter submits


def _texts(dlg: QDialog) -> str:
    return "\n".join(w.text() for w in dlg.findChildren(QLabel) if w.isVisible())


def test_login_success_with_enter(qtbot, windows, store, audit_log):
    dlg = _dialog(qtbot, windows, store, audit_log=audit_log)
    assert dlg.password.echoMode() == QLineEdit.Password
    # before login the dialog names no one: not the readers, not a patient
    assert "Sato" not in _texts(dlg) and "dr.sato" not in _texts(dlg)
    _type_login(qtbot, dlg, "dr.sato", PW)
    assert dlg.result() == QDialog.Accepted and not dlg.isVisible()
    assert dlg.session.state is SessionState.ACTIVE and dlg.session.user.user_id == "dr.sato"
    assert dlg.password.text() == ""  # the secret does not stay in the widget
    events = [(r.event.event_types[0], r.event.outcome) for r in audit_log.records()]
    assert events == [(C.LOGIN, 0)]


def test_failure_message_does_not_say_which_part_was_wrong(qtbot, windows, store):
    dlg = _dialog(qtbot, windows, store)
    _type_login(qtbot, dlg, "dr.sato", "not the password")
    wrong_password = dlg.message.text()
    assert dlg.isVisible() and dlg.result() != QDialog.Accepted
    assert dlg.password.text() == "" and dlg.focusWidget() is dlg.password
    _type_login(qtbot, dlg, "nobody", PW)
    assert dlg.message.text() == wrong_password == WRONG
    assert "user ID or password is wrong" in WRONG
    assert dlg.session.state is SessionState.LOGGED_OUT
    _type_login(qtbot, dlg, "dr.sato", PW)  # the same dialog still logs in
    assert dlg.result() == QDialog.Accepted


def test_lockout_shows_time_until_unlock(qtbot, windows, store):
    dlg = _dialog(qtbot, windows, store, max_failures=3, lockout_s=600)
    for _ in range(2):
        _type_login(qtbot, dlg, "dr.sato", "wrong")
        assert dlg.message.text() == WRONG
    _type_login(qtbot, dlg, "dr.sato", "wrong")
    assert "Too many failed attempts" in dlg.message.text()
    assert "10 minutes" in dlg.message.text()
    _type_login(qtbot, dlg, "dr.sato", PW)  # even the right password waits out the lockout
    assert "Too many failed attempts" in dlg.message.text()
    assert dlg.isVisible() and dlg.session.state is SessionState.LOGGED_OUT


def test_password_change_at_first_login(qtbot, windows, store, audit_log):
    dlg = _dialog(qtbot, windows, store, audit_log=audit_log)
    _type_login(qtbot, dlg, "dr.new", IT_PW)
    assert dlg.changing_password and dlg.isVisible()
    assert dlg.new_password.echoMode() == dlg.repeat_password.echoMode() == QLineEdit.Password

    qtbot.keyClicks(dlg.new_password, "short")
    qtbot.keyClicks(dlg.repeat_password, "short")
    qtbot.keyClick(dlg.repeat_password, Qt.Key_Return)
    problems = dlg.message.text()
    assert "at least 13 characters" in problems and "lower case, upper case" in problems
    assert dlg.changing_password

    qtbot.keyClicks(dlg.new_password, "Aozora-no-shita 77")
    qtbot.keyClicks(dlg.repeat_password, "Aozora-no-shita 78")
    qtbot.keyClick(dlg.repeat_password, Qt.Key_Return)
    assert "differ" in dlg.message.text() and dlg.changing_password

    qtbot.keyClicks(dlg.repeat_password, "Aozora-no-shita 77")
    qtbot.keyClick(dlg.repeat_password, Qt.Key_Return)
    assert dlg.result() == QDialog.Accepted
    assert dlg.session.state is SessionState.ACTIVE and not dlg.session.password_change_required
    assert not store.get("dr.new").must_change_password
    fresh = Session(UserStore(store.path, scrypt=FAST))
    fresh.login("dr.new", "Aozora-no-shita 77")  # the new password is the one stored


def test_cancel_during_change_logs_out(qtbot, windows, store, audit_log):
    dlg = _dialog(qtbot, windows, store, audit_log=audit_log)
    _type_login(qtbot, dlg, "dr.new", IT_PW)
    assert dlg.changing_password
    session = dlg.session
    qtbot.keyClick(dlg.new_password, Qt.Key_Escape)
    assert dlg.result() == QDialog.Rejected and dlg.session is None
    assert session.state is SessionState.LOGGED_OUT
    assert store.get("dr.new").must_change_password
    assert [r.event.event_types[0] for r in audit_log.records()] == [C.LOGIN, C.LOGOUT]


@pytest.mark.parametrize("accept", [True, False])
def test_login_function_prefills_and_returns_session(qtbot, store, accept):
    seen = {}

    def drive() -> None:
        dlg = QApplication.activeModalWidget()
        seen["user"] = dlg.user_id.text()
        seen["focus"] = dlg.focusWidget() is dlg.password
        if accept:
            qtbot.keyClicks(dlg.password, PW)
            qtbot.keyClick(dlg.password, Qt.Key_Return)
        else:
            qtbot.keyClick(dlg.password, Qt.Key_Escape)

    QTimer.singleShot(0, drive)
    session = login(store, user_hint="dr.sato")
    assert seen == {"user": "dr.sato", "focus": True}
    if accept:
        assert session is not None and session.user.user_id == "dr.sato"
    else:
        assert session is None
