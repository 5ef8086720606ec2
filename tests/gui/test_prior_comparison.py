"""The prior beside the current study in the reading window, driven as a reader drives it.

The local centre holds the current study (assigned to the reader) and its prior (read last
year by someone else), both made from the real chest CT with a known shift and rotation and a
nodule grown from 5 to 8 mm (tests/fixtures/prior_pair.py). Opening the current study finds,
loads and registers the prior by itself; the views are checked on screen pixels.
"""
from __future__ import annotations

import shutil

import numpy as np
import pydicom
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.reading.priors import IdentityProblem
from app.windows.main_window import MainWindow
from app.windows.prompts import Unattended
from tests.fixtures.prior_pair import prior_pair  # noqa: F401  (fixture)
from viewer import registration as reg
from viewer.registration import Fallback
from viewer.views.link_model import Side
from worklist.local import LocalCentre
from tests.window_waits import wait_active, wait_exposed

READER = "reader"


def _grab(widget) -> np.ndarray:
    img = QApplication.primaryScreen().grabWindow(widget.winId()).toImage().convertToFormat(QImage.Format_RGB888)
    w, h = img.width(), img.height()
    buf = np.frombuffer(img.constBits(), np.uint8, count=img.bytesPerLine() * h)
    return buf.reshape(h, img.bytesPerLine())[:, : w * 3].reshape(h, w, 3).copy()


def _region(shot: np.ndarray, win, widget) -> np.ndarray:
    p = widget.mapTo(win, QPoint(0, 0))
    return shot[p.y(): p.y() + widget.height(), p.x(): p.x() + widget.width()]


def _shows_a_ct_with_labels(region: np.ndarray) -> bool:
    yellow = (region[..., 0] > 180) & (region[..., 1] > 180) & (region[..., 2] < 120)
    return region.std() > 25 and yellow.sum() > 20


def _centre(root, pair, prior_dir=None) -> LocalCentre:
    (root / "studies").mkdir(parents=True)
    (root / "studies" / "current").symlink_to(pair.current_dir)
    (root / "studies" / "prior").symlink_to(prior_dir or pair.prior_dir)
    centre = LocalCentre(root, READER)
    centre.add_study("current", pair.current_uid, READER)
    centre.add_study("prior", pair.prior_uid, "earlier.reader")
    return centre


def _open_current(qtbot, windows, centre, pair) -> MainWindow:
    win = MainWindow(centre, READER, "test", prompts=Unattended())
    windows.append(win)
    win.resize(1270, 980)  # fits the CI screen (1280x1024)
    win.show()
    wait_exposed(qtbot, win)
    win.activateWindow()  # window shortcuts (Ctrl+M) need the active window
    wait_active(qtbot, win)
    qtbot.waitUntil(lambda: bool(win.worklist.items), timeout=60000)
    row = [i.study_uid for i in win.worklist.items].index(pair.current_uid)
    win.worklist.table.setFocus()
    win.worklist.table.selectRow(row)
    qtbot.keyClick(win.worklist.table, Qt.Key_Return)
    qtbot.waitUntil(lambda: win.volume is not None and not win.is_loading(), timeout=60000)
    return win


def _drag(qtbot, widget, a_lps, b_lps) -> None:
    """A left-button drag between two patient points, in the widget's own pixels."""
    ratio = widget.devicePixelRatioF()

    def qt(p):
        x, y = widget.view.lps_to_display(p)
        return QPoint(round(x / ratio), round(widget.height() - 1 - y / ratio))
    QTest.mousePress(widget, Qt.LeftButton, Qt.NoModifier, qt(a_lps))
    QTest.mouseMove(widget, qt((np.asarray(a_lps) + np.asarray(b_lps)) / 2))
    QTest.mouseMove(widget, qt(b_lps))
    QTest.mouseRelease(widget, Qt.LeftButton, Qt.NoModifier, qt(b_lps))


def _to_slice_of(qtbot, widget, point) -> None:
    """Scroll with the arrow keys to the slice through `point`, as a reader would."""
    target = int(round(widget.view.volume.lps_to_index(point)[2]))
    widget.setFocus()
    while widget.view.slice_index() != target:
        qtbot.keyClick(widget, Qt.Key_Up if widget.view.slice_index() < target else Qt.Key_Down)


