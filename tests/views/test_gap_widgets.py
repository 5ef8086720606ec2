"""The reading window on a real CT with missing slices, driven with the mouse (pytest-qt):
the hover read-out and an ellipse ROI on the gap say why there is no value; on an acquired
slice they give the stored HU. The screenshots go to tests/artifacts."""
from __future__ import annotations

import os

import numpy as np
import pytest

if not os.environ.get("DISPLAY"):
    pytest.skip("GUI tests need an X display (run through tests/run.sh, which starts Xvfb)",
                allow_module_level=True)

from PySide6.QtCore import QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QImage, QMouseEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from tests.gui.conftest import pytest_runtest_makereport, windows  # noqa: E402,F401
from tests.gui.test_reading_window import reading  # noqa: E402,F401
from tests.viewer.gap_volume import gap_volume  # noqa: E402
from viewer.sampling import Refusal  # noqa: E402

GAP_REASON = "slice 32 is a blank gap filler: slices are missing there"


def _send(widget, kind, pos: QPoint, button=Qt.NoButton, buttons=Qt.NoButton) -> None:
    QApplication.sendEvent(widget, QMouseEvent(kind, QPointF(pos), QPointF(widget.mapToGlobal(pos)),
                                               button, buttons, Qt.NoModifier))


def _drag(qtbot, widget, start: QPoint, end: QPoint) -> None:
    _send(widget, QMouseEvent.MouseButtonPress, start, Qt.LeftButton, Qt.LeftButton)
    for i in range(1, 6):
        _send(widget, QMouseEvent.MouseMove, start + (end - start) * i / 5, Qt.LeftButton, Qt.LeftButton)
    _send(widget, QMouseEvent.MouseButtonRelease, end, Qt.LeftButton, Qt.NoButton)
    qtbot.wait(30)


def _grab(widget) -> np.ndarray:
    img = QApplication.primaryScreen().grabWindow(widget.winId()).toImage().convertToFormat(QImage.Format_RGB888)
    w, h = img.width(), img.height()
    buf = np.frombuffer(img.constBits(), np.uint8, count=img.bytesPerLine() * h)
    return buf.reshape(h, img.bytesPerLine())[:, : w * 3].reshape(h, w, 3).copy()


def _orange(rgb: np.ndarray) -> int:
    r, g, b = (rgb[..., n].astype(int) for n in range(3))
    return int(((r > 200) & (g > 80) & (g < 160) & (b < 90)).sum())


@pytest.fixture
def gap_window(qtbot, reading, shared_data):
    vol, kept = gap_volume(shared_data / "ct" / "lung-dx-a0001" / "series-2-5mm")
    reading.mpr.set_volume(vol)
    qtbot.wait(50)
    return reading, vol, kept


def test_hover_and_roi_on_the_gap_show_the_reason(qtbot, gap_window, artifacts):
    win, vol, _ = gap_window
    ax = win.mpr.axial
    got = []
    win.mpr.measurementAdded.connect(lambda m, plane: got.append(m))
    ax.setFocus()
    qtbot.keyClick(ax, Qt.Key_Home)
    for _ in range(31):
        qtbot.keyClick(ax, Qt.Key_Up)
    assert ax.view.slice_index() == 31 and vol.slice_kinds[31] == "gap"

    pos = QPoint(ax.width() // 2 - 40, ax.height() // 2 + 10)
    _send(ax, QMouseEvent.MouseMove, pos)
    p = ax.lps_at(pos)
    assert win.hu_label.text() == (f"x {p[0]:.1f}  y {p[1]:.1f}  z {p[2]:.1f} mm — no value: {GAP_REASON}")

    before = _orange(_grab(ax))
    qtbot.keyClick(ax, Qt.Key_E)
    _drag(qtbot, ax, pos, pos + QPoint(25, 18))
    roi, = got
    assert roi.stats is None and roi.refusal.kind is Refusal.GAP
    assert [" ".join(t.split()) for t in ax.view.overlay_texts] == [f"no value: {GAP_REASON}"]
    ax.refresh()
    qtbot.wait(50)
    shot = _grab(ax)
    QApplication.primaryScreen().grabWindow(ax.winId()).save(str(artifacts / "gap-window-roi-refused.png"))
    assert _orange(shot) > before + 300, "the refused ROI and its reason must be drawn"


def test_hover_and_roi_on_an_acquired_slice_give_the_stored_hu(qtbot, gap_window, artifacts):
    win, vol, kept = gap_window
    ax = win.mpr.axial
    got = []
    win.mpr.measurementAdded.connect(lambda m, plane: got.append(m))
    ax.view.set_slice_index(40)
    ax.refresh()
    pos = QPoint(ax.width() // 2 + 17, ax.height() // 2 - 23)
    _send(ax, QMouseEvent.MouseMove, pos)
    i, j, k = np.rint(vol.lps_to_index(ax.lps_at(pos))).astype(int)
    ds = kept[k - 3]                         # three slices left out below slice 40
    stored = int(ds.pixel_array[j, i]) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    assert k == 40 and win.hu_label.text().endswith(f"   {stored:.0f} HU")

    qtbot.keyClick(ax, Qt.Key_E)
    _drag(qtbot, ax, pos, pos + QPoint(12, 9))
    roi, = got
    assert roi.refusal is None and roi.stats.count > 10
    assert ax.view.overlay_texts[0].startswith(f"mean {roi.stats.mean:.1f} HU")
    # the ROI's voxels are the file's pixels: every one of them is a stored value of slice 40
    hu = ds.pixel_array.astype(np.int32) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    ci, cj = np.rint(vol.lps_to_index(roi.center))[:2].astype(int)
    ri = int(np.ceil(np.linalg.norm(roi.axis_a) / vol.spacing[0])) + 1
    rj = int(np.ceil(np.linalg.norm(roi.axis_b) / vol.spacing[1])) + 1
    box = hu[cj - rj: cj + rj + 1, ci - ri: ci + ri + 1]
    assert box.min() <= roi.stats.min <= roi.stats.mean <= roi.stats.max <= box.max()
    QApplication.primaryScreen().grabWindow(ax.winId()).save(str(artifacts / "gap-window-roi-acquired.png"))
