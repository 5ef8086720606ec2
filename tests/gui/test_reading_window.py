"""The reading window driven as a reader drives it: worklist, keys, mouse, screenshots.

Runs `yomi --demo`'s own set-up (app.demo.prepare_demo) on the real chest CT of
../shared/data and checks what is on screen by grabbing the window's pixels.
"""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.demo import DEMO_READER, prepare_demo
from app.windows.main_window import MainWindow
from app.windows.prompts import Unattended
from app.windows.worklist_panel import IMAGES_COLUMN
from viewer.tools.window_level import PRESETS
from tests.window_waits import wait_active, wait_exposed


def _grab(widget) -> np.ndarray:
    """What the screen shows for `widget` (VTK areas included), as RGB."""
    img = QApplication.primaryScreen().grabWindow(widget.winId()).toImage()
    img = img.convertToFormat(QImage.Format_RGB888)
    w, h = img.width(), img.height()
    buf = np.frombuffer(img.constBits(), np.uint8, count=img.bytesPerLine() * h)
    return buf.reshape(h, img.bytesPerLine())[:, : w * 3].reshape(h, w, 3).copy()


def _view_region(shot: np.ndarray, win, view) -> np.ndarray:
    """The part of a grab of `win` that `view` covers."""
    top_left = view.mapTo(win, QPoint(0, 0))
    return shot[top_left.y(): top_left.y() + view.height(), top_left.x(): top_left.x() + view.width()]


@pytest.fixture
def reading(qtbot, windows, shared_data, tmp_path):
    setup = prepare_demo(tmp_path / "centre")
    win = MainWindow(setup.centre, DEMO_READER, setup.notice)
    win.prompts = Unattended()
    windows.append(win)
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    wait_exposed(qtbot, win)
    win.activateWindow()  # the view keys are the keymap's QActions: live in the active window
    wait_active(qtbot, win)
    qtbot.waitUntil(lambda: not win.reading.refreshing, timeout=60000)  # the first worklist is in
    return win


def _open(qtbot, win, index: int) -> None:
    win.worklist.table.setFocus()
    win.worklist.table.selectRow(index)
    qtbot.keyClick(win.worklist.table, Qt.Key_Return)
    qtbot.waitUntil(lambda: win.volume is not None and not win.is_loading(), timeout=60000)
    qtbot.wait(100)


def test_worklist_orders_stat_first_and_opens_real_ct_in_mpr(qtbot, reading, artifacts):
    win = reading
    items = win.worklist.items
    assert [i.priority.name for i in items] == ["STAT", "ROUTINE"]
    real = next(n for n, i in enumerate(items) if i.patient_id == "Lung_Dx-A0001")
    _open(qtbot, win, real)
    assert win.volume.shape == (64, 512, 512)
    assert win.series_box.count() == 2  # the lung and mediastinal kernels stay two series
    path = artifacts / "reading-window-mpr.png"
    shot = _grab(win)
    QApplication.primaryScreen().grabWindow(win.winId()).save(str(path))
    for plane, view in win.mpr.views.items():
        region = _view_region(shot, win, view)
        assert region.std() > 25, f"{plane} view is blank on screen"
        # the orientation labels are yellow text; every view shows some
        yellow = (region[..., 0] > 180) & (region[..., 1] > 180) & (region[..., 2] < 120)
        assert yellow.sum() > 20, f"{plane} view shows no orientation labels"


