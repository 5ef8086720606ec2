"""The reader's worklist: assigned studies, STAT first, with a filter; Enter opens one.

A model/view table: the rows live in `WorklistModel`, which takes the workflow's updates row
by row (added, removed, changed), so a refresh of 500 studies every minute costs the GUI
thread only the rows that changed and never moves the reader's selection. Sorting and the
filter are a proxy over it.
"""
from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence

from PySide6.QtCore import QT_TRANSLATE_NOOP, QAbstractTableModel, QCoreApplication, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLineEdit, QTableView, QVBoxLayout, QWidget

from common.dicom_dates import format_da
from common.person_name import display_name
from worklist.centre import Priority, Status, WorkItem

_C = "WorklistPanel"
_C = "WorklistPanel"
COLUMNS = (QT_TRANSLATE_NOOP("WorklistPanel", "Priority"), QT_TRANSLATE_NOOP("WorklistPanel", "Status"),
           QT_TRANSLATE_NOOP("WorklistPanel", "Patient"), QT_TRANSLATE_NOOP("WorklistPanel", "ID"),
           QT_TRANSLATE_NOOP("WorklistPanel", "Study date"), QT_TRANSLATE_NOOP("WorklistPanel", "Arrived"),
           QT_TRANSLATE_NOOP("WorklistPanel", "Description"), QT_TRANSLATE_NOOP("WorklistPanel", "Modality"),
           QT_TRANSLATE_NOOP("WorklistPanel", "Body part"), QT_TRANSLATE_NOOP("WorklistPanel", "Images"))
_PRIORITY = {Priority.STAT: QT_TRANSLATE_NOOP("WorklistPanel", "STAT"),
             Priority.HIGH: QT_TRANSLATE_NOOP("WorklistPanel", "HIGH"),
             Priority.ROUTINE: QT_TRANSLATE_NOOP("WorklistPanel", "ROUTINE"),
             Priority.LOW: QT_TRANSLATE_NOOP("WorklistPanel", "LOW")}
_STATUS = {Status.SCHEDULED: QT_TRANSLATE_NOOP("WorklistPanel", "SCHEDULED"),
           Status.IN_PROGRESS: QT_TRANSLATE_NOOP("WorklistPanel", "IN PROGRESS"),
           Status.COMPLETED: QT_TRANSLATE_NOOP("WorklistPanel", "COMPLETED"),
           Status.CANCELED: QT_TRANSLATE_NOOP("WorklistPanel", "CANCELED")}
SORT_ROLE = Qt.UserRole + 1
FILTER_ROLE = Qt.UserRole + 2   # what the filter box searches: every column and the full name
PRIORITY_COLUMN, IMAGES_COLUMN = 0, 9


def _row(item: WorkItem) -> tuple[str, ...]:
    tr = QCoreApplication.translate
    return (tr(_C, _PRIORITY[item.priority]), tr(_C, _STATUS[item.status]), display_name(item.patient_name),
            item.patient_id,
            format_da(item.study_date), item.arrived.replace("T", " "), item.study_description,
            "/".join(item.modalities), item.body_part, str(item.number_of_images))


class WorklistModel(QAbstractTableModel):
    """Rows kept in the worklist's own order (STAT first, then by arrival: `WorkItem.sort_key`),
    so the table shows that order without the proxy sorting; a click on a header sorts by it.

    Qt asks `data` a dozen times per painted cell and once per comparison when it sorts, so
    everything it returns is computed once per row, when the row arrives."""

    _ROLES = frozenset({Qt.DisplayRole, SORT_ROLE, FILTER_ROLE, Qt.ForegroundRole, Qt.UserRole})

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._items: list[WorkItem] = []
        self._texts: list[tuple[str, ...]] = []
        self._keys: list[tuple] = []
        self._filter: list[str] = []

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return QCoreApplication.translate(_C, COLUMNS[section])
        return None

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if role not in self._ROLES or not index.isValid():
            return None
        r, c = index.row(), index.column()
        if role == Qt.DisplayRole:
            return self._texts[r][c]
        if role == SORT_ROLE:
            if c == PRIORITY_COLUMN:
                return r  # rows are kept in sort-key order
            if c == IMAGES_COLUMN:
                return self._items[r].number_of_images
            return self._texts[r][c]
        if role == FILTER_ROLE:
            return self._filter[r]
        if role == Qt.UserRole:
            return self._items[r].study_uid
        if c == PRIORITY_COLUMN and self._items[r].priority is Priority.STAT:  # ForegroundRole
            return QColor(Qt.red)
        return None

    def item(self, row: int) -> WorkItem:
        return self._items[row]

    def apply(self, items: Sequence[WorkItem], added: Iterable[str], removed: Iterable[str],
              changed: Iterable[str]) -> None:
        by_uid = {i.study_uid: i for i in items}
        gone = set(removed)
        moved = []  # changed rows whose place in the order changed: taken out, put back below
        for uid in changed:
            r = next((r for r, it in enumerate(self._items) if it.study_uid == uid), None)
            if r is not None and uid in by_uid and by_uid[uid].sort_key() != self._keys[r]:
                gone.add(uid)
                moved.append(uid)
        for r in reversed(range(len(self._items))):
            if self._items[r].study_uid in gone or self._items[r].study_uid not in by_uid:
                self.beginRemoveRows(QModelIndex(), r, r)
                del self._items[r], self._texts[r], self._keys[r], self._filter[r]
                self.endRemoveRows()
        rows = {it.study_uid: r for r, it in enumerate(self._items)}
        for uid in changed:
            r = rows.get(uid)
            if r is not None and uid in by_uid:
                self._set(r, by_uid[uid])
                self.dataChanged.emit(self.index(r, 0), self.index(r, len(COLUMNS) - 1))
        new = sorted((by_uid[u] for u in {*added, *moved} if u in by_uid and u not in rows),
                     key=WorkItem.sort_key)
        # Insert in runs, each at its place in the order, the last place first so that the
        # places found before any insertion stay right.
        runs: dict[int, list[WorkItem]] = {}
        for item in new:
            runs.setdefault(bisect.bisect_right(self._keys, item.sort_key()), []).append(item)
        for at in sorted(runs, reverse=True):
            run = runs[at]
            self.beginInsertRows(QModelIndex(), at, at + len(run) - 1)
            self._items[at:at] = run
            self._texts[at:at] = [_row(i) for i in run]
            self._keys[at:at] = [i.sort_key() for i in run]
            self._filter[at:at] = [" ".join(t) + " " + i.patient_name for t, i in zip(self._texts[at:at + len(run)], run)]
            self.endInsertRows()

    def _set(self, r: int, item: WorkItem) -> None:
        self._items[r], self._texts[r], self._keys[r] = item, _row(item), item.sort_key()
        self._filter[r] = " ".join(self._texts[r]) + " " + item.patient_name


