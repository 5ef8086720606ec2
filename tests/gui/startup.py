"""Drive `yomi` from its entry point as a person would: log in, then use the window.

app.main.main() blocks in the Qt event loop; timers started before it find the login
dialog, type into it, then hand the reading window to the test's `use(window, seen)`,
which must close the window when done.
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from app.main import main
from app.windows.login_dialog import LoginDialog
from app.windows.main_window import MainWindow
from app.windows.prompts import Unattended


def _visible(kind):
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()), None)


def run_logged_in(qtbot, argv: list[str], password: str, use: Callable, *, user_id: str = "") -> tuple[int, dict]:
    """Run main(argv); type `user_id` (if given) and `password` at the login dialog."""
    seen: dict = {}

    def log_in():
        dialog = _visible(LoginDialog)
        if dialog is None:
            QTimer.singleShot(100, log_in)
            return
        seen["prefilled"] = dialog.user_id.text()
        if user_id:
            qtbot.keyClicks(dialog.user_id, user_id)
        qtbot.keyClicks(dialog.password, password)
        qtbot.keyClick(dialog.password, Qt.Key_Return)
        QTimer.singleShot(100, window)

    def window():
        win = _visible(MainWindow)
        if win is None or win.reading.refreshing:  # wait for the first worklist too
            QTimer.singleShot(100, window)
            return
        win.prompts = Unattended()
        use(win, seen)

    QTimer.singleShot(100, log_in)
    return main(argv), seen


def when_loaded(win, then: Callable) -> None:
    """Call `then()` once the study being opened is fully on screen."""
    if win.is_loading() or win.volume is None:
        QTimer.singleShot(100, lambda: when_loaded(win, then))
        return
    then()
