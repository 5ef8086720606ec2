"""The login dialog, typed into as a reader types: success, failure, lockout, first-use change."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QLineEdit

from app.audit import C
from app.session import Session, SessionState, UserStore
from app.windows.login_dialog import WRONG, LoginDialog, login
from tests.session_gui.conftest import FAST, IT_PW, PW, Clock
from tests.window_waits import wait_exposed


def _dialog(qtbot, windows, store, **session_kw) -> LoginDialog:
    dlg = LoginDialog(store, lambda s: Session(s, **session_kw))
    windows.append(dlg)
    qtbot.addWidget(dlg)
    dlg.show()
    wait_exposed(qtbot, dlg)
    return dlg


def _type_login(qtbot, dlg: LoginDialog, user_id: str, password: str) -> None:
    dlg.user_id.clear()
    qtbot.keyClicks(dlg.user_id, user_id)
    qtbot.keyClick(dlg.user_id, Qt.Key_Tab)
    qtbot.keyClicks(dlg.password, password)
    qtbot.keyClick(dlg.password, Qt.Key_Return)  # Enter submits
    _settle(qtbot, dlg)


def _settle(qtbot, dlg: LoginDialog) -> None:
    """The check runs on a worker: wait for its answer to reach the dialog."""
    qtbot.waitUntil(lambda: not dlg.working, timeout=30000)


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
    _settle(qtbot, dlg)
    problems = dlg.message.text()
    assert "at least 13 characters" in problems and "lower case, upper case" in problems
    assert dlg.changing_password

    qtbot.keyClicks(dlg.new_password, "Aozora-no-shita 77")
    qtbot.keyClicks(dlg.repeat_password, "Aozora-no-shita 78")
    qtbot.keyClick(dlg.repeat_password, Qt.Key_Return)
    _settle(qtbot, dlg)
    assert "differ" in dlg.message.text() and dlg.changing_password

    qtbot.keyClicks(dlg.repeat_password, "Aozora-no-shita 77")
    qtbot.keyClick(dlg.repeat_password, Qt.Key_Return)
    _settle(qtbot, dlg)
    assert dlg.result() == QDialog.Accepted
    assert dlg.session.state is SessionState.ACTIVE and not dlg.session.password_change_required
    assert not store.get("dr.new").must_change_password
    fresh = Session(UserStore(site=store.site.directory, credentials_dir=store.credentials_dir, scrypt=FAST))
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


# ---- second factor ----------------------------------------------------------------------

T0 = 1_800_000_000.0


def _type_code(qtbot, dlg: LoginDialog, code: str) -> None:
    dlg.code.clear()
    qtbot.keyClicks(dlg.code, code)
    qtbot.keyClick(dlg.code, Qt.Key_Return)
    _settle(qtbot, dlg)


def _other(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_totp_login_asks_for_the_code_and_refuses_wrong_and_replayed(qtbot, windows, totp_site, audit_log):
    e = totp_site.add("dr.sato")
    wall = Clock(T0)
    dlg = _dialog(qtbot, windows, totp_site.store, audit_log=audit_log, wall_clock=wall)
    _type_login(qtbot, dlg, "dr.sato", PW)
    assert dlg.asking_code and not dlg.showing_qr and dlg.isVisible()
    assert dlg.session.state is SessionState.LOGGED_OUT  # nothing opened before the code
    assert dlg.focusWidget() is dlg.code and dlg.password.text() == ""
    _type_code(qtbot, dlg, _other(totp_site.code(e, T0)))
    assert dlg.message.text() == "The one-time code is wrong." and dlg.asking_code
    _type_code(qtbot, dlg, totp_site.code(e, T0))
    assert dlg.result() == QDialog.Accepted and dlg.session.state is SessionState.ACTIVE

    # the same code again (same 30 s step), in a new dialog: refused as a replay
    dlg.session.logout()
    again = _dialog(qtbot, windows, totp_site.store, audit_log=audit_log, wall_clock=wall)
    _type_login(qtbot, again, "dr.sato", PW)
    _type_code(qtbot, again, totp_site.code(e, T0))
    assert "already used" in again.message.text() and again.asking_code
    assert again.session.state is SessionState.LOGGED_OUT
    alerts = [r.event for r in audit_log.records() if r.event.event_id == C.SECURITY_ALERT]
    assert len(alerts) == 2  # the wrong code and the replay
    qtbot.keyClick(again.code, Qt.Key_Escape)
    assert again.result() == QDialog.Rejected


def _decode_pixmap(pixmap, path) -> str:
    import shutil
    import subprocess

    if shutil.which("zbarimg") is None:
        pytest.skip("zbarimg (Debian zbar-tools) is needed to read the QR code on screen")
    pixmap.save(str(path))
    return subprocess.run(["zbarimg", "-q", "--raw", str(path)], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_first_login_enrolment_shows_the_qr_once(qtbot, windows, tmp_path, audit_log, artifacts):
    import pyotp

    from tests.session_support import make_site

    site = make_site(tmp_path / "it", totp_enrol_at_first_login=True)
    site.add("dr.new", IT_PW, must_change_password=True)
    wall = Clock(T0)
    dlg = _dialog(qtbot, windows, site.store, audit_log=audit_log, wall_clock=wall)
    _type_login(qtbot, dlg, "dr.new", IT_PW)
    assert dlg.asking_code and dlg.showing_qr
    dlg.grab().save(str(artifacts / "login-enrolment-qr.png"))
    uri = _decode_pixmap(dlg.qr.pixmap(), tmp_path / "qr.png")  # what the phone's camera reads
    app = pyotp.parse_uri(uri)
    assert uri.startswith("otpauth://totp/") and "dr.new" in uri
    assert app.secret.replace(" ", "") in dlg.manual_key.text().replace(" ", "")
    _type_code(qtbot, dlg, app.at(T0))
    assert dlg.changing_password and dlg.qr.pixmap().isNull()  # gone, and never shown again
    qtbot.keyClicks(dlg.new_password, "Aozora-no-shita 77")
    qtbot.keyClicks(dlg.repeat_password, "Aozora-no-shita 77")
    qtbot.keyClick(dlg.repeat_password, Qt.Key_Return)
    _settle(qtbot, dlg)
    assert dlg.result() == QDialog.Accepted
    dlg.session.logout()

    wall.t += 30
    later = _dialog(qtbot, windows, site.store, audit_log=audit_log, wall_clock=wall)
    _type_login(qtbot, later, "dr.new", "Aozora-no-shita 77")
    assert later.asking_code and not later.showing_qr
    _type_code(qtbot, later, app.at(wall.t))
    assert later.result() == QDialog.Accepted


def test_tampered_store_is_named_and_nothing_opens(qtbot, windows, totp_site, audit_log):
    import json

    totp_site.add("dr.sato")
    doc = json.loads(totp_site.store.path.read_text())
    doc["payload"]["accounts"][0]["roles"] = ["reader", "admin"]
    totp_site.store.path.write_text(json.dumps(doc))
    dlg = _dialog(qtbot, windows, totp_site.store, audit_log=audit_log)
    _type_login(qtbot, dlg, "dr.sato", PW)
    assert str(totp_site.store.path) in dlg.message.text() and "signature" in dlg.message.text()
    assert dlg.isVisible() and not dlg.asking_code and dlg.session.state is SessionState.LOGGED_OUT
    assert [r.event.event_id for r in audit_log.records()] == [C.SECURITY_ALERT, C.USER_AUTHENTICATION]


def test_the_password_check_runs_off_the_gui_thread_and_esc_waits_for_it(qtbot, windows, store):
    import threading

    seen = []

    class Recording(Session):
        def login(self, *a, **k):
            seen.append(threading.current_thread() is threading.main_thread())
            gate.wait(10)
            return super().login(*a, **k)

    gate = threading.Event()
    dlg = LoginDialog(store, lambda s: Recording(s))
    windows.append(dlg)
    dlg.show()
    wait_exposed(qtbot, dlg)
    qtbot.keyClicks(dlg.user_id, "dr.sato")
    qtbot.keyClicks(dlg.password, PW)
    qtbot.keyClick(dlg.password, Qt.Key_Return)
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert seen == [False] and dlg.working and not dlg.ok.isEnabled()
    qtbot.keyClick(dlg, Qt.Key_Escape)  # half-way: the dialog waits for the check to end
    assert dlg.isVisible()
    gate.set()
    _settle(qtbot, dlg)
    assert dlg.result() == QDialog.Accepted and dlg.session.user.user_id == "dr.sato"
