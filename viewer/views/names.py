"""Kept for its callers in the GUI (slice view banner, worklist panel): the one implementation
of how a person name is shown is `common.person_name.display_name`."""
from __future__ import annotations

from common.person_name import display_name

__all__ = ["display_name"]
