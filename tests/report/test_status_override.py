"""The comparison status a prior comparison suggests, overridden by the reader only with a
reason: refused without one, used by the Lung-RADS and JSCTS rules, carried by the SR (a
text item in the nodule's own group, next to the coded change), the PDF (pdftotext) and
the audit trail (the hash-chained log, read back)."""
from __future__ import annotations

import io
import subprocess
from decimal import Decimal

import pydicom
import pytest

from app.report.errors import FieldValueError
from app.report.finding import Finding
from app.report.identity import Signer
from app.report.model import Report
from app.report.prior_comparison import report_changes
from app.report.rules.growth import compare_sizes
from tests.report.conftest import fill_required, make_report
from tests.report.test_signing import need

SIGNER = Signer("Sato^Hanako=佐藤^花子=さとう^はなこ", "R-17", "Yomi Reading Centre")
REASON = "前回は血管との重なりで過大計測、実際は不変"


def _nodule(**details) -> Finding:
    return Finding.from_measurement(9.0, 8.0, "1.2.3.4", "1.2.3.4.5", 20, lobe="RUL", kind="solid",
                                    calcification="none", margin="smooth", **details)


def _with_growth(report: Report) -> int:
    """A solid 8.5 mm nodule that was 6.0 mm a year ago: the comparison suggests growing."""
    fill_required(report)
    report.set_field("comparison", "prior")
    index = report.add_nodule(_nodule(status="baseline", prior_lungrads="3"))
    growth = compare_sizes(Decimal("6.0"), report.nodules[index].mean_mm, 365)
    report.update_nodule(index, **report_changes(growth, report.language))
    return index


def test_a_change_from_the_suggestion_needs_a_reason():
    r = make_report("ja")
    i = _with_growth(r)
    n = r.nodules[i]
    assert (n.status, n.suggested_status, n.status_reason) == ("growing", "growing", "")
    with pytest.raises(FieldValueError, match="reason"):
        r.update_nodule(i, status="stable")
    with pytest.raises(FieldValueError, match="reason"):
        r.update_nodule(i, status="stable", status_reason="   ")
    assert r.nodules[i].status == "growing"   # refused: nothing changed
    r.update_nodule(i, status="stable", status_reason=f"  {REASON} ")
    n = r.nodules[i]
    assert n.status_overridden and n.status_reason == REASON
    # the draft round trip keeps it, and a draft cannot smuggle an unexplained override in
    again = Report.from_dict(r.to_dict())
    assert again.nodules[i].status_reason == REASON
    bad = r.to_dict()
    bad["nodules"][i]["status_reason"] = ""
    with pytest.raises(FieldValueError, match="reason"):
        Report.from_dict(bad)
    # back to the suggestion: the reason goes with the override
    r.update_nodule(i, status="growing")
    assert not r.nodules[i].status_overridden and r.nodules[i].status_reason == ""
    # a shrinking suggestion is written as stable (both schemes): stable is no override
    shrunk = _nodule(status="stable", suggested_status="shrinking")
    assert not shrunk.status_overridden
    with pytest.raises(FieldValueError, match="suggested_status"):
        _nodule(status="stable", suggested_status="smaller")


def test_the_rules_use_the_overridden_status():
    r = make_report("en")
    i = _with_growth(r)
    growing = {s: res.final for s, res in r.categories().items()}
    r.update_nodule(i, status="stable", status_reason="measured across a vessel on the prior")
    overridden = {s: res.final for s, res in r.categories().items()}
    # what the rules give the same nodule recorded as stable from the start
    plain = make_report("en")
    fill_required(plain)
    plain.set_field("comparison", "prior")
    plain.add_nodule(_nodule(status="stable", prior_mean_mm="6.0", prior_lungrads="3"))
    stable = {s: res.final for s, res in plain.categories().items()}
    assert overridden == stable
    assert overridden["lung-rads-2022"] != growing["lung-rads-2022"], (growing, overridden)


