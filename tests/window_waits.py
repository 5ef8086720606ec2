"""Waits for a window to be on screen or active, as blocking calls.

pytest-qt's `qtbot.waitExposed` / `waitActive` are context managers: called bare they return
one and wait for nothing, so a test written `qtbot.waitExposed(win)` went on at once.
"""
from __future__ import annotations

from PySide6.QtWidgets import QWidget


def wait_exposed(qtbot, widget: QWidget, timeout: int = 5000) -> None:
    """Until the widget's native window is mapped and exposed on the (virtual) screen."""
    qtbot.waitUntil(lambda: widget.windowHandle() is not None and widget.windowHandle().isExposed(),
                    timeout=timeout)


def wait_active(qtbot, widget: QWidget, timeout: int = 5000) -> None:
    """Until the widget's window is the active one (the window system gives it the keys)."""
    qtbot.waitUntil(widget.isActiveWindow, timeout=timeout)
