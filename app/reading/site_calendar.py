"""The site's working calendar: which days the reading centre works, and when a working day ends.

Japanese public holidays come from the `holidays` package (country JP), which follows the
Cabinet Office's list, substitute holidays (振替休日) and citizens' holidays (国民の休日)
included, and carries the one-off changes (2019 enthronement, 2020-2021 Olympic moves) that
a formula would miss. The site adds its own closed days (year-end closure, a centre's
foundation day) and its working hours. No Qt here.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

__all__ = ["SiteCalendar", "preload_holidays"]


@lru_cache(maxsize=64)
def _japanese_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("JP", years=year).keys())


def preload_holidays(today: date) -> None:
    """Load this year's and next year's holidays now: the package imports its ~280 country
    modules at the first lookup, and the GUI's start-up (app.main) pays that before any window
    is up, not the worklist's first due times (computed on the GUI thread)."""
    _japanese_holidays(today.year)
    _japanese_holidays(today.year + 1)


@dataclass(frozen=True)
class SiteCalendar:
    """Working days are Monday to Friday that are neither a Japanese public holiday nor one of
    the site's `closed_days`; a working day runs from `opens` to `closes` in `timezone`."""

    timezone: str = "Asia/Tokyo"
    opens: time = time(9, 0)
    closes: time = time(17, 0)
    closed_days: frozenset[date] = field(default_factory=frozenset)
    working_weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday = 0

    def __post_init__(self) -> None:
        ZoneInfo(self.timezone)  # an unknown zone fails here, where the site file is read
        if self.closes <= self.opens:
            raise ValueError(f"working hours end ({self.closes}) before they begin ({self.opens})")

    @classmethod
    def with_closed_days(cls, days: Iterable[date], **kwargs) -> "SiteCalendar":
        return cls(closed_days=frozenset(days), **kwargs)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_public_holiday(self, day: date) -> bool:
        return day in _japanese_holidays(day.year)

    def is_working_day(self, day: date) -> bool:
        return (day.weekday() in self.working_weekdays and day not in self.closed_days
                and not self.is_public_holiday(day))

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        d = day + timedelta(days=1)
        for _ in range(400):  # a year of closed days would be a broken site file, not a calendar
            if self.is_working_day(d):
                return d
            d += timedelta(days=1)
        raise ValueError(f"no working day within 400 days after {day.isoformat()}: check the site's closed days")

    def end_of(self, day: date) -> datetime:
        """When the working day `day` closes, in the site's time zone."""
        return datetime.combine(day, self.closes, tzinfo=self.tz)

    def local(self, moment: datetime) -> datetime:
        """`moment` in the site's zone; a naive time is taken as the site's own clock."""
        return moment.replace(tzinfo=self.tz) if moment.tzinfo is None else moment.astimezone(self.tz)
