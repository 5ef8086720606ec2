"""The per-reader backlog from the real centre plugin's assignments (UPS-RS as the centre's
staff account), shown in the backlog view with overdue counts in the worklist's red."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.windows.backlog_view import OVERDUE_COLUMN
from app.windows.worklist_clock import OVERDUE_COLOUR
from tests.centre.conftest import centre  # noqa: F401  (fixture: Orthanc + centre plugin + studies)
from tests.gui.centre_view_setup import backlog_view

pytestmark = pytest.mark.orthanc


def test_backlog_per_reader(qtbot, windows, centre, artifacts):  # noqa: F811
    with backlog_view(qtbot, windows, centre) as view:
        with qtbot.waitSignal(view.loaded, timeout=60000) as got:
            qtbot.mouseClick(view.refresh_button, Qt.LeftButton)
        rows = {b.reader.casefold(): b for b in got.args[0]}
        # A: a1, a_multi, a_jis; Other^Doctor: a_multi, a_jis; B: b1; the near-miss name its own
        assert rows["takahashi^kenji"].open == 3
        assert rows["other^doctor"].open == 2
        assert rows["sato^jiro"].open == 1
        assert rows["takahashi kenji"].open == 1
        # the copies of the real CT keep its study date (years ago): every one is overdue
        assert all(b.overdue == b.open for b in rows.values())
        assert view.table.item(0, 0).text().casefold() == "takahashi^kenji"  # most overdue first
        assert "7 open studies, 7 overdue" in view.message.text()
        qtbot.wait(100)
        QApplication.primaryScreen().grabWindow(view.winId()).save(str(artifacts / "backlog-view.png"))
        rect = view.table.visualItemRect(view.table.item(0, OVERDUE_COLUMN))
        image = QApplication.primaryScreen().grabWindow(view.table.viewport().winId()).toImage()
        assert image.pixelColor(rect.left() + 2, rect.center().y()) == OVERDUE_COLOUR

