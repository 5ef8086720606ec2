"""When each study is due, how much time is left, and the worklist order that follows from it.

Arrival (decided): the UPS workitem's Scheduled Procedure Step Start DateTime, which the
centre sets when the study arrives and the workitem is made (`WorkItem.arrived`); without
a workitem (QIDO or local centre) the study's own date, at the start of that day, which
errs on the early side, so such a study is never shown later than it is. A time without a
UTC offset is the site's clock (DICOM DT as the centre writes it).

Due time (site rules, japan-reporting.md section 1 and the 画像診断管理加算 benchmark): STAT within
`stat_hours` (2 h) of arrival, round the clock; everything else by the end of the next
working day of the site calendar after the day of arrival.

Worklist order: STAT first, then overdue, then due soon, then the rest; inside each group
the earliest due first, then the worklist's own key (`WorkItem.sort_key`). No Qt here.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from worklist.centre import Priority, WorkItem

from .site_calendar import SiteCalendar

__all__ = ["Urgency", "TurnaroundRules", "Turnaround", "arrival_of", "due_time", "turnaround", "worklist_rank"]


class Urgency(enum.IntEnum):
    """Lower sorts first on the worklist (after STAT)."""

    OVERDUE = 0
    DUE_SOON = 1
    ON_TIME = 2
    UNKNOWN = 3  # no arrival known: no clock to show


@dataclass(frozen=True)
class TurnaroundRules:
    calendar: SiteCalendar = field(default_factory=SiteCalendar)
    stat_hours: float = 2.0
    due_soon: timedelta = timedelta(hours=2)


@dataclass(frozen=True)
class Turnaround:
    arrival: datetime | None
    due: datetime | None
    left: timedelta | None  # negative once overdue
    urgency: Urgency


def arrival_of(item: WorkItem, calendar: SiteCalendar) -> datetime | None:
    """The study's arrival at the centre, in the site's zone (see the module's decision)."""
    text = (item.arrived or "").strip()
    if text:
        try:
            return calendar.local(datetime.fromisoformat(text))
        except ValueError:
            pass
    da = (item.study_date or "").strip()
    if len(da) == 8 and da.isdigit():
        try:
            return datetime.combine(date(int(da[:4]), int(da[4:6]), int(da[6:])), time(0, 0), tzinfo=calendar.tz)
        except ValueError:
            return None
    return None


def due_time(arrival: datetime, priority: Priority, rules: TurnaroundRules) -> datetime:
    cal = rules.calendar
    arrival = cal.local(arrival)
    if priority is Priority.STAT:
        return arrival + timedelta(hours=rules.stat_hours)
    return cal.end_of(cal.next_working_day(arrival.date()))


def turnaround(item: WorkItem, now: datetime, rules: TurnaroundRules) -> Turnaround:
    arrival = arrival_of(item, rules.calendar)
    if arrival is None:
        return Turnaround(None, None, None, Urgency.UNKNOWN)
    due = due_time(arrival, item.priority, rules)
    left = due - rules.calendar.local(now)
    if left <= timedelta(0):
        urgency = Urgency.OVERDUE
    elif left <= rules.due_soon:
        urgency = Urgency.DUE_SOON
    else:
        urgency = Urgency.ON_TIME
    return Turnaround(arrival, due, left, urgency)


def worklist_rank(item: WorkItem, state: Turnaround) -> tuple:
    """Sort key: STAT, overdue, due soon, the rest; earliest due first in each group."""
    group = 0 if item.priority is Priority.STAT else 1 + int(state.urgency)
    due = state.due.timestamp() if state.due is not None else float("inf")
    return (group, due, *item.sort_key())
