"""The small wait dialog while the reader signs in at the centre's identity provider in the
system browser: discovery, the browser, the redirect and the token exchange all run on a
worker thread (never HTTP on the GUI thread); Cancel stops the wait. The subject check
against the station account is app/session/oidc_binding.py's."""
from __future__ import annotations

import logging
import threading
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout

from app.session.oidc_binding import bound_sign_in

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Carries the worker's outcome to the GUI thread (queued signal connections)."""

    started = Signal(str)       # the authorization URL when no browser could be opened, else ""
    succeeded = Signal(object)  # LoginResult, with its bearer auth made on the worker
    failed = Signal(object)     # Exception


class OidcWaitDialog(QDialog):
    """`run()` returns (LoginResult, BearerAuth), or None when cancelled or refused
    (`error` then holds the exception)."""

    def __init__(self, parent: Any, client: Any, *, user_id: str, oidc_subject: str, audit_log: Any = None) -> None:
        super().__init__(parent)
        self.setObjectName("oidc-wait")
        self.setWindowTitle("Yomi")
        self._client = client
        self._user_id = user_id
        self._subject = oidc_subject
        self._audit_log = audit_log
        self._pending: Any = None
        self._cancelled = threading.Event()
        self._lock = threading.Lock()
        self.result_: tuple[Any, Any] | None = None
        self.error: Exception | None = None
        self.label = QLabel(self.tr("Sign in at {0} in your web browser…").format(client.issuer), self)
        self.label.setTextFormat(Qt.PlainText)
        self.label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.label.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Cancel, self)
        buttons.rejected.connect(self.cancel)
        self.cancel_button = buttons.button(QDialogButtonBox.Cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(buttons)
        self._relay = _Relay(self)
        self._relay.started.connect(self._started)
        self._relay.succeeded.connect(self._succeeded)
        self._relay.failed.connect(self._failed)
        self._thread = threading.Thread(target=self._work, name="yomi-oidc-sign-in", daemon=True)

    def run(self) -> tuple[Any, Any] | None:
        self._thread.start()
        self.exec()
        return self.result_

    def _work(self) -> None:
        try:
            pending = self._client.begin()
            with self._lock:
                self._pending = pending
            if self._cancelled.is_set():
                pending.cancel()
            self._relay.started.emit("" if pending.browser_opened else pending.authorization_url)
            result = bound_sign_in(pending, user_id=self._user_id, oidc_subject=self._subject,
                                   issuer=self._client.issuer, audit_log=self._audit_log)
            self._relay.succeeded.emit((result, result.tokens.bearer_auth()))
        except Exception as exc:  # every outcome goes back to the dialog, typed
            self._relay.failed.emit(exc)

    def cancel(self) -> None:
        self._cancelled.set()
        with self._lock:
            pending = self._pending
        if pending is not None:
            pending.cancel()
        self.cancel_button.setEnabled(False)
        self.label.setText(self.tr("Cancelling…"))

    def _started(self, url: str) -> None:
        if url:
            self.label.setText(self.tr("No web browser could be opened. Open this address to sign in:\n{0}").format(url))

    def _succeeded(self, outcome: tuple[Any, Any]) -> None:
        self.result_ = outcome
        self.accept()

    def _failed(self, exc: Exception) -> None:
        self.error = exc
        self.reject()

    def reject(self) -> None:  # Escape / window close: stop the wait first
        if self.error is None and self.result_ is None and not self._cancelled.is_set():
            self.cancel()
            return  # the worker answers LoginCancelled, which closes the dialog
        super().reject()
