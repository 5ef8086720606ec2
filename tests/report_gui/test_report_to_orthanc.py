"""Signing in the reading window and delivering to a real Orthanc over DICOMweb (STOW-RS),
then reading the report back with QIDO-RS and WADO-RS. The study is a modified copy of the
real chest CT (new UIDs, assigned to a reader name no other test uses), uploaded first."""
from __future__ import annotations

import io
from decimal import Decimal

import highdicom as hd
import pydicom
import pytest
from pydicom.uid import generate_uid
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.reading.delivery import DeliveryState
from tests.gui.test_reading_window import _open
from tests.report_gui.conftest import PASSWORD
from tests.report_gui.helpers import (
    NODULE_KEYS,
    REPORT_KEYS,
    answer_certificate_password,
    answer_password,
    make_window,
    measure_cross,
    type_fields,
)
from worklist.claims import ClaimStore
from worklist.dicomweb import ClientSettings, DicomWebClient
from worklist.dicomweb_centre import DicomWebCentre
from worklist.outbox import Outbox, Sender
from worklist.qido_worklist import QidoWorklist, QidoWorklistSettings

pytestmark = pytest.mark.orthanc
READER = "Kobayashi^Reportpanel"  # rare: the session's Orthanc is shared with other test packages


def _upload_copy(orthanc, shared_data) -> str:
    study, series = generate_uid(), generate_uid()
    blobs = []
    for f in sorted((shared_data / "ct" / "lung-dx-a0001" / "series-2-5mm").glob("*.dcm")):
        ds = pydicom.dcmread(f)
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        ds.NameOfPhysiciansReadingStudy = READER
        buf = io.BytesIO()
        ds.save_as(buf, enforce_file_format=True)
        blobs.append(buf.getvalue())
    orthanc.upload(blobs)
    return study


def test_sign_in_window_and_deliver_to_orthanc(qtbot, windows, orthanc, shared_data, keyed_reader, tmp_path):
    study = _upload_copy(orthanc, shared_data)
    client = DicomWebClient(ClientSettings(orthanc.dicomweb_url, orthanc.user, orthanc.password))
    claims = ClaimStore(tmp_path / "claims.json")
    centre = DicomWebCentre("test orthanc", client, QidoWorklist(client, QidoWorklistSettings(reader_name=READER),
                                                                 claims))
    outbox = Outbox(tmp_path / "outbox")
    sender = Sender(outbox, centre, poll_s=0.2)
    sender.start()
    try:
        win = make_window(qtbot, windows, centre, "sato", session=keyed_reader.session, outbox=outbox)
        index = next(n for n, i in enumerate(win.worklist.items) if i.study_uid == study)
        _open(qtbot, win, index)
        panel = win.report_panel
        qtbot.waitUntil(lambda: panel.report is not None)
        report = panel.report
        assert report.identity.study_uid == study
        assert claims.get(study) is not None  # opening the study claimed it
        measure_cross(qtbot, win)
        qtbot.keyClick(win.mpr.axial, Qt.Key_M, Qt.ControlModifier)
        qtbot.keyClick(win.mpr.axial, Qt.Key_E, Qt.ControlModifier)
        type_fields(qtbot, win, REPORT_KEYS + [("nodule_list", "")] + NODULE_KEYS)
        assert report.problems() == []
        answer_password(qtbot, panel, PASSWORD)
        answer_certificate_password(qtbot, keyed_reader.p12_password)
        with qtbot.waitSignal(panel.signedReport, timeout=60000):  # signed on a worker, then queued
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key_S, Qt.ControlModifier | Qt.ShiftModifier)
        assert report.is_signed
        assert report.signature.pdf_signed  # with the key IT bound to the account
        qtbot.waitUntil(lambda: panel.delivery(report.report_id).state is DeliveryState.SENT, timeout=60000)
        # the QIDO worklist's release drops the local claim once everything is stored
        qtbot.waitUntil(lambda: claims.get(study) is None, timeout=30000)

        # QIDO-RS: the study now holds the SR and the encapsulated PDF beside the CT
        sig = report.signature
        series = {s["0020000E"]["Value"][0]: s["00080060"]["Value"][0] for s in client.search_series(study)}
        assert series[sig.series_uid] == "SR" and series[sig.pdf_series_uid] == "DOC"
        # WADO-RS: the stored SR carries the measured nodule
        sr_bytes = client.retrieve_instance(study, sig.series_uid, sig.sr_sop_uid)
        ds = pydicom.dcmread(io.BytesIO(sr_bytes))
        assert ds.SOPInstanceUID == sig.sr_sop_uid and ds.VerificationFlag == "VERIFIED"
        assert "DigitalSignaturesSequence" in ds  # the reader's DICOM signature, stored as signed
        (g,) = hd.sr.srread(io.BytesIO(sr_bytes)).content.get_planar_roi_measurement_groups()
        n = report.nodules[0]
        values = {m.name.meaning: Decimal(str(m.value)) for m in g.get_measurements()}
        assert values == {"Long axis": n.long_mm, "Short axis": n.short_mm, "Diameter": n.mean_mm}
        assert g.roi.ContentSequence[0].ReferencedSOPSequence[0].ReferencedSOPInstanceUID == n.sop_uid
        enc = pydicom.dcmread(io.BytesIO(client.retrieve_instance(study, sig.pdf_series_uid,
                                                                  sig.encapsulated_sop_uid)))
        assert bytes(enc.EncapsulatedDocument).startswith(b"%PDF")
    finally:
        sender.stop()
        outbox.close()
        client.close()
