"""A critical result flagged on a report is in its SR (coded, read back by dsrdump and pydicom),
on its PDF as a banner in the report's language (pdftotext, and red pixels from pdftoppm),
and survives the draft's JSON round trip."""
from __future__ import annotations

import io
import subprocess

import pydicom
import pytest

from app.report.critical import CriticalFinding, CriticalKind
from app.report.errors import FieldValueError, ReportSignedError
from app.report.identity import Signer
from app.report.model import Report
from app.report.signing import sign
from tests.report.conftest import fill_required, make_report
from tests.report.test_signing import need

SIGNER = Signer("Sato^Hanako=佐藤^花子=さとう^はなこ", "R-17", "Yomi Reading Centre")


def _content(ds) -> dict[str, object]:
    """Concept code value -> the item's coded value / text / number, anywhere in the tree."""
    out: dict[str, object] = {}

    def walk(items) -> None:
        for it in items:
            name = it.ConceptNameCodeSequence[0].CodeValue if "ConceptNameCodeSequence" in it else ""
            if it.ValueType == "CODE":
                c = it.ConceptCodeSequence[0]
                out[name] = (c.CodeValue, c.CodingSchemeDesignator)
            elif it.ValueType == "TEXT":
                out[name] = it.TextValue
            elif it.ValueType == "NUM":
                out[name] = float(it.MeasuredValueSequence[0].NumericValue)
            walk(it.get("ContentSequence", []))
    walk(ds.ContentSequence)
    return out


def test_the_flag_is_validated_and_round_trips():
    r = make_report("ja")
    with pytest.raises(FieldValueError):
        CriticalFinding.now(CriticalKind.OTHER, "  ")
    r.set_critical(CriticalFinding.now(CriticalKind.OTHER, "縦隔気腫"))
    again = Report.from_dict(r.to_dict())
    assert again.critical == r.critical and again.critical.kind is CriticalKind.OTHER
    r.set_critical(None)
    assert Report.from_dict(r.to_dict()).critical is None


@pytest.mark.parametrize("lang, banner", [("ja", "緊急所見あり: 気胸"), ("en", "CRITICAL RESULT: Pneumothorax")])
def test_sr_and_pdf_carry_the_critical_result(tmp_path, lang, banner):
    pytest.importorskip("PySide6", reason="the PDF is printed by Qt (the Qt-free run checks the model only)")
    r = make_report(lang)
    fill_required(r)
    r.set_field("ctdivol", "2.1")
    r.set_field("dlp", "78.5")
    r.set_critical(CriticalFinding.now(CriticalKind.PNEUMOTHORAX, "right, 3 cm"))
    out = sign(r, SIGNER, tmp_path / "out")
    with pytest.raises(ReportSignedError):
        r.set_critical(None)
    items = _content(pydicom.dcmread(io.BytesIO(out.sr)))
    assert items["CRIT-RESULT"] == ("36118008", "SCT")
    assert items["CRIT-NOTE"] == "right, 3 cm"
    assert items["113830"] == pytest.approx(2.1) and items["113838"] == pytest.approx(78.5)
    dump = subprocess.run([need("dsrdump"), str(out.sr_path)], capture_output=True, encoding="utf-8", errors="replace")
    assert dump.returncode == 0 and "Critical result requiring prompt communication" in dump.stdout
    text = subprocess.run([need("pdftotext"), str(out.pdf_path), "-"], capture_output=True, text=True).stdout
    assert banner in text
    # the banner is red on the page: render page 1 and look at the band under the title
    png = tmp_path / "page"
    subprocess.run([need("pdftoppm"), "-r", "40", "-png", "-f", "1", "-l", "1", str(out.pdf_path), str(png)],
                   check=True)
    from PIL import Image
    page = Image.open(next(tmp_path.glob("page*.png"))).convert("RGB")
    w, h = page.size
    reds = sum(1 for y in range(h // 3) for x in range(0, w, 4)
               if (lambda p: p[0] > 170 and p[1] < 60 and p[2] < 60)(page.getpixel((x, y))))
    assert reds > 50


def test_no_flag_no_banner(tmp_path):
    pytest.importorskip("PySide6", reason="the PDF is printed by Qt (the Qt-free run checks the model only)")
    r = make_report("ja")
    fill_required(r)
    out = sign(r, SIGNER, tmp_path / "out")
    assert "CRIT-RESULT" not in _content(pydicom.dcmread(io.BytesIO(out.sr)))
    text = subprocess.run([need("pdftotext"), str(out.pdf_path), "-"], capture_output=True, text=True).stdout
    assert "緊急所見" not in text


def test_flagging_is_undone_and_redone_like_any_change():
    from app.report.editing import EditSession

    session = EditSession(make_report("en"))
    session.set_critical(CriticalFinding.now(CriticalKind.PNEUMOTHORAX))
    assert session.undo_label == "critical result"
    assert session.undo() and session.report.critical is None
    assert session.redo() and session.report.critical.kind is CriticalKind.PNEUMOTHORAX
