"""A fixed set of named choices read from text: tools, slab modes, states given as strings."""
from __future__ import annotations

import re
from enum import StrEnum

__all__ = ["Choice"]


class Choice(StrEnum):
    """A `str` enum whose `parse` names the choices when a value is not one of them: callers
    may pass "mip" or SlabMode.MIP alike, and a typo in a key map or a command line says
    what was expected."""

    @classmethod
    def parse(cls, value: "Choice | str") -> "Choice":
        try:
            return cls(value)
        except ValueError:
            what = re.sub(r"(?<!^)(?=[A-Z])", " ", cls.__name__).lower()  # SlabMode -> "slab mode"
            raise ValueError(f"unknown {what} {value!r}; expected one of {', '.join(cls)}") from None
