"""The report dock in the reading window, driven by keys and mouse on the real chest CT.

End to end on the demo centre: measure, Ctrl+M, fill by keyboard, sign with the reader's
password and the demo PKI, deliver through a real outbox Sender, read the SR and the
encapsulated PDF back. Also crash recovery, IME input, undo/redo keys, a Japanese name.
"""
from __future__ import annotations

import io
import json
import shutil
import subprocess
from decimal import Decimal

import highdicom as hd
import pydicom
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication

from app.reading.delivery import DeliveryState
from app.demo import DEMO_READER
from app.reading.controller import ephemeral_secret
from app.report.draft_store import DraftStore
from app.report.sealed_files import ReaderSecret
from app.report.encapsulated import extract_pdf
from tests.report_gui.conftest import PASSWORD
from tests.report_gui.helpers import (
    NODULE_KEYS,
    REPORT_KEYS,
    answer_password,
    focused_field,
    make_window,
    measure_cross,
    open_study,
    screenshot,
    type_fields,
)
from worklist.outbox import Sender

REAL_CT = "Lung_Dx-A0001"
NORMAL_JA = "両肺に結節影を認めません。"


def _lengths(win):
    return sorted((m for w in win.mpr.views.values() for m in w.view.lengths), key=lambda m: m.id)


