"""The centre's statistics for a date range, as bar charts drawn with QPainter (PySide6 here
has no QtCharts): examinees by age band and sex, judgements, and the rates (要精検, readers'
agreement, on time). The figures come from app.reading.statistics; the loading runs on a
worker (`run`), this widget only paints and takes the dates."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QDate, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QDateEdit, QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.reading.statistics import AGE_BANDS, CentreStatistics
from app.report.rules.jscts import Judgement

__all__ = ["BarChart", "StatisticsView", "SERIES_COLOURS"]

SERIES_COLOURS = (QColor(40, 110, 190), QColor(210, 90, 60), QColor(120, 120, 120))


class BarChart(QWidget):
    """Grouped bars: `groups` of (label, values per series); a legend names the series."""

    def __init__(self, title: str, series: Sequence[str] = (), *, percent: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.series = tuple(series)
        self.percent = percent
        self.groups: list[tuple[str, tuple[float, ...]]] = []
        self.setMinimumSize(320, 200)

    def set_groups(self, groups: Sequence[tuple[str, Sequence[float]]]) -> None:
        self.groups = [(label, tuple(values)) for label, values in groups]
        self.update()

    def bar_rects(self) -> list[list[QRectF]]:
        """Where each bar is painted (per group, per series): what a test looks at."""
        w, h = self.width(), self.height()
        left, top, bottom = 36.0, 26.0, 34.0
        plot_h = max(1.0, h - top - bottom)
        top_value = 100.0 if self.percent else max([v for _, vs in self.groups for v in vs] + [1.0])
        n = max(1, len(self.groups))
        slot = (w - left - 8) / n
        k = max(1, max((len(vs) for _, vs in self.groups), default=1))
        bar_w = max(2.0, slot * 0.7 / k)
        out = []
        for g, (_, values) in enumerate(self.groups):
            row = []
            for s, v in enumerate(values):
                bh = plot_h * (v / top_value)
                x = left + g * slot + slot * 0.15 + s * bar_w
                row.append(QRectF(x, top + plot_h - bh, bar_w - 1, bh))
            out.append(row)
        return out

    def paintEvent(self, _ev) -> None:  # noqa: N802
        p = QPainter(self)
        p.fillRect(self.rect(), Qt.white)
        p.setPen(QPen(Qt.black))
        p.drawText(QRectF(0, 2, self.width(), 20), Qt.AlignHCenter, self.title)
        h = self.height()
        p.drawLine(34, 26, 34, h - 34)
        p.drawLine(34, h - 34, self.width() - 6, h - 34)
        rects = self.bar_rects()
        for (label, values), row in zip(self.groups, rects):
            for s, (v, r) in enumerate(zip(values, row)):
                p.fillRect(r, SERIES_COLOURS[s % len(SERIES_COLOURS)])
                text = f"{v:.1f}%" if self.percent else f"{v:g}"
                p.drawText(QRectF(r.x() - 10, r.y() - 14, r.width() + 20, 14), Qt.AlignHCenter, text)
            if row:
                span = QRectF(row[0].x() - 10, h - 32, row[-1].right() - row[0].x() + 20, 16)
                p.drawText(span, Qt.AlignHCenter, label)
        for s, name in enumerate(self.series):
            x = 40 + s * 90
            p.fillRect(QRectF(x, h - 14, 10, 10), SERIES_COLOURS[s % len(SERIES_COLOURS)])
            p.drawText(QRectF(x + 14, h - 16, 80, 14), Qt.AlignLeft, name)
        p.end()


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


class StatisticsView(QWidget):
    """`load(date_from, date_to) -> CentreStatistics` runs through `run(fn, done=, failed=)`
    (a worker: it reads the centre's SRs)."""

    loaded = Signal(object)  # CentreStatistics

    def __init__(self, run: Callable[..., Any], load: Callable[[date, date], CentreStatistics],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statistics-view")
        self.setWindowTitle(self.tr("Centre statistics"))
        self._run, self._load = run, load
        today = date.today()
        self.date_from = QDateEdit(_qdate(date(today.year, 1, 1)), self)
        self.date_to = QDateEdit(_qdate(today), self)
        for d in (self.date_from, self.date_to):
            d.setDisplayFormat("yyyy-MM-dd")
            d.setCalendarPopup(True)
        self.compute = QPushButton(self.tr("Compute"), self)
        self.compute.clicked.connect(self.refresh)
        self.summary = QLabel(self)
        self.summary.setTextFormat(Qt.PlainText)
        self.summary.setWordWrap(True)
        self.ages = BarChart(self.tr("Examinees by age band"), (self.tr("Men"), self.tr("Women")), parent=self)
        self.judgements = BarChart(self.tr("Final judgements (JSCTS)"), parent=self)
        self.rates = BarChart(self.tr("Rates"), percent=True, parent=self)
        row = QHBoxLayout()
        for w in (QLabel(self.tr("From"), self), self.date_from, QLabel(self.tr("to"), self), self.date_to,
                  self.compute):
            row.addWidget(w)
        row.addStretch(1)
        grid = QGridLayout()
        grid.addWidget(self.ages, 0, 0)
        grid.addWidget(self.judgements, 0, 1)
        grid.addWidget(self.rates, 1, 0, 1, 2)
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addWidget(self.summary)
        lay.addLayout(grid, 1)

    def refresh(self) -> None:
        f, t = self.date_from.date().toPython(), self.date_to.date().toPython()
        if t < f:
            self.summary.setText(self.tr("The end date is before the start date."))
            return
        self.compute.setEnabled(False)
        self.summary.setText(self.tr("Reading the centre's reports…"))
        self._run(lambda: self._load(f, t), done=self.show_statistics, failed=self._failed)

    def _failed(self, exc: Exception) -> None:
        self.compute.setEnabled(True)
        reason = getattr(exc, "reason", "") or exc.__class__.__name__
        self.summary.setText(self.tr("The statistics could not be computed: %1").replace("%1", reason))

    def show_statistics(self, s: CentreStatistics) -> None:
        self.compute.setEnabled(True)
        bands = [b for b, _, _ in AGE_BANDS]
        self.ages.set_groups([(b, (s.by_sex_and_age.get(("M", b), 0), s.by_sex_and_age.get(("F", b), 0)))
                              for b in bands])
        self.judgements.set_groups([(self.tr(_JUDGEMENT_TEXT[j]), (s.judgements.get(j.value, 0),))
                                    for j in Judgement])
        rates = ((self.tr("Referral (要精検)"), s.referral_rate), (self.tr("Agreement"), s.agreement_rate),
                 (self.tr("On time"), s.on_time_rate))
        self.rates.set_groups([(label, (100 * r if r is not None else 0.0,)) for label, r in rates])
        self.summary.setText(self.tr("%1 examinees, %2 readings, %3 critical results, %4 reconciled cases; "
                                     "CTDIvol median %5 mGy, DLP median %6 mGy·cm")
                             .replace("%1", str(s.examinees)).replace("%2", str(s.readings))
                             .replace("%3", str(sum(s.critical.values()))).replace("%4", str(s.reconciled))
                             .replace("%5", "-" if s.ctdivol.median is None else f"{s.ctdivol.median:.2f}")
                             .replace("%6", "-" if s.dlp.median is None else f"{s.dlp.median:.1f}"))
        self.loaded.emit(s)


_JUDGEMENT_TEXT = {Judgement.NO_NODULE: QT_TRANSLATE_NOOP("StatisticsView", "No nodule"),
                   Judgement.ANNUAL: QT_TRANSLATE_NOOP("StatisticsView", "CT in 12 months"),
                   Judgement.REFER_IF_NECESSARY: QT_TRANSLATE_NOOP("StatisticsView", "Refer if necessary"),
                   Judgement.REFER: QT_TRANSLATE_NOOP("StatisticsView", "Refer (要精検)")}
