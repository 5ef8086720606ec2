"""The worklist shows each study's due time and time left, coloured when overdue or due soon,
and keeps the order STAT, overdue, due soon, the rest, also as the clock moves on."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import QApplication

from app.reading.turnaround import TurnaroundRules
from app.windows.worklist_clock import DUE_SOON_COLOUR, OVERDUE_COLOUR, WorklistClock
from app.windows.worklist_panel import DUE_COLUMN, LEFT_COLUMN, WorklistPanel
from worklist.centre import Priority, WorkItem
from tests.window_waits import wait_exposed

JST = ZoneInfo("Asia/Tokyo")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.at = now

    def __call__(self) -> datetime:
        return self.at


def _item(uid: str, arrived: str, priority: Priority = Priority.ROUTINE) -> WorkItem:
    return WorkItem(study_uid=uid, patient_id="P" + uid[-1], patient_name="Test^" + uid[-1],
                    arrived=arrived, priority=priority, study_date=arrived[:10].replace("-", ""))


def _shown(panel: WorklistPanel) -> list[str]:
    return [panel._item_at(r).study_uid for r in range(panel.row_count())]


def _pixel(panel: WorklistPanel, row: int, column: int):
    rect = panel.table.visualRect(panel.proxy.index(row, column))
    image = QApplication.primaryScreen().grabWindow(panel.table.viewport().winId()).toImage()
    return image.pixelColor(rect.left() + 2, rect.center().y())


def test_due_columns_order_and_colours_follow_the_clock(qtbot, windows, artifacts):
    clock = Clock(datetime(2026, 5, 8, 14, 30, tzinfo=JST))  # a Friday
    panel = WorklistPanel()
    panel.model.clock = WorklistClock(TurnaroundRules(due_soon=timedelta(hours=2)), now=clock)
    windows.append(panel)
    panel.resize(1250, 300)
    panel.show()
    wait_exposed(qtbot, panel)
    items = [_item("1.2.3.9", "2026-05-08T09:00"),          # due Mon 5/11 17:00
             _item("1.2.3.8", "2026-05-07T09:00"),          # due today 17:00 (2 h 30 left)
             _item("1.2.3.7", "2026-05-06T09:00"),          # due Thu 17:00: overdue
             _item("1.2.3.6", "2026-05-08T14:00", Priority.STAT)]  # due 16:00
    panel.apply(items, added=[i.study_uid for i in items], removed=[], changed=[])
    panel.table.resizeColumnsToContents()
    assert _shown(panel) == ["1.2.3.6", "1.2.3.7", "1.2.3.8", "1.2.3.9"]
    assert panel.text_at(0, DUE_COLUMN) == "2026-05-08 16:00"
    assert panel.text_at(0, LEFT_COLUMN) == "1 h 30 min"
    assert panel.text_at(1, LEFT_COLUMN) == "overdue 21 h 30 min"
    assert panel.text_at(2, LEFT_COLUMN) == "2 h 30 min"
    assert panel.text_at(3, LEFT_COLUMN) == "3 d 2 h"
    panel.table.clearSelection()  # the selection's colour would cover the row's
    qtbot.wait(50)
    QApplication.primaryScreen().grabWindow(panel.winId()).save(str(artifacts / "worklist-turnaround.png"))
    assert _pixel(panel, 1, LEFT_COLUMN) == OVERDUE_COLOUR
    assert _pixel(panel, 0, LEFT_COLUMN) == DUE_SOON_COLOUR   # STAT with 1 h 30 left
    assert _pixel(panel, 2, LEFT_COLUMN) != DUE_SOON_COLOUR   # 2 h 30 left: not yet

    # half an hour on, the third study is due soon; at 17:01 it is overdue and climbs above
    # the STAT study's neighbour rows: STAT first, then both overdue studies, earliest due first
    clock.at = datetime(2026, 5, 8, 15, 0, tzinfo=JST)
    panel.retime()
    qtbot.wait(50)
    assert _pixel(panel, 2, LEFT_COLUMN) == DUE_SOON_COLOUR
    panel.select_study("1.2.3.8")
    clock.at = datetime(2026, 5, 8, 17, 1, tzinfo=JST)
    panel.retime()
    assert _shown(panel) == ["1.2.3.6", "1.2.3.7", "1.2.3.8", "1.2.3.9"]
    assert panel.text_at(2, LEFT_COLUMN) == "overdue 0 h 01 min"
    assert panel.current().study_uid == "1.2.3.8"  # the reader's selection stays on its study
    clock.at = datetime(2026, 5, 11, 17, 30, tzinfo=JST)
    panel.retime()
    assert [i.study_uid for i in panel.items] == _shown(panel)
    panel.table.clearSelection()
    qtbot.wait(50)
    QApplication.primaryScreen().grabWindow(panel.winId()).save(str(artifacts / "worklist-turnaround-later.png"))
    assert _pixel(panel, 3, LEFT_COLUMN) == OVERDUE_COLOUR
