"""The judge's own JSCTS category with the keyboard, and the reconciliation kept as a sealed
draft: driven on Xvfb against the real centre. The judge picks a category neither reader gave
(Ctrl+Shift+K, 3, Enter; a reason is required), decides another difference, closes the window
unsigned, reopens it (Ctrl+Shift+J): every decision is back, painted resolved; the final SR and
PDF carry the judge's category and reason, and the draft is gone once signed."""
from __future__ import annotations

import io
import os

import pydicom
import pytest

if not os.environ.get("DISPLAY"):
    pytest.skip("GUI tests need an X display (xvfb-run)", allow_module_level=True)

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.reading.delivery import DeliveryState
from app.reading.double_reading import Choice
from app.report.encapsulated import extract_pdf
from app.report.rules import jscts
from app.windows.comparison_window import RESOLVED
from tests.double_reading.conftest import PASSWORD
from tests.double_reading.support import STAFF
from tests.double_reading.judge_station import judge_window, open_comparison, sign_both
from tests.double_reading.test_comparison_gui import _count, _shot
from tests.double_reading.test_end_to_end import _client
from tests.gui.conftest import _no_personal_data_at_rest, pytest_runtest_makereport, windows  # noqa: F401
from tests.gui.test_reading_window import _open
from tests.report.test_signing import pdf_text
from tests.report_gui.helpers import answer_certificate_password, answer_password

pytestmark = pytest.mark.orthanc
SCHEME = jscts.SCHEME
REASON = "judged on the lung window as a new nodule"   # no fi/fl: pdftotext gives ligatures
OWN_JA = jscts.JUDGEMENT_LABELS[jscts.Judgement.REFER_IF_NECESSARY]["ja"]    # the readings are in Japanese


def _category_row(cmp) -> int:
    return next(r for r, s in cmp._category_rows.items() if s == SCHEME)


