"""How the reading window asks and warns: dialogs for a reader, a record for unattended runs.

The window takes a `Prompts`; `yomi` gives it dialogs, the GUI tests and benchmarks give it
`Unattended` (the answer is set in advance, warnings are kept for the caller to read).
"""
from __future__ import annotations

from typing import Protocol

from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox, QWidget

from app.windows.lock_screen import exec_resumable


class Prompts(Protocol):
    def confirm(self, parent: QWidget, text: str) -> bool: ...
    def warn(self, parent: QWidget, text: str) -> None: ...


class Dialogs:
    """Each one resumable: an idle lock while it is open hides it, and it is back after the
    unlock with what the reader had typed (lock_screen.exec_resumable)."""

    def confirm(self, parent: QWidget, text: str) -> bool:
        box = QMessageBox(QMessageBox.Question, "Yomi", text, QMessageBox.Yes | QMessageBox.No, parent)
        try:
            return exec_resumable(box) == QMessageBox.Yes
        finally:
            box.deleteLater()

    def warn(self, parent: QWidget, text: str) -> None:
        box = QMessageBox(QMessageBox.Warning, "Yomi", text, QMessageBox.Ok, parent)
        try:
            exec_resumable(box)
        finally:
            box.deleteLater()


def ask_secret(parent: QWidget, label: str, object_name: str = "") -> str | None:
    """A password or PIN, typed hidden; None if the reader cancelled (resumable as above)."""
    dlg = QInputDialog(parent)
    dlg.setWindowTitle("Yomi")
    dlg.setLabelText(label)
    dlg.setTextEchoMode(QLineEdit.Password)
    if object_name:
        dlg.setObjectName(object_name)
    try:
        return dlg.textValue() if exec_resumable(dlg) else None
    finally:
        dlg.deleteLater()


class Unattended:
    def __init__(self, answer: bool = True) -> None:
        self.answer = answer
        self.warnings: list[str] = []

    def confirm(self, parent: QWidget, text: str) -> bool:
        return self.answer

    def warn(self, parent: QWidget, text: str) -> None:
        self.warnings.append(text)
