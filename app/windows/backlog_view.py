"""The centre's backlog per reader (a centre/admin view): open, in progress, STAT, overdue and
due-soon counts from app.reading.backlog, overdue cells in the worklist's colours. Loading
runs through `run` (a worker); this widget only shows the rows."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLabel, QPushButton, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from app.reading.backlog import ReaderBacklog

from .worklist_clock import DUE_SOON_COLOUR, OVERDUE_COLOUR

__all__ = ["BacklogView", "COLUMNS"]

COLUMNS = (QT_TRANSLATE_NOOP("BacklogView", "Reader"), QT_TRANSLATE_NOOP("BacklogView", "Open"),
           QT_TRANSLATE_NOOP("BacklogView", "In progress"), QT_TRANSLATE_NOOP("BacklogView", "STAT"),
           QT_TRANSLATE_NOOP("BacklogView", "Overdue"), QT_TRANSLATE_NOOP("BacklogView", "Due soon"))
OVERDUE_COLUMN, DUE_SOON_COLUMN = 4, 5


class BacklogView(QWidget):
    loaded = Signal(object)  # list[ReaderBacklog]

    def __init__(self, run: Callable[..., Any], load: Callable[[], Sequence[ReaderBacklog]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("backlog-view")
        self.setWindowTitle(self.tr("Backlog per reader"))
        self._run, self._load = run, load
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.NoSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.refresh_button = QPushButton(self.tr("Refresh"), self)
        self.refresh_button.clicked.connect(self.refresh)
        self.message = QLabel(self)
        self.message.setTextFormat(Qt.PlainText)
        lay = QVBoxLayout(self)
        lay.addWidget(self.refresh_button, 0, Qt.AlignLeft)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.message)

    def refresh(self) -> None:
        self.refresh_button.setEnabled(False)
        self.message.setText(self.tr("Asking the centre…"))
        self._run(lambda: list(self._load()), done=self.show_rows, failed=self._failed)

    def _failed(self, exc: Exception) -> None:
        self.refresh_button.setEnabled(True)
        reason = getattr(exc, "reason", "") or exc.__class__.__name__
        self.message.setText(self.tr("The backlog could not be read: %1").replace("%1", reason))

    def show_rows(self, rows: Sequence[ReaderBacklog]) -> None:
        self.refresh_button.setEnabled(True)
        self.table.setRowCount(len(rows))
        for r, b in enumerate(rows):
            values = (b.reader, b.open, b.in_progress, b.stat, b.overdue, b.due_soon)
            for c, v in enumerate(values):
                cell = QTableWidgetItem(str(v))
                if c and v:
                    colour = {OVERDUE_COLUMN: OVERDUE_COLOUR, DUE_SOON_COLUMN: DUE_SOON_COLOUR}.get(c)
                    if colour is not None:
                        cell.setBackground(colour)
                        cell.setForeground(QColor(Qt.white))
                self.table.setItem(r, c, cell)
        total = sum(b.open for b in rows)
        self.message.setText(self.tr("%1 open studies, %2 overdue").replace("%1", str(total))
                             .replace("%2", str(sum(b.overdue for b in rows))))
        self.loaded.emit(list(rows))
