"""What changed between two worklists, so the shell updates rows instead of rebuilding them."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from worklist.centre import WorkItem


@dataclass(frozen=True)
class WorklistDiff:
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]


def diff(old: Sequence[WorkItem], new: Sequence[WorkItem]) -> WorklistDiff:
    before = {i.study_uid: i for i in old}
    after = {i.study_uid: i for i in new}
    return WorklistDiff(
        added=tuple(u for u in after if u not in before),
        removed=tuple(u for u in before if u not in after),
        changed=tuple(u for u, i in after.items() if u in before and before[u] != i),
    )


def next_after(items: Sequence[WorkItem], study_uid: str | None) -> WorkItem | None:
    """The study to read after `study_uid`: the next one in worklist order not in progress
    elsewhere; from the top when `study_uid` is not (or no longer) on the list."""
    ordered = sorted(items, key=WorkItem.sort_key)
    uids = [i.study_uid for i in ordered]
    start = uids.index(study_uid) + 1 if study_uid in uids else 0
    for item in ordered[start:] + ordered[:start]:
        if item.study_uid != study_uid:
            return item
    return None


def previous_before(items: Sequence[WorkItem], study_uid: str | None) -> WorkItem | None:
    """The study read before `study_uid`: the one above it in worklist order, wrapping round
    (next_after backwards, so Next then Previous comes back); the last of the list when
    `study_uid` is not (or no longer) on it."""
    ordered = sorted(items, key=WorkItem.sort_key)
    uids = [i.study_uid for i in ordered]
    start = uids.index(study_uid) if study_uid in uids else len(ordered)
    for item in ordered[:start][::-1] + ordered[start:][::-1]:
        if item.study_uid != study_uid:
            return item
    return None