def _items_of_nodule_groups(ds) -> list[list[tuple[str, object]]]:
    """Per measurement group: (concept code, coded value or text) of its direct children, in order."""
    groups = []

    def walk(items) -> None:
        for it in items:
            concept = it.get("ConceptNameCodeSequence")
            name = concept[0].get("CodeValue", "") if concept else ""
            if it.ValueType == "CONTAINER" and name == "125007":   # Measurement Group
                row = []
                for child in it.ContentSequence:
                    concept = child.get("ConceptNameCodeSequence")
                    cname = concept[0].get("CodeValue", "") if concept else ""
                    if child.ValueType == "CODE":
                        row.append((cname, child.ConceptCodeSequence[0].CodeValue))
                    elif child.ValueType == "TEXT":
                        row.append((cname, child.TextValue))
                groups.append(row)
            walk(it.get("ContentSequence", []))
    walk(ds.ContentSequence)
    return groups


@pytest.mark.parametrize("lang, words", [("ja", "比較の提案「増大」から変更、理由: " + REASON),
                                         ("en", "changed from the comparison's suggestion “Growing”, reason: " + REASON)])
def test_sr_and_pdf_carry_the_reason(tmp_path, lang, words):
    pytest.importorskip("PySide6", reason="the PDF is printed by Qt (the Qt-free run checks the model only)")
    from app.report.signing import sign

    r = make_report(lang)
    i = _with_growth(r)
    r.update_nodule(i, status="stable", status_reason=REASON)
    out = sign(r, SIGNER, tmp_path / "out")
    (group,) = _items_of_nodule_groups(pydicom.dcmread(io.BytesIO(out.sr)))
    codes = [c for c, _v in group]
    change = codes.index("NODULE-CHANGE")
    assert group[change] == ("NODULE-CHANGE", "NODULE-STABLE")
    assert ("NODULE-CHG-SUGG", "NODULE-GROWING") in group, repr(group)
    assert group[codes.index("NODULE-CHG-WHY")] == ("NODULE-CHG-WHY", REASON)
    assert codes.index("NODULE-CHG-WHY") > change
    check = subprocess.run([need("dciodvfy"), str(out.sr_path)], capture_output=True, text=True)
    assert [line for line in (check.stdout + check.stderr).splitlines() if line.startswith("Error")] == []
    text = subprocess.run([need("pdftotext"), str(out.pdf_path), "-"], capture_output=True, text=True).stdout
    flat = "".join(text.split())   # pdftotext breaks lines anywhere in Japanese
    assert "".join(words.split()) in flat, text


def test_an_unchanged_suggestion_writes_the_change_and_no_reason(tmp_path):
    from app.report.render import render_text
    from app.report.model import SignatureRecord
    from app.report.sr import build_sr, encode
    from pydicom.uid import generate_uid

    r = make_report("en")
    _with_growth(r)
    record = SignatureRecord(SIGNER, "2026-12-01T10:00:00+00:00", generate_uid(), generate_uid(), generate_uid(),
                             generate_uid(), False)
    (group,) = _items_of_nodule_groups(pydicom.dcmread(io.BytesIO(encode(build_sr(r, record, render_text(r))))))
    assert ("NODULE-CHANGE", "NODULE-GROWING") in group
    assert not any(c in ("NODULE-CHG-WHY", "NODULE-CHG-SUGG") for c, _v in group)
    assert "changed from the comparison" not in render_text(r)


def test_the_audit_trail_records_the_override(tmp_path):
    from app import audit
    from app.audit.chain import AuditLog

    log = AuditLog(tmp_path / "audit.jsonl")
    audit.nodule_status_overridden("dr.sato", "1.2.3", "PID-0001", report_id="r1", nodule=1, suggested="growing",
                                   chosen="stable", reason=REASON, log=log)
    (record,) = list(log.records())
    event = record.event
    details = dict(event.objects[0].details)
    assert details == {"Report": "r1", "Nodule": "1", "Suggested": "growing", "Chosen": "stable", "Reason": REASON}
    assert event.event_types[0].code == "NODULE-STATUS-OVERRIDE"
    assert log.verify().ok
    xml = audit.to_dicom_xml(event)
    assert "NODULE-STATUS-OVERRIDE" in xml