def test_keys_scroll_window_presets_zoom_and_reset(qtbot, reading):
    win = reading
    _open(qtbot, win, 1)
    ax = win.mpr.axial
    k0 = ax.view.slice_index()
    qtbot.keyClick(ax, Qt.Key_Up)
    assert ax.view.slice_index() == k0 + 1
    qtbot.keyClick(ax, Qt.Key_PageDown)
    assert ax.view.slice_index() == k0 + 1 - 10
    qtbot.keyClick(ax, Qt.Key_Home)
    assert ax.view.slice_index() == 0
    qtbot.keyClick(ax, Qt.Key_End)
    assert ax.view.slice_index() == ax.view.slice_count() - 1
    # the coronal and sagittal crosshair follows the axial slice
    z = ax.view.state.cursor[2]
    assert win.mpr.views["coronal"].view.state.cursor[2] == pytest.approx(z)

    qtbot.keyClick(ax, Qt.Key_2)
    assert ax.view.state.window == PRESETS["mediastinum"]
    qtbot.wait(50)
    before = _grab(ax)
    qtbot.keyClick(ax, Qt.Key_1)
    assert ax.view.state.window == PRESETS["lung"]
    assert win.mpr.views["sagittal"].view.state.window == PRESETS["lung"]
    qtbot.wait(50)
    changed = np.abs(_grab(ax).astype(int) - before.astype(int)).max(axis=-1) > 20
    assert changed.mean() > 0.02, "the window change must show on screen"
    qtbot.keyClick(ax, Qt.Key_6)  # the series' own first window
    own = win.volume.window_presets[0]
    assert (ax.view.state.window.center, ax.view.state.window.width) == (own[0], own[1])
    qtbot.keyClick(ax, Qt.Key_7)  # its second value (WindowCenter/Width are multi-valued)
    own2 = win.volume.window_presets[1]
    assert (ax.view.state.window.center, ax.view.state.window.width) == (own2[0], own2[1])

    ax.view.zoom_by(2.0)
    qtbot.keyClick(ax, Qt.Key_R)
    assert ax.view.state.zoom == 1.0 and not ax.view.state.pan.any()


