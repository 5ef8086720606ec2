"""The login dialog: user ID + password, then (first use) a new password; shows no personal data.

All decisions (password check, lockout, policy) are made by `app.session.Session`; this
widget only collects the text, calls it and shows the typed errors it raises. Messages never
tell whether the user ID or the password was wrong (security.md row 1) and nothing about any
patient or reader is shown before the login succeeded.
"""
from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
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
    AuthenticationFailed,
    PolicyViolation,
    Session,
    SessionError,
    UserStore,
)

__all__ = ["LoginDialog", "login", "wait_text"]

log = logging.getLogger(__name__)

WRONG = "The user ID or password is wrong."


def wait_text(until: float, now: float) -> str:
    """'Try again in N minutes' for an AccountLocked; whole minutes, rounded up."""
    minutes = max(1, math.ceil((until - now) / 60.0))
    return f"Too many failed attempts. Try again in {minutes} minute{'s' if minutes != 1 else ''}."


@contextmanager
def busy() -> Iterator[None]:
    """Wait cursor while scrypt runs (a fraction of a second at the default cost)."""
    QGuiApplication.setOverrideCursor(Qt.WaitCursor)
    try:
        yield
    finally:
        QGuiApplication.restoreOverrideCursor()


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

    def __init__(self, store: UserStore, session_factory: Callable[[UserStore], Session] = Session,
                 parent: QWidget | None = None, *, user_hint: str = "",
                 wall_clock: Callable[[], float] = time.time) -> None:
        super().__init__(parent)
        self.store = store
        self.session: Session | None = None
        self._factory = session_factory
        self._wall = wall_clock
        self._old_password = ""  # kept only between login and the first-use change
        self.setWindowTitle("Yomi — log in")
        self.setModal(True)

        self.pages = QStackedWidget(self)
        self.pages.addWidget(self._login_page(user_hint))
        self.pages.addWidget(self._change_page())
        self.message = QLabel("", self)
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.PlainText)
        self.message.setStyleSheet("color: #b00020;")
        self.ok = QPushButton("Log in", self)
        self.ok.setDefault(True)  # Enter in either field presses it (QDialog default button)
        self.ok.clicked.connect(self._submit)
        cancel = QPushButton("Cancel", self)
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
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
        form.addRow("User ID", self.user_id)
        form.addRow("Password", self.password)
        return page

    def _change_page(self) -> QWidget:
        page = QWidget(self)
        p = self.store.policy
        hint = QLabel(f"Your password was set by the administrator and must be changed now.\n"
                      f"At least {p.min_length} characters, mixing at least {p.min_classes} of lower case, "
                      f"upper case, digits and symbols, not containing your user ID.", page)
        hint.setWordWrap(True)
        self.new_password = _password_edit(page)
        self.new_password.setObjectName("new_password")
        self.repeat_password = _password_edit(page)
        self.repeat_password.setObjectName("repeat_password")
        form = QFormLayout(page)
        form.addRow(hint)
        form.addRow("New password", self.new_password)
        form.addRow("Repeat", self.repeat_password)
        return page

    @property
    def changing_password(self) -> bool:
        return self.pages.currentIndex() == 1

    # ---- actions --------------------------------------------------------------------
    def _submit(self) -> None:
        if self.changing_password:
            self._change()
        else:
            self._login()

    def _login(self) -> None:
        user_id, password = self.user_id.text().strip(), self.password.text()
        if not user_id or not password:
            self.message.setText("Enter your user ID and password.")
            return
        if self.session is None:
            self.session = self._factory(self.store)
        try:
            with busy():
                self.session.login(user_id, password)
        except AuthenticationFailed:
            self._fail(WRONG)
            return
        except AccountLocked as exc:
            self._fail(wait_text(exc.until, self._wall()))
            return
        except SessionError as exc:  # e.g. a damaged user store: its message names no one
            self._fail(str(exc))
            return
        self.password.clear()
        if self.session.password_change_required:
            self._old_password = password
            self.message.setText("")
            self.pages.setCurrentIndex(1)
            self.ok.setText("Change password")
            self.user_id.setEnabled(False)
            self.new_password.setFocus()
            return
        self.accept()

    def _fail(self, text: str) -> None:
        self.message.setText(text)
        self.password.clear()
        self.password.setFocus()

    def _change(self) -> None:
        new, again = self.new_password.text(), self.repeat_password.text()
        if new != again:
            self.message.setText("The two new passwords differ.")
            self.repeat_password.clear()
            self.repeat_password.setFocus()
            return
        try:
            with busy():
                self.session.change_password(self._old_password, new)
        except PolicyViolation as exc:
            self.message.setText("The new password needs:\n" + "\n".join(f"• {p}" for p in exc.problems))
            self.new_password.clear()
            self.repeat_password.clear()
            self.new_password.setFocus()
            return
        except SessionError as exc:
            self.message.setText(str(exc))
            return
        self._old_password = ""
        self.accept()

    def done(self, result: int) -> None:
        # Cancelled half-way (logged in, password not yet changed): the IT-set password must
        # not give a working session, so log out again.
        if result != QDialog.Accepted and self.session is not None and self.session.user is not None:
            self.session.logout()
        if result != QDialog.Accepted:
            self.session = None
        self._old_password = ""
        self.password.clear()
        self.new_password.clear()
        self.repeat_password.clear()
        super().done(result)


def login(store: UserStore, *, user_hint: str = "", parent: QWidget | None = None,
          session_factory: Callable[[UserStore], Session] = Session) -> Session | None:
    """Show the login dialog; the logged-in Session, or None if the reader cancelled."""
    dialog = LoginDialog(store, session_factory, parent, user_hint=user_hint)
    try:
        if dialog.exec() == QDialog.Accepted:
            return dialog.session
        return None
    finally:
        dialog.deleteLater()
