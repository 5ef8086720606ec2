"""The reader's worklist: assigned studies, STAT first, with filters and search; Enter opens one.

A model/view table: the rows live in `WorklistModel`, which takes the workflow's updates row
by row (added, removed, changed), so a refresh of 500 studies every minute costs the GUI
thread only the rows that changed and never moves the reader's selection. Sorting and the
filter are a proxy over it (app.windows.worklist_filter_bar; what matches is
app.reading.worklist_filter's).
"""
from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence

from PySide6.QtCore import QT_TRANSLATE_NOOP, QAbstractTableModel, QCoreApplication, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QVBoxLayout, QWidget

from app.reading.worklist_filter import WorklistFilter, count_items, modalities_of
from app.windows.worklist_filter_bar import WorklistFilterBar, WorklistFilterProxy
from common.dicom_dates import format_da
from common.person_name import display_name
from worklist.centre import Priority, Status, WorkItem

from .worklist_clock import WorklistClock

_C = "WorklistPanel"
COLUMNS = (QT_TRANSLATE_NOOP("WorklistPanel", "Priority"), QT_TRANSLATE_NOOP("WorklistPanel", "Status"),
           QT_TRANSLATE_NOOP("WorklistPanel", "Patient"), QT_TRANSLATE_NOOP("WorklistPanel", "ID"),
           QT_TRANSLATE_NOOP("WorklistPanel", "Study date"), QT_TRANSLATE_NOOP("WorklistPanel", "Arrived"),
           QT_TRANSLATE_NOOP("WorklistPanel", "Description"), QT_TRANSLATE_NOOP("WorklistPanel", "Modality"),
           QT_TRANSLATE_NOOP("WorklistPanel", "Body part"), QT_TRANSLATE_NOOP("WorklistPanel", "Images"),
           QT_TRANSLATE_NOOP("WorklistPanel", "Role"), QT_TRANSLATE_NOOP("WorklistPanel", "Due"),
           QT_TRANSLATE_NOOP("WorklistPanel", "Time left"))
_PRIORITY = {Priority.STAT: QT_TRANSLATE_NOOP("WorklistPanel", "STAT"),
             Priority.HIGH: QT_TRANSLATE_NOOP("WorklistPanel", "HIGH"),
             Priority.ROUTINE: QT_TRANSLATE_NOOP("WorklistPanel", "ROUTINE"),
             Priority.LOW: QT_TRANSLATE_NOOP("WorklistPanel", "LOW")}
_STATUS = {Status.SCHEDULED: QT_TRANSLATE_NOOP("WorklistPanel", "SCHEDULED"),
           Status.IN_PROGRESS: QT_TRANSLATE_NOOP("WorklistPanel", "IN PROGRESS"),
           Status.COMPLETED: QT_TRANSLATE_NOOP("WorklistPanel", "COMPLETED"),
           Status.CANCELED: QT_TRANSLATE_NOOP("WorklistPanel", "CANCELED")}
SORT_ROLE = Qt.UserRole + 1
PRIORITY_COLUMN, IMAGES_COLUMN = 0, 9
DUE_COLUMN, LEFT_COLUMN = 11, 12
CLOCK_TICK_MS = 60_000  # the time left is shown to the minute


def _row(item: WorkItem) -> tuple[str, ...]:
    tr = QCoreApplication.translate
    return (tr(_C, _PRIORITY[item.priority]), tr(_C, _STATUS[item.status]), display_name(item.patient_name),
            item.patient_id,
            format_da(item.study_date), item.arrived.replace("T", " "), item.study_description,
            "/".join(item.modalities), item.body_part, str(item.number_of_images), role_text(item))


def role_text(item: WorkItem) -> str:
    """The double-reading role the centre assigned (二重読影), translated; "" for a single reading."""
    from app.reading.roles import ReadingRole, role_of_item

    role = role_of_item(item)
    names = {ReadingRole.FIRST: QT_TRANSLATE_NOOP("WorklistPanel", "First reader"),
             ReadingRole.SECOND: QT_TRANSLATE_NOOP("WorklistPanel", "Second reader"),
             ReadingRole.JUDGE: QT_TRANSLATE_NOOP("WorklistPanel", "Final judge")}
    return QCoreApplication.translate("WorklistPanel", names[role]) if role is not None else ""


