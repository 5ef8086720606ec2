"""Ordering a worklist: pure functions over WorkItems, shared by all centres (what the reader
narrows it to is app.reading.worklist_filter's)."""
from __future__ import annotations

from collections.abc import Iterable

from worklist.centre import WorkItem

__all__ = ["sort_items"]


def sort_items(items: Iterable[WorkItem]) -> list[WorkItem]:
    """STAT first, then oldest arrival (or study date), by WorkItem.sort_key."""
    return sorted(items, key=WorkItem.sort_key)