def test_mouse_wheel_drag_window_pan_zoom(qtbot, reading):
    win = reading
    _open(qtbot, win, 1)
    ax = win.mpr.axial
    k0 = ax.view.slice_index()
    centre = QPoint(ax.width() // 2, ax.height() // 2)
    _wheel(ax, centre, 120)
    assert ax.view.slice_index() == k0 + 1
    w0 = ax.view.state.window
    _drag(qtbot, ax, Qt.LeftButton, centre, centre + QPoint(40, 20))
    assert ax.view.state.window.width > w0.width and ax.view.state.window.center > w0.center
    _drag(qtbot, ax, Qt.MiddleButton, centre, centre + QPoint(30, 0))
    assert ax.view.state.pan[0] < 0  # the image follows the mouse to the right
    _drag(qtbot, ax, Qt.RightButton, centre, centre + QPoint(0, -50))
    assert ax.view.state.zoom > 1.2


def test_length_and_ellipse_measurements_in_mm_and_hu(qtbot, reading):
    win = reading
    _open(qtbot, win, 1)
    ax = win.mpr.axial
    got = []
    win.mpr.measurementAdded.connect(lambda m, plane: got.append((m, plane)))
    qtbot.keyClick(ax, Qt.Key_L)
    a, b = QPoint(ax.width() // 2 - 60, ax.height() // 2), QPoint(ax.width() // 2 + 60, ax.height() // 2)
    _drag(qtbot, ax, Qt.LeftButton, a, b)
    (length, plane), = got
    assert plane == "axial"
    expected = float(np.linalg.norm(ax.lps_at(b) - ax.lps_at(a)))
    assert length.mm == pytest.approx(expected, rel=1e-6)
    # 120 screen pixels in mm follow from the view's scale, itself from the pixel spacing
    mm_per_px = ax.view._mm_per_pixel() * ax.devicePixelRatioF()
    assert length.mm == pytest.approx(120 * mm_per_px, rel=0.03)

    qtbot.keyClick(ax, Qt.Key_E)
    c = QPoint(ax.width() // 2, ax.height() // 2)
    _drag(qtbot, ax, Qt.LeftButton, c, c + QPoint(15, 15))
    roi, _ = got[-1]
    assert roi.stats is not None and roi.stats.count > 10
    # the statistics are of stored HU: recompute them from the voxels independently
    vox = win.volume.voxels
    assert vox.min() <= roi.stats.min <= roi.stats.mean <= roi.stats.max <= vox.max()


def test_crosshair_links_views_and_rotation_makes_oblique(qtbot, reading, artifacts):
    win = reading
    _open(qtbot, win, 1)
    ax = win.mpr.axial
    qtbot.keyClick(ax, Qt.Key_C)
    p = QPoint(ax.width() // 3, ax.height() // 2)
    _drag(qtbot, ax, Qt.LeftButton, p, p)
    target = ax.lps_at(p)
    cor, sag = win.mpr.views["coronal"].view, win.mpr.views["sagittal"].view
    half = win.volume.spacing[0] / 2 + 1e-6  # the cursor snaps to the nearest slice of each plane
    assert cor.state.cursor[1] == pytest.approx(target[1], abs=half)
    assert sag.state.cursor[0] == pytest.approx(target[0], abs=half)
    assert sag.state.cursor[0] < 0  # a point on screen left of the axial view is patient right
    for _ in range(6):  # 30 degrees
        qtbot.keyClick(ax, Qt.Key_BracketRight)
    assert cor._labels["right"].GetInput() not in ("L", "R")  # oblique: two letters
    assert cor._status.GetInput().splitlines()[1].startswith("Oblique")
    QApplication.primaryScreen().grabWindow(win.winId()).save(str(artifacts / "reading-window-oblique.png"))
    qtbot.keyClick(win.mpr, Qt.Key_O)
    assert cor._labels["right"].GetInput() == "L"


def test_slab_mip_keys(qtbot, reading):
    win = reading
    _open(qtbot, win, 1)
    cor = win.mpr.views["coronal"]
    cor.setFocus()  # view keys go to the view with the focus, as a click on it gives
    qtbot.keyClick(cor, Qt.Key_M)
    assert cor.view.state.slab_mode == "mip" and cor.view.state.slab_mm == 10.0
    qtbot.keyClick(cor, Qt.Key_Plus)
    assert cor.view.state.slab_mm == 12.0
    qtbot.keyClick(cor, Qt.Key_M)
    assert cor.view.state.slab_mode == "minip"
    qtbot.keyClick(cor, Qt.Key_M)
    qtbot.keyClick(cor, Qt.Key_M)
    assert cor.view.state.slab_mm == 0.0


def test_single_view_layout_and_back(qtbot, reading):
    win = reading
    _open(qtbot, win, 1)
    # the layouts left F1 (now the shortcut sheet) for Ctrl+1 / Ctrl+2 (app/keymap/defaults.py)
    qtbot.keyClick(win.mpr.axial, Qt.Key_1, Qt.ControlModifier)
    assert not win.mpr.views["coronal"].isVisible()
    qtbot.keyClick(win.mpr.axial, Qt.Key_2, Qt.ControlModifier)
    assert win.mpr.views["coronal"].isVisible()


def _wheel(widget, pos: QPoint, delta: int) -> None:
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QWheelEvent

    ev = QWheelEvent(QPointF(pos), QPointF(widget.mapToGlobal(pos)), QPoint(0, 0), QPoint(0, delta),
                     Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(widget, ev)


def _drag(qtbot, widget, button, start: QPoint, end: QPoint) -> None:
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QMouseEvent

    def send(kind, pos, buttons):
        ev = QMouseEvent(kind, QPointF(pos), QPointF(widget.mapToGlobal(pos)), button, buttons, Qt.NoModifier)
        QApplication.sendEvent(widget, ev)

    send(QMouseEvent.MouseButtonPress, start, button)
    steps = 5
    for i in range(1, steps + 1):
        send(QMouseEvent.MouseMove, start + (end - start) * i / steps, button)
    send(QMouseEvent.MouseButtonRelease, end, Qt.NoButton)
    qtbot.wait(20)


def test_worklist_filter_and_column_sort_keep_rows_and_items_together(qtbot, reading):
    wl = reading.worklist
    assert wl.row_count() == 2
    qtbot.keyClicks(wl.filter, "phantom")
    assert wl.row_count() == 1 and wl._item_at(0).patient_id == "SYNTH-0001"
    wl.filter.clear()
    assert wl.row_count() == 2
    images = IMAGES_COLUMN
    qtbot.mouseClick(wl.table.horizontalHeader().viewport(), Qt.LeftButton,
                     pos=QPoint(wl.table.horizontalHeader().sectionViewportPosition(images) + 5, 5))
    counts = [int(wl.text_at(r, images)) for r in range(wl.row_count())]
    assert counts in (sorted(counts), sorted(counts, reverse=True)) and len(set(counts)) == 2
    for r in range(wl.row_count()):  # each row still opens the study it shows
        wl.table.selectRow(r)
        assert wl.current().patient_id == wl.text_at(r, 3)


def test_hu_under_the_mouse_is_the_stored_voxel(qtbot, reading):
    win = reading
    _open(qtbot, win, 1)
    ax = win.mpr.axial
    pos = QPoint(ax.width() // 2 + 17, ax.height() // 2 - 23)
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QMouseEvent

    QApplication.sendEvent(ax, QMouseEvent(QMouseEvent.MouseMove, QPointF(pos), QPointF(ax.mapToGlobal(pos)),
                                           Qt.NoButton, Qt.NoButton, Qt.NoModifier))
    p = ax.lps_at(pos)
    i, j, k = np.rint(np.linalg.inv(win.volume.affine) @ np.append(p, 1.0))[:3].astype(int)
    expected = int(win.volume.voxels[k, j, i])
    assert win.hu_label.text().endswith(f"{expected} HU")
    assert f"z {p[2]:.1f} mm" in win.hu_label.text()


def test_opening_claims_and_give_back_returns_the_study(qtbot, reading):
    win = reading
    _open(qtbot, win, 1)
    uid = win.current.study_uid
    status = {e.study_uid: e.status for e in win.centre.entries()}
    assert status[uid] == "IN PROGRESS"
    win.activateWindow()  # window shortcuts fire only in the active window, as for a reader
    assert QTest.qWaitForWindowActive(win)
    qtbot.keyClick(win.mpr.axial, Qt.Key_G, Qt.ControlModifier | Qt.ShiftModifier)
    qtbot.waitUntil(lambda: win.current is None and not win.reading.refreshing, timeout=30000)
    status = {e.study_uid: e.status for e in win.centre.entries()}
    assert status[uid] == "SCHEDULED"
    assert uid in [i.study_uid for i in win.worklist.items]


def test_studies_opened_in_turn_are_freed_though_frozen_out_of_the_collector(qtbot, reading):
    """The loader freezes what is alive after each build (app/reading/study_load.py): that must
    not keep a replaced study alive, nor let the frozen set grow study after study."""
    import gc
    import weakref

    win = reading
    refs, frozen = [], []
    for n in range(4):
        _open(qtbot, win, n % 2)
        refs.append(weakref.ref(win.volume))
        frozen.append(gc.get_freeze_count())
    assert all(r() is None for r in refs[:-1]), "a replaced volume is still alive"
    assert frozen[3] <= frozen[1] * 1.1, frozen  # the same study again: no more frozen than before


def _measure_length(qtbot, win) -> None:
    ax = win.mpr.axial
    qtbot.keyClick(ax, Qt.Key_L)
    _drag(qtbot, ax, Qt.LeftButton, QPoint(ax.width() // 2 - 60, ax.height() // 2),
          QPoint(ax.width() // 2 + 60, ax.height() // 2))
    assert win.measured_lengths() and ax.view.overlay_texts, "no length drawn to carry over"


def test_the_next_study_opens_with_nothing_of_the_last_one(qtbot, reading):
    """Between the claim of the next study and its first slices, the last study's volume,
    measurements and report are gone: a length measured on one patient must not become a
    nodule of the next, nor a key press edit the last one's report under the next one's images."""
    import gc
    import weakref

    win = reading
    _open(qtbot, win, 1)
    first = win.current.study_uid
    _measure_length(qtbot, win)
    assert win.report_panel.session is not None
    last = weakref.ref(win.volume)
    seen = {}
    start = win._start_loader

    def starting(loader):   # the next study is claimed: its loader starts now
        gc.collect()
        seen.update(alive=last() is not None, volume=win.volume, lengths=win.measured_lengths(),
                    overlays=[t for w in win.mpr.views.values() for t in w.view.overlay_texts],
                    session=win.report_panel.session, series=win.series_box.count())
        start(loader)

    win._start_loader = starting
    _open(qtbot, win, 0)
    assert win.current.study_uid != first
    assert seen == {"alive": False, "volume": None, "lengths": [], "overlays": [], "session": None, "series": 0}
    # the next study's own report, not the last one's, once it is on screen
    qtbot.waitUntil(lambda: win.report_panel.session is not None, timeout=10000)
    assert win.report_panel.report.identity.study_uid == win.current.study_uid
    assert win.measured_lengths() == []


def test_a_study_given_back_leaves_the_screen(qtbot, reading, artifacts):
    win = reading
    _open(qtbot, win, 1)
    _measure_length(qtbot, win)
    ax = win.mpr.axial
    assert _view_region(_grab(win), win, ax).std() > 25
    win.activateWindow()
    assert QTest.qWaitForWindowActive(win)
    qtbot.keyClick(ax, Qt.Key_G, Qt.ControlModifier | Qt.ShiftModifier)
    qtbot.waitUntil(lambda: win.current is None and not win.reading.refreshing, timeout=30000)
    qtbot.waitUntil(lambda: not win.mpr._queue_running, timeout=5000)
    qtbot.wait(100)
    QApplication.primaryScreen().grabWindow(win.winId()).save(str(artifacts / "reading-window-given-back.png"))
    shot = _grab(win)
    for plane, view in win.mpr.views.items():
        # no image, banner, labels or measurement left: the view is black
        assert int(_view_region(shot, win, view).max()) < 40, f"{plane} view still shows something of the study given back"
    assert win.volume is None and win.measured_lengths() == [] and win.report_panel.session is None
    assert win.report_panel.state_label.text() == ""   # no report id of the study given back
    # Ctrl+M (nodule from measurement) has nothing to act on
    win.report_panel.add_nodule_from_measurement()
    assert win.report_panel.session is None


def test_a_study_given_back_while_it_loads_never_appears(qtbot, reading):
    """Given back between its claim and its first slices: the load stops and nothing of the
    study comes on screen afterwards. The centre's retrieval is held (a real retrieval, started
    only once the give-back is through) so the give-back lands while the loader is running."""
    import threading

    win = reading
    centre = win.centre
    held = threading.Event()
    retrieve = centre.retrieve

    def slow_retrieve(*args, **kwargs):
        held.wait(30)
        yield from retrieve(*args, **kwargs)

    centre.retrieve = slow_retrieve
    try:
        win.worklist.table.setFocus()
        win.worklist.table.selectRow(1)
        qtbot.keyClick(win.worklist.table, Qt.Key_Return)
        qtbot.waitUntil(lambda: win.loader is not None, timeout=30000)
        uid = win.loader.study_uid
        loader = win.loader
        win.activateWindow()
        assert QTest.qWaitForWindowActive(win)
        qtbot.keyClick(win.mpr.axial, Qt.Key_G, Qt.ControlModifier | Qt.ShiftModifier)
        qtbot.waitUntil(lambda: win.current is None and not win.reading.refreshing, timeout=30000)
        assert win.loader is None and not win.is_loading()
    finally:
        held.set()
    loader.wait(30)
    qtbot.wait(300)   # any signal the cancelled load still queued is delivered now
    assert win.volume is None, "the study given back came on screen after the give-back"
    assert win.report_panel.session is None
    assert not win.progress.isVisible()
    assert {e.study_uid: e.status for e in centre.entries()}[uid] == "SCHEDULED"


def test_a_study_opened_again_is_audited_again(qtbot, reading):
    """Each opening is an access of its own (the ministry guideline's access record), not only
    the first opening of the study in this window."""
    from app.audit import C, default_log

    win = reading
    log = win.reading.audit_log or default_log()

    def accessed(uid) -> int:
        return sum(1 for r in log.records() if r.event.event_id == C.INSTANCES_ACCESSED
                   and any(o.object_id == uid for o in r.event.objects))

    _open(qtbot, win, 1)
    uid = win.current.study_uid
    qtbot.waitUntil(lambda: accessed(uid) >= 1, timeout=10000)   # written by a worker
    once = accessed(uid)
    win.activateWindow()   # given back, then opened again: no other study in between
    assert QTest.qWaitForWindowActive(win)
    qtbot.keyClick(win.mpr.axial, Qt.Key_G, Qt.ControlModifier | Qt.ShiftModifier)
    qtbot.waitUntil(lambda: win.current is None and not win.reading.refreshing, timeout=30000)
    row = next(n for n, i in enumerate(win.worklist.items) if i.study_uid == uid)
    _open(qtbot, win, row)
    assert win.current.study_uid == uid
    qtbot.waitUntil(lambda: accessed(uid) > once, timeout=10000)
