"""app.reading.worklist_filter: status, priority, modality, date and search over WorkItems."""
from __future__ import annotations

import datetime as dt

import pytest

from app.reading.worklist_filter import DateRange, WorklistCounts, WorklistFilter, count_items, modalities_of
from worklist.centre import Priority, Status, WorkItem

TODAY = dt.date(2026, 12, 1)


def _items() -> list[WorkItem]:
    return [
        WorkItem("1.1", patient_id="P-0001", patient_name="Yamada^Tarou=山田^太郎=やまだ^たろう",
                 study_date="20261201", modalities=("CT",), priority=Priority.STAT, status=Status.SCHEDULED,
                 accession_number="ACC77", study_description="胸部CT 検診"),
        WorkItem("1.2", patient_id="P-0002", patient_name="==サトウ^ハナコ", study_date="20261125",
                 modalities=("CT", "SR"), priority=Priority.ROUTINE, status=Status.IN_PROGRESS),
        WorkItem("1.3", patient_id="Q-0003", patient_name="Smith^John", study_date="",
                 arrived="2026-10-01T09:00", modalities=("MR",), priority=Priority.HIGH),
    ]


def _uids(flt: WorklistFilter) -> list[str]:
    return [i.study_uid for i in _items() if flt.accepts(i)]


def test_empty_filter_shows_everything():
    flt = WorklistFilter(today=TODAY)
    assert flt.is_empty() and _uids(flt) == ["1.1", "1.2", "1.3"]


@pytest.mark.parametrize(("flt", "expected"), [
    (WorklistFilter(statuses=frozenset({Status.IN_PROGRESS})), ["1.2"]),
    (WorklistFilter(priorities=frozenset({Priority.STAT, Priority.HIGH})), ["1.1", "1.3"]),
    (WorklistFilter(modality="sr"), ["1.2"]),
    (WorklistFilter(modality="CT", statuses=frozenset({Status.SCHEDULED})), ["1.1"]),
    (WorklistFilter(dates=DateRange.TODAY, today=TODAY), ["1.1"]),
    (WorklistFilter(dates=DateRange.LAST_7_DAYS, today=TODAY), ["1.1", "1.2"]),
    (WorklistFilter(dates=DateRange.LAST_30_DAYS, today=dt.date(2026, 10, 20)), ["1.3"]),  # by arrival
])
def test_each_filter_narrows(flt, expected):
    assert _uids(flt) == expected and not flt.is_empty()


@pytest.mark.parametrize(("text", "expected"), [
    ("P-000", ["1.1", "1.2"]),           # the patient ID from its start
    ("0003", []),                         # not from its middle: another patient's number
    ("やまだ", ["1.1"]), ("ﾔﾏﾀﾞ", ["1.1"]), ("さとう", ["1.2"]), ("サトウハナコ", ["1.2"]),
    ("山田", ["1.1"]), ("smith", ["1.3"]),
    ("acc77", ["1.1"]), ("検診", ["1.1"]),
])
def test_search_by_id_kana_kanji_romaji(text, expected):
    assert _uids(WorklistFilter(text=text)) == expected


def test_counts_of_shown_rows():
    items = _items()
    assert count_items(items, WorklistFilter()) == WorklistCounts(shown=3, total=3, stat=1, in_progress=1)
    assert count_items(items, WorklistFilter(modality="CT")) == WorklistCounts(2, 3, 1, 1)
    assert count_items([], WorklistFilter()) == WorklistCounts()
    assert modalities_of(items) == ["CT", "MR", "SR"]
