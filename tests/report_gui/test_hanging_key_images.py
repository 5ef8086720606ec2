"""Hanging protocols (H), key images (K) and the study's dose in the reading window, driven by keys
on the demo centre's real chest CT (TCIA Lung-PET-CT-Dx, doi:10.7937/TCIA.2020.NNC2-0461), with
screenshots in tests/artifacts and assertions on their pixels."""
from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from app.demo import DEMO_READER, prepare_demo
from tests.gui.test_reading_window import _drag, _grab
from tests.report_gui.helpers import make_window, open_study
from viewer.tools.window_level import PRESETS
from viewer.views.navigation import SlabMode

REAL = "Lung_Dx-A0001"


@pytest.fixture
def window(qtbot, windows, shared_data, tmp_path):
    setup = prepare_demo(tmp_path / "centre")
    win = make_window(qtbot, windows, setup.centre, DEMO_READER)
    open_study(qtbot, win, REAL)
    return win


def _region(shot: np.ndarray, win, widget) -> np.ndarray:
    top_left = widget.mapTo(win, QPoint(0, 0))
    return shot[top_left.y(): top_left.y() + widget.height(), top_left.x(): top_left.x() + widget.width()]


def _series_kernel(win) -> str:
    group = next(g for g in win.groups if g.key == win.volume.key)
    return group.frames[0].kernel


def test_dose_from_the_image_headers_filled_and_flagged(qtbot, window, artifacts):
    """The real series carries CTDIvol 10.6 mGy and no dose SR: filled with its source, above
    the JECS screening limit, so the panel warns and the report carries the to-do line."""
    win = window
    panel = win.report_panel
    f = panel.report.fields
    assert (f["ctdivol"], f.get("dlp"), f["dose_source"]) == ("10.6", None, "image_header")
    warning = win.dose_fill.warning
    qtbot.waitUntil(warning.isVisible)
    assert "10.6" in warning.text() and "2.5" in warning.text()
    assert "要確認: CTDIvol 10.6 mGy" in panel.preview.toPlainText()
    qtbot.wait(50)
    shot = _grab(win)
    QApplication.primaryScreen().grabWindow(win.winId()).save(str(artifacts / "dose-warning.png"))
    label = _region(shot, win, warning)
    red = (label[..., 0] > 150) & (label[..., 1] < 60) & (label[..., 2] < 60)
    assert red.mean() > 0.3, "the dose warning is not shown in red"
    # the reader corrects the value: under the limit, the warning goes
    panel.session.set_field("ctdivol", "2.4")
    qtbot.waitUntil(lambda: not warning.isVisible())
    assert "要確認" not in panel.preview.toPlainText()
    assert panel.report.fields["dose_source"] == "manual"  # a typed value is not the header's


