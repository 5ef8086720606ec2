"""How the reading window asks and warns: dialogs for a reader, a record for unattended runs.

The window takes a `Prompts`; `yomi` gives it dialogs, the GUI tests and benchmarks give it
`Unattended` (the answer is set in advance, warnings are kept for the caller to read).
"""
from __future__ import annotations

from typing import Protocol

from PySide6.QtWidgets import QMessageBox, QWidget


class Prompts(Protocol):
    def confirm(self, parent: QWidget, text: str) -> bool: ...
    def warn(self, parent: QWidget, text: str) -> None: ...


class Dialogs:
    def confirm(self, parent: QWidget, text: str) -> bool:
        return QMessageBox.question(parent, "Yomi", text) == QMessageBox.Yes

    def warn(self, parent: QWidget, text: str) -> None:
        QMessageBox.warning(parent, "Yomi", text)


class Unattended:
    def __init__(self, answer: bool = True) -> None:
        self.answer = answer
        self.warnings: list[str] = []

    def confirm(self, parent: QWidget, text: str) -> bool:
        return self.answer

    def warn(self, parent: QWidget, text: str) -> None:
        self.warnings.append(text)
