"""Hanging protocols chosen as a study opens, and the comparison they drive, on screen.

The studies are the real chest CT of shared/data (TCIA Lung-PET-CT-Dx, doi:10.7937/TCIA.2020.NNC2-0461)
as the demo centre serves it, and the current/prior pair made from it with a known shift,
rotation and grown nodule (tests/fixtures/prior_pair.py). Nothing is pressed before the
checks of what a study opens with; the views are checked on screen pixels.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.demo import DEMO_READER, prepare_demo
from tests.fixtures.prior_pair import prior_pair  # noqa: F401  (fixture)
from tests.gui.test_prior_comparison import _centre, _grab, _open_current, _region, _shows_a_ct_with_labels
from tests.report_gui.helpers import make_window, open_study
from viewer.hanging import parse_protocol
from viewer.tools.window_level import PRESETS
from viewer.views.link_model import Side
from viewer.views.navigation import SlabMode
from worklist.local import LocalCentre

REAL = "Lung_Dx-A0001"
BLUE = (0, 89, 191)      # comparison_view.TAG_COLOURS, as 8-bit screen colours
ORANGE = (217, 102, 0)


def _kernel(win) -> str:
    return next(g for g in win.groups if g.key == win.volume.key).frames[0].kernel


def _band(region: np.ndarray, rgb) -> float:
    """Share of the region's pixels within a few levels of `rgb` (the study band's colour)."""
    return float((np.abs(region.astype(int) - np.array(rgb)).max(axis=2) <= 12).mean())


def _lung_grey(win, widget, shot) -> float:
    """Mean grey of the right lung (screen left of centre) in an axial view of the real chest CT."""
    region = _region(shot, win, widget)
    h, w = region.shape[:2]
    return float(region[h // 2 - w // 12: h // 2 + w // 12, int(0.24 * w): int(0.36 * w)].mean())


def test_the_real_chest_ct_opens_on_the_screening_protocol(qtbot, windows, shared_data, tmp_path, artifacts):
    setup = prepare_demo(tmp_path / "centre")
    win = make_window(qtbot, windows, setup.centre, DEMO_READER)
    open_study(qtbot, win, REAL)
    hanging = win.hanging
    qtbot.waitUntil(lambda: hanging.current is not None, timeout=10000)
    assert hanging.current.id == "chest-ct-screening" and not hanging.chosen_by_reader
    # its series rule picked the lung kernel (series 2 "5mm", kernel L) before the volume was built
    assert _kernel(win) == "L"
    views = win.mpr.views
    qtbot.waitUntil(lambda: views["axial"].view.state.slab_mode is SlabMode.MIP)
    assert views["axial"].view.state.slab_mm == 10.0
    assert all(w.view.state.window == PRESETS["lung"] and w.isVisible() for w in views.values())
    assert win.prior_comparison.dock.isHidden()   # no prior at the demo centre
    qtbot.wait(150)
    shot = _grab(win)
    QApplication.primaryScreen().grabWindow(win.winId()).save(str(artifacts / "hanging-auto-screening.png"))
    assert _lung_grey(win, views["axial"], shot) > 40, "the lungs are not in the lung window on screen"

    # H still cycles, from the protocol on screen
    qtbot.keyClick(views["axial"], Qt.Key_H)
    assert hanging.current.id == "general-ct" and hanging.chosen_by_reader
    qtbot.waitUntil(lambda: views["axial"].view.state.slab_mm == 0.0)
    qtbot.keyClick(views["axial"], Qt.Key_H)
    assert hanging.current.id == "chest-ct-screening"


def test_a_study_with_a_prior_opens_side_by_side_in_the_protocols_layout(qtbot, windows, prior_pair,  # noqa: F811
                                                                         tmp_path_factory, artifacts):
    pair = prior_pair
    win = _open_current(qtbot, windows, _centre(tmp_path_factory.mktemp("local-centre"), pair), pair)
    comp = win.prior_comparison
    qtbot.waitUntil(lambda: win.hanging.current is not None and win.hanging.current.id == "chest-ct-with-prior",
                    timeout=120000)
    assert not win.hanging.chosen_by_reader
    view = comp.view
    assert comp.dock.isVisible() and view.plane == "axial"
    # the main views: the current's axial alone, thin, lung window (the protocol's current view)
    mpr = win.mpr
    assert mpr.axial.isVisible() and not mpr.views["coronal"].isVisible() and not mpr.views["sagittal"].isVisible()
    assert mpr.axial.view.state.slab_mm == 0.0 and mpr.axial.view.state.window == PRESETS["lung"]
    for side in Side:
        assert view.views[side].view.state.window == PRESETS["lung"]
    assert view.views[Side.PRIOR].view.study_tag_text.endswith("2024-06-01")
    assert view.views[Side.CURRENT].view.study_tag_text.endswith("2025-06-01")
    qtbot.waitUntil(lambda: view.registration is not None, timeout=300000)
    qtbot.wait(200)
    shot = _grab(win)
    QApplication.primaryScreen().grabWindow(win.winId()).save(str(artifacts / "hanging-with-prior.png"))
    current, prior = (_region(shot, win, view.views[s]) for s in (Side.CURRENT, Side.PRIOR))
    assert _shows_a_ct_with_labels(current) and _shows_a_ct_with_labels(prior)
    # each view names its study in its own colour: the prior's band is on the prior only
    assert _band(prior, ORANGE) > 0.002 and _band(current, ORANGE) < 0.0005, (_band(prior, ORANGE), _band(current, ORANGE))
    assert _band(current, BLUE) > 0.002 and _band(prior, BLUE) < 0.0005
    assert _lung_grey(win, view.views[Side.PRIOR], shot) > 40
    # a centre's side-by-side protocol in coronal: the protocol chooses the comparison's plane
    coronal = parse_protocol({
        "schema": 1, "id": "centre-coronal-prior", "name": {"ja": "冠状断 前回比較", "en": "Coronal with prior"},
        "priority": 300, "requires_prior": True, "match": {"modality": ["CT"]}, "layout": "side_by_side",
        "views": [{"plane": "coronal", "study": "current", "window": "mediastinum"},
                  {"plane": "coronal", "study": "prior", "window": "mediastinum"}]}, "centre-coronal-prior.json")
    win.hanging.hang(coronal)
    assert view.plane == "coronal" and all(w.view.plane == "coronal" for w in view.views.values())
    assert all(w.view.state.window == PRESETS["mediastinum"] for w in view.views.values())
    assert mpr.views["coronal"].isVisible() and not mpr.axial.isVisible()


def test_without_a_prior_the_screening_protocol_hangs(qtbot, windows, prior_pair, tmp_path_factory):  # noqa: F811
    pair = prior_pair
    root = tmp_path_factory.mktemp("local-centre")
    (root / "studies").mkdir(parents=True)
    (root / "studies" / "current").symlink_to(pair.current_dir)
    centre = LocalCentre(root, "reader")
    centre.add_study("current", pair.current_uid, "reader")
    win = _open_current(qtbot, windows, centre, pair)
    qtbot.waitUntil(lambda: win.hanging.current is not None, timeout=10000)
    assert win.hanging.current.id == "chest-ct-screening"
    qtbot.wait(500)   # the priors search answers (none): nothing else is hung
    assert win.hanging.current.id == "chest-ct-screening" and win.prior_comparison.dock.isHidden()
    assert win.mpr.axial.view.state.slab_mode is SlabMode.MIP


def _nodule_contrast(shot, win, widget, point) -> float:
    """Grey at the point's pixel (3x3) minus the mean of a ring 8-12 px around it."""
    region = _region(shot, win, widget)
    ratio = widget.devicePixelRatioF()
    x, y = widget.view.lps_to_display(point)
    col, row = int(round(x / ratio)), int(round(widget.height() - 1 - y / ratio))
    centre = region[row - 1: row + 2, col - 1: col + 2].mean()
    yy, xx = np.mgrid[-12:13, -12:13]
    ring = (np.hypot(yy, xx) >= 8) & (np.hypot(yy, xx) <= 12)
    around = region[row - 12: row + 13, col - 12: col + 13][ring].mean()
    return float(centre - around)


