"""The reader's layout survives a restart, on two screens: each run is a new process on its own
X server with two screens (Xvfb `-screen 0 -screen 1`: Qt sees two QScreens; Xvfb's
`+xinerama` and RandR monitors gave Qt one screen here). A first run arranges the window as a
reader would (View > Two screens, a dock dragged, a column widened, a tool chosen) and closes;
a second run for the same reader shows all of it again, on the same screens; another reader
gets the defaults. In process: the window/level per modality, a moved dock,
and View > Reset window layout."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QDockWidget, QSplitter

from app.demo import prepare_demo
from tests.report_gui.helpers import make_window, open_study
from viewer.views.capture import grab_rgb
from viewer.tools.window_level import PRESETS

REPO = Path(__file__).resolve().parents[2]
TWO_SCREENS = "-screen 0 1280x1024x24 -screen 1 1280x1024x24"


def _run(phase: str, reader: str, centre: Path, out: Path) -> dict:
    if shutil.which("xvfb-run") is None:
        pytest.skip("the two-screen restart needs xvfb-run (Debian xvfb)")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    # YOMI_DATA_DIR (this test's) is inherited: both runs read and write the same reader files
    proc = subprocess.run(["xvfb-run", "-a", "-s", TWO_SCREENS, sys.executable, "-m", "tests.gui.layout_child",
                           phase, reader, str(centre), str(out)], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    return json.loads(out.read_text(encoding="utf-8"))


def test_a_restart_restores_the_layout_on_the_same_two_screens(tmp_path, artifacts):
    centre = tmp_path / "centre"
    first = _run("arrange", "dr.two", centre, tmp_path / "first.json")
    assert len(first["screens"]) == 2, "the child's display must have two screens"
    assert first["window_screen"] == 0 and first["two_screens"]
    # worklist and report on the other screen (the prior comparison dock stays hidden: no prior)
    assert {first["docks"][name]["screen"] for name in ("worklist", "report")} == {1}
    assert first["docks"]["worklist"]["rect"] == [100, 90, 520, 800]
    assert first["worklist_on_screen_differs"] < 0.02  # and really shown there

    again = _run("look", "dr.two", centre, tmp_path / "again.json")
    shutil.copy(tmp_path / "again.png", artifacts / "layout-restored-second-screen.png")
    assert again["window_screen"] == 0 and again["window"] == [60, 40, 1100, 760]
    for name in ("worklist", "report"):
        assert again["docks"][name] == first["docks"][name], name
    # what screen 2 shows is the worklist: a few rows repainted between the grab and the read of
    # the framebuffer (the selection, the clock column) stay under 5 %; another window over it, 20 %
    assert again["worklist_on_screen_differs"] < 0.05, "the restored worklist is not what screen 2 shows"
    assert (again["column1"], again["tool"], again["two_screens"]) == (222, "length", True)

    other = _run("look", "dr.other", centre, tmp_path / "other.json")
    assert other["window"] != first["window"] and not other["two_screens"] and other["tool"] == "window"
    assert all(not d["floating"] and d["screen"] == 0 for d in other["docks"].values())
    assert other["column1"] != 222


def test_window_level_per_modality_docks_and_reset(qtbot, windows, tmp_path):
    demo = prepare_demo(tmp_path / "centre")
    win = make_window(qtbot, windows, demo.centre, "dr.wl")
    open_study(qtbot, win, "Lung_Dx-A0001")
    ax = win.mpr.axial
    series_default = ax.view.state.window
    assert series_default != PRESETS["mediastinum"]
    ax.setFocus()
    qtbot.keyClick(ax, Qt.Key_2)  # mediastinum
    worklist = win.findChild(QDockWidget, "worklist")
    win.removeDockWidget(worklist)
    win.addDockWidget(Qt.RightDockWidgetArea, worklist)  # the reader moved the worklist right
    worklist.show()  # removeDockWidget hid it
    split = win.findChild(QSplitter, "report-editor-preview")
    total = sum(split.sizes())
    split.setSizes([total - 120, 120])  # and made the report preview small
    sizes = split.sizes()
    win.close()

    again = make_window(qtbot, windows, demo.centre, "dr.wl")
    moved = again.findChild(QDockWidget, "worklist")
    assert moved.isVisible() and again.dockWidgetArea(moved) == Qt.RightDockWidgetArea
    restored = again.findChild(QSplitter, "report-editor-preview").sizes()
    # the dock's height may settle otherwise in the new window: the reader's proportion is what stays
    assert restored[1] / sum(restored) == pytest.approx(sizes[1] / sum(sizes), abs=0.01)
    assert restored[1] / sum(restored) < 0.35  # not the 2:3 default (the preview's 3/5)
    open_study(qtbot, again, "Lung_Dx-A0001")
    w = again.mpr.axial.view.state.window
    assert (w.center, w.width) == (PRESETS["mediastinum"].center, PRESETS["mediastinum"].width)  # CT: the reader's last

    again.keys.action("view.reset_layout").trigger()   # View > Reset window layout
    assert again.dockWidgetArea(again.findChild(QDockWidget, "worklist")) == Qt.LeftDockWidgetArea
    assert again.layout_memory.settings.allKeys() == []


def test_the_first_study_opens_without_resizing_the_views(qtbot, windows, tmp_path):
    """The docks keep the widths the window first showed them at while their contents change:
    the report dock widened when the first study's form showed, which resized the three views
    and redrew them in one paint (the longest GUI stall of an opening, bench/bench_gui_stall.py)."""
    demo = prepare_demo(tmp_path / "centre")
    win = make_window(qtbot, windows, demo.centre, "dr.first")
    report = win.findChild(QDockWidget, "report")
    # the form is built after the window shows, hidden: the dock's width is not waiting for it
    qtbot.waitUntil(lambda: win.report_panel.editor.scroll.widget() is not None)
    qtbot.wait(50)
    sizes = lambda: {p: w.size().toTuple() for p, w in win.mpr.views.items()}  # noqa: E731
    before = sizes()
    width = report.width()
    assert width >= win.report_panel.WIDTH_IN_LINES * win.report_panel.fontMetrics().height()
    resized = []
    open_study(qtbot, win, "Lung_Dx-A0001")
    qtbot.waitUntil(lambda: win.report_panel.editor.scroll.widget().isVisible())
    for _ in range(5):   # the layout settles in later turns of the event loop
        qtbot.wait(20)
        resized.append(sizes())
    assert report.width() == width
    assert all(s == before for s in resized), f"views resized by the first study: {before} -> {resized[-1]}"


class _Paints(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        if event.type() == QEvent.Paint:
            self.count += 1
        return False


def test_a_study_opens_with_no_qt_paint_of_the_views(qtbot, windows, tmp_path):
    """The views draw through their own queue, one per turn of the event loop, never in a paint
    Qt asks for. The hanging protocol showed its planes even where they were on screen already:
    a view shown with its window, shown again by itself, maps its native window anew, and Qt
    repainted all three in one turn (the stall at the end of an opening, bench/bench_gui_stall.py);
    the focus moving to a view repainted it too."""
    demo = prepare_demo(tmp_path / "centre")
    win = make_window(qtbot, windows, demo.centre, "dr.hang")
    qtbot.waitUntil(lambda: win.report_panel.editor.scroll.widget() is not None)
    qtbot.wait(300)   # the window's first paints are done
    paints = _Paints()
    for w in win.mpr.views.values():
        w.installEventFilter(paints)
    open_study(qtbot, win, "Lung_Dx-A0001")
    qtbot.waitUntil(lambda: win.hanging.current is not None)   # the screening protocol, hung
    qtbot.wait(300)
    assert paints.count == 0, f"{paints.count} Qt paints of the views while the study opened"
    assert grab_rgb(win.mpr.axial.GetRenderWindow()).max() > 100   # and the study is on screen
    win.mpr.set_layout("axial")     # a real change still shows and hides
    qtbot.waitUntil(lambda: not win.mpr.views["coronal"].isVisible())
    win.mpr.set_layout("mpr")
    qtbot.waitUntil(lambda: win.mpr.views["coronal"].isVisible())
