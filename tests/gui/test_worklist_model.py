"""The worklist table keeps the worklist's order itself (STAT first, then by arrival) through
row-by-row updates, and sorts by a column only when the reader asks for it."""
from __future__ import annotations

import random

from PySide6.QtCore import Qt

from app.windows.worklist_panel import COLUMNS, IMAGES_COLUMN, PRIORITY_COLUMN, WorklistPanel
from worklist.centre import Priority, WorkItem


def _item(n: int, *, priority: Priority = Priority.ROUTINE, images: int | None = None) -> WorkItem:
    return WorkItem(study_uid=f"1.2.826.0.1.{n}", patient_id=f"P{n:04d}", patient_name=f"Patient^{n}",
                    study_date="20240105", arrived=f"2024-01-05T09:{n // 60:02d}:{n % 60:02d}",
                    priority=priority, number_of_images=images if images is not None else n)


def _shown(panel: WorklistPanel) -> list[str]:
    return [panel._item_at(r).study_uid for r in range(panel.row_count())]


def _expected(items) -> list[str]:
    return [i.study_uid for i in sorted(items, key=WorkItem.sort_key)]


def test_incremental_updates_keep_the_worklist_order(qtbot):
    panel = WorklistPanel()
    qtbot.addWidget(panel)
    rng = random.Random(7)
    items = [_item(n, priority=Priority.STAT if n % 97 == 0 else Priority.ROUTINE) for n in range(500)]
    rng.shuffle(items)
    panel.apply(items, added=[i.study_uid for i in items], removed=[], changed=[])
    assert _shown(panel) == _expected(items)
    assert panel.text_at(0, PRIORITY_COLUMN) == "STAT"

    # one study turns STAT (moves up), one is reported (gone), two new ones arrive mid-list
    promoted = items[123]
    items[123] = WorkItem(**{**promoted.__dict__, "priority": Priority.STAT})
    gone = items.pop(7)
    new = [_item(1000), _item(1001, priority=Priority.STAT)]
    items += new
    panel.apply(items, added=[i.study_uid for i in new], removed=[gone.study_uid],
                changed=[promoted.study_uid])
    assert _shown(panel) == _expected(items)
    assert gone.study_uid not in _shown(panel)
    assert panel.model.rowCount() == len(items)


def test_a_header_click_sorts_and_the_priority_header_restores_the_order(qtbot):
    panel = WorklistPanel()
    qtbot.addWidget(panel)
    items = [_item(n, images=(n * 37) % 101) for n in range(60)]
    panel.apply(items, added=[i.study_uid for i in items], removed=[], changed=[])
    header = panel.table.horizontalHeader()
    header.setSortIndicator(IMAGES_COLUMN, Qt.DescendingOrder)
    counts = [int(panel.text_at(r, IMAGES_COLUMN)) for r in range(panel.row_count())]
    assert counts == sorted(counts, reverse=True)
    header.setSortIndicator(PRIORITY_COLUMN, Qt.AscendingOrder)
    assert _shown(panel) == _expected(items)
    header.setSortIndicator(PRIORITY_COLUMN, Qt.DescendingOrder)
    assert _shown(panel) == list(reversed(_expected(items)))
    assert len(COLUMNS) == 13 and COLUMNS[10] == "Role"   # the double-reading role, after the images