def test_judge_sets_own_category_closes_unsigned_and_finds_it_again(qtbot, windows, double, stations,  # noqa: F811
                                                                    tmp_path, artifacts) -> None:
    server, st = double.server, double.study
    sign_both(double, stations, tmp_path)
    with judge_window(qtbot, windows, double, stations, tmp_path, sending=True) as (win, _centre):
        _open(qtbot, win, 0)
        qtbot.keyClick(win, Qt.Key_K, Qt.ControlModifier | Qt.ShiftModifier)     # before the comparison: told where
        assert win.status_label.text().startswith("The judge's own category is set in the comparison reading")
        cmp = open_comparison(qtbot, win)
        assert cmp.restored == 0
        key = f"category:{SCHEME}"
        first_cat, second_cat = (cmp.rec.first.report.categories()[SCHEME].final,
                                 cmp.rec.second.report.categories()[SCHEME].final)
        assert {first_cat, second_cat} == {"refer", "annual_ct"}

        # the judge's own category: on a nodule row the key says where it works, nothing changes
        cmp.table.selectRow(next(r for r, (k, _d, _i) in enumerate(cmp._rows) if k == "nodule"))
        cmp.table.setFocus()
        qtbot.keyClick(cmp.table, Qt.Key_K, Qt.ControlModifier | Qt.ShiftModifier)
        assert cmp.category_dialog is None and "category row" in cmp.status.text()
        row = _category_row(cmp)
        cmp.table.selectRow(row)
        cmp.table.setFocus()
        qtbot.keyClick(cmp.table, Qt.Key_K, Qt.ControlModifier | Qt.ShiftModifier)
        qtbot.waitUntil(lambda: cmp.category_dialog is not None and cmp.category_dialog.isVisible())
        dlg = cmp.category_dialog
        qtbot.waitUntil(lambda: QApplication.focusWidget() is dlg.choices)
        qtbot.keyClick(dlg.choices, Qt.Key_3)
        assert dlg.category() == "refer_if_necessary"
        qtbot.keyClick(dlg.choices, Qt.Key_Return)
        qtbot.waitUntil(lambda: cmp.category_dialog is None)
        qtbot.waitUntil(lambda: QApplication.focusWidget() is cmp.reason)
        qtbot.keyClick(cmp.reason, Qt.Key_Return)              # no reason: refused, nothing recorded
        assert "reason is required" in cmp.status.text() and key not in cmp.rec.resolutions
        qtbot.keyClicks(cmp.reason, REASON)
        qtbot.keyClick(cmp.reason, Qt.Key_Return)
        assert cmp.rec.resolutions[key].choice is Choice.OWN
        assert cmp.rec.resolutions[key].value == "refer_if_necessary"
        assert cmp.table.item(row, 3).text() == f"judge's own: {OWN_JA}"
        # one more decision: the size, the first reading's
        size_row = next(r for r, (_k, d, _i) in enumerate(cmp._rows) if d is not None and d.key == "size:1")
        cmp.table.selectRow(size_row)
        cmp.table.setFocus()
        qtbot.keyClick(cmp.table, Qt.Key_1)
        qtbot.keyClicks(cmp.reason, "re-measured")
        qtbot.keyClick(cmp.reason, Qt.Key_Return)
        decided = dict(cmp.rec.resolutions)
        assert len(decided) == 2

        # the draft is written on a worker, sealed: the reason is not readable on disk
        drafts = cmp.drafts
        qtbot.waitUntil(lambda: (s := drafts.load(st.uid)) is not None and len(s.resolutions) == 2, timeout=10000)
        files = list(drafts.folder.directory.glob("*.yr"))
        assert len(files) == 1 and b"lung window" not in files[0].read_bytes()

        # closed without signing, then opened again: everything is back
        qtbot.keyClick(cmp.table, Qt.Key_Escape)
        qtbot.waitUntil(lambda: not cmp.isVisible())
        qtbot.waitUntil(win.isActiveWindow)          # the keyboard is back in the reading window
        again = open_comparison(qtbot, win)
        assert again is not cmp and again.restored == 2
        assert again.rec.resolutions == decided
        assert "restored (2 decisions)" in again.status.text()
        assert again.table.item(_category_row(again), 3).text() == f"judge's own: {OWN_JA}"
        qtbot.wait(200)
        shot = _shot(again, artifacts / "comparison-restored.png")
        assert _count(shot, RESOLVED) > 500

        # the rest decided, then signed: the final carries the judge's category and reason
        for r in [r for r, (_k, d, _i) in enumerate(again._rows) if d is not None and d.key not in decided]:
            again.table.selectRow(r)
            again.table.setFocus()
            qtbot.keyClick(again.table, Qt.Key_1)
            qtbot.keyClicks(again.reason, "first reading")
            qtbot.keyClick(again.reason, Qt.Key_Return)
        assert not again.rec.unresolved()
        answer_password(qtbot, win.report_panel, PASSWORD)
        answer_certificate_password(qtbot, stations["pki"].password.decode())
        qtbot.keyClick(again.table, Qt.Key_S, Qt.ControlModifier | Qt.ShiftModifier)
        qtbot.waitUntil(lambda: getattr(again, "signed", None) is not None, timeout=60000)
        signed = again.signed
        assert signed.report.categories()[SCHEME].final == "refer_if_necessary"
        qtbot.waitUntil(lambda: win.report_panel.delivery(signed.report.report_id).state is DeliveryState.SENT,
                        timeout=60000)
        qtbot.waitUntil(lambda: drafts.load(st.uid) is None, timeout=10000)    # signed: the draft is gone
        staff = _client(server, STAFF)
        ds = pydicom.dcmread(io.BytesIO(staff.retrieve_instance(st.uid, signed.report.signature.series_uid,
                                                                signed.sr_sop_uid)))
        texts = []

        def walk(items):
            for it in items:
                if "TextValue" in it:
                    texts.append(str(it.TextValue))
                for c in it.get("ConceptCodeSequence", []):
                    texts.append(str(c.CodeMeaning))
                walk(it.get("ContentSequence", []))
        walk(ds.ContentSequence)
        assert any("New nodule >= 4 mm" in t for t in texts), texts
        assert any(REASON in t for t in texts)
        # the PDF as the centre holds it (the station keeps no signed file once delivered)
        doc = pydicom.dcmread(io.BytesIO(staff.retrieve_instance(st.uid, signed.report.signature.pdf_series_uid,
                                                                 signed.encapsulated_sop_uid)))
        staff.close()
        pdf = tmp_path / "final.pdf"
        pdf.write_bytes(extract_pdf(doc))
        text = "".join(pdf_text(pdf).split())         # the PDF wraps long lines
        assert "".join(OWN_JA.split()) in text
        assert "".join(REASON.split()) in text
