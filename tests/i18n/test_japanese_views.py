"""What the VTK views draw, in Japanese: the status corner, the volume's warnings, the
measurement labels and their refusals, the hover read-out. Driven with the reader's keys and
mouse on the real chest CT with slices missing (tests/viewer/gap_volume.py); every text actor
of every view is read back and walked (tests/i18n/untranslated.py), the screen saved as
tests/artifacts/ja-viewer-*.png, and the Japanese glyphs checked to be drawn as glyphs.
"""
from __future__ import annotations

import os

import numpy as np
import pytest

if not os.environ.get("DISPLAY"):
    pytest.skip("window tests need an X display (run through tests/run.sh, which starts Xvfb)",
                allow_module_level=True)

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QMouseEvent

from tests.i18n.test_japanese_windows import _assert_japanese, _data, _values, reading  # noqa: F401
from tests.i18n.untranslated import english, view_texts
from tests.views.test_gap_widgets import _drag, _send
from tests.viewer.gap_volume import gap_volume
from viewer.texts import untranslated
from viewer.views.capture import grab_rgb
from viewer.volume_warnings import Warn

pytestmark = pytest.mark.gui


@pytest.fixture
def gap_reading(qtbot, reading, shared_data):
    """The Japanese reading window showing the real CT with three slices left out."""
    vol, _kept = gap_volume(shared_data / "ct" / "lung-dx-a0001" / "series-2-5mm")
    reading.mpr.set_volume(vol)
    qtbot.wait(50)
    ax = reading.mpr.axial
    ax.setFocus()
    qtbot.waitUntil(ax.hasFocus)
    return reading, vol, _data(reading) + _values(vol.identity)


def _to_slice(qtbot, ax, k: int) -> None:
    qtbot.keyClick(ax, Qt.Key_Home)
    for _ in range(k):
        qtbot.keyClick(ax, Qt.Key_Up)
    assert ax.view.slice_index() == k


