"""The mouse tools a view offers (what a left drag does)."""
from __future__ import annotations

from common.choice import Choice

__all__ = ["Tool"]


class Tool(Choice):
    """The shell may pass "length" or Tool.LENGTH alike (`Tool.parse`)."""

    WINDOW = "window"
    PAN = "pan"
    ZOOM = "zoom"
    LENGTH = "length"
    ELLIPSE = "ellipse"
    CROSSHAIR = "crosshair"

    @property
    def draws(self) -> bool:
        """True for tools whose drag draws a measurement."""
        return self in (Tool.LENGTH, Tool.ELLIPSE)
