"""The reading window's words for the loader's own codes: its load steps (app.reading.study_load).
(Window names are the viewer's own: viewer.tools.window_level.window_label.)"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QT_TRANSLATE_NOOP

__all__ = ["step_text"]

_CTX = "ViewLabels"
_STEPS = {
    "retrieving": QT_TRANSLATE_NOOP("ViewLabels", "retrieving"),
    "building volume": QT_TRANSLATE_NOOP("ViewLabels", "building volume"),
}


def step_text(what: str) -> str:
    """A load step as the progress bar shows it (a step no table knows is shown as it came)."""
    text = _STEPS.get(what)
    return QCoreApplication.translate(_CTX, text) if text else what