class WorklistPanel(QWidget):
    openRequested = Signal(object)  # WorkItem

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText(self.tr("Filter (name, ID, description)…"))
        self.model = WorklistModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterRole(FILTER_ROLE)
        self.proxy.setFilterKeyColumn(PRIORITY_COLUMN)
        self.proxy.setFilterCaseSensitivity(Qt.CaseInsensitive)
        self.filter.textChanged.connect(lambda text: self.proxy.setFilterFixedString(text.strip()))
        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        header = self.table.horizontalHeader()
        # Sized to their contents once, when the first rows arrive, then the reader's: sizing
        # them on every change walks the rows again at each refresh.
        header.setSectionResizeMode(QHeaderView.Interactive)
        header.setResizeContentsPrecision(64)  # size columns from some rows, not all 500
        self._sized = False
        self.table.verticalHeader().hide()
        # The model's own order is the worklist's (Priority column ascending): shown as is;
        # sorting by the proxy costs a call into Python per comparison.
        header.setSortIndicator(PRIORITY_COLUMN, Qt.AscendingOrder)
        header.setSortIndicatorShown(True)
        header.setSectionsClickable(True)
        header.sortIndicatorChanged.connect(self._sort_by)
        # activated = Enter or double click (the style decides), exactly once per action
        self.table.activated.connect(lambda _i: self._open_current())
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.filter)
        lay.addWidget(self.table)
        self.items: list[WorkItem] = []

    def _sort_by(self, column: int, order: Qt.SortOrder) -> None:
        if column == PRIORITY_COLUMN and order == Qt.AscendingOrder:
            self.proxy.sort(-1)  # the model's order
        else:
            self.proxy.sort(column, order)

    def set_items(self, items: Sequence[WorkItem]) -> None:
        """Show `items` (all rows anew)."""
        self.apply(items, added=[i.study_uid for i in items],
                   removed=[self.model.item(r).study_uid for r in range(self.model.rowCount())], changed=())

    def apply(self, items: Sequence[WorkItem], *, added, removed, changed) -> None:
        """The list is now `items` (STAT first, then by arrival); only those rows are touched."""
        selected = self.current()
        self.items = sorted(items, key=WorkItem.sort_key)
        self.model.apply(self.items, added, removed, changed)
        if self.items and not self._sized:
            self._sized = True
            self.table.resizeColumnsToContents()
        if selected is not None and any(i.study_uid == selected.study_uid for i in self.items):
            self.select_study(selected.study_uid)
        elif self.items and self.current() is None:
            self.table.selectRow(0)

    # rows as the reader sees them (sorted, filtered)
    def row_count(self) -> int:
        return self.proxy.rowCount()

    def text_at(self, row: int, column: int) -> str:
        return self.proxy.index(row, column).data()

    def _item_at(self, row: int) -> WorkItem | None:
        index = self.proxy.index(row, 0)
        return self.model.item(self.proxy.mapToSource(index).row()) if index.isValid() else None

    def current(self) -> WorkItem | None:
        rows = self.table.selectionModel().selectedRows()
        return self._item_at(rows[0].row()) if rows else None

    def select_study(self, study_uid: str) -> None:
        for r in range(self.proxy.rowCount()):
            if self.proxy.index(r, 0).data(Qt.UserRole) == study_uid:
                self.table.selectRow(r)
                return

    def _open_current(self) -> None:
        item = self.current()
        if item is not None:
            self.openRequested.emit(item)