def _pdf_text(pdf: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return out.stdout


def test_measure_fill_by_keyboard_sign_and_deliver_to_demo_centre(qtbot, windows, demo, outbox, reader_session,
                                                                  artifacts, tmp_path):
    sender = Sender(outbox, demo.centre, poll_s=0.2)
    sender.start()
    try:
        win = make_window(qtbot, windows, demo.centre, DEMO_READER, session=reader_session, outbox=outbox)
        open_study(qtbot, win, REAL_CT)
        panel = win.report_panel
        report = panel.report
        assert report.template.id == "lung-screening-ldct" and not report.is_signed
        assert report.identity.study_uid == win.volume.identity.study_uid
        assert report.identity.patient_id == REAL_CT

        # -- a nodule from two perpendicular lengths, with one key
        measure_cross(qtbot, win)
        long_m, short_m = sorted(_lengths(win), key=lambda m: -m.mm)
        ax = win.mpr.axial
        k = ax.view.slice_index()
        slab = (ax.view.state.slab_mm, ax.view.state.slab_mode)   # the hanging protocol's (MIP 10 mm)
        qtbot.keyClick(ax, Qt.Key_M, Qt.ControlModifier)
        assert (ax.view.state.slab_mm, ax.view.state.slab_mode) == slab, "Ctrl+M must not cycle the viewer's slab"
        (n,) = report.nodules
        assert abs(float(n.long_mm) - long_m.mm) <= 0.05
        assert abs(float(n.short_mm) - short_m.mm) <= 0.05
        assert n.series_uid == win.volume.identity.series_uid
        assert n.slice_index == k and n.sop_uid == win.volume.sop_instance_uids[k]
        assert panel.editor.nodule_list.count() == 1
        assert f"{n.long_mm} × {n.short_mm} mm" in panel.editor.nodule_list.item(0).text()

        # -- the nodule list shows its slice: move away, then Enter on the nodule
        qtbot.keyClick(ax, Qt.Key_Home)
        assert ax.view.slice_index() != k
        panel.editor.nodule_list.setFocus()
        panel.editor.nodule_list.setCurrentRow(0)
        qtbot.keyClick(panel.editor.nodule_list, Qt.Key_Return)
        assert ax.view.slice_index() == k

        # -- keyboard only: Ctrl+E into the editor, type-ahead choices, '.nl', Tab in template order
        qtbot.keyClick(ax, Qt.Key_E, Qt.ControlModifier)
        type_fields(qtbot, win, REPORT_KEYS + [("nodule_list", "")] + NODULE_KEYS)
        f = report.fields
        assert (f["comparison"], f["lungrads_incomplete"], f["emphysema"]) == ("baseline", "no", "mild")
        assert (f["coronary_calcification"], f["interstitial"], f["ctdivol"]) == ("none", "none", "1.8")
        assert f["mediastinal_other"] == report.template.normal_text["ja"]  # '.nl' expanded on Tab
        assert panel.editor.bindings["mediastinal_other"].text() == f["mediastinal_other"]
        assert f["impression"] == "Solid nodule, right lower lobe."
        (n,) = report.nodules
        assert (n.lobe, n.kind, n.calcification, n.margin, n.status) == ("RLL", "solid", "none", "smooth", "baseline")
        assert report.problems() == []
        # the choice shows its label in the report's language once chosen
        assert panel.editor.bindings["emphysema"].box.currentText() == "軽度"
        # live preview and autosaved draft follow every change
        html = panel.preview.toHtml()
        assert "右下葉" in html and "軽度" in html and NORMAL_JA in panel.preview.toPlainText()
        on_disk = _draft_on_disk(win, report, ReaderSecret.of_session(reader_session))
        assert on_disk["fields"]["impression"] == "Solid nodule, right lower lobe."
        assert on_disk["nodules"][0]["lobe"] == "RLL"
        qtbot.wait(100)
        screenshot(win, artifacts / "report-panel.png")

        # -- sign: password asked again, demo PKI, then queued; "signed" only after enqueue
        answer_password(qtbot, panel, PASSWORD)
        with qtbot.waitSignal(panel.signedReport, timeout=60000):  # signed on a worker, then queued
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key_S, Qt.ControlModifier | Qt.ShiftModifier)
        assert report.is_signed
        assert report.signature.signer.id == "sato" and report.signature.pdf_signed
        assert "Signed" in panel.state_label.text()
        assert not panel.editor.bindings["impression"].edit.isEnabled() or \
            panel.editor.bindings["impression"].edit.isReadOnly()
        assert {s.sop_uid for s in outbox.status(report.report_id)} == \
            {report.signature.sr_sop_uid, report.signature.encapsulated_sop_uid}

        # -- the Sender delivers; the panel hears it on the GUI thread and completes the study
        qtbot.waitUntil(lambda: panel.delivery(report.report_id).state is DeliveryState.SENT, timeout=60000)
        assert "sent" in panel.state_label.text()
        qtbot.waitUntil(lambda: any(e.status == "COMPLETED" and e.study_uid == report.identity.study_uid
                                    for e in demo.centre.entries()), timeout=30000)
        received = {p.name: p for p in demo.centre.received()}
        assert len(received) == 2
        by_uid = {pydicom.dcmread(p, stop_before_pixels=True).SOPInstanceUID: p for p in received.values()}
        sr_bytes = by_uid[report.signature.sr_sop_uid].read_bytes()
        ds = pydicom.dcmread(io.BytesIO(sr_bytes))
        assert ds.VerificationFlag == "VERIFIED" and ds.StudyInstanceUID == report.identity.study_uid
        assert ds.VerifyingObserverSequence[0].VerifyingObserverName == "Sato^Hanako=佐藤^花子"
        sr = hd.sr.srread(io.BytesIO(sr_bytes))
        (g,) = sr.content.get_planar_roi_measurement_groups()
        values = {m.name.meaning: Decimal(str(m.value)) for m in g.get_measurements()}
        assert values == {"Long axis": n.long_mm, "Short axis": n.short_mm, "Diameter": n.mean_mm}
        assert g.roi.ContentSequence[0].ReferencedSOPSequence[0].ReferencedSOPInstanceUID == n.sop_uid
        enc = pydicom.dcmread(by_uid[report.signature.encapsulated_sop_uid])
        text = _pdf_text(extract_pdf(enc), tmp_path)
        assert f"{n.mean_mm}" in text and f"{n.long_mm}" in text
        assert "佐藤" in text  # the signer, as the requester reads the PDF

        # -- a correction is an addendum, a new editable draft referencing the signed report
        panel.addendum_button.click()
        assert panel.report.predecessor.sr_sop_uid == report.signature.sr_sop_uid
        assert not panel.report.is_signed and panel.editor.bindings["impression"].edit.isEnabled()
    finally:
        sender.stop()


def _impression(win):
    return win.report_panel.editor.bindings["impression"]


