"""The judge's comparison window, driven as a user would on Xvfb: the judge's real UPS worklist
at the real centre shows the role, the study opens, Ctrl+Shift+J fetches both signed readings
(on a worker), the differences are highlighted (pixels of the screenshot), 1/2 + a reason
decides each, Ctrl+1 shows the first reader's measurement on the images, Ctrl+Shift+S signs
the final report with the judge's key, and the outbox delivers it to the centre."""
from __future__ import annotations

import io
import os

import numpy as np
import pydicom
import pytest

if not os.environ.get("DISPLAY"):
    pytest.skip("GUI tests need an X display (xvfb-run)", allow_module_level=True)

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.reading.delivery import DeliveryState
from app.windows.comparison_window import DIFFERENT, RESOLVED
from app.windows.worklist_panel import COLUMNS
from tests.double_reading.conftest import PASSWORD
from tests.double_reading.judge_station import judge_window, open_comparison, sign_both
from tests.double_reading.support import NAME_J, STAFF
from tests.double_reading.test_end_to_end import NODULE_A, _client
from tests.gui.conftest import _no_personal_data_at_rest, pytest_runtest_makereport, windows  # noqa: F401
from tests.gui.test_reading_window import _open
from tests.report_gui.helpers import answer_certificate_password, answer_password

pytestmark = pytest.mark.orthanc


def _shot(win, path) -> np.ndarray:
    image = QApplication.primaryScreen().grabWindow(win.winId()).toImage()
    image.save(str(path))
    image = image.convertToFormat(image.Format.Format_RGB888)
    arr = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return arr[:, : image.width() * 3].reshape(image.height(), image.width(), 3).copy()   # the QImage owns the bytes


def _count(shot: np.ndarray, colour) -> int:
    want = np.array([colour.red(), colour.green(), colour.blue()])
    return int((np.abs(shot.astype(int) - want).max(axis=2) <= 6).sum())


def test_judge_reconciles_and_signs_in_the_comparison_window(qtbot, windows, double, stations, tmp_path,  # noqa: F811
                                                             artifacts) -> None:
    server, st = double.server, double.study
    sign_both(double, stations, tmp_path)
    with judge_window(qtbot, windows, double, stations, tmp_path, sending=True) as (win, _centre):
        _reconcile_and_sign(qtbot, win, server, st, stations, artifacts)


def _reconcile_and_sign(qtbot, win, server, st, stations, artifacts) -> None:
    """The judge's part: open the study and the comparison, decide every difference, sign."""
    role_col = COLUMNS.index("Role")
    assert win.worklist.text_at(0, role_col) == "Final judge"
    _open(qtbot, win, 0)
    cmp = open_comparison(qtbot, win)
    assert cmp.first_label.text().startswith("First reading: Takahashi")
    open_rows = [r for r, (_k, d, _i) in enumerate(cmp._rows) if d is not None]
    assert len(open_rows) == len(cmp.rec.diffs) >= 3
    qtbot.wait(200)
    before = _shot(cmp, artifacts / "comparison-open.png")
    assert _count(before, DIFFERENT) > 2000 and _count(before, RESOLVED) == 0

    # the first reader's measurement on the images: its slice, its two axes drawn
    cmp.table.selectRow(next(r for r, (k, _d, _i) in enumerate(cmp._rows) if k == "nodule"))
    lengths = len(win.measured_lengths())
    qtbot.keyClick(cmp.table, Qt.Key_1, Qt.ControlModifier)
    assert len(win.measured_lengths()) == lengths + 2, cmp.status.text()
    assert win.volume.sop_instance_uids.index(st.sops[NODULE_A["slice"]]) is not None

    # a decision without a reason is refused, and nothing is recorded
    cmp.table.selectRow(open_rows[0])
    cmp.table.setFocus()
    qtbot.keyClick(cmp.table, Qt.Key_1)
    assert QApplication.focusWidget() is cmp.reason
    qtbot.keyClick(cmp.reason, Qt.Key_Return)
    assert "reason is required" in cmp.status.text() and not cmp.rec.resolutions
    for n, _row in enumerate(open_rows):
        qtbot.keyClick(cmp.table, Qt.Key_1)
        if n == 0:
            # Japanese arrives through the input method as one commit (Xvfb has none; QTest
            # cannot type characters outside Latin-1): what the IME hands the line edit
            cmp.reason.insert("第一読影を採用: 肺野条件で再計測 ")
        qtbot.keyClicks(cmp.reason, "re-measured on the lung window")
        qtbot.keyClick(cmp.reason, Qt.Key_Return)
    assert not cmp.rec.unresolved()
    qtbot.wait(200)
    after = _shot(cmp, artifacts / "comparison-reconciled.png")
    assert _count(after, DIFFERENT) == 0 and _count(after, RESOLVED) > 2000

    answer_password(qtbot, win.report_panel, PASSWORD)
    answer_certificate_password(qtbot, stations["pki"].password.decode())
    qtbot.keyClick(cmp.table, Qt.Key_S, Qt.ControlModifier | Qt.ShiftModifier)
    qtbot.waitUntil(lambda: getattr(cmp, "signed", None) is not None, timeout=60000)
    signed = cmp.signed
    qtbot.waitUntil(lambda: win.report_panel.delivery(signed.report.report_id).state is DeliveryState.SENT,
                    timeout=60000)
    # Read back as the centre's staff: once delivered, the judge's workitem is completed and
    # the study no longer the judge's to read (the plugin refuses it then).
    staff = _client(server, STAFF)
    ds = pydicom.dcmread(io.BytesIO(staff.retrieve_instance(st.uid, signed.report.signature.series_uid,
                                                            signed.sr_sop_uid)))
    assert len(ds.PredecessorDocumentsSequence[0].ReferencedSeriesSequence) == 2
    assert "DigitalSignaturesSequence" in ds
    assert str(ds.VerifyingObserverSequence[0].VerifyingObserverName) == NAME_J
    reasons = [r.reason for r in cmp.rec.resolutions.values()]
    assert reasons[0].startswith("第一読影を採用") and all(r.endswith("lung window") for r in reasons)


def test_judge_too_early_is_told_and_nothing_changes(qtbot, windows, double, stations, tmp_path) -> None:  # noqa: F811
    """Ctrl+Shift+J with only the first reading signed: a message naming the study, no window,
    the refusal audited (the station's Security Alert and the centre's refusal line)."""
    st = double.study
    sign_both(double, stations, tmp_path, second=False)
    with judge_window(qtbot, windows, double, stations, tmp_path) as (win, _centre):
        _open(qtbot, win, 0)     # the images open; the first reading's series is withheld, not loaded
        assert win.volume.shape[0] == len(st.sops)
        qtbot.keyClick(win, Qt.Key_J, Qt.ControlModifier | Qt.ShiftModifier)
        qtbot.waitUntil(lambda: bool(win.prompts.warnings), timeout=30000)
        assert win.prompts.warnings == [f"Study {st.uid}: the two readings are not both signed yet; comparison "
                                        "reading opens once they are. Nothing was changed."]
        assert win.comparison is None
        assert "comparison reading refused" in (tmp_path / "audit-hanako.jsonl").read_text()