class WorklistModel(QAbstractTableModel):
    """Rows kept in the worklist's own order (STAT, overdue, due soon, the rest: `clock.key`,
    then `WorkItem.sort_key`), so the table shows that order without the proxy sorting; a click
    on a header sorts by it. `retime()` moves rows whose clock changed group as time passes.

    Qt asks `data` a dozen times per painted cell and once per comparison when it sorts, so
    everything it returns is computed once per row, when the row arrives."""

    _ROLES = frozenset({Qt.DisplayRole, SORT_ROLE, Qt.ForegroundRole, Qt.UserRole, Qt.BackgroundRole})

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._items: list[WorkItem] = []
        self._texts: list[tuple[str, ...]] = []
        self._keys: list[tuple] = []
        self._states: list = []  # Turnaround of each row
        self.clock = WorklistClock.from_site()

    def _key(self, item: WorkItem) -> tuple:
        return self.clock.key(item)

    def _row_texts(self, item: WorkItem, state) -> tuple[str, ...]:
        return _row(item) + self.clock.texts(state)

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
            if c in (DUE_COLUMN, LEFT_COLUMN):
                due = self._states[r].due
                return due.timestamp() if due is not None else float("inf")
            return self._texts[r][c]
        if role == Qt.UserRole:
            return self._items[r].study_uid
        if c in (DUE_COLUMN, LEFT_COLUMN):
            colour = self.clock.colour(self._states[r])
            if colour is None:
                return None
            return colour if role == Qt.BackgroundRole else QColor(Qt.white)
        if role == Qt.BackgroundRole:
            return None
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
            if r is not None and uid in by_uid and self._key(by_uid[uid]) != self._keys[r]:
                gone.add(uid)
                moved.append(uid)
        for r in reversed(range(len(self._items))):
            if self._items[r].study_uid in gone or self._items[r].study_uid not in by_uid:
                self.beginRemoveRows(QModelIndex(), r, r)
                del self._items[r], self._texts[r], self._keys[r], self._states[r]
                self.endRemoveRows()
        rows = {it.study_uid: r for r, it in enumerate(self._items)}
        for uid in changed:
            r = rows.get(uid)
            if r is not None and uid in by_uid:
                self._set(r, by_uid[uid])
                self.dataChanged.emit(self.index(r, 0), self.index(r, len(COLUMNS) - 1))
        new = sorted((by_uid[u] for u in {*added, *moved} if u in by_uid and u not in rows),
                     key=self._key)
        # Insert in runs, each at its place in the order, the last place first so that the
        # places found before any insertion stay right.
        runs: dict[int, list[WorkItem]] = {}
        for item in new:
            runs.setdefault(bisect.bisect_right(self._keys, self._key(item)), []).append(item)
        for at in sorted(runs, reverse=True):
            run = runs[at]
            self.beginInsertRows(QModelIndex(), at, at + len(run) - 1)
            self._items[at:at] = run
            self._states[at:at] = [self.clock.state(i) for i in run]
            self._texts[at:at] = [self._row_texts(i, st) for i, st in zip(run, self._states[at:at + len(run)])]
            self._keys[at:at] = [self.clock.key(i, st) for i, st in zip(run, self._states[at:at + len(run)])]
            self.endInsertRows()

    def _set(self, r: int, item: WorkItem) -> None:
        self._states[r] = state = self.clock.state(item)
        self._items[r], self._texts[r], self._keys[r] = item, self._row_texts(item, state), self.clock.key(item, state)

    def ordered(self, items: Iterable[WorkItem]) -> list[WorkItem]:
        """`items` in this model's order."""
        return sorted(items, key=self._key)

    def retime(self) -> None:
        """The clock moved: refresh every row's due/time-left, and move rows whose group
        changed (a study becoming due soon or overdue climbs the list)."""
        if not self._items:
            return
        for r, item in enumerate(self._items):
            self._set(r, item)
        order = sorted(range(len(self._items)), key=lambda r: self._keys[r])
        if order == list(range(len(self._items))):
            self.dataChanged.emit(self.index(0, DUE_COLUMN), self.index(len(self._items) - 1, LEFT_COLUMN))
            return
        self.layoutAboutToBeChanged.emit()
        old_persistent = self.persistentIndexList()
        new_row = {old: new for new, old in enumerate(order)}
        for name in ("_items", "_texts", "_keys", "_states"):
            values = getattr(self, name)
            setattr(self, name, [values[r] for r in order])
        self.changePersistentIndexList(old_persistent, [self.index(new_row[i.row()], i.column())
                                                        for i in old_persistent])
        self.layoutChanged.emit()


class WorklistPanel(QWidget):
    openRequested = Signal(object)  # WorkItem
    countsChanged = Signal(object)  # app.reading.worklist_filter.WorklistCounts

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.filter_bar = WorklistFilterBar(self)
        self.filter = self.filter_bar.search
        self.model = WorklistModel(self)
        self.proxy = WorklistFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.filter_bar.filterChanged.connect(self._set_filter)
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
        lay.addWidget(self.filter_bar)
        lay.addWidget(self.table)
        self.items: list[WorkItem] = []
        self._clock_timer = QTimer(self)
        self._clock_timer.setInterval(CLOCK_TICK_MS)
        self._clock_timer.timeout.connect(self.retime)
        self._clock_timer.start()

    def retime(self) -> None:
        """Recompute the turnaround clocks (each minute, and when a test moves the clock)."""
        self.model.retime()
        self.items = self.model.ordered(self.items)

    def _sort_by(self, column: int, order: Qt.SortOrder) -> None:
        if column == PRIORITY_COLUMN and order == Qt.AscendingOrder:
            self.proxy.sort(-1)  # the model's order
        else:
            self.proxy.sort(column, order)

    def _set_filter(self, flt: WorklistFilter) -> None:
        self.proxy.set_filter(flt)
        self.countsChanged.emit(count_items(self.items, flt))

    def set_items(self, items: Sequence[WorkItem]) -> None:
        """Show `items` (all rows anew)."""
        self.apply(items, added=[i.study_uid for i in items],
                   removed=[self.model.item(r).study_uid for r in range(self.model.rowCount())], changed=())

    def apply(self, items: Sequence[WorkItem], *, added, removed, changed) -> None:
        """The list is now `items` (STAT, overdue, due soon, the rest); only those rows are touched."""
        selected = self.current()
        self.items = self.model.ordered(items)
        self.model.apply(self.items, added, removed, changed)
        self.filter_bar.set_modalities(modalities_of(self.items))
        self.countsChanged.emit(count_items(self.items, self.proxy.worklist_filter))
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
