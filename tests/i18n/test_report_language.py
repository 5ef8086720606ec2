"""The report's language is the report's: a Japanese report is Japanese throughout (rule
explanations, to-do items, the printed PDF), an English one English, whatever the screen's
language. Qt-free except the PDF, which Qt prints (app/report/pdf.py)."""
from __future__ import annotations

import re
import subprocess

import pytest

from app.report.messages import MsgId, msg, text
from app.report.render import render_html, render_text
from tests.i18n.untranslated import english_words
from tests.report.conftest import JP_NAME, fill_required, make_report
from tests.report.test_model import nodule

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]")

# nodules that take the rules through their branches: solid, part-solid, stable without a
# prior category, growing that is no growth, new, ground glass, benign calcification
NODULES = [
    dict(long_mm=7.0, short_mm=5.0),
    dict(long_mm=12.0, short_mm=9.0, kind="part_solid", solid_long_mm=5.0, solid_short_mm=3.0),
    dict(long_mm=5.0, short_mm=4.0, status="stable"),
    dict(long_mm=6.0, short_mm=5.0, status="growing", prior_mean_mm=5.0),
    dict(long_mm=4.5, short_mm=4.0, status="new"),
    dict(long_mm=20.0, short_mm=16.0, kind="ground_glass"),
    dict(long_mm=8.0, short_mm=6.0, calcification="benign"),
]


def _report(lang: str, nodules: list[dict]):
    r = make_report(lang)
    fill_required(r)
    r.set_field("ctdivol", 1.8)
    for n in nodules:
        r.add_nodule(nodule(**n))
    return r


def _data(report) -> list[str]:
    ident = report.identity
    return [ident.patient_id, ident.accession_number, ident.study_uid, report.template.id]


@pytest.mark.parametrize("count", [0, 1, 2, 3, len(NODULES)])
def test_a_japanese_report_has_no_english(count):
    r = _report("ja", NODULES[:count])
    out = render_text(r, "ja")
    basis = [res.basis.text("ja") for res in r.categories().values()]
    per_nodule = [b.text("ja") for res in r.categories().values() for _c, b in res.nodules]
    todo = [p.text("ja") for p in r.problems()]
    for t in [out, *basis, *per_nodule, *todo]:
        assert english_words(t, _data(r)) == [], t
    assert "根拠" in out


def test_an_english_report_has_no_japanese_but_the_patients_own_name():
    r = _report("en", NODULES)
    out = render_text(r, "en")
    for kanji_or_kana in JP_NAME.split("=")[1:]:
        out = out.replace(kanji_or_kana.replace("^", " "), "")
    lines = [line for line in out.splitlines() if _CJK.search(line)]
    assert lines == [], "Japanese in the English report:\n" + "\n".join(lines)
    assert "most urgent finding" in out or "Basis" in out


def test_every_message_has_both_languages_each_in_its_own():
    for mid in MsgId:
        m = msg(mid, **_dummy(mid))
        ja, en = text(m, "ja"), text(m, "en")
        assert english_words(ja) == [], f"{mid.name}: {ja!r}"
        assert not _CJK.search(en), f"{mid.name}: {en!r}"
        assert ja != en or mid is MsgId.JOIN, f"{mid.name} is not translated"


def _dummy(mid: MsgId) -> dict:
    """Values for every placeholder of a message: numbers, and a nested message for `basis`."""
    from app.report import messages

    names = set(re.findall(r"\{(\w+)\}", messages._TEXT[mid]["en"]))
    out = {n: "7" for n in names}
    if "basis" in out:
        out["basis"] = msg(MsgId.LR_NO_NODULES)
    for n in ("a", "b"):
        if n in out:
            out[n] = msg(MsgId.JSCTS_NO_NODULE)
    for n in ("field", "scheme", "status", "kind"):
        if n in out:
            out[n] = {"ja": "項目", "en": "field"}
    return out


def test_the_japanese_pdf_prints_the_rule_explanations_in_japanese(tmp_path):
    from app.report.pdf import html_to_pdf

    r = _report("ja", NODULES[:2])
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(html_to_pdf(render_html(r, "ja"), "report"))
    printed = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                             text=True).stdout
    assert "最も緊急度の高い所見" in printed and "most urgent" not in printed
    words = english_words(printed, _data(r))
    assert words == [], f"English in the Japanese PDF: {words}"