def test_prior_opens_registered_beside_the_current_and_the_nodule_is_compared(qtbot, windows, prior_pair,  # noqa: F811
                                                                              tmp_path_factory, artifacts):
    pair = prior_pair
    win = _open_current(qtbot, windows, _centre(tmp_path_factory.mktemp("local-centre"), pair), pair)
    comp = win.prior_comparison
    qtbot.waitUntil(lambda: comp.view.registration is not None, timeout=300000)
    view = comp.view
    assert view.registration.ok, view.registration
    assert comp.chosen.study.study_uid == pair.prior_uid and comp.priors_box.count() == 1
    assert not view.warning.isVisible() and view.warning_kinds() == []

    # the reader measures the nodule on the current study (axial view, length tool, long and short axis)
    axial = win.mpr.axial
    _to_slice_of(qtbot, axial, pair.nodule_current)
    qtbot.keyClick(axial, Qt.Key_L)
    r = pair.d_current_mm / 2
    c = pair.nodule_current
    _drag(qtbot, axial, c - [r, 0, 0], c + [r, 0, 0])
    _drag(qtbot, axial, c - [0, r, 0], c + [0, r, 0])
    assert len(axial.view.lengths) == 2
    qtbot.keyClick(axial, Qt.Key_M, Qt.ControlModifier)   # measurement to nodule (the report panel's key)
    assert len(win.report_panel.session.report.nodules) == 1, win.status_label.text()

    # linked scroll: the comparison's current view to the nodule's slice, the prior follows
    current_view, prior_view = view.views[Side.CURRENT], view.views[Side.PRIOR]
    _to_slice_of(qtbot, current_view, pair.nodule_current)
    prior_k = int(round(prior_view.view.volume.lps_to_index(pair.nodule_prior)[2]))
    assert prior_view.view.slice_index() == prior_k  # the registered slice, one below by the 5 mm shift
    assert prior_view.view.state.window == current_view.view.state.window

    qtbot.keyClick(current_view, Qt.Key_G)               # find and measure it in the prior
    qtbot.waitUntil(lambda: len(prior_view.view.lengths) == 2, timeout=30000)
    nodule = win.report_panel.session.report.nodules[0]
    assert nodule.status == "growing"
    assert abs(float(nodule.prior_mean_mm) - pair.d_prior_mm) <= 0.6
    assert "体積倍加時間" in nodule.note
    assert win.report_panel.session.report.fields.get("comparison") == "prior"
    qtbot.wait(200)
    shot = _grab(win)
    QApplication.primaryScreen().grabWindow(win.winId()).save(str(artifacts / "prior-comparison.png"))
    for side, w in view.views.items():
        assert _shows_a_ct_with_labels(_region(shot, win, w)), f"{side.value} view blank or without labels"
    # the measured prior lengths are drawn (the overlay colour of the length tool differs from grey CT)
    assert prior_view.view.overlay_texts

    # keys: swap puts the prior on the left, unlink lets the current scroll alone, T shows one view
    x_before = prior_view.mapTo(view, QPoint(0, 0)).x()
    qtbot.keyClick(current_view, Qt.Key_S)
    qtbot.wait(50)
    assert prior_view.mapTo(view, QPoint(0, 0)).x() < x_before
    qtbot.keyClick(current_view, Qt.Key_U)
    assert not view.link.linked
    k = prior_view.view.slice_index()
    qtbot.keyClick(current_view, Qt.Key_Up)
    assert prior_view.view.slice_index() == k
    qtbot.keyClick(current_view, Qt.Key_U)                # linked again: the prior catches up
    assert prior_view.view.slice_index() == prior_k + 1
    qtbot.keyClick(current_view, Qt.Key_T)
    assert prior_view.isVisible() and not current_view.isVisible()   # swapped: the prior is the one shown
    qtbot.keyClick(prior_view, Qt.Key_T)
    assert prior_view.isVisible() and current_view.isVisible()
    # the comparison's keys are the keymap's: swap moved to X works at once, S then does nothing
    keymap = win.keys.keymap.copy()
    keymap.bind("view.comparison_swap", ("X",))
    win.keys.set_keymap(keymap, save=False)
    x_before = prior_view.mapTo(view, QPoint(0, 0)).x()
    qtbot.keyClick(current_view, Qt.Key_S)
    qtbot.wait(50)
    assert prior_view.mapTo(view, QPoint(0, 0)).x() == x_before
    qtbot.keyClick(current_view, Qt.Key_X)
    qtbot.wait(50)
    assert prior_view.mapTo(view, QPoint(0, 0)).x() > x_before      # back on the right


    # the current study given back: its prior leaves the screen with it, both sides empty
    win.activateWindow()
    assert QTest.qWaitForWindowActive(win)
    qtbot.keyClick(win.mpr.axial, Qt.Key_G, Qt.ControlModifier | Qt.ShiftModifier)
    qtbot.waitUntil(lambda: win.current is None and not win.reading.refreshing, timeout=30000)
    assert comp.prior_volume is None and comp.current_volume is None and comp.priors_box.count() == 0
    assert all(w.view.volume is None and not w.view.lengths for w in view.views.values())
    qtbot.wait(100)
    shot = _grab(win)
    for side, w in view.views.items():
        if w.isVisible():
            assert int(_region(shot, win, w).max()) < 40, f"the {side.value} side still shows a study"

