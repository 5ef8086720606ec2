"""The worklist's filter bar (status, priority, modality, date, search) and the proxy it drives.

Display and input only: the bar turns its controls into an `app.reading.worklist_filter.
WorklistFilter`, the proxy asks that filter row by row, and `counts_text` words its counts
for the status bar. Nothing here decides what matches.
"""
from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QModelIndex, QSortFilterProxyModel, Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QLineEdit, QVBoxLayout, QWidget

from app.reading.worklist_filter import DateRange, WorklistCounts, WorklistFilter
from worklist.centre import Priority, Status

__all__ = ["WorklistFilterBar", "WorklistFilterProxy", "counts_text"]

_CONTEXT = "WorklistFilterBar"
# source texts marked for lupdate; translated when the combo boxes are filled
_STATUSES = ((QT_TRANSLATE_NOOP("WorklistFilterBar", "All statuses"), None),
             (QT_TRANSLATE_NOOP("WorklistFilterBar", "Scheduled"), Status.SCHEDULED),
             (QT_TRANSLATE_NOOP("WorklistFilterBar", "In progress"), Status.IN_PROGRESS))
_PRIORITIES = ((QT_TRANSLATE_NOOP("WorklistFilterBar", "All priorities"), None),
               (QT_TRANSLATE_NOOP("WorklistFilterBar", "STAT"), Priority.STAT),
               (QT_TRANSLATE_NOOP("WorklistFilterBar", "High"), Priority.HIGH),
               (QT_TRANSLATE_NOOP("WorklistFilterBar", "Routine"), Priority.ROUTINE),
               (QT_TRANSLATE_NOOP("WorklistFilterBar", "Low"), Priority.LOW))
_DATES = ((QT_TRANSLATE_NOOP("WorklistFilterBar", "Any date"), DateRange.ANY),
          (QT_TRANSLATE_NOOP("WorklistFilterBar", "Today"), DateRange.TODAY),
          (QT_TRANSLATE_NOOP("WorklistFilterBar", "Last 7 days"), DateRange.LAST_7_DAYS),
          (QT_TRANSLATE_NOOP("WorklistFilterBar", "Last 30 days"), DateRange.LAST_30_DAYS))


def _tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


def counts_text(counts: WorklistCounts) -> str:
    """'12 of 40 studies · 3 STAT · 5 in progress' in the reader's language."""
    if counts.shown == counts.total:
        text = QCoreApplication.translate("WorklistFilterBar", "{0} studies").format(counts.total)
    else:
        text = QCoreApplication.translate("WorklistFilterBar", "{0} of {1} studies").format(counts.shown, counts.total)
    if counts.stat:
        text += " · " + QCoreApplication.translate("WorklistFilterBar", "{0} STAT").format(counts.stat)
    if counts.in_progress:
        text += " · " + QCoreApplication.translate("WorklistFilterBar", "{0} in progress").format(counts.in_progress)
    return text


class WorklistFilterBar(QWidget):
    filterChanged = Signal(object)   # WorklistFilter

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(self)
        self.search.setObjectName("worklistSearch")
        self.search.setPlaceholderText(self.tr("Search: patient ID, name (kana, kanji, romaji)…"))
        self.search.setClearButtonEnabled(True)
        self.status = self._combo("worklistStatus", [(_tr(t), v) for t, v in _STATUSES])
        self.priority = self._combo("worklistPriority", [(_tr(t), v) for t, v in _PRIORITIES])
        self.modality = self._combo("worklistModality", [(self.tr("All modalities"), "")])
        self.dates = self._combo("worklistDates", [(_tr(t), v) for t, v in _DATES])
        self.search.textChanged.connect(self._changed)
        # the search on its own line: the worklist dock is narrow, and names are long
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.search)
        combos = QGridLayout()
        combos.setSpacing(2)
        for n, combo in enumerate((self.status, self.priority, self.modality, self.dates)):
            combos.addWidget(combo, n // 2, n % 2)
        lay.addLayout(combos)

    def _combo(self, name: str, choices: list[tuple[str, object]]) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        # narrow enough to leave the worklist dock its width: the views take the rest
        combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(3)
        for text, value in choices:
            combo.addItem(text, value)
        combo.currentIndexChanged.connect(self._changed)
        return combo

    def set_modalities(self, modalities: list[str]) -> None:
        """The modality choices: those on the worklist now; the chosen one stays chosen."""
        chosen = self.modality.currentData() or ""
        present = [self.modality.itemData(i) for i in range(1, self.modality.count())]
        if present == list(modalities):
            return
        self.modality.blockSignals(True)
        while self.modality.count() > 1:
            self.modality.removeItem(1)
        for m in modalities:
            self.modality.addItem(m, m)
        if chosen and chosen not in modalities:
            self.modality.addItem(chosen, chosen)   # keep what the reader chose, even if now empty
        self.modality.setCurrentIndex(max(0, self.modality.findData(chosen)) if chosen else 0)
        self.modality.blockSignals(False)

    def current(self) -> WorklistFilter:
        status, priority = self.status.currentData(), self.priority.currentData()
        return WorklistFilter(statuses=frozenset({status}) if status is not None else frozenset(),
                              priorities=frozenset({priority}) if priority is not None else frozenset(),
                              modality=self.modality.currentData() or "",
                              dates=self.dates.currentData() or DateRange.ANY,
                              text=self.search.text())

    def _changed(self, *_args) -> None:
        self.filterChanged.emit(self.current())


class WorklistFilterProxy(QSortFilterProxyModel):
    """Sorting as QSortFilterProxyModel does; rows kept where the filter accepts their WorkItem."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._filter = WorklistFilter()

    @property
    def worklist_filter(self) -> WorklistFilter:
        return self._filter

    def set_filter(self, flt: WorklistFilter) -> None:
        self.beginFilterChange()
        self._filter = flt
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex) -> bool:  # noqa: N802
        if self._filter.is_empty():
            return True
        return self._filter.accepts(self.sourceModel().item(source_row))