def test_the_comparison_in_coronal_is_registered_and_labelled(qtbot, windows, prior_pair,  # noqa: F811
                                                              tmp_path_factory, artifacts):
    pair = prior_pair
    win = _open_current(qtbot, windows, _centre(tmp_path_factory.mktemp("local-centre"), pair), pair)
    view = win.prior_comparison.view
    qtbot.waitUntil(lambda: view.registration is not None, timeout=300000)
    assert view.registration.ok
    current, prior = view.views[Side.CURRENT], view.views[Side.PRIOR]
    current.setFocus()
    qtbot.keyClick(current, Qt.Key_V)             # the keymap's key for the comparison's plane
    assert view.plane == "coronal" and current.view.plane == prior.view.plane == "coronal"
    assert abs(current.view.state.axes.normal[1]) == 1.0 and abs(prior.view.state.axes.normal[1]) == 1.0
    # the reader puts the cursor on the nodule (as the crosshair does): the prior follows through the registration
    current.view.set_cursor(pair.nodule_current)
    current.refresh()
    assert np.linalg.norm(prior.view.state.cursor - pair.nodule_prior) < 2.0, prior.view.state.cursor
    # linked scroll in coronal too: one slice forward on the current, the prior follows
    k = prior.view.slice_index()
    qtbot.keyClick(current, Qt.Key_Up)
    assert prior.view.slice_index() != k
    qtbot.keyClick(current, Qt.Key_Down)
    assert prior.view.slice_index() == k
    for w in view.views.values():
        w.refresh()
    qtbot.wait(200)
    shot = _grab(win)
    QApplication.primaryScreen().grabWindow(win.winId()).save(str(artifacts / "prior-comparison-coronal.png"))
    for side, w in view.views.items():
        region = _region(shot, win, w)
        assert _shows_a_ct_with_labels(region), f"{side.value} coronal view blank or without labels"
    assert _band(_region(shot, win, prior), ORANGE) > 0.002
    # the nodule is on screen at the registered position of both views (bright in the lung window)
    assert _nodule_contrast(shot, win, current, pair.nodule_current) > 40
    assert _nodule_contrast(shot, win, prior, prior.view.state.cursor) > 25
    # the labels follow the plane: superior on top in coronal
    from viewer.views.planes import screen_labels

    assert screen_labels(prior.view.axes)["top"].startswith("S")
    qtbot.keyClick(current, Qt.Key_V)
    assert view.plane == "axial" and prior.view.plane == "axial"
