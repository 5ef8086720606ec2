"""Next and previous study in worklist order (app/reading/worklist_diff.py), without Qt."""
from __future__ import annotations

from app.reading.worklist_diff import next_after, previous_before
from worklist.centre import Priority, WorkItem


def _items() -> list[WorkItem]:
    # given out of order: STAT first, then oldest arrival, as the worklist shows them
    return [WorkItem("1.3", arrived="2026-12-01T09:00"), WorkItem("1.1", arrived="2026-12-01T08:00"),
            WorkItem("1.9", priority=Priority.STAT, arrived="2026-12-01T10:00"),
            WorkItem("1.2", arrived="2026-12-01T08:30")]


def test_previous_is_the_study_above_in_worklist_order() -> None:
    items = _items()
    assert [previous_before(items, u).study_uid for u in ("1.1", "1.2", "1.3")] == ["1.9", "1.1", "1.2"]


def test_previous_wraps_from_the_top_to_the_bottom() -> None:
    assert previous_before(_items(), "1.9").study_uid == "1.3"


def test_previous_undoes_next() -> None:
    items = _items()
    for uid in ("1.9", "1.1", "1.2", "1.3"):
        assert previous_before(items, next_after(items, uid).study_uid).study_uid == uid


def test_previous_without_a_study_on_screen_is_the_last_one() -> None:
    assert previous_before(_items(), None).study_uid == "1.3"
    assert previous_before(_items(), "gone").study_uid == "1.3"


def test_previous_of_a_one_study_list_is_none() -> None:
    assert previous_before([WorkItem("1.1")], "1.1") is None
    assert previous_before([], None) is None
