"""Overriding a nodule's suggested comparison status in the report editor, by keyboard, on the
demo centre's real chest CT (TCIA Lung-PET-CT-Dx, doi:10.7937/TCIA.2020.NNC2-0461): the
reason line opens under the status, an empty reason is refused (the line turns red on
screen), Enter records the change with its reason (preview, audit trail), Esc keeps the
suggestion."""
from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.report.prior_comparison import report_changes
from app.report.rules.growth import compare_sizes
from tests.gui.test_reading_window import _grab
from tests.report_gui.helpers import measure_cross
from tests.report_gui.test_hanging_key_images import _region, window  # noqa: F401  (the demo's real CT, open)

REASON = "prior measured across a vessel"


def _choose_status(qtbot, editor, text: str) -> None:
    box = editor.nodule_bindings["status"].widget
    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    box.lineEdit().selectAll()
    qtbot.keyClicks(QApplication.focusWidget(), text)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Tab)


def test_the_reader_overrides_the_suggested_status_with_a_reason(qtbot, window, artifacts):  # noqa: F811
    from app.audit.chain import default_log

    win = window
    panel = win.report_panel
    editor, session = panel.editor, panel.session
    measure_cross(qtbot, win, 12, 10)
    qtbot.keyClick(win.mpr.axial, Qt.Key_M, Qt.ControlModifier)
    qtbot.waitUntil(lambda: len(panel.report.nodules) == 1)
    # what G in the comparison writes: a year ago the nodule was 2 mm smaller
    nodule = panel.report.nodules[0]
    session.update_nodule(0, **report_changes(compare_sizes(nodule.mean_mm - Decimal("2.0"), nodule.mean_mm, 365),
                                              panel.report.language))
    assert panel.report.nodules[0].status == "growing" and not editor.status_reason.isVisible()

    _choose_status(qtbot, editor, "stable")
    reason = editor.status_reason
    qtbot.waitUntil(lambda: reason.isVisible() and reason.hasFocus(), timeout=5000)
    assert panel.report.nodules[0].status == "growing"   # nothing recorded without its reason
    assert editor.nodule_bindings["status"].widget.currentText() in ("Stable", "不変")  # the choice stays shown

    qtbot.keyClick(reason, Qt.Key_Return)                 # an empty reason is refused
    assert panel.report.nodules[0].status == "growing" and reason.hasFocus()
    assert "reason" in win.status_label.text().lower() or "理由" in win.status_label.text()
    qtbot.wait(100)
    shot = _grab(win)
    QApplication.primaryScreen().grabWindow(win.winId()).save(str(artifacts / "status-override-refused.png"))
    line = _region(shot, win, reason)
    pink = (line[..., 0] > 230) & (line[..., 1] > 190) & (line[..., 1] < 225) & (line[..., 2] > 190) \
        & (line[..., 2] < 225)
    assert pink.mean() > 0.3, "the refused reason line is not marked on screen"

    qtbot.keyClicks(reason, REASON)
    qtbot.keyClick(reason, Qt.Key_Return)
    n = panel.report.nodules[0]
    assert (n.status, n.suggested_status, n.status_reason) == ("stable", "growing", REASON)
    assert REASON in panel.preview.toPlainText()
    qtbot.waitUntil(lambda: any(r.event.event_types and r.event.event_types[0].code == "NODULE-STATUS-OVERRIDE"
                                for r in default_log().records()), timeout=10000)
    event = next(r.event for r in default_log().records()
                 if r.event.event_types and r.event.event_types[0].code == "NODULE-STATUS-OVERRIDE")
    details = dict(event.objects[0].details)
    assert (details["Suggested"], details["Chosen"], details["Reason"]) == ("growing", "stable", REASON)
    assert event.objects[0].object_id == panel.report.identity.study_uid
    qtbot.wait(100)
    shot = _grab(win)
    QApplication.primaryScreen().grabWindow(win.winId()).save(str(artifacts / "status-override-recorded.png"))
    assert reason.isVisible() and reason.text() == REASON   # the recorded reason stays on screen

    # another change, dropped with Esc: the recorded override stands
    _choose_status(qtbot, editor, "new")
    qtbot.waitUntil(lambda: reason.hasFocus() and reason.text() == "", timeout=5000)
    qtbot.keyClick(reason, Qt.Key_Escape)
    n = panel.report.nodules[0]
    assert (n.status, n.status_reason) == ("stable", REASON)
    qtbot.waitUntil(lambda: reason.text() == REASON)

    # back to the suggestion: no reason needed, none kept
    _choose_status(qtbot, editor, "growing")
    qtbot.waitUntil(lambda: panel.report.nodules[0].status == "growing")
    assert panel.report.nodules[0].status_reason == "" and not reason.isVisible()