def _draft_on_disk(win, report, secret=None) -> dict:
    """The sealed draft read back from disk with the reader's key (a bare window's: this
    process's own, app/reading/controller.py), once the window's autosave has written it
    (on its own thread: app/report/draft_saver.py)."""
    assert win.reading.drafts.flush(), "the autosave did not finish"
    store = DraftStore.default(secret or ephemeral_secret(DEMO_READER))
    return json.loads(store.folder.read(store.path(report.report_id).name))


def test_crash_recovery_restores_the_draft_in_a_new_window(qtbot, windows, demo, outbox):
    win = make_window(qtbot, windows, demo.centre, DEMO_READER, outbox=outbox)
    open_study(qtbot, win, REAL_CT)
    first = win.report_panel.report
    measure_cross(qtbot, win)
    qtbot.keyClick(win.mpr.axial, Qt.Key_M, Qt.ControlModifier)
    qtbot.keyClick(win.mpr.axial, Qt.Key_E, Qt.ControlModifier)
    type_fields(qtbot, win, REPORT_KEYS)
    saved = _draft_on_disk(win, first)
    assert saved["fields"]["impression"] == "Solid nodule, right lower lobe." and len(saved["nodules"]) == 1
    # The crash: the window is dropped without closing, signing or any save on the way out (no
    # closeEvent runs); the new window reads only what is on disk. (pytest-qt still owns the old
    # window object and closes it at teardown.)
    win.hide()

    again = make_window(qtbot, windows, demo.centre, DEMO_READER, outbox=outbox)
    open_study(qtbot, again, REAL_CT)
    restored = again.report_panel.report
    assert restored is not first and restored.report_id == first.report_id
    assert restored.to_dict()["fields"] == saved["fields"]
    assert restored.to_dict()["nodules"] == saved["nodules"]
    assert _impression(again).text() == "Solid nodule, right lower lobe."
    assert again.report_panel.editor.nodule_list.count() == 1
    assert "Solid nodule, right lower lobe." in again.report_panel.preview.toPlainText()


def test_ime_commit_of_japanese_text_reaches_field_model_and_preview(qtbot, windows, demo, outbox):
    win = make_window(qtbot, windows, demo.centre, DEMO_READER, outbox=outbox)
    open_study(qtbot, win, REAL_CT)
    report = win.report_panel.report
    edit = _impression(win).edit
    edit.setFocus()
    assert focused_field(win) == "impression"
    # composing (preedit) is the input method's: nothing reaches the model yet
    QApplication.sendEvent(edit, QInputMethodEvent("うじょうように", []))
    assert "impression" not in report.fields
    commit = QInputMethodEvent("", [])
    commit.setCommitString("右上葉に結節")
    QApplication.sendEvent(edit, commit)
    assert edit.toPlainText() == "右上葉に結節"
    assert report.fields["impression"] == "右上葉に結節"
    assert _draft_on_disk(win, report)["fields"]["impression"] == "右上葉に結節"
    assert "右上葉に結節" in win.report_panel.preview.toPlainText()
    qtbot.keyClicks(edit, " .nl")  # a macro after Japanese text, expanded when the field is left
    qtbot.keyClick(edit, Qt.Key_Tab)
    assert report.fields["impression"] == "右上葉に結節 " + report.template.normal_text["ja"]


