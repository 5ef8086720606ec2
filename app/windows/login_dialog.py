"""The login dialog: user ID + password, then the second factor, then (first use) a new
password; shows no personal data.

Pages: log in (user ID, password) -> one-time code (TOTP from the authenticator app, or a
recovery code; at a first-login enrolment the QR code to scan is shown here, once) ->
new password (when IT set the current one). All decisions (password check, lockout,
second factor, policy) are made by `app.session.Session`; this widget only collects the
text, calls it and shows the typed errors it raises. Messages never tell whether the user
ID or the password was wrong (security.md row 1) and nothing about any patient or reader is
shown before the login succeeded.
"""
from __future__ import annotations

import logging
import math
import time
import threading
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.session import (
    AccountLocked,
    AccountStoreTampered,
    AuthenticationFailed,
    PolicyViolation,
    RoleMissing,
    SecondFactorFailed,
    SecondFactorFailure,
    SecondFactorRequest,
    SecondFactorRequired,
    Session,
    SessionError,
    UserStore,
)
from app.session.password_policy import PasswordRule
from app.session.qr import png_qr
from app.windows import warm_up
from app.windows.gui_post import GuiPost

__all__ = ["LoginDialog", "login", "wait_text", "second_factor_text", "tampered_text", "WRONG"]

log = logging.getLogger(__name__)

WRONG = "The user ID or password is wrong."


def wait_text(until: float, now: float) -> str:
    """'Try again in N minutes' for an AccountLocked; whole minutes, rounded up."""
    minutes = max(1, math.ceil((until - now) / 60.0))
    if minutes == 1:
        return QCoreApplication.translate("LoginDialog", "Too many failed attempts. Try again in 1 minute.")
    return QCoreApplication.translate("LoginDialog", "Too many failed attempts. Try again in {n} minutes.").format(n=minutes)


def second_factor_text(failure: SecondFactorFailure) -> str:
    """What the reader is told for a refused code, one sentence per reason."""
    return {
        SecondFactorFailure.WRONG: QCoreApplication.translate("LoginDialog", "The one-time code is wrong."),
        SecondFactorFailure.EXPIRED: QCoreApplication.translate("LoginDialog", "The one-time code has expired. Enter the code the app shows now."),
        SecondFactorFailure.REPLAYED: QCoreApplication.translate("LoginDialog", "This one-time code was already used. Wait for the next code."),
        SecondFactorFailure.RECOVERY_USED: QCoreApplication.translate("LoginDialog", "This recovery code was already used."),
        SecondFactorFailure.SECRET_MISMATCH: QCoreApplication.translate("LoginDialog", "The authenticator set up on this station does not match the "
                                                 "one IT enrolled. Ask IT to reset your account."),
    }[failure]


def tampered_text(exc: AccountStoreTampered) -> str:
    return QCoreApplication.translate("LoginDialog", "The account store {path} failed its signature check: it may have been altered. Nobody can "
               "log in until IT restores it.").format(path=exc.path)


def _password_edit(parent: QWidget) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setEchoMode(QLineEdit.Password)
    # no completion/undo history of secrets
    edit.setAttribute(Qt.WA_InputMethodEnabled, False)
    return edit


