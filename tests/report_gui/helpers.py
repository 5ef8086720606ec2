"""Driving the report panel as a reader does: keys into the focused widget, the password
dialog answered by typing, the window grabbed for screenshots."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QLineEdit

from app.windows.main_window import MainWindow
from app.windows.prompts import Unattended
from tests.gui.test_reading_window import _drag, _open
from tests.window_waits import wait_active, wait_exposed

# The lung-screening template's fields as the reader fills them by keyboard: (field, typed text).
# Choices are typed in part, in English or Japanese; '.nl' expands to the normal text.
REPORT_KEYS = [
    ("comparison", "base"), ("prior_date", ""), ("ctdivol", "1.8"), ("dlp", ""), ("dose_source", ""),
    ("lungrads_incomplete", "no"), ("emphysema", "mi"), ("coronary_calcification", "none"),
    ("interstitial", "none"), ("mediastinal_other", ".nl"), ("significant_other", ""),
    ("impression", "Solid nodule, right lower lobe."),
]
NODULE_KEYS = [
    ("lobe", "right lower"), ("long_mm", ""), ("short_mm", ""), ("kind", "solid"), ("solid_long_mm", ""),
    ("solid_short_mm", ""), ("calcification", "none"), ("margin", "smo"), ("status", "baseline"),
]


def make_window(qtbot, windows, centre, reader: str, *, session=None, outbox=None) -> MainWindow:
    win = MainWindow(centre, reader, "", session=session, outbox=outbox)
    win.prompts = Unattended()
    windows.append(win)
    qtbot.addWidget(win)
    win.resize(1270, 980)  # fits the CI screen (tests/run.sh: 1280x1024)
    win.show()
    wait_exposed(qtbot, win)
    win.activateWindow()  # window shortcuts (Ctrl+M, Ctrl+Shift+S) need the active window
    wait_active(qtbot, win)
    qtbot.waitUntil(lambda: not win.reading.refreshing, timeout=60000)  # the first worklist is in
    return win


def open_study(qtbot, win, patient_id: str | None = None) -> None:
    items = win.worklist.items
    index = next(n for n, i in enumerate(items) if patient_id is None or i.patient_id == patient_id)
    _open(qtbot, win, index)
    qtbot.waitUntil(lambda: win.report_panel.report is not None)


def focused_field(win) -> str | None:
    """The field id whose widget has the keyboard focus (report or nodule field)."""
    fw = QApplication.focusWidget()
    ed = win.report_panel.editor
    if fw is ed.nodule_list:
        return "nodule_list"
    for fid, b in list(ed.bindings.items()) + list(ed.nodule_bindings.items()):
        if fw is b.widget or fw is b.focus or b.widget.isAncestorOf(fw):
            return fid
    return None


def type_fields(qtbot, win, keys: list[tuple[str, str]]) -> None:
    """Type each value into the focused field and Tab on, checking Tab follows the template."""
    for fid, text in keys:
        assert focused_field(win) == fid, f"Tab order: expected {fid}, focus is on {focused_field(win)}"
        if text:
            qtbot.keyClicks(QApplication.focusWidget(), text)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Tab)


def measure_cross(qtbot, win, long_px: int = 6, short_px: int = 4) -> None:
    """Two perpendicular lengths across the centre of the axial view (tool key L, mouse drags)."""
    ax = win.mpr.axial
    ax.setFocus()
    qtbot.keyClick(ax, Qt.Key_L)
    c = QPoint(ax.width() // 2 + 40, ax.height() // 2 + 30)
    _drag(qtbot, ax, Qt.LeftButton, c - QPoint(long_px // 2, 0), c + QPoint(long_px // 2, 0))
    _drag(qtbot, ax, Qt.LeftButton, c - QPoint(0, short_px // 2), c + QPoint(0, short_px // 2))


def answer_password(qtbot, panel, password: str) -> None:
    """When the sign dialog opens, type the password into it and press Enter."""
    def fill() -> None:
        dlg = panel.password_dialog
        if dlg is None or not dlg.isVisible():
            QTimer.singleShot(20, fill)
            return
        edit = dlg.findChild(QLineEdit)
        assert edit.echoMode() == QLineEdit.Password
        qtbot.keyClicks(edit, password)
        qtbot.keyClick(edit, Qt.Key_Return)

    QTimer.singleShot(0, fill)


def answer_certificate_password(qtbot, password: str) -> None:
    """When the certificate's password (or card PIN) prompt opens after the sign dialog, type
    into it and press Enter."""
    def fill() -> None:
        dlg = QApplication.activeModalWidget()
        if dlg is None or dlg.objectName() != "certificate-password":
            QTimer.singleShot(20, fill)
            return
        edit = dlg.findChild(QLineEdit)
        qtbot.keyClicks(edit, password)
        qtbot.keyClick(edit, Qt.Key_Return)

    QTimer.singleShot(0, fill)


def screenshot(win, path: Path) -> None:
    QApplication.primaryScreen().grabWindow(win.winId()).save(str(path))
