"""The centre's backlog per reader: open studies, in progress, STAT, overdue and due soon,
from the centre's own assignments. No Qt here.

Source (decided): the centre's UPS-RS worklist searched by a centre account (not a reader):
the centre plugin (packaging/centre/) answers such an account with every workitem, each
naming its Scheduled Human Performer, so no route of its own is needed. Only SCHEDULED and
IN PROGRESS workitems are backlog; the due times are the worklist's (app.reading.turnaround).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from worklist.centre import Priority, Status, WorkItem
from worklist.ups import workitem_to_item

from .turnaround import TurnaroundRules, Urgency, turnaround

__all__ = ["ReaderBacklog", "backlog", "fetch_centre_workitems"]


@dataclass(frozen=True)
class ReaderBacklog:
    reader: str          # as the centre names the performer (alphabetic group)
    open: int            # scheduled + in progress
    in_progress: int
    stat: int
    overdue: int
    due_soon: int


def _key(name: str) -> str:
    # the same letters with a space instead of '^' are another person (the centre's own rule)
    return name.split("=")[0].strip().casefold()


def backlog(items: Iterable[WorkItem], now: datetime, rules: TurnaroundRules | None = None) -> list[ReaderBacklog]:
    """Per reader, most overdue first, then most open."""
    rules = rules or TurnaroundRules()
    rows: dict[str, list] = {}
    for it in items:
        if it.status not in (Status.SCHEDULED, Status.IN_PROGRESS):
            continue
        name = it.assigned_to.split("=")[0] or "?"
        row = rows.setdefault(_key(name), [name, 0, 0, 0, 0, 0])
        state = turnaround(it, now, rules)
        row[1] += 1
        row[2] += it.status is Status.IN_PROGRESS
        row[3] += it.priority is Priority.STAT
        row[4] += state.urgency is Urgency.OVERDUE
        row[5] += state.urgency is Urgency.DUE_SOON
    out = [ReaderBacklog(*r) for r in rows.values()]
    return sorted(out, key=lambda b: (-b.overdue, -b.open, b.reader))


def fetch_centre_workitems(client, *, limit: int = 10000) -> list[WorkItem]:
    """Every workitem the centre shows this (centre) account. Blocking: a worker's job."""
    return [workitem_to_item(wi) for wi in client.search("workitems", {"includefield": "all"}, limit=limit)
            if isinstance(wi, dict)]