def _status_corner(view_widget) -> np.ndarray:
    """The view's frame, bottom-left quarter (the status lines), as drawn by VTK."""
    rgb = grab_rgb(view_widget.GetRenderWindow()).astype(int)
    h, w, _ = rgb.shape
    return rgb[h * 3 // 4:, : w // 2]


def test_status_warnings_and_measurements_drawn_in_japanese(qtbot, gap_reading, artifacts):
    win, vol, data = gap_reading
    ax = win.mpr.axial
    assert Warn.MISSING_SLICES in {w.code for w in vol.warnings}
    qtbot.keyClick(ax, Qt.Key_1)                       # lung window
    _to_slice(qtbot, ax, 40)                           # an acquired slice
    centre = QPoint(ax.width() // 2, ax.height() // 2)
    qtbot.keyClick(ax, Qt.Key_L)                       # length tool
    _drag(qtbot, ax, centre + QPoint(-60, 40), centre + QPoint(-10, 40))
    qtbot.keyClick(ax, Qt.Key_E)                       # ellipse ROI
    _drag(qtbot, ax, centre + QPoint(20, -30), centre + QPoint(34, -20))
    qtbot.keyClick(ax, Qt.Key_M)                       # MIP slab
    ax.refresh()
    qtbot.wait(100)

    drawn = ax.view.drawn_texts()
    status = drawn["status"].splitlines()
    assert status[0].endswith("（肺野）") and status[1] == f"横断 41/{ax.view.slice_count()}"
    assert "拡大率" in status[2] and status[3].startswith("MIP スラブ厚 ")
    assert drawn["warnings"].startswith("! スライス欠損：")
    labels = [drawn[k] for k in drawn if k.startswith("measurement-")]
    assert len(labels) == 2 and labels[0].endswith(" mm") and labels[1].startswith("平均 ")
    for plane in ("coronal", "sagittal"):
        assert win.mpr.views[plane].view.drawn_texts()["status"].splitlines()[1].startswith(
            {"coronal": "冠状断 ", "sagittal": "矢状断 "}[plane])
    # the window walk reads every view's text actors: nothing English among them
    _assert_japanese(win, data)
    win.grab()   # the Qt parts paint before the screen is taken
    shot = win.screen().grabWindow(win.winId())
    shot.save(str(artifacts / "ja-viewer-overlays.png"))
    corner = _status_corner(ax)
    # the lines' font follows the view's width (9-14 px): at 10 px they light 200-270 pixels, none drawn 0
    assert ((corner > 200).all(axis=-1)).sum() > 150, "the status lines must be drawn"

    # slice 32 is a gap filler: the ROI is refused and says why, the hover read-out too
    qtbot.keyClick(ax, Qt.Key_M)                       # slab MIP -> MinIP
    _to_slice(qtbot, ax, 31)
    pos = centre + QPoint(-40, 10)
    _send(ax, QMouseEvent.MouseMove, pos)
    assert win.hu_label.text().endswith(" — 値なし: スライス 32 は欠損部の空白スライスです（この位置のスライスがありません）")
    _drag(qtbot, ax, pos, pos + QPoint(25, 18))        # the ellipse tool is still the tool
    ax.refresh()
    qtbot.wait(100)
    [refused] = [t for k, t in ax.view.drawn_texts().items() if k.startswith("measurement-")]
    assert refused.startswith("値なし:") and "スライス 32" in refused
    _assert_japanese(win, data)
    win.screen().grabWindow(ax.winId()).save(str(artifacts / "ja-viewer-refused-roi.png"))


def test_an_english_overlay_in_the_japanese_window_fails_the_walk(qtbot, gap_reading):
    """The walk is what would fail: a view drawing its source texts is caught, place by place."""
    win, _vol, data = gap_reading
    ax = win.mpr.axial
    assert not english(view_texts(ax), data)
    ax.view.translate = untranslated
    ax.view.update()
    found = english(view_texts(ax), data)
    assert any(".vtk[status]" in line and "Axial" in line for line in found), found
    assert any(".vtk[warnings]" in line and "missing" in line for line in found), found


def test_japanese_glyphs_are_drawn_as_glyphs_not_boxes(qtbot, gap_reading):
    """Two plane names of the same length, told apart only by their glyphs: a font without
    kanji would draw the same boxes (or nothing) for both."""
    win, _vol, _data = gap_reading
    ax = win.mpr.axial
    japanese = ax.view.translate
    corners = []
    for name in ("横断", "断横"):
        ax.view.translate = lambda c, t, name=name: name if (c, t) == ("Banner", "Axial") else japanese(c, t)
        ax.view.update()
        corners.append(_status_corner(ax))
        assert name in ax.view.drawn_texts()["status"]
    ax.view.translate = japanese
    ax.view.update()
    ink = [((c > 200).all(axis=-1)).sum() for c in corners]
    assert min(ink) > 150   # drawn (the font follows the view's width, see above)
    assert (np.abs(corners[0] - corners[1]).max(axis=-1) > 60).sum() > 40, "the kanji drew as boxes"


def test_key_image_caption_is_in_the_reports_language_not_the_screens(qtbot, reading, artifacts):
    """A Japanese screen writing an English report captions its key images in English, and a
    Japanese report in Japanese: the caption goes into the report (PDF, KOS)."""
    from tests.i18n.test_japanese_windows import _CJK, _open_real_ct

    win = reading
    _open_real_ct(qtbot, win)
    panel = win.report_panel
    ax = win.mpr.axial
    ax.setFocus()
    qtbot.waitUntil(ax.hasFocus)
    centre = QPoint(ax.width() // 2, ax.height() // 2)
    qtbot.keyClick(ax, Qt.Key_E)
    _drag(qtbot, ax, centre + QPoint(20, -30), centre + QPoint(34, -20))
    [label] = [t for k, t in ax.view.drawn_texts().items() if k.startswith("measurement-")]
    assert label.startswith("平均 ")                  # on screen: the screen's language
    captions = {}
    for language, step in (("en", Qt.Key_Down), ("ja", Qt.Key_Up)):
        if panel.report.language != language:
            panel.language_box.setFocus()
            qtbot.keyClick(panel.language_box, step)
            qtbot.waitUntil(lambda: panel.report.language == language)
        ax.setFocus()
        qtbot.waitUntil(ax.hasFocus)
        count = len(panel.report.key_images)
        qtbot.keyClick(ax, Qt.Key_K)
        qtbot.waitUntil(lambda: len(panel.report.key_images) == count + 1, timeout=30000)
        captions[language] = panel.report.key_images[-1].caption
    assert captions["en"].startswith("mean ") and " HU  SD " in captions["en"] and not _CJK.search(captions["en"])
    assert captions["ja"].startswith("平均 ") and "最小" in captions["ja"]
    win.screen().grabWindow(win.winId()).save(str(artifacts / "ja-viewer-key-image-captions.png"))