def test_h_cycles_from_the_protocol_the_study_opened_with(qtbot, window, artifacts):
    win = window
    # the study opened on its best protocol (tests/gui/test_prior_hanging.py checks its views)
    assert win.hanging.current.id == "chest-ct-screening" and _series_kernel(win) == "L"
    ax = win.mpr.axial
    ax.setFocus()
    qtbot.keyClick(ax, Qt.Key_H)
    assert win.hanging.current.id == "general-ct"
    qtbot.waitUntil(lambda: not win.is_loading() and win.mpr.axial.view.state.slab_mm == 0.0, timeout=60000)
    own = win.volume.window_presets[0]
    assert win.mpr.axial.view.state.window.center == own[0] and win.mpr.axial.view.state.window.width == own[1]
    # the reader is on the mediastinal reconstruction (kernel B)
    b = next(n for n in range(win.series_box.count())
             if next(g for g in win.groups if g.key == win.series_box.itemData(n)).frames[0].kernel == "B")
    if _series_kernel(win) != "B":
        win.series_box.setCurrentIndex(b)
        win.series_box.activated.emit(b)
        qtbot.waitUntil(lambda: not win.is_loading() and _series_kernel(win) == "B", timeout=60000)
    assert win.hanging.current.id == "general-ct"   # a series the reader switches to keeps the protocol
    ax = win.mpr.axial
    ax.setFocus()
    qtbot.keyClick(ax, Qt.Key_2)  # mediastinal window first: the lungs are black
    qtbot.wait(50)
    before = _region(_grab(win), win, ax).copy()
    qtbot.keyClick(ax, Qt.Key_H)
    assert win.hanging.current.id == "chest-ct-screening"   # the cycle wraps
    # the screening protocol hangs the lung kernel: the series is switched if another is on screen
    qtbot.waitUntil(lambda: not win.is_loading() and _series_kernel(win) == "L", timeout=60000)
    qtbot.waitUntil(lambda: win.mpr.axial.view.state.slab_mm == 10.0, timeout=30000)
    views = win.mpr.views
    assert views["axial"].view.state.slab_mode is SlabMode.MIP
    assert all(w.view.state.window == PRESETS["lung"] for w in views.values())
    assert views["coronal"].view.state.slab_mm == 0.0 and all(w.isVisible() for w in views.values())
    qtbot.wait(100)
    shot = _grab(win)
    QApplication.primaryScreen().grabWindow(win.winId()).save(str(artifacts / "hanging-screening.png"))
    after = _region(shot, win, views["axial"])
    # the lung window: the right lung (screen left of centre), black in the mediastinal window, turns grey
    h, w = after.shape[:2]
    lung = (slice(h // 2 - w // 12, h // 2 + w // 12), slice(int(0.24 * w), int(0.36 * w)))
    assert before[lung].mean() < 30 and after[lung].mean() > before[lung].mean() + 40, \
        (before[lung].mean(), after[lung].mean())
    qtbot.keyClick(win.mpr.axial, Qt.Key_H)
    assert win.hanging.current.id == "general-ct"  # no prior open, so no prior protocol in the cycle


def test_a_centres_own_protocol_hangs_first(qtbot, windows, shared_data, tmp_path, monkeypatch, artifacts):
    """<site dir>/hanging/*.json: a centre's single coronal bone view, priority above the bundled ones."""
    import json

    site = tmp_path / "site"
    (site / "hanging").mkdir(parents=True)
    (site / "hanging" / "coronal-bone.json").write_text(json.dumps({
        "schema": 1, "id": "centre-coronal-bone", "name": {"ja": "冠状断 骨", "en": "Coronal bone"},
        "priority": 500, "match": {"modality": ["CT"]}, "layout": "single",
        "views": [{"plane": "coronal", "window": "bone"}]}), encoding="utf-8")
    monkeypatch.setenv("YOMI_SITE_DIR", str(site))
    setup = prepare_demo(tmp_path / "centre")
    win = make_window(qtbot, windows, setup.centre, DEMO_READER)
    open_study(qtbot, win, REAL)
    assert win.hanging.current.id == "centre-coronal-bone"   # the study opens on it, before any key
    views = win.mpr.views
    qtbot.waitUntil(lambda: views["coronal"].isVisible() and not views["axial"].isVisible())
    assert not views["sagittal"].isVisible() and views["coronal"].view.state.window == PRESETS["bone"]
    qtbot.wait(100)
    shot = _grab(win)
    QApplication.primaryScreen().grabWindow(win.winId()).save(str(artifacts / "hanging-centre-coronal.png"))
    region = _region(shot, win, views["coronal"])
    assert region.shape[1] > win.mpr.width() * 0.9  # the one view fills the layout
    assert region.std() > 25  # and shows the image
    qtbot.keyClick(views["coronal"], Qt.Key_H)
    assert win.hanging.current.id == "chest-ct-screening"   # then the bundled ones, best first


def test_k_marks_the_view_with_its_measurement_as_key_image(qtbot, window, artifacts):
    win = window
    panel = win.report_panel
    ax = win.mpr.axial
    preview = panel.preview

    def preview_dark_fraction() -> float:
        preview.verticalScrollBar().setValue(preview.verticalScrollBar().maximum())
        qtbot.wait(50)
        region = _region(_grab(win), win, preview.viewport())
        return float((region.max(axis=2) < 40).mean())

    without = preview_dark_fraction()
    ax.setFocus()
    qtbot.keyClick(ax, Qt.Key_L)
    c = QPoint(ax.width() // 2 + 40, ax.height() // 2 + 30)
    _drag(qtbot, ax, Qt.LeftButton, c - QPoint(40, 0), c + QPoint(40, 0))
    assert ax.view.lengths
    qtbot.keyClick(ax, Qt.Key_K)
    qtbot.waitUntil(lambda: len(panel.report.key_images) == 1, timeout=30000)
    key = panel.report.key_images[0]
    k = ax.view.slice_index()
    assert key.sop_instance_uid == win.volume.sop_instance_uids[k] and key.slice_index == k
    assert key.sop_class_uid == "1.2.840.10008.5.1.4.1.1.2" and key.series_uid == win.volume.identity.series_uid
    assert "mm" in key.caption  # the measurement's label
    png = QImage.fromData(key.png, "PNG").convertToFormat(QImage.Format_RGB888)
    png.save(str(artifacts / "key-image.png"))
    arr = np.frombuffer(png.constBits(), np.uint8, count=png.bytesPerLine() * png.height())
    arr = arr.reshape(png.height(), png.bytesPerLine())[:, : png.width() * 3].reshape(png.height(), png.width(), 3)
    green = (arr[..., 1] > 200) & (arr[..., 0] < 120) & (arr[..., 2] < 120)
    yellow = (arr[..., 0] > 180) & (arr[..., 1] > 180) & (arr[..., 2] < 120)
    assert green.sum() > 30, "the length measurement is not burned into the key image"
    assert yellow.sum() > 20, "the orientation labels are not burned into the key image"
    # the preview shows it: the CT's black background fills part of the (white) preview
    with_image = preview_dark_fraction()
    QApplication.primaryScreen().grabWindow(win.winId()).save(str(artifacts / "key-image-preview.png"))
    assert with_image > without + 0.05, (without, with_image)
    # undo takes it back, as any report change
    panel.editor.undo()
    assert panel.report.key_images == ()
    assert Decimal(panel.report.fields["ctdivol"]) == Decimal("10.6")  # the dose stays: it came first


@pytest.mark.orthanc
def test_dose_sr_and_key_image_through_a_real_orthanc(qtbot, windows, orthanc, shared_data, keyed_reader, tmp_path):
    """The study at the centre holds a CT Radiation Dose SR: the dose comes from it (fetched with
    the study, on the loader's worker). A key image marked with K goes to the centre as a KOS
    with the SR and the PDF, and references the instance that was on screen."""
    import io

    import pydicom

    from app.reading.delivery import DeliveryState
    from tests.report.dose_sr import build_dose_sr
    from tests.report_gui.conftest import PASSWORD
    from tests.report_gui.helpers import (NODULE_KEYS, REPORT_KEYS, answer_certificate_password, answer_password,
                                          measure_cross, type_fields)
    from tests.report_gui.test_report_to_orthanc import _upload_copy
    from tests.gui.test_reading_window import _open
    from worklist.claims import ClaimStore
    from worklist.dicomweb import ClientSettings, DicomWebClient
    from worklist.dicomweb_centre import DicomWebCentre
    from worklist.outbox import Outbox, Sender
    from worklist.qido_worklist import QidoWorklist, QidoWorklistSettings
    from tests.report_gui.test_report_to_orthanc import READER

    study = _upload_copy(orthanc, shared_data)
    image = pydicom.dcmread(sorted((shared_data / "ct" / "lung-dx-a0001" / "series-2-5mm").glob("*.dcm"))[0],
                            stop_before_pixels=True)
    image.StudyInstanceUID = study
    dose = build_dose_sr(image, [(0.05, 1.0), (2.1, 80.7)])
    dose.NameOfPhysiciansReadingStudy = READER  # a study attribute: every instance carries it
    buf = io.BytesIO()
    dose.save_as(buf, enforce_file_format=True)
    orthanc.upload([buf.getvalue()])

    client = DicomWebClient(ClientSettings(orthanc.dicomweb_url, orthanc.user, orthanc.password))
    centre = DicomWebCentre("test orthanc", client, QidoWorklist(client, QidoWorklistSettings(reader_name=READER),
                                                                 ClaimStore(tmp_path / "claims.json")))
    outbox = Outbox(tmp_path / "outbox")
    sender = Sender(outbox, centre, poll_s=0.2)
    sender.start()
    try:
        win = make_window(qtbot, windows, centre, "sato", session=keyed_reader.session, outbox=outbox)
        _open(qtbot, win, next(n for n, i in enumerate(win.worklist.items) if i.study_uid == study))
        panel = win.report_panel
        qtbot.waitUntil(lambda: panel.report is not None and panel.report.fields.get("dose_source") is not None)
        report = panel.report
        f = report.fields
        assert (f["ctdivol"], f["dlp"], f["dose_source"]) == ("2.1", "81.7", "dose_sr")
        assert not win.dose_fill.warning.isVisible()  # 2.1 mGy: within the screening limit

        measure_cross(qtbot, win)
        qtbot.keyClick(win.mpr.axial, Qt.Key_K)
        qtbot.waitUntil(lambda: len(report.key_images) == 1, timeout=30000)
        key = report.key_images[0]
        qtbot.keyClick(win.mpr.axial, Qt.Key_M, Qt.ControlModifier)
        qtbot.keyClick(win.mpr.axial, Qt.Key_E, Qt.ControlModifier)
        keys = [(fid, "" if fid == "ctdivol" else text) for fid, text in REPORT_KEYS]  # keep the SR's value
        type_fields(qtbot, win, keys + [("nodule_list", "")] + NODULE_KEYS)
        assert report.problems() == [] and report.fields["dose_source"] == "dose_sr"
        answer_password(qtbot, panel, PASSWORD)
        answer_certificate_password(qtbot, keyed_reader.p12_password)
        with qtbot.waitSignal(panel.signedReport, timeout=60000):
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key_S, Qt.ControlModifier | Qt.ShiftModifier)
        qtbot.waitUntil(lambda: panel.delivery(report.report_id).state is DeliveryState.SENT, timeout=60000)

        series = {s["0020000E"]["Value"][0]: s["00080060"]["Value"][0] for s in client.search_series(study)}
        kos_series = [uid for uid, modality in series.items() if modality == "KO"]
        assert len(kos_series) == 1
        (inst,) = client.search_instances(study, kos_series[0])
        kos_uid = inst["00080018"]["Value"][0]
        kos = pydicom.dcmread(io.BytesIO(client.retrieve_instance(study, kos_series[0], kos_uid)))
        refs = [i.ReferencedSOPSequence[0] for i in kos.ContentSequence if i.ValueType == "IMAGE"]
        assert [(r.ReferencedSOPClassUID, r.ReferencedSOPInstanceUID) for r in refs] == \
            [(key.sop_class_uid, key.sop_instance_uid)]
        # the referenced instance is the centre's, of this study
        held = {i["00080018"]["Value"][0] for i in client.search_instances(study, key.series_uid)}
        assert key.sop_instance_uid in held
    finally:
        sender.stop()
        outbox.close()
        client.close()
