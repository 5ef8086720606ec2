"""The statistics view: the reader sets the dates and clicks Compute; the centre's SRs are
read from a real Orthanc on a worker; the bar heights on screen follow the figures (pixels)."""
from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication

from app.windows.statistics_view import SERIES_COLOURS
from tests.fixtures.orthanc import orthanc  # noqa: F401  (fixture)
from tests.gui.centre_view_setup import statistics_view

pytestmark = pytest.mark.orthanc


def test_compute_and_chart(qtbot, windows, orthanc, artifacts):  # noqa: F811
    with statistics_view(qtbot, windows, orthanc) as view:
        view.date_from.setDate(QDate(2031, 1, 1))
        view.date_to.setDate(QDate(2031, 12, 31))
        with qtbot.waitSignal(view.loaded, timeout=60000) as got:
            qtbot.mouseClick(view.compute, Qt.LeftButton)
        stats = got.args[0]
        assert stats.date_from == date(2031, 1, 1) and stats.examinees == 4
        assert "4 examinees, 7 readings, 2 critical results, 1 reconciled cases" in view.summary.text()
        qtbot.wait(100)
        QApplication.primaryScreen().grabWindow(view.winId()).save(str(artifacts / "statistics-view.png"))

        def colour_at(chart, rect):
            image = QApplication.primaryScreen().grabWindow(chart.winId()).toImage()
            return image.pixelColor(int(rect.center().x()), int(rect.center().y()))

        judgements = view.judgements.bar_rects()
        heights = [row[0].height() for row in judgements]  # no nodule, annual, if necessary, refer
        assert heights[3] == pytest.approx(2 * heights[0]) and heights[2] == 0 and heights[1] == heights[0]
        assert colour_at(view.judgements, judgements[3][0]) == SERIES_COLOURS[0]
        rates = view.rates.bar_rects()
        assert [r[0].height() for r in rates][2] == pytest.approx(1.5 * rates[0][0].height())  # 75 % vs 50 %
        ages = view.ages.bar_rects()
        assert colour_at(view.ages, ages[5][1]) == SERIES_COLOURS[1]   # a woman of 80 or more
        assert ages[5][0].height() == 0
        # a reversed range is refused in the view itself, nothing is asked of the centre
        view.date_to.setDate(QDate(2030, 1, 1))
        qtbot.mouseClick(view.compute, Qt.LeftButton)
        assert view.compute.isEnabled() and "before the start date" in view.summary.text()

