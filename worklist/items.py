"""Ordering and narrowing a worklist: pure functions over WorkItems, shared by all centres."""
from __future__ import annotations

from collections.abc import Iterable

from worklist.centre import Priority, Status, WorkItem

__all__ = ["sort_items", "filter_items"]


def sort_items(items: Iterable[WorkItem]) -> list[WorkItem]:
    """STAT first, then oldest arrival (or study date), by WorkItem.sort_key."""
    return sorted(items, key=WorkItem.sort_key)


def filter_items(items: Iterable[WorkItem], *, modality: str | None = None,
                 status: Status | None = None, min_priority: Priority | None = None,
                 text: str | None = None) -> list[WorkItem]:
    """Keep items matching every given criterion; `text` searches name, ID, accession,
    description (case-insensitive), as a reader types in the worklist's search box."""
    needle = (text or "").strip().casefold()
    out = []
    for it in items:
        if modality and modality.upper() not in (m.upper() for m in it.modalities):
            continue
        if status is not None and it.status != status:
            continue
        if min_priority is not None and it.priority > min_priority:
            continue
        if needle and not any(needle in f.casefold() for f in (
                it.patient_name, it.patient_id, it.accession_number, it.study_description)):
            continue
        out.append(it)
    return out
