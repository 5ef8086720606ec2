"""The centre's views from the reading window's keys: Ctrl+Shift+T opens the statistics of the
centre's SRs (a real Orthanc), Ctrl+Shift+B the backlog, whose refusal by a centre without
UPS-RS is shown in the view, not raised."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication

from tests.critical.readings import exam_srs
from tests.report_gui.helpers import make_window
from worklist.claims import ClaimStore
from worklist.dicomweb import ClientSettings, DicomWebClient
from worklist.dicomweb_centre import DicomWebCentre
from worklist.qido_worklist import QidoWorklist, QidoWorklistSettings

pytestmark = pytest.mark.orthanc


def test_statistics_and_backlog_keys(qtbot, windows, orthanc, tmp_path):
    orthanc.upload(exam_srs())
    client = DicomWebClient(ClientSettings(orthanc.dicomweb_url, orthanc.user, orthanc.password))
    centre = DicomWebCentre("test orthanc", client, QidoWorklist(
        client, QidoWorklistSettings(reader_name="Nobody^Centreviews"), ClaimStore(tmp_path / "claims.json")))
    try:
        win = make_window(qtbot, windows, centre, "sato")
        qtbot.keyClick(win, Qt.Key_T, Qt.ControlModifier | Qt.ShiftModifier)
        qtbot.waitUntil(lambda: getattr(win, "statistics_view", None) is not None and win.statistics_view.isVisible())
        view = win.statistics_view
        view.date_from.setDate(QDate(2031, 1, 1))
        view.date_to.setDate(QDate(2031, 12, 31))
        with qtbot.waitSignal(view.loaded, timeout=60000) as got:
            qtbot.mouseClick(view.compute, Qt.LeftButton)
        assert got.args[0].examinees == 4 and got.args[0].referred == 2
        view.close()  # back to the reading window, whose keys these are
        win.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is win)
        qtbot.keyClick(win, Qt.Key_B, Qt.ControlModifier | Qt.ShiftModifier)
        qtbot.waitUntil(lambda: getattr(win, "backlog_view", None) is not None)
        backlog = win.backlog_view
        qtbot.waitUntil(lambda: backlog.refresh_button.isEnabled(), timeout=30000)
        assert "could not be read" in backlog.message.text() and backlog.table.rowCount() == 0
    finally:
        client.close()
