"""One run of the reading window for the layout restart test (tests/gui/test_layout_memory.py):
`python -m tests.gui.layout_child PHASE READER CENTRE_DIR OUT.json` on a display with two
screens. `arrange` sets the layout as a reader would and closes the window (which saves it);
`look` only opens the window and reports what it shows. Each run writes what is on screen to
OUT.json: screens, the window's and every dock's screen and geometry, a column width, the tool.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QRect
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QApplication, QDockWidget

from app.demo import prepare_demo
from app.windows.main_window import MainWindow
from app.windows.prompts import Unattended

DEADLINE_S = 60.0


def _settle(app: QApplication, done=lambda: True) -> None:
    end = time.monotonic() + DEADLINE_S
    while time.monotonic() < end:
        app.processEvents()
        if done():
            for _ in range(20):  # a few more turns: moves between screens are asynchronous in X
                app.processEvents()
                time.sleep(0.01)
            return
        time.sleep(0.01)
    raise SystemExit("layout child: the window never settled")


def _rect(r: QRect) -> list[int]:
    return [r.x(), r.y(), r.width(), r.height()]


def _differs(screen_image, own_image, rect: QRect) -> float:
    """Share of the dock's pixels that the screen shows otherwise than the dock paints itself."""
    a = _rgb(screen_image.copy(rect))
    b = _rgb(own_image)
    h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    return float((np.abs(a[:h, :w].astype(int) - b[:h, :w].astype(int)).max(axis=-1) > 8).mean())


def _rgb(img) -> np.ndarray:
    img = img.convertToFormat(QImage.Format_RGB888)
    w, h = img.width(), img.height()
    buf = np.frombuffer(img.constBits(), np.uint8, count=img.bytesPerLine() * h)
    return buf.reshape(h, img.bytesPerLine())[:, : w * 3].reshape(h, w, 3)


def observe(win: MainWindow) -> dict:
    screens = QGuiApplication.screens()
    docks = {}
    for d in win.findChildren(QDockWidget):
        if d.objectName():
            docks[d.objectName()] = {"floating": d.isFloating(), "visible": d.isVisible(),
                                     "screen": screens.index(d.screen()), "rect": _rect(d.geometry())}
    return {"screens": [_rect(s.geometry()) for s in screens], "window_screen": screens.index(win.screen()),
            "window": _rect(win.geometry()), "docks": docks,
            "column1": win.worklist.table.horizontalHeader().sectionSize(1),
            "tool": win.mpr.axial.tool.value, "two_screens": win.keys.action("view.two_screens").isChecked()}


def main(phase: str, reader: str, centre_dir: str, out: str) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    win = MainWindow(prepare_demo(Path(centre_dir)).centre, reader)
    win.prompts = Unattended()
    win.show()
    _settle(app, lambda: win.isVisible() and not win.reading.refreshing)
    if phase == "arrange":
        win.setGeometry(60, 40, 1100, 760)
        win.keys.action("view.two_screens").trigger()   # the View menu's entry, as a reader picks it
        _settle(app)
        worklist = win.findChild(QDockWidget, "worklist")
        other = worklist.screen()
        # the reader then drags the worklist to a place of their own on that screen, clear of
        # the report dock (x 640 on): of two overlapping floating docks either may be on top
        worklist.setGeometry(QRect(100, 90, 520, 800).translated(other.geometry().topLeft()))
        win.worklist.table.horizontalHeader().resizeSection(1, 222)
        win.keys.action("tools.length").trigger()
        _settle(app)
    seen = observe(win)
    # what the second screen shows where the worklist is: the worklist itself, when it is there
    worklist = win.findChild(QDockWidget, "worklist")
    screens = QGuiApplication.screens()
    if len(screens) > 1 and worklist.screen() is screens[1]:
        shot = screens[1].grabWindow(0)
        shot.save(str(Path(out).with_suffix(".png")))
        seen["worklist_on_screen_differs"] = _differs(shot.toImage(), worklist.grab().toImage(), worklist.geometry())
    win.close()  # the layout is saved here
    _settle(app)
    Path(out).write_text(json.dumps(seen, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