def test_undo_and_redo_keys_drive_the_model(qtbot, windows, demo, outbox):
    win = make_window(qtbot, windows, demo.centre, DEMO_READER, outbox=outbox)
    open_study(qtbot, win, REAL_CT)
    report = win.report_panel.report
    ed = win.report_panel.editor
    emph = ed.bindings["emphysema"]
    emph.box.setFocus()
    qtbot.keyClicks(emph.box, "mod")
    qtbot.keyClick(emph.box, Qt.Key_Tab)
    assert report.fields["emphysema"] == "moderate"
    edit = _impression(win).edit
    edit.setFocus()
    qtbot.keyClicks(edit, "ab")
    assert report.fields["impression"] == "ab"
    qtbot.keyClick(edit, Qt.Key_Z, Qt.ControlModifier)      # in the text field: the model's undo
    assert report.fields["impression"] == "a" and edit.toPlainText() == "a"
    qtbot.keyClick(edit, Qt.Key_Z, Qt.ControlModifier)
    assert "impression" not in report.fields and edit.toPlainText() == ""
    qtbot.keyClick(edit, Qt.Key_Z, Qt.ControlModifier)
    assert "emphysema" not in report.fields and emph.box.currentText() == ""
    assert "emphysema" not in _draft_on_disk(win, report)["fields"]
    qtbot.keyClick(edit, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert report.fields["emphysema"] == "moderate" and emph.box.currentText() == "中等度"
    win.mpr.axial.setFocus()                                   # from the viewer: the window's keys
    qtbot.keyClick(win.mpr.axial, Qt.Key_Y, Qt.ControlModifier)
    assert report.fields["impression"] == "a" and edit.toPlainText() == "a"
    qtbot.keyClick(win.mpr.axial, Qt.Key_Z, Qt.ControlModifier)
    assert "impression" not in report.fields
    assert "中等度" in win.report_panel.preview.toPlainText()


def test_preview_shows_the_japanese_patient_name_from_the_images(qtbot, windows, tmp_path, shared_data, outbox):
    """A modified copy of real slices (tmp only) whose name is in ISO 2022 IR 87 (chrH31)."""
    from pydicom.uid import generate_uid

    from worklist.local import LocalCentre

    src = sorted((shared_data / "ct" / "lung-dx-a0001" / "series-2-5mm").glob("*.dcm"))
    folder = tmp_path / "centre" / "studies" / "jp"
    folder.mkdir(parents=True)
    study, series = generate_uid(), generate_uid()
    for f in src:
        ds = pydicom.dcmread(f)
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        ds.SpecificCharacterSet = ["", "ISO 2022 IR 87"]
        ds.PatientName = "ヤマダ^タロウ=山田^太郎=やまだ^たろう"
        ds.save_as(folder / f.name, enforce_file_format=True)
    assert b"\x1b$B" in (folder / src[0].name).read_bytes()  # really JIS X 0208 escapes on disk
    centre = LocalCentre(tmp_path / "centre", "yamada-reader")
    centre.add_study("jp", study, "yamada-reader")
    win = make_window(qtbot, windows, centre, "yamada-reader", outbox=outbox)
    open_study(qtbot, win)
    panel = win.report_panel
    assert panel.report.identity.patient_name == "ヤマダ^タロウ=山田^太郎=やまだ^たろう"
    text = panel.preview.toPlainText()
    assert "山田 太郎（やまだ たろう）" in text
    qtbot.wait(50)
    screenshot(win, tmp_path / "jp.png")
    panel.language_box.setCurrentIndex(panel.language_box.findData("en"))
    panel.language_box.activated.emit(panel.language_box.currentIndex())
    assert panel.report.language == "en" and "ヤマダ タロウ (山田 太郎)" in panel.preview.toPlainText()


def test_wrong_password_leaves_the_draft_unsigned_and_editable(qtbot, windows, demo, outbox, reader_session):
    """Re-authentication runs on a worker: a wrong password comes back as a typed refusal,
    the draft stays a draft and editable; the right password then signs it."""
    win = make_window(qtbot, windows, demo.centre, DEMO_READER, session=reader_session, outbox=outbox)
    open_study(qtbot, win, REAL_CT)
    panel = win.report_panel
    report = panel.report
    measure_cross(qtbot, win)
    qtbot.keyClick(win.mpr.axial, Qt.Key_M, Qt.ControlModifier)
    qtbot.keyClick(win.mpr.axial, Qt.Key_E, Qt.ControlModifier)
    type_fields(qtbot, win, REPORT_KEYS + [("nodule_list", "")] + NODULE_KEYS)
    assert report.problems() == []

    answer_password(qtbot, panel, PASSWORD + "-wrong")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_S, Qt.ControlModifier | Qt.ShiftModifier)
    qtbot.waitUntil(lambda: "not signed" in win.status_label.text().lower(), timeout=30000)
    assert not report.is_signed and outbox.status(report.report_id) == []
    assert panel.editor.isEnabled() and panel.sign_button.isEnabled()

    answer_password(qtbot, panel, PASSWORD)
    with qtbot.waitSignal(panel.signedReport, timeout=60000):
        panel.sign_button.click()
    assert report.is_signed and len(outbox.status(report.report_id)) == 2
