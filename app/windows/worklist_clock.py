"""The worklist's turnaround clock: due time and time left of each row, their colours, and
the order they give (STAT, overdue, due soon, the rest). The rules are app.reading.turnaround's;
this module only turns its typed values into translated text and colours."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor

from app.reading.turnaround import Turnaround, TurnaroundRules, Urgency, turnaround, worklist_rank
from worklist.centre import WorkItem

__all__ = ["WorklistClock", "OVERDUE_COLOUR", "DUE_SOON_COLOUR"]

log = logging.getLogger(__name__)

OVERDUE_COLOUR = QColor(200, 30, 30)
DUE_SOON_COLOUR = QColor(230, 150, 0)


def _span(left: timedelta) -> str:
    minutes = int(abs(left).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return QCoreApplication.translate("WorklistPanel", "%1 d %2 h").replace("%1", str(days)).replace("%2", str(hours))
    return QCoreApplication.translate("WorklistPanel", "%1 h %2 min").replace("%1", str(hours)).replace("%2", f"{mins:02d}")


class WorklistClock:
    """`now` is injectable so a test can stand at a chosen moment of the site calendar."""

    def __init__(self, rules: TurnaroundRules | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.rules = rules or TurnaroundRules()
        self.now = now

    @classmethod
    def from_site(cls) -> "WorklistClock":
        """With the site file's [turnaround] rules; the defaults (and a warning in the log)
        when it is wrong, so the worklist still opens."""
        from app.reading.site_rules import SiteRulesError, load_site_rules

        try:
            return cls(load_site_rules().turnaround)
        except SiteRulesError as exc:
            log.warning("turnaround rules: %s; using the defaults", exc)
            return cls()

    def state(self, item: WorkItem) -> Turnaround:
        return turnaround(item, self.now(), self.rules)

    def key(self, item: WorkItem, state: Turnaround | None = None) -> tuple:
        return worklist_rank(item, state or self.state(item))

    def texts(self, state: Turnaround) -> tuple[str, str]:
        """(due, time left) as the worklist shows them."""
        if state.due is None or state.left is None:
            return ("", "")
        due = self.rules.calendar.local(state.due).strftime("%Y-%m-%d %H:%M")
        if state.urgency is Urgency.OVERDUE:
            return due, QCoreApplication.translate("WorklistPanel", "overdue %1").replace("%1", _span(state.left))
        return due, _span(state.left)

    @staticmethod
    def colour(state: Turnaround) -> QColor | None:
        if state.urgency is Urgency.OVERDUE:
            return OVERDUE_COLOUR
        if state.urgency is Urgency.DUE_SOON:
            return DUE_SOON_COLOUR
        return None
