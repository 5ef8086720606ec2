"""Which worklist rows the reader wants to see, and how many there are (Qt-free).

A `WorklistFilter` is plain, immutable data the filter bar builds from its controls; the
worklist's proxy model asks `accepts` row by row, and the status bar shows `count_items`.
Search: the patient ID (its start), the name in any of its groups (kanji, kana as hiragana,
katakana or half-width, romaji: common.person_name.name_matches), the accession number
and the study description.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

from common.dicom_dates import parse_da
from common.person_name import comparable_name, name_matches
from worklist.centre import Priority, Status, WorkItem

__all__ = ["DateRange", "WorklistCounts", "WorklistFilter", "count_items", "modalities_of"]


class DateRange(Enum):
    """Study date windows offered to the reader; value = days back from today (None: any)."""

    ANY = None
    TODAY = 0
    LAST_7_DAYS = 6
    LAST_30_DAYS = 29

    def first_day(self, today: dt.date) -> dt.date | None:
        return None if self.value is None else today - dt.timedelta(days=self.value)


@dataclass(frozen=True)
class WorklistFilter:
    """Empty sets and strings mean 'any'."""

    statuses: frozenset[Status] = frozenset()
    priorities: frozenset[Priority] = frozenset()
    modality: str = ""
    dates: DateRange = DateRange.ANY
    text: str = ""
    today: dt.date = field(default_factory=dt.date.today)

    def is_empty(self) -> bool:
        return not (self.statuses or self.priorities or self.modality or self.text.strip()
                    or self.dates is not DateRange.ANY)

    def accepts(self, item: WorkItem) -> bool:
        if self.statuses and item.status not in self.statuses:
            return False
        if self.priorities and item.priority not in self.priorities:
            return False
        if self.modality and self.modality.upper() not in (m.upper() for m in item.modalities):
            return False
        first = self.dates.first_day(self.today)
        if first is not None:
            day = _item_day(item)
            if day is None or not first <= day <= self.today:
                return False
        return self._text_matches(item)

    def _text_matches(self, item: WorkItem) -> bool:
        query = self.text.strip()
        if not query:
            return True
        needle = comparable_name(query)
        if comparable_name(item.patient_id).startswith(needle) or name_matches(item.patient_name, query):
            return True
        return any(needle in comparable_name(f) for f in (item.accession_number, item.study_description) if f)


def _item_day(item: WorkItem) -> dt.date | None:
    """The study's date, else the day it arrived at the centre."""
    day = parse_da(item.study_date) if item.study_date else None
    if day is None and item.arrived:
        try:
            day = dt.date.fromisoformat(item.arrived[:10])
        except ValueError:
            day = None
    return day


@dataclass(frozen=True)
class WorklistCounts:
    """What the status bar shows: rows shown of all assigned, and of those shown, by kind."""

    shown: int = 0
    total: int = 0
    stat: int = 0
    in_progress: int = 0


def count_items(items: Iterable[WorkItem], flt: WorklistFilter) -> WorklistCounts:
    shown = total = stat = in_progress = 0
    for item in items:
        total += 1
        if not flt.accepts(item):
            continue
        shown += 1
        stat += item.priority is Priority.STAT
        in_progress += item.status is Status.IN_PROGRESS
    return WorklistCounts(shown, total, stat, in_progress)


def modalities_of(items: Iterable[WorkItem]) -> list[str]:
    """The modalities on the worklist, for the modality filter's choices."""
    return sorted({m.upper() for item in items for m in item.modalities if m})
