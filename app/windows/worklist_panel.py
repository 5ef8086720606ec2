"""The reader's worklist: assigned studies, STAT first, with a filter; Enter opens one."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from viewer.views.names import display_name
from worklist.centre import WorkItem

COLUMNS = ("Priority", "Status", "Patient", "ID", "Study date", "Arrived", "Description", "Modality",
           "Body part", "Images")


def _row(item: WorkItem) -> tuple[str, ...]:
    d = item.study_date
    date = f"{d[:4]}-{d[4:6]}-{d[6:]}" if len(d) == 8 else d
    return (item.priority.name, item.status.value, display_name(item.patient_name), item.patient_id,
            date, item.arrived.replace("T", " "), item.study_description, "/".join(item.modalities),
            item.body_part, str(item.number_of_images))


class _SortCell(QTableWidgetItem):
    """A cell that sorts by a key of its own (priority order, image count), not by its text."""

    def __init__(self, text: str, key) -> None:
        super().__init__(text)
        self.key = key

    def __lt__(self, other) -> bool:  # noqa: D105
        if isinstance(other, _SortCell):
            return self.key < other.key
        return super().__lt__(other)


class WorklistPanel(QWidget):
    openRequested = Signal(object)  # WorkItem

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter (name, ID, description)…")
        self.filter.textChanged.connect(self._apply_filter)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSortingEnabled(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.verticalHeader().hide()
        # activated = Enter or double click (the style decides), exactly once per action
        self.table.activated.connect(lambda _i: self._open_current())
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.filter)
        lay.addWidget(self.table)
        self.items: list[WorkItem] = []

    def set_items(self, items: list[WorkItem]) -> None:
        """Show `items`, STAT first then by arrival; a header click sorts by that column."""
        self.items = sorted(items, key=WorkItem.sort_key)
        self.table.setSortingEnabled(False)  # rows must stay put while they are filled
        self.table.setRowCount(len(self.items))
        for r, item in enumerate(self.items):
            for c, text in enumerate(_row(item)):
                key = {0: item.sort_key(), 9: item.number_of_images}.get(c, text)
                cell = _SortCell(text, key)
                cell.setData(Qt.UserRole, r)
                if c == 0 and item.priority.name == "STAT":
                    cell.setForeground(Qt.red)
                self.table.setItem(r, c, cell)
        self.table.setSortingEnabled(True)
        self.table.sortItems(0, Qt.AscendingOrder)
        if self.items:
            self.table.selectRow(0)
        self._apply_filter(self.filter.text())

    def _item_at(self, row: int) -> WorkItem | None:
        cell = self.table.item(row, 0)
        return self.items[cell.data(Qt.UserRole)] if cell is not None else None

    def _apply_filter(self, text: str) -> None:
        t = text.strip().lower()
        for r in range(self.table.rowCount()):
            item = self._item_at(r)
            hay = " ".join(_row(item)).lower() + " " + item.patient_name.lower()
            self.table.setRowHidden(r, bool(t) and t not in hay)

    def current(self) -> WorkItem | None:
        return self._item_at(self.table.currentRow())

    def select_study(self, study_uid: str) -> None:
        for r in range(self.table.rowCount()):
            if self._item_at(r).study_uid == study_uid:
                self.table.selectRow(r)
                return

    def _open_current(self) -> None:
        item = self.current()
        if item is not None:
            self.openRequested.emit(item)
