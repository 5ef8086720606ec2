"""A window-wide key for a command, added the way the reading window's other keys are (a QAction
on the window, WindowShortcut context), so a keymap can find and rebind it by its text."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

__all__ = ["add_window_shortcut"]


def add_window_shortcut(window: Any, text: str, key: str, slot: Callable[[], Any]) -> QAction:
    act = QAction(text, window)
    act.setShortcut(QKeySequence(key))
    act.setShortcutContext(Qt.WindowShortcut)
    act.triggered.connect(lambda _checked=False: slot())
    window.addAction(act)
    return act
