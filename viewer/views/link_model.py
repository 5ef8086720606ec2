"""How the current study's view drives the prior's, and back (numpy only: no Qt, no VTK).

Two `ViewState`s (viewer.views.navigation) and the registration's current->prior matrix.
Linked, a change of one view's cursor (scroll, a picked point), window/level or zoom is
carried to the other: the cursor through the registration (the prior shows the slice at
the registered position of the current one, not the same slice number), window and zoom
as they are (the same HU window and the same magnification, so sizes look alike). Pan is
not carried: the two planes have their own world origins, and the cursor already keeps the
anatomy in view. A re-entrancy guard stops the echo (B following A must not make A follow B).

`swapped` only says which study is drawn on the left; `linked` can be switched off to scroll
one study alone, and switching it on again brings the prior back to the current's position.
"""
from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from viewer.views.navigation import ViewState

__all__ = ["Side", "ComparisonLink"]


class Side(enum.Enum):
    CURRENT = "current"
    PRIOR = "prior"

    @property
    def other(self) -> "Side":
        return Side.PRIOR if self is Side.CURRENT else Side.CURRENT


@dataclass
class ComparisonLink:
    matrix: np.ndarray = field(default_factory=lambda: np.eye(4))   # current LPS -> prior LPS
    linked: bool = True
    swapped: bool = False      # True: the prior on the left
    _busy: bool = False

    def __post_init__(self) -> None:
        self.set_matrix(self.matrix)

    def set_matrix(self, matrix: np.ndarray) -> None:
        m = np.asarray(matrix, float)
        if m.shape != (4, 4) or not np.all(np.isfinite(m)):
            raise ValueError("the registration must be a finite 4x4 matrix")
        self.matrix = m
        self._inverse = np.linalg.inv(m)

    def map_point(self, point, source: Side) -> np.ndarray:
        """The point of the other study at the same anatomy as `point` of `source`."""
        m = self.matrix if source is Side.CURRENT else self._inverse
        return (m @ np.append(np.asarray(point, float)[:3], 1.0))[:3]

    def left(self) -> Side:
        return Side.PRIOR if self.swapped else Side.CURRENT

    def toggle_link(self) -> bool:
        self.linked = not self.linked
        return self.linked

    def swap(self) -> Side:
        self.swapped = not self.swapped
        return self.left()

    def follow(self, source: Side, changed: ViewState, target: ViewState,
               apply: Callable[[ViewState], None] | None = None) -> bool:
        """Carry `changed` (the state of `source`'s view) into `target`; False when not linked
        or when called back from its own update. `apply(target)` redraws the target view."""
        if not self.linked or self._busy:
            return False
        self._busy = True
        try:
            target.cursor = self.map_point(changed.cursor, source)
            target.window = changed.window
            target.zoom = changed.zoom
            if apply is not None:
                apply(target)
        finally:
            self._busy = False
        return True
