"""The mouse tools a view offers (what a left drag does)."""
from __future__ import annotations

from enum import StrEnum

__all__ = ["Tool"]


class Tool(StrEnum):
    """A `str` enum: the shell may pass "length" or Tool.LENGTH alike."""

    WINDOW = "window"
    PAN = "pan"
    ZOOM = "zoom"
    LENGTH = "length"
    ELLIPSE = "ellipse"
    CROSSHAIR = "crosshair"

    @classmethod
    def parse(cls, value: "Tool | str") -> "Tool":
        try:
            return cls(value)
        except ValueError:
            raise ValueError(f"unknown tool {value!r}; expected one of {', '.join(cls)}") from None

    @property
    def draws(self) -> bool:
        """True for tools whose drag draws a measurement."""
        return self in (Tool.LENGTH, Tool.ELLIPSE)
