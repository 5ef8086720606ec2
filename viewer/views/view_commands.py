"""What a key can ask of one slice view; which key asks it is the shell's keymap (app/keymap)."""
from __future__ import annotations

from enum import Enum

__all__ = ["ViewCommand"]


class ViewCommand(Enum):
    SLICE_NEXT = "slice next"
    SLICE_PREVIOUS = "slice previous"
    PAGE_NEXT = "page next"
    PAGE_PREVIOUS = "page previous"
    FIRST_SLICE = "first slice"
    LAST_SLICE = "last slice"
    WINDOW_LUNG = "lung"            # the values of viewer.tools.window_level.PRESET_KEYS
    WINDOW_MEDIASTINUM = "mediastinum"
    WINDOW_BONE = "bone"
    WINDOW_BRAIN = "brain"
    WINDOW_ABDOMEN = "abdomen"
    WINDOW_SERIES_1 = "series window 1"
    WINDOW_SERIES_2 = "series window 2"
    WINDOW_SERIES_3 = "series window 3"
    WINDOW_SERIES_4 = "series window 4"
    WINDOW_SERIES_DEFAULT = "series window 0"
    RESET_ZOOM = "reset zoom"
    SLAB_CYCLE = "slab cycle"
    SLAB_THICKER = "slab thicker"
    SLAB_THINNER = "slab thinner"
    ROTATE_BACK = "rotate back"
    ROTATE_FORWARD = "rotate forward"
    DELETE_LAST = "delete last measurement"