class LoginDialog(QDialog):
    """Log a reader in; `exec()` returns Accepted with `self.session` logged in.

    `session_factory(store)` builds the Session (the shell passes one with the audit log and
    the configured idle timeout); it is called once, at the first attempt.
    """

    LOGIN, CODE, CHANGE = 0, 1, 2

    def __init__(self, store: UserStore, session_factory: Callable[[UserStore], Session] = Session,
                 parent: QWidget | None = None, *, user_hint: str = "",
                 wall_clock: Callable[[], float] = time.time) -> None:
        super().__init__(parent)
        self.store = store
        self.session: Session | None = None
        self._factory = session_factory
        self._wall = wall_clock
        self._old_password = ""  # kept only between login and the first-use change
        self._gui = GuiPost(self)
        self.working = False  # a check runs on a worker (scrypt takes a good part of a second)
        self.setWindowTitle(self.tr("Yomi — log in"))
        self.setModal(True)

        self.pages = QStackedWidget(self)
        self.pages.addWidget(self._login_page(user_hint))
        self.pages.addWidget(self._code_page())
        self.pages.addWidget(self._change_page())
        self.message = QLabel("", self)
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.PlainText)
        self.message.setStyleSheet("color: #b00020;")
        self.ok = QPushButton(self.tr("Log in"), self)
        self.ok.setDefault(True)  # Enter in either field presses it (QDialog default button)
        self.ok.clicked.connect(self._submit)
        cancel = QPushButton(self.tr("Cancel"), self)
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        self.cancel_button = cancel
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.ok)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        (self.password if user_hint else self.user_id).setFocus()

    # ---- pages ----------------------------------------------------------------------
    def _login_page(self, user_hint: str) -> QWidget:
        page = QWidget(self)
        self.user_id = QLineEdit(user_hint, page)
        self.user_id.setObjectName("user_id")
        self.password = _password_edit(page)
        self.password.setObjectName("password")
        form = QFormLayout(page)
        form.addRow(self.tr("User ID"), self.user_id)
        form.addRow(self.tr("Password"), self.password)
        return page

    def _code_page(self) -> QWidget:
        page = QWidget(self)
        self.enrol_hint = QLabel(self.tr(
            "Set up your authenticator app: scan this QR code with it now. It is shown only this once; "
            "then enter the code the app shows."), page)
        self.enrol_hint.setObjectName("enrol_hint")
        self.enrol_hint.setWordWrap(True)
        self.qr = QLabel(page)
        self.qr.setObjectName("qr")
        self.qr.setAlignment(Qt.AlignCenter)
        self.manual_key = QLabel(page)  # for apps that cannot scan: the key, typed by hand
        self.manual_key.setObjectName("manual_key")
        self.manual_key.setTextFormat(Qt.PlainText)
        self.manual_key.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.code_hint = QLabel(self.tr("Enter the 6-digit code from your authenticator app, "
                                        "or one of your recovery codes."), page)
        self.code_hint.setWordWrap(True)
        self.code = QLineEdit(page)
        self.code.setObjectName("code")
        self.code.setAttribute(Qt.WA_InputMethodEnabled, False)
        self.code.setMaxLength(20)
        form = QFormLayout(page)
        form.addRow(self.enrol_hint)
        form.addRow(self.qr)
        form.addRow(self.manual_key)
        form.addRow(self.code_hint)
        form.addRow(self.tr("Code"), self.code)
        return page

    def _change_page(self) -> QWidget:
        page = QWidget(self)
        p = self.store.policy
        hint = QLabel(self.tr("Your password was set by the administrator and must be changed now.\n"
                              "At least {n} characters, mixing at least {k} of lower case, upper case, digits "
                              "and symbols, not containing your user ID.").format(n=p.min_length, k=p.min_classes),
                      page)
        hint.setWordWrap(True)
        self.new_password = _password_edit(page)
        self.new_password.setObjectName("new_password")
        self.repeat_password = _password_edit(page)
        self.repeat_password.setObjectName("repeat_password")
        form = QFormLayout(page)
        form.addRow(hint)
        form.addRow(self.tr("New password"), self.new_password)
        form.addRow(self.tr("Repeat"), self.repeat_password)
        return page

    @property
    def changing_password(self) -> bool:
        return self.pages.currentIndex() == self.CHANGE

    @property
    def asking_code(self) -> bool:
        return self.pages.currentIndex() == self.CODE

    @property
    def showing_qr(self) -> bool:
        return self.asking_code and self.qr.isVisible() and self.qr.pixmap() is not None \
            and not self.qr.pixmap().isNull()

    # ---- actions --------------------------------------------------------------------
    def _work(self, job: Callable[[], object], done: Callable[[], None],
              failed: Callable[[SessionError], None]) -> None:
        """Run `job` (a password or code check: scrypt, decryption, file locks) on a worker;
        then `done()` or `failed(error)` here. The form waits, the GUI thread does not."""
        self._set_working(True)

        def run() -> None:
            try:
                job()
            except SessionError as exc:
                self._gui.post(lambda exc=exc: self._finish(lambda: failed(exc)))
            except Exception as exc:  # a bug must not leave the dialog waiting for ever
                log.exception("login check failed unexpectedly")
                error = SessionError(f"login failed unexpectedly ({type(exc).__name__})")  # logged, not shown
                self._gui.post(lambda: self._finish(lambda: failed(error)))
            else:
                self._gui.post(lambda: self._finish(done))
        threading.Thread(target=run, name="yomi-login", daemon=True).start()

    def _finish(self, then: Callable[[], None]) -> None:
        self._set_working(False)
        then()

    def _set_working(self, on: bool) -> None:
        self.working = on
        self.pages.setEnabled(not on)
        self.ok.setEnabled(not on)
        self.cancel_button.setEnabled(not on)
        # the check's answer replaces this: an error, the next page, or the dialog closes
        self.message.setText(self.tr("Checking…") if on else "")
        if on:
            QGuiApplication.setOverrideCursor(Qt.WaitCursor)
        else:
            QGuiApplication.restoreOverrideCursor()

    def reject(self) -> None:
        if not self.working:  # Esc while a check runs: the session is half-way, wait for it
            super().reject()

    def _submit(self) -> None:
        if self.working:
            return
        if self.changing_password:
            self._change()
        elif self.asking_code:
            self._second_factor()
        else:
            self._login()

    def _login(self) -> None:
        user_id, password = self.user_id.text().strip(), self.password.text()
        if not user_id or not password:
            self.message.setText(self.tr("Enter your user ID and password."))
            return
        if self.session is None:
            self.session = self._factory(self.store)
        session = self.session

        def failed(exc: SessionError) -> None:
            if isinstance(exc, SecondFactorRequired):
                self._old_password = password
                self.password.clear()
                self._ask_code(exc.request)
            else:
                self._fail(self._text(exc))
        self._work(lambda: session.login(user_id, password), lambda: self._logged_in(password), failed)

    def _text(self, exc: SessionError) -> str:
        if isinstance(exc, AuthenticationFailed):
            return self.tr("The user ID or password is wrong.")
        if isinstance(exc, AccountLocked):
            return wait_text(exc.until, self._wall())
        if isinstance(exc, SecondFactorFailed):
            return second_factor_text(exc.failure)
        if isinstance(exc, AccountStoreTampered):
            return tampered_text(exc)
        if isinstance(exc, RoleMissing):
            return self.tr("This account may not open the reading window (no reader role). Ask IT.")
        warm_up.wait()   # it imports error_text while the window waits (~0.9 s)
        from app.windows.error_text import error_text

        return error_text(exc)  # e.g. a damaged credential file: the detail, naming the file, is logged

    def _ask_code(self, request: SecondFactorRequest) -> None:
        enrolling = request.enrolling
        self.enrol_hint.setVisible(enrolling)
        self.qr.setVisible(enrolling)
        self.manual_key.setVisible(enrolling)
        if enrolling:
            pix = QPixmap()
            pix.loadFromData(png_qr(request.enrolment_uri), "PNG")
            self.qr.setPixmap(pix)
            secret = request.enrolment_uri.split("secret=", 1)[1].split("&", 1)[0]
            self.manual_key.setText(self.tr("Key: {key}").format(key=" ".join(secret[i:i + 4]
                                                                               for i in range(0, len(secret), 4))))
        self.message.setText("")
        self.pages.setCurrentIndex(self.CODE)
        self.ok.setText(self.tr("Verify"))
        self.user_id.setEnabled(False)
        self.code.clear()
        self.code.setFocus()

    def _forget_qr(self) -> None:
        self.qr.clear()
        self.manual_key.clear()

    def _second_factor(self) -> None:
        code = self.code.text().strip()
        if not code:
            self.message.setText(self.tr("Enter the code from your authenticator app."))
            return
        session = self.session

        def failed(exc: SessionError) -> None:
            if isinstance(exc, SecondFactorFailed):
                self.message.setText(second_factor_text(exc.failure))
                self.code.clear()
                self.code.setFocus()
                return
            # locked out meanwhile, tampered store, missing role: start again
            self._forget_qr()
            session.cancel_login()
            self._back_to_login()
            self._fail(self._text(exc))

        def done() -> None:
            self._forget_qr()  # the enrolment QR is never shown again
            self._logged_in(self._old_password)
        self._work(lambda: session.complete_login(code), done, failed)

    def _back_to_login(self) -> None:
        self._old_password = ""
        self.pages.setCurrentIndex(self.LOGIN)
        self.ok.setText(self.tr("Log in"))
        self.user_id.setEnabled(True)

    def _logged_in(self, password: str) -> None:
        self.password.clear()
        self.code.clear()
        if self.session.password_change_required:
            self._old_password = password
            self.message.setText("")
            self.pages.setCurrentIndex(self.CHANGE)
            self.ok.setText(self.tr("Change password"))
            self.user_id.setEnabled(False)
            self.new_password.setFocus()
            return
        self._old_password = ""
        self.accept()

    def _fail(self, text: str) -> None:
        self.message.setText(text)
        self.password.clear()
        self.password.setFocus()

    def _change(self) -> None:
        new, again = self.new_password.text(), self.repeat_password.text()
        if new != again:
            self.message.setText(self.tr("The two new passwords differ."))
            self.repeat_password.clear()
            self.repeat_password.setFocus()
            return
        session, old = self.session, self._old_password

        def failed(exc: SessionError) -> None:
            if isinstance(exc, PolicyViolation):
                self.message.setText(self.tr("The new password needs:") + "\n" +
                                     "\n".join(f"• {p}" for p in self._policy_texts(new)))
                self.new_password.clear()
                self.repeat_password.clear()
                self.new_password.setFocus()
            else:
                warm_up.wait()
                from app.windows.error_text import error_text

                self.message.setText(error_text(exc))

        def done() -> None:
            self._old_password = ""
            self.accept()
        self._work(lambda: session.change_password(old, new), done, failed)

    def _policy_texts(self, new: str) -> list[str]:
        """Each password rule `new` breaks, in words (the policy's typed rules, not its text)."""
        p = self.store.policy
        words = {
            PasswordRule.MIN_LENGTH: self.tr("at least {n} characters").format(n=p.min_length),
            PasswordRule.MIN_CLASSES: self.tr("at least {k} of: lower case, upper case, digits, symbols")
            .format(k=p.min_classes),
            PasswordRule.NO_USER_ID: self.tr("not containing your user ID"),
        }
        rules = p.broken_rules(new, self.user_id.text().strip())
        # the policy holds: the one remaining refusal is a new password equal to the current one
        return [words[r] for r in rules] or [self.tr("a password other than the current one")]

    def done(self, result: int) -> None:
        # Cancelled half-way (logged in, password not yet changed; or waiting for the code):
        # the IT-set password must not give a working session, so log out again.
        if result != QDialog.Accepted and self.session is not None:
            self.session.cancel_login()
            if self.session.user is not None:
                self.session.logout()
        if result != QDialog.Accepted:
            self.session = None
        self._old_password = ""
        self._forget_qr()
        self.password.clear()
        self.code.clear()
        self.new_password.clear()
        self.repeat_password.clear()
        super().done(result)


def login(store: UserStore, *, user_hint: str = "", parent: QWidget | None = None,
          session_factory: Callable[[UserStore], Session] = Session) -> Session | None:
    """Show the login dialog; the logged-in Session, or None if the reader cancelled."""
    dialog = LoginDialog(store, session_factory, parent, user_hint=user_hint)
    try:
        if dialog.exec() == QDialog.Accepted:
            warm_up.wait()   # the reading window's imports follow on this thread
            return dialog.session
        return None
    finally:
        dialog.deleteLater()
