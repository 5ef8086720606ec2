"""The start-up refusal in a window, for a reader who started Yomi from the desktop menu
and has no terminal to read it in (`yomi --error-dialog`, which the menu entry uses).

The refusal itself (app.config.ConfigError: one line naming the file and the key) is IT's
to act on and stays as written; the dialog says in the reader's language what it means.
"""
from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QMessageBox

__all__ = ["show_startup_error"]


def show_startup_error(detail: str) -> None:
    """A modal message box showing `detail` in full (the reader reads it out to IT);
    returns when the reader closes it."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Yomi")
    box = QMessageBox(QMessageBox.Critical, "Yomi",
                      QCoreApplication.translate("StartupError", "Yomi cannot start: its configuration is wrong."))
    box.setInformativeText(QCoreApplication.translate(
        "StartupError", "Please tell IT what it says below; nothing was changed.") + "\n\n" + detail)
    box.setObjectName("startupError")
    box.exec()
