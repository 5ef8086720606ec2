"""The reading window's words for the viewer's and the loader's own codes: window/level
preset names (viewer.tools.window_level.PRESETS) and load steps (app.reading.study_load)."""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QT_TRANSLATE_NOOP

__all__ = ["window_name", "step_text"]

_CTX = "ViewLabels"
_WINDOWS = {
    "lung": QT_TRANSLATE_NOOP("ViewLabels", "Lung"),
    "mediastinum": QT_TRANSLATE_NOOP("ViewLabels", "Mediastinum"),
    "bone": QT_TRANSLATE_NOOP("ViewLabels", "Bone"),
    "brain": QT_TRANSLATE_NOOP("ViewLabels", "Brain"),
    "abdomen": QT_TRANSLATE_NOOP("ViewLabels", "Abdomen"),
}
_STEPS = {
    "retrieving": QT_TRANSLATE_NOOP("ViewLabels", "retrieving"),
    "building volume": QT_TRANSLATE_NOOP("ViewLabels", "building volume"),
}


def window_name(preset: str) -> str:
    """A window/level preset's name as the toolbar shows it."""
    text = _WINDOWS.get(preset)
    return QCoreApplication.translate(_CTX, text) if text else preset.capitalize()


def step_text(what: str) -> str:
    """A load step as the progress bar shows it (a step no table knows is shown as it came)."""
    text = _STEPS.get(what)
    return QCoreApplication.translate(_CTX, text) if text else what