def test_a_registration_that_does_not_converge_is_shown_as_a_warning(qtbot, windows, prior_pair,  # noqa: F811
                                                                     tmp_path_factory, artifacts, monkeypatch):
    monkeypatch.setattr(reg, "ITERATIONS", 2)   # the optimiser stops before converging: a real fallback path
    pair = prior_pair
    win = _open_current(qtbot, windows, _centre(tmp_path_factory.mktemp("local-centre"), pair), pair)
    view = win.prior_comparison.view
    qtbot.waitUntil(lambda: view.registration is not None, timeout=300000)
    assert view.warning_kinds() == [Fallback.NOT_CONVERGED]
    qtbot.wait(200)
    shot = _grab(win)
    QApplication.primaryScreen().grabWindow(win.winId()).save(str(artifacts / "prior-comparison-fallback.png"))
    assert view.warning.isVisible()
    band = _region(shot, win, view.warning)
    red = (band[..., 0] > 150) & (band[..., 1] < 60) & (band[..., 2] < 80)
    assert red.mean() > 0.3, "the warning line is not on screen"
    for w in view.views.values():
        assert _shows_a_ct_with_labels(_region(shot, win, w))


def test_a_prior_of_another_sex_is_not_opened_by_itself_and_warned_when_chosen(qtbot, windows, prior_pair,  # noqa: F811
                                                                               tmp_path_factory, artifacts):
    pair = prior_pair
    other = tmp_path_factory.mktemp("other-sex") / "prior"
    shutil.copytree(pair.prior_dir, other)
    for f in other.glob("*.dcm"):
        ds = pydicom.dcmread(f)
        ds.PatientSex = "F"
        ds.save_as(f, enforce_file_format=True)
    win = _open_current(qtbot, windows, _centre(tmp_path_factory.mktemp("local-centre"), pair, other), pair)
    comp = win.prior_comparison
    qtbot.waitUntil(lambda: comp.priors_box.count() == 1, timeout=60000)
    assert comp.chosen is None and not comp.view.has_prior()   # listed, never opened by itself
    assert comp.candidates[0].problems == (IdentityProblem.SEX_DIFFERS,)
    comp.priors_box.activated.emit(0)                        # the reader picks it in the list, knowingly
    qtbot.waitUntil(lambda: comp.view.has_prior(), timeout=60000)
    assert not comp.view.link.linked and IdentityProblem.SEX_DIFFERS in comp.view.warning_kinds()
    qtbot.wait(200)
    QApplication.primaryScreen().grabWindow(win.winId()).save(str(artifacts / "prior-comparison-other-sex.png"))
    band = _region(_grab(win), win, comp.view.warning)
    assert ((band[..., 0] > 150) & (band[..., 1] < 60)).mean() > 0.3
    comp._stop()
