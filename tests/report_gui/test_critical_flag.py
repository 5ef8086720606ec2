"""The critical-result key in the reading window: Ctrl+Shift+U, then 3 and Enter flags an
aortic dissection; the preview shows the red banner (pixels); signing sends the report to a
real Orthanc (its SR carries the coded flag) and the notice to a real loopback webhook that
fails twice, then accepts; the centre's acknowledgement is shown under the report and audited."""
from __future__ import annotations

import io

import pydicom
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.reading.critical_notice import NoticeState
from app.reading.delivery import DeliveryState
from app.report.critical import CriticalKind
from tests.fixtures.webhook_receiver import CentreReceiver
from tests.gui.test_reading_window import _open
from tests.report_gui.conftest import PASSWORD
from tests.report_gui.helpers import (NODULE_KEYS, REPORT_KEYS, answer_certificate_password, answer_password,
                                      make_window, measure_cross, type_fields)
from tests.report_gui.test_report_to_orthanc import _upload_copy
from worklist.claims import ClaimStore
from worklist.dicomweb import ClientSettings, DicomWebClient
from worklist.dicomweb_centre import DicomWebCentre
from worklist.outbox import Outbox, Sender
from worklist.qido_worklist import QidoWorklist, QidoWorklistSettings

pytestmark = pytest.mark.orthanc
READER = "Kobayashi^Reportpanel"


def _red_pixels(widget) -> int:
    image = QApplication.primaryScreen().grabWindow(widget.winId()).toImage()
    return sum(1 for y in range(0, image.height(), 3) for x in range(0, image.width(), 3)
               if (lambda c: c.red() > 170 and c.green() < 60 and c.blue() < 60)(image.pixelColor(x, y)))


def test_flag_sign_notify_acknowledge(qtbot, windows, orthanc, shared_data, keyed_reader, tmp_path, monkeypatch,
                                      artifacts):
    study = _upload_copy(orthanc, shared_data)
    client = DicomWebClient(ClientSettings(orthanc.dicomweb_url, orthanc.user, orthanc.password))
    centre = DicomWebCentre("test orthanc", client, QidoWorklist(client, QidoWorklistSettings(reader_name=READER),
                                                                 ClaimStore(tmp_path / "claims.json")))
    outbox = Outbox(tmp_path / "outbox")
    sender = Sender(outbox, centre, poll_s=0.2)
    sender.start()
    with CentreReceiver(fail=2) as receiver:
        site = tmp_path / "site.toml"
        site.write_text(f'[critical]\nchannels = ["webhook"]\nwebhook_url = "{receiver.url}"\nwebhook_retries = 3\n',
                        encoding="utf-8")
        monkeypatch.setenv("YOMI_SITE_CONFIG", str(site))
        try:
            win = make_window(qtbot, windows, centre, "sato", session=keyed_reader.session, outbox=outbox)
            _open(qtbot, win, next(n for n, i in enumerate(win.worklist.items) if i.study_uid == study))
            panel = win.report_panel
            qtbot.waitUntil(lambda: panel.report is not None)
            report = panel.report
            panel.critical_notices.notifier.ack_poll_s = 0  # ask for the acknowledgement at every pass
            assert _red_pixels(panel.preview) == 0

            qtbot.keyClick(win.mpr.axial, Qt.Key_U, Qt.ControlModifier | Qt.ShiftModifier)
            qtbot.waitUntil(lambda: getattr(panel, "critical_dialog", None) is not None and
                            panel.critical_dialog.isVisible())
            dlg = panel.critical_dialog
            qtbot.waitUntil(dlg.isActiveWindow)  # it takes the keyboard from the image views
            qtbot.keyClick(dlg, Qt.Key_3)
            qtbot.keyClick(dlg, Qt.Key_Return)
            qtbot.waitUntil(lambda: report.critical is not None)
            assert report.critical.kind is CriticalKind.AORTIC_DISSECTION
            qtbot.wait(100)
            QApplication.primaryScreen().grabWindow(win.winId()).save(str(artifacts / "critical-flag-preview.png"))
            assert _red_pixels(panel.preview) > 100  # the banner on the live preview

            measure_cross(qtbot, win)
            qtbot.keyClick(win.mpr.axial, Qt.Key_M, Qt.ControlModifier)
            qtbot.keyClick(win.mpr.axial, Qt.Key_E, Qt.ControlModifier)
            type_fields(qtbot, win, REPORT_KEYS + [("nodule_list", "")] + NODULE_KEYS)
            answer_password(qtbot, panel, PASSWORD)
            answer_certificate_password(qtbot, keyed_reader.p12_password)
            with qtbot.waitSignal(panel.signedReport, timeout=60000):
                qtbot.keyClick(QApplication.focusWidget(), Qt.Key_S, Qt.ControlModifier | Qt.ShiftModifier)
            qtbot.waitUntil(lambda: panel.delivery(report.report_id).state is DeliveryState.SENT, timeout=60000)
            sig = report.signature
            sr = pydicom.dcmread(io.BytesIO(client.retrieve_instance(study, sig.series_uid, sig.sr_sop_uid)))
            flagged = [i for i in sr.ContentSequence[-1].ContentSequence
                       if i.ConceptNameCodeSequence[0].CodeValue == "CRIT-RESULT"]
            assert flagged and flagged[0].ConceptCodeSequence[0].CodeValue == "308546005"

            # the webhook failed twice (503), then accepted: the panel says the centre has it
            qtbot.waitUntil(lambda: len(receiver.posts) == 1, timeout=30000)
            assert receiver.posts[0]["study_uid"] == study and receiver.posts[0]["kind"] == "aortic_dissection"
            qtbot.waitUntil(lambda: panel.critical_label.isVisible() and "not yet acknowledged"
                            in panel.critical_label.text(), timeout=30000)
            receiver.acknowledged_by = "Dr Suzuki"
            panel.critical_notices.poll()
            qtbot.waitUntil(lambda: "acknowledged by the centre: Dr Suzuki" in panel.critical_label.text(),
                            timeout=30000)
            [notice] = panel.critical_notices.notices[report.report_id]
            assert notice.state is NoticeState.ACKNOWLEDGED
            qtbot.wait(100)
            QApplication.primaryScreen().grabWindow(win.winId()).save(str(artifacts / "critical-acknowledged.png"))
            audit = [r.event for r in keyed_reader.session.audit_log.records() if r.event.event_id.code == "110110"]
            assert [e.event_types[0].code for e in audit] == ["CRIT-NOTIFIED", "CRIT-ACK"]
        finally:
            sender.stop()
            outbox.close()
            client.close()
