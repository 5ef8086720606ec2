"""Idle screen lock for the reading window (security.md row 5: clear the screen when away).

`LockGuard` watches the reader's input in one window, feeds it to the Qt-free
`app.session.Session` (`touch`), asks the session once a second whether it is locked
(`is_locked`: the session decides, from its timeout and clock) and, when it is, hides every
child of the window (docks, central widget, toolbars, status bar) and shows `LockWidget`,
which asks for the password (`Session.unlock`) and, once the site's `totp_unlock_after_h`
have passed since the last one, a one-time code too (the session says when:
`unlock_needs_second_factor`). The password check (scrypt, the credential file) runs on a
worker (`Session.check_unlock`); the lock screen says it is checking and takes no second
Enter meanwhile, and only the quick state change (`finish_unlock`) runs on the GUI thread.
Hiding, rather than painting over, is what
takes VTK's native render windows off the screen: an overlay cannot cover a native child
window. The session writes the lock/unlock audit events.

While unlocked, the reader's input is watched where it enters, not application-wide: on the
native windows of the window and its dialogs (every mouse press, move and wheel, and the
keys no shortcut takes) and on the focus widget (which gets every key first as a
ShortcutOverride, so keys the keymap's actions take count too). An application-wide Python
event filter takes the GIL for every event of every widget: with a study loading on worker
threads it multiplied the GUI thread's longest stall several times over (a probe with 40
updating labels: 71 ms -> 474 ms; bench/RESULTS.md). Only while locked, when every input
outside the lock widget must be stopped, is the filter application-wide.

Windows and dialogs of the window (top-level widgets whose parent chain reaches it) are
taken off the screen too, and the lock never runs an event loop of its own: a modal dialog
left open would block the lock widget's input (Qt delivers keys only to the top modal
window) while the guard blocks the dialog's, a deadlock. So at lock time a modal dialog is
hidden, which ends its `exec()`; one run through `exec_resumable` is shown again after the
unlock, with what the reader had typed, and its caller never sees the interruption. Other
modal dialogs are rejected (their caller gets "cancelled"); windows and non-modal dialogs
are hidden and shown again.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable

import shiboken6

from PySide6.QtCore import QT_TRANSLATE_NOOP, QEvent, QEventLoop, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.session import (
    AccountLocked,
    AccountStoreTampered,
    AuthenticationFailed,
    SecondFactorFailed,
    SecondFactorRequired,
    Session,
    SessionError,
    SessionState,
)
from app.reading.jobs import Jobs
from app.windows.error_text import error_text
from app.windows.gui_post import GuiPost
from app.windows.login_dialog import second_factor_text, tampered_text, wait_text

__all__ = ["BACKGROUND", "LOCKED_TITLE", "LockGuard", "LockWidget", "exec_resumable"]

log = logging.getLogger(__name__)

LOCKED_TITLE = QT_TRANSLATE_NOOP("LockGuard", "Yomi — locked")
BACKGROUND = QColor(32, 34, 38)

# ShortcutOverride: a key the keymap's QActions take arrives as that alone (no KeyPress follows).
_ACTIVITY = frozenset({
    QEvent.KeyPress, QEvent.ShortcutOverride, QEvent.MouseButtonPress, QEvent.MouseButtonDblClick,
    QEvent.MouseMove, QEvent.Wheel,
})
# While locked these never reach a widget of the window outside the lock widget.
_BLOCKED = frozenset({
    QEvent.KeyPress, QEvent.KeyRelease, QEvent.ShortcutOverride, QEvent.Shortcut, QEvent.MouseButtonPress,
    QEvent.MouseButtonRelease, QEvent.MouseButtonDblClick, QEvent.MouseMove, QEvent.Wheel,
    QEvent.ContextMenu, QEvent.DragEnter, QEvent.DragMove, QEvent.Drop, QEvent.InputMethod,
})
_WATCHED = _ACTIVITY | _BLOCKED | {QEvent.Show, QEvent.Resize, QEvent.WindowTitleChange}
# Dynamic properties a dialog carries while `exec_resumable` runs it: the guard that hid it.
_RESUMABLE = "yomi_lock_resumable"
_INTERRUPTED_BY = "yomi_lock_interrupted_by"


def _caret_to_end(dialog: QDialog) -> None:
    edit = dialog.focusWidget()
    if isinstance(edit, QLineEdit):
        edit.deselect()
        edit.end(False)


def exec_resumable(dialog: QDialog) -> int:
    """`dialog.exec()`, continued across an idle lock: the lock hides the dialog (which ends
    its event loop), this waits for the unlock without a modal loop and runs it again.
    Returns Rejected if the reader logged out from the lock screen meanwhile."""
    dialog.setProperty(_RESUMABLE, True)
    try:
        while True:
            dialog.setProperty(_INTERRUPTED_BY, None)
            result = dialog.exec()
            guard = dialog.property(_INTERRUPTED_BY)
            if not isinstance(guard, LockGuard):
                return result
            if not guard.wait_unlocked():
                return int(QDialog.Rejected)
            log.info("lock: resuming a dialog interrupted by the lock")
            # a line edit selects all its text when shown: the reader goes on typing instead
            QTimer.singleShot(0, dialog, lambda: _caret_to_end(dialog))
    finally:
        dialog.setProperty(_RESUMABLE, False)
        dialog.setProperty(_INTERRUPTED_BY, None)


class LockWidget(QWidget):
    """The opaque lock screen: who is locked out, a password (and code) field, Unlock and Log out."""

    unlockRequested = Signal(str, str)  # password, one-time code ("" when not asked)
    logoutRequested = Signal()

    def __init__(self, user_id: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("lock-screen")
        self.setAutoFillBackground(True)
        pal = self.palette()
        pal.setColor(QPalette.Window, BACKGROUND)
        self.setPalette(pal)

        self.panel = QFrame(self)
        self.panel.setObjectName("lock-panel")
        self.panel.setStyleSheet("#lock-panel { background: #f0f0f0; border-radius: 6px; }")
        self.panel.setFixedWidth(420)
        title = QLabel(self.tr("Yomi is locked"), self.panel)
        title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        # The reader's own user ID (not a patient's data) so a colleague knows whose session it is.
        who = QLabel(self.tr("Images and patient data are hidden.\nEnter the password of {user} to unlock.")
                     .format(user=user_id), self.panel)
        who.setTextFormat(Qt.PlainText)
        who.setWordWrap(True)
        self.password = QLineEdit(self.panel)
        self.password.setObjectName("unlock_password")
        self.password.setEchoMode(QLineEdit.Password)
        self.password.setAttribute(Qt.WA_InputMethodEnabled, False)
        self.password.returnPressed.connect(self._submit)
        self.code_label = QLabel(self.tr("One-time code from your authenticator app (or a recovery code):"),
                                 self.panel)
        self.code_label.setWordWrap(True)
        self.code = QLineEdit(self.panel)
        self.code.setObjectName("unlock_code")
        self.code.setAttribute(Qt.WA_InputMethodEnabled, False)
        self.code.setMaxLength(20)
        self.code.returnPressed.connect(self._submit)
        self.ask_code(False)
        self.message = QLabel("", self.panel)
        self.message.setObjectName("message")
        self.message.setTextFormat(Qt.PlainText)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        self.unlock_button = QPushButton(self.tr("Unlock"), self.panel)
        self.unlock_button.clicked.connect(self._submit)
        logout = QPushButton(self.tr("Log out"), self.panel)
        logout.setObjectName("logout")
        logout.clicked.connect(self.logoutRequested)
        self.logout_button = logout
        self.checking = False  # a password check runs on a worker
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(logout)
        buttons.addWidget(self.unlock_button)
        inner = QVBoxLayout(self.panel)
        inner.setContentsMargins(24, 20, 24, 20)
        for w in (title, who, self.password, self.code_label, self.code, self.message):
            inner.addWidget(w)
        inner.addLayout(buttons)
        grid = QGridLayout(self)  # the panel sits in the middle, the rest is plain background
        grid.addWidget(self.panel, 1, 1)
        grid.setRowStretch(0, 1)
        grid.setRowStretch(2, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(2, 1)

    def ask_code(self, on: bool) -> None:
        self.code_label.setVisible(on)
        self.code.setVisible(on)
        if not on:
            self.code.clear()

    @property
    def asking_code(self) -> bool:
        return not self.code.isHidden()

    def set_checking(self, on: bool) -> None:
        """While the password is checked: say so, and take no input (a second Enter included)."""
        self.checking = on
        for w in (self.password, self.code, self.unlock_button, self.logout_button):
            w.setEnabled(not on)
        self.message.setStyleSheet("color: #404040;" if on else "color: #b00020;")
        self.message.setText(self.tr("Checking the password…") if on else "")

    def _submit(self) -> None:
        if self.checking:
            return
        if self.asking_code and self.password.text() and not self.code.text().strip():
            self.code.setFocus()  # Enter in the password field moves on to the code
            return
        text, code = self.password.text(), self.code.text().strip()
        self.password.clear()
        self.code.clear()
        self.unlockRequested.emit(text, code)


class _InputWatch(QObject):
    """The unlocked guard's filter on a native window or the focus widget: activity, and the
    lock key where the lock QAction is not live (the window's dialogs and tool windows)."""

    def __init__(self, guard: "LockGuard") -> None:
        super().__init__(guard)
        self.guard: LockGuard | None = guard

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        guard, t = self.guard, event.type()
        if guard is None or guard.locked or t not in _ACTIVITY:
            return False  # locked: the guard's application-wide filter decides
        if t in (QEvent.KeyPress, QEvent.ShortcutOverride) and guard.is_lock_key(event):
            guard.lock_now()
            return t == QEvent.KeyPress
        guard.session.touch(guard.clock())
        return False


class LockGuard(QObject):
    """Lock `window` when `session` says so (idle), on the keymap's lock key (File > Lock
    screen, Ctrl+Alt+L), or on `lock_now()`.

    `clock` must be the session's own clock (both default to time.monotonic); tests inject
    one clock into both. `timeout_s`, if given, replaces the session's idle timeout.
    """

    lockedChanged = Signal(bool)
    aboutToLock = Signal()   # the window's layout still on screen (layout_memory saves it)
    loggedOut = Signal()

    def __init__(self, window: QWidget, session: Session, *, timeout_s: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(window)
        self.window = window
        self.session = session
        self.clock = clock
        if timeout_s is not None:
            session.idle_timeout_s = timeout_s
        self.locked = False
        self._hidden: list[QWidget] = []
        self._title = ""
        self._focus: QWidget | None = None
        user_id = session.user.user_id if session.user is not None else ""
        self.lock_widget = LockWidget(user_id, window)
        self.lock_widget.hide()
        self.lock_widget.unlockRequested.connect(self._unlock)
        self.lock_widget.logoutRequested.connect(self._logout)
        self._gui = GuiPost(self)
        self._jobs = Jobs(self._gui.post, workers=1, name="yomi-unlock")
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.check)
        self.timer.start()
        keys = getattr(window, "keys", None)  # the reading window's keymap (window_actions.py)
        self._lock_action = keys.bind("file.lock_screen", self.lock_now) if keys is not None else None
        memory = getattr(window, "layout_memory", None)
        if memory is not None:
            self.aboutToLock.connect(memory.save)
            self.lockedChanged.connect(memory.hold)  # a logout closes the window still locked
        self._watch = _InputWatch(self)
        app = QApplication.instance()
        app.focusChanged.connect(self._focus_moved)
        self._focus_moved(None, app.focusWidget())

    # ---- public ---------------------------------------------------------------------
    def check(self) -> None:
        """The timer's tick: lock the screen if the session has locked (idle) or ended."""
        self._watch_windows()  # a tool window shown since, which has not had the focus yet
        if not self.locked and self.session.is_locked(self.clock()):
            log.info("lock: session locked (idle or ended); hiding the window's content")
            self._hide_all()

    def lock_now(self) -> None:
        if not self.locked:
            self.session.lock()
            log.info("lock: locked by the reader")
            self._hide_all()

    def wait_unlocked(self) -> bool:
        """Process events (not modally: the lock widget takes input) until the screen is
        unlocked (True) or the reader logged out (False)."""
        if not self.locked:
            return self.session.state is SessionState.ACTIVE
        loop = QEventLoop()
        self.lockedChanged.connect(loop.quit)
        self.loggedOut.connect(loop.quit)
        try:
            while self.locked and self.session.state is not SessionState.LOGGED_OUT:
                loop.exec()
        finally:
            self.lockedChanged.disconnect(loop.quit)
            self.loggedOut.disconnect(loop.quit)
        return not self.locked and self.session.state is SessionState.ACTIVE

    def stop(self) -> None:
        """Stop watching (e.g. before the window closes at logout)."""
        self.timer.stop()
        self._jobs.close()
        app = QApplication.instance()
        if app is None:
            return
        app.removeEventFilter(self)
        if self._watch.guard is not None:  # stopped twice: a logout, then the window's close
            self._watch.guard = None
            app.focusChanged.disconnect(self._focus_moved)

    # ---- hiding and restoring -------------------------------------------------------
    def _hide_all(self) -> None:
        self.aboutToLock.emit()
        w = self.window
        self.locked = True
        QApplication.instance().installEventFilter(self)  # from here every input is stopped
        self._focus = w.focusWidget()
        self._title = w.windowTitle()
        self._hidden = []
        for c in w.findChildren(QWidget, options=Qt.FindDirectChildrenOnly):
            if c is not self.lock_widget and c.isVisible():
                self._conceal(c, at_lock=True)
        # the window's own dialogs and tool windows, wherever they hang (a dialog of the
        # report panel is a top-level widget whose parent is deep inside the window), and
        # any modal window at all: one left open would take the lock widget's input
        for top in QApplication.topLevelWidgets():
            if top is not w and top.isVisible() and (self._in_window(top.parentWidget()) or top.isModal()):
                self._conceal(top, at_lock=True)
        w.setWindowTitle(self.tr(LOCKED_TITLE))
        self.lock_widget.message.setText("")
        self.lock_widget.ask_code(self.session.unlock_needs_second_factor)
        self.lock_widget.setGeometry(w.rect())
        self.lock_widget.show()
        self.lock_widget.raise_()
        w.activateWindow()  # a dialog that had the focus is gone: the keys come here
        self.lock_widget.password.setFocus()
        self.lockedChanged.emit(True)

    def _conceal(self, child: QWidget, *, at_lock: bool = False) -> None:
        if isinstance(child, QDialog) and child.property(_RESUMABLE):
            # hiding ends its exec(); exec_resumable runs it again after the unlock
            child.setProperty(_INTERRUPTED_BY, self)
            child.hide()
            return
        if isinstance(child, QDialog) and (child.isModal() or not at_lock):
            # A modal dialog (message, prompt) would block the lock widget's input: it is
            # closed (hiding would end its exec() anyway, and showing it later would not
            # resume it). So is any dialog that shows itself while locked.
            child.reject()
            return
        if child.isWindow() and child.windowType() in (Qt.Popup, Qt.ToolTip):
            child.hide()  # a menu or tooltip of the moment: not shown again
            return
        if child not in self._hidden:
            self._hidden.append(child)
        child.hide()

    def _restore(self) -> None:
        self.locked = False
        QApplication.instance().removeEventFilter(self)
        self.lock_widget.hide()
        self.window.setWindowTitle(self._title)
        for c in self._hidden:
            c.show()
        self._hidden = []
        # dialogs interrupted by the lock are shown again by their exec_resumable, which
        # waits for lockedChanged(False) below
        if self._focus is not None:
            self._focus.setFocus()
        self._focus = None
        self.lockedChanged.emit(False)

    def _unlock(self, password: str, code: str = "") -> None:
        lw = self.lock_widget
        if lw.checking:
            return
        session = self.session
        lw.set_checking(True)
        self._jobs.run(lambda: session.check_unlock(password, code or None),
                       done=self._checked, failed=self._refused)

    def _checked(self, proof) -> None:
        self.lock_widget.set_checking(False)
        if proof is not None:
            try:
                self.session.finish_unlock(proof)
            except SessionError as exc:  # logged out meanwhile: nothing to unlock
                self._refused(exc)
                return
        if self.session.state is SessionState.ACTIVE:
            log.info("lock: unlocked; restoring the window")
            self._restore()

    def _refused(self, exc: Exception) -> None:
        lw = self.lock_widget
        lw.set_checking(False)
        if isinstance(exc, AuthenticationFailed):
            lw.message.setText(self.tr("Wrong password."))
            lw.password.setFocus()
        elif isinstance(exc, SecondFactorRequired):  # the site's hours ran out while the screen was locked
            lw.ask_code(True)
            lw.message.setText(self.tr("Enter the one-time code from your authenticator app too."))
            lw.password.setFocus()
        elif isinstance(exc, SecondFactorFailed):
            lw.message.setText(second_factor_text(exc.failure))
            lw.password.setFocus()
        elif isinstance(exc, AccountLocked):
            lw.message.setText(wait_text(exc.until, time.time()))
        elif isinstance(exc, AccountStoreTampered):
            lw.message.setText(tampered_text(exc))
        elif isinstance(exc, SessionError):
            lw.message.setText(error_text(exc))
        else:  # a bug must not leave the lock screen without an answer
            log.error("lock: unlock check failed unexpectedly (%s)", type(exc).__name__)
            lw.message.setText(error_text(exc))
            lw.password.setFocus()

    def _logout(self) -> None:
        self.session.logout()
        self.stop()
        self.loggedOut.emit()

    # ---- input ----------------------------------------------------------------------
    def _watch_windows(self) -> None:
        """The input watch on the native window of the window and of each of its own
        top-level widgets (installing twice keeps one filter)."""
        for top in QApplication.topLevelWidgets():
            handle = top.windowHandle()
            if handle is not None and (top is self.window or self._in_window(top.parentWidget())):
                handle.installEventFilter(self._watch)

    def _focus_moved(self, old: QWidget | None, now: QWidget | None) -> None:
        if old is not None and shiboken6.isValid(old):
            old.removeEventFilter(self._watch)
        if now is not None and self._in_window(now):
            now.installEventFilter(self._watch)
            self._watch_windows()  # the focus went to a window not watched yet, maybe

    def _in_window(self, obj: QObject) -> bool:
        while obj is not None:
            if obj is self.window:
                return True
            obj = obj.parent()
        return False

    def _in_lock_widget(self, obj: QObject) -> bool:
        while obj is not None and obj is not self.window:
            if obj is self.lock_widget:
                return True
            obj = obj.parent()
        return False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        """Application-wide, installed only while locked."""
        t = event.type()
        if not self.locked or t not in _WATCHED or isinstance(obj, QApplication):
            return False
        if t == QEvent.Resize and obj is self.window:
            self.lock_widget.setGeometry(self.window.rect())
            return False
        if self.locked and t == QEvent.Show and isinstance(obj, QWidget) and obj.isWindow() \
                and obj.isModal() and obj is not self.window and not self._in_window(obj):
            # a modal window of no parent shown while locked (e.g. a message): closed too
            QTimer.singleShot(0, obj, lambda: self.locked and self._conceal(obj))
            return False
        if not self._in_window(obj):
            return False
        return self._while_locked(obj, event)

    def is_lock_key(self, event: QEvent) -> bool:
        keys = self._lock_action.shortcuts() if self._lock_action is not None else [QKeySequence("Ctrl+Alt+L")]
        pressed = QKeySequence(event.keyCombination())
        return any(pressed.matches(k) == QKeySequence.ExactMatch for k in keys)

    def _while_locked(self, obj: QObject, event: QEvent) -> bool:
        t = event.type()
        if t == QEvent.WindowTitleChange:
            # the window renamed itself (e.g. a study finished loading): keep it for later
            locked_title = self.tr(LOCKED_TITLE)
            if obj is self.window and self.window.windowTitle() != locked_title:
                self._title = self.window.windowTitle()
                self.window.setWindowTitle(locked_title)
            return False
        if t == QEvent.Show:
            # something of the window showed itself while locked: hide it again (next turn
            # of the event loop; hiding inside its own show event is not safe) and restore later
            if isinstance(obj, QWidget) and obj is not self.lock_widget and obj is not self.window and (
                    obj.parent() is self.window or (obj.isWindow() and self._in_window(obj.parentWidget()))):
                QTimer.singleShot(0, obj, lambda: self.locked and self._conceal(obj))
            return False
        if t not in _BLOCKED:
            return False
        if t == QEvent.ShortcutOverride:
            # An accepted override means "a plain key, not a shortcut": no window shortcut
            # (F5, Ctrl+L, ...) fires; the key then arrives as a KeyPress, filtered below.
            event.accept()
            return True
        return not self._in_lock_widget(obj)
