"""The report as the hospital reads it: plain text and HTML in the reader's language.

The editor shows `render_html` as a live preview and the PDF prints the same HTML, so what the
reader saw is what the requester gets. Every value from data is escaped.
"""
from __future__ import annotations

from html import escape
from typing import Any

from common.dicom_dates import format_da
from common.person_name import localized_name

from .critical import critical_label
from .dose import ctdivol_check
from .categories import SCHEME_NAMES, SchemeResult, category_label
from .finding import Finding
from .model import Report
from .templates import Field

__all__ = ["render_text", "render_html", "LABELS", "suggested_status_label"]

LABELS: dict[str, dict[str, str]] = {
    "patient": {"ja": "氏名", "en": "Patient"},
    "patient_id": {"ja": "患者ID", "en": "Patient ID"},
    "birth": {"ja": "生年月日", "en": "Date of birth"},
    "sex": {"ja": "性別", "en": "Sex"},
    "study_date": {"ja": "検査日", "en": "Study date"},
    "accession": {"ja": "受付番号", "en": "Accession"},
    "study_uid": {"ja": "検査UID", "en": "Study UID"},
    "nodules": {"ja": "結節", "en": "Nodules"},
    "no_nodules": {"ja": "結節なし", "en": "No nodules"},
    "categories": {"ja": "判定", "en": "Categories"},
    "suggested": {"ja": "自動判定", "en": "Suggested"},
    "final": {"ja": "最終判定", "en": "Final"},
    "override": {"ja": "変更理由", "en": "Reason for override"},
    "basis": {"ja": "根拠", "en": "Basis"},
    "management": {"ja": "指示", "en": "Management"},
    "follow_up": {"ja": "経過観察", "en": "Follow-up"},
    "months": {"ja": "か月後", "en": "months"},
    "unverified": {"ja": "（文言未検証）", "en": "(wording unverified)"},
    "slice": {"ja": "スライス", "en": "slice"},
    "series": {"ja": "シリーズ", "en": "series"},
    "prior": {"ja": "前回", "en": "prior"},
    "solid_part": {"ja": "充実成分", "en": "solid part"},
    "signed_by": {"ja": "署名", "en": "Signed by"},
    "draft": {"ja": "下書き（未署名）", "en": "DRAFT (not signed)"},
    "not_digitally_signed": {"ja": "電子署名なし（署名済みDICOM SRあり）", "en": "NOT DIGITALLY SIGNED (verified DICOM SR exists)"},
    "digitally_signed": {"ja": "電子署名付きPDF（PAdES）", "en": "Digitally signed PDF (PAdES)"},
    "addendum": {"ja": "追記（先行報告を修正）", "en": "Addendum to the signed report of"},
    "yes": {"ja": "あり", "en": "Yes"},
    "template": {"ja": "様式", "en": "Template"},
    "critical": {"ja": "緊急所見あり", "en": "CRITICAL RESULT"},
    "key_images": {"ja": "キー画像", "en": "Key images"},
    "status_override": {"ja": "比較の提案「{suggested}」から変更、理由: {reason}",
                        "en": "changed from the comparison's suggestion \u201c{suggested}\u201d, reason: {reason}"},
    "shrinking": {"ja": "縮小", "en": "Shrinking"},
    "dose_todo": {"ja": "要確認: CTDIvol {value} mGy は検診の上限 {limit} mGy（JECS 標準体格）を超えています",
                  "en": "To check: CTDIvol {value} mGy exceeds the screening limit of {limit} mGy (JECS, standard body)"},
}
KEY_IMAGE_BOX = (240, 300)   # px of the HTML layout: about 6 x 7.5 cm on the A4 PDF
_SEX = {"M": {"ja": "男", "en": "Male"}, "F": {"ja": "女", "en": "Female"}, "O": {"ja": "その他", "en": "Other"}}


def _L(key: str, lang: str) -> str:
    return LABELS[key][lang]


def _value(f: Field, value: Any, lang: str) -> str:
    if f.type == "choice":
        opt = f.option(str(value))
        return opt.label(lang) if opt else str(value)
    if f.type == "flag":
        return _L("yes", lang)
    if f.type == "number":
        return f"{value} {f.unit}".strip()
    return str(value)


def _header(report: Report, lang: str) -> list[tuple[str, str]]:
    ident = report.identity
    sex = _SEX.get(ident.patient_sex, {}).get(lang, ident.patient_sex)
    return [
        (_L("patient", lang), localized_name(ident.patient_name, lang)),
        (_L("patient_id", lang), ident.patient_id),
        (_L("birth", lang), format_da(ident.patient_birth_date)),
        (_L("sex", lang), sex),
        (_L("study_date", lang), format_da(ident.study_date)),
        (_L("accession", lang), ident.accession_number),
        (_L("study_uid", lang), ident.study_uid),
    ]


def _sections(report: Report, lang: str) -> list[tuple[str, list[tuple[str, str]]]]:
    out = []
    for s in report.template.sections:
        rows = []
        for f in s.fields:
            if f.type == "computed":
                text = report.computed(f.id, lang)
            elif f.id in report.fields:
                text = _value(f, report.fields[f.id], lang)
            else:
                continue
            if text:
                rows.append((f.label[lang], text))
        if rows:
            out.append((s.label[lang], rows))
    return out


def _nodule_line(report: Report, i: int, n: Finding, results: dict[str, SchemeResult], lang: str) -> str:
    t = report.template

    def opt(fid: str) -> str:
        v = getattr(n, fid)
        o = t.nodule_field(fid).option(v) if v else None
        return o.label(lang) if o else (v or "—")

    parts = [f"#{i + 1} {opt('lobe')}", f"{n.long_mm} × {n.short_mm} mm (⌀ {n.mean_mm} mm)", opt("kind")]
    if n.kind == "part_solid" and n.solid_mean_mm is not None:
        parts.append(f"{_L('solid_part', lang)} {n.solid_long_mm} × {n.solid_short_mm} mm (⌀ {n.solid_mean_mm} mm)")
    parts += [opt("calcification"), opt("margin"), opt("status")]
    if n.status_overridden:
        parts.append(_L("status_override", lang).format(suggested=suggested_status_label(report, n, lang),
                                                        reason=n.status_reason))
    if n.prior_mean_mm is not None:
        parts.append(f"{_L('prior', lang)} ⌀ {n.prior_mean_mm} mm")
    parts.append(f"{_L('series', lang)} …{n.series_uid[-8:]}, {_L('slice', lang)} {n.slice_index + 1}")
    for scheme, res in results.items():
        cat = res.nodules[i][0] if i < len(res.nodules) else None
        parts.append(f"{SCHEME_NAMES[scheme][lang]}: {category_label(scheme, cat, lang)}")
    if n.note:
        parts.append(n.note)
    return " / ".join(parts)


def suggested_status_label(report: Report, n: Finding, lang: str) -> str:
    """The comparison's suggestion in words (shrinking is no choice of the template: its own word)."""
    if n.suggested_status == "shrinking":
        return _L("shrinking", lang)
    o = report.template.nodule_field("status").option(n.suggested_report_status)
    return o.label(lang) if o else n.suggested_status


def _category_rows(res: SchemeResult, lang: str) -> list[tuple[str, str]]:
    rows = [(_L("suggested", lang), category_label(res.scheme, res.suggested, lang)),
            (_L("basis", lang), res.basis.text(lang)),
            (_L("final", lang), category_label(res.scheme, res.final, lang))]
    if res.override is not None:
        rows.append((_L("override", lang), res.override.reason))
    if res.recommendation:
        mark = "" if res.recommendation_verified else " " + _L("unverified", lang)
        rows.append((_L("management", lang), res.recommendation[lang] + mark))
    if res.follow_up_months:
        rows.append((_L("follow_up", lang), f"{res.follow_up_months} {_L('months', lang)}"))
    return rows


def _status_lines(report: Report, lang: str, pdf_signed: bool | None) -> list[str]:
    lines = []
    if report.predecessor is not None:
        lines.append(f"{_L('addendum', lang)} {report.predecessor.signed_at} (SR {report.predecessor.sr_sop_uid})")
    sig = report.signature
    if sig is None:
        lines.append(_L("draft", lang))
    else:
        lines.append(f"{_L('signed_by', lang)}: {localized_name(sig.signer.name, lang)} ({sig.signer.id}), "
                     f"{sig.signer.organisation}, {sig.signed_at}")
        signed = sig.pdf_signed if pdf_signed is None else pdf_signed
        lines.append(_L("digitally_signed" if signed else "not_digitally_signed", lang))
    lines.append(f"{_L('template', lang)}: {report.template.id} {report.template.version}")
    return lines


def _critical_line(report: Report, lang: str) -> str:
    c = report.critical
    if c is None:
        return ""
    return f"{_L('critical', lang)}: {critical_label(c.kind, lang)}" + (f" — {c.text}" if c.text else "")


def dose_todo(report: Report, lang: str) -> str:
    """The report's to-do line when its CTDIvol is above the screening limit, else ''."""
    check = ctdivol_check(report.fields.get("ctdivol"), report.template.id)
    if check is None:
        return ""
    return _L("dose_todo", lang).format(value=check.ctdivol_mgy, limit=check.limit_mgy)


def _key_image_caption(report: Report, i: int, lang: str) -> str:
    k = report.key_images[i]
    where = f"{_L('series', lang)} …{k.series_uid[-8:]}, {_L('slice', lang)} {k.slice_index + 1}"
    return f"#{i + 1} {k.caption} ({where})" if k.caption else f"#{i + 1} ({where})"


def render_text(report: Report, lang: str | None = None) -> str:
    """The report as plain text (also the SR's narrative)."""
    lang = lang or report.language
    out = [report.template.title[lang], ""]
    if report.critical is not None:
        out[1:1] = [f"*** {_critical_line(report, lang)} ***", ""]
    out += [f"{k}: {v}" for k, v in _header(report, lang) if v]
    results = report.categories()
    if report.template.nodule_fields:
        out += ["", f"[{_L('nodules', lang)}]"]
        out += [_nodule_line(report, i, n, results, lang) for i, n in enumerate(report.nodules)] or [_L("no_nodules", lang)]
    for title, rows in _sections(report, lang):
        out += ["", f"[{title}]"] + [f"{k}: {v}" for k, v in rows]
    for scheme, res in results.items():
        out += ["", f"[{SCHEME_NAMES[scheme][lang]}]"] + [f"{k}: {v}" for k, v in _category_rows(res, lang)]
    if dose_todo(report, lang):
        out += ["", dose_todo(report, lang)]
    if report.key_images:
        out += ["", f"[{_L('key_images', lang)}]"] + [_key_image_caption(report, i, lang)
                                                     for i in range(len(report.key_images))]
    out += [""] + _status_lines(report, lang, None)
    return "\n".join(out) + "\n"


def render_html(report: Report, lang: str | None = None, *, pdf_signed: bool | None = None) -> str:
    """The report as escaped HTML for QTextDocument (preview and PDF). `pdf_signed` says what
    the PDF will carry when rendering it at signing time, before the record exists."""
    lang = lang or report.language
    e = lambda s: escape(str(s), quote=True).replace("\n", "<br/>")  # noqa: E731

    def table(rows: list[tuple[str, str]]) -> str:
        cells = "".join(f"<tr><th align='left' width='28%'>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows if v)
        return f"<table width='100%' cellspacing='0' cellpadding='3' border='1'>{cells}</table>"

    results = report.categories()
    parts = [f"<html lang='{lang}'><body>", f"<h2>{e(report.template.title[lang])}</h2>"]
    if report.critical is not None:
        # a banner the requester cannot miss, on the printed page as on the screen
        parts.append("<table width='100%' cellpadding='8' bgcolor='#c81e1e'><tr><td>"
                     f"<font color='#ffffff' size='+1'><b>{e(_critical_line(report, lang))}</b></font></td></tr></table>")
    parts.append(table(_header(report, lang)))
    if report.template.nodule_fields:
        parts.append(f"<h3>{e(_L('nodules', lang))}</h3>")
        items = [f"<li>{e(_nodule_line(report, i, n, results, lang))}</li>" for i, n in enumerate(report.nodules)]
        parts.append(f"<ul>{''.join(items)}</ul>" if items else f"<p>{e(_L('no_nodules', lang))}</p>")
    for title, rows in _sections(report, lang):
        parts += [f"<h3>{e(title)}</h3>", table(rows)]
    for scheme, res in results.items():
        parts += [f"<h3>{e(SCHEME_NAMES[scheme][lang])}</h3>", table(_category_rows(res, lang))]
    if dose_todo(report, lang):
        parts.append(f"<p style='color:#b00000'><b>{e(dose_todo(report, lang))}</b></p>")
    if report.key_images:
        # Small, two to a row: the PDF shows what the reader marked, the KOS points to the images.
        cells = "".join(
            f"<td align='center' width='50%'><img src='data:image/png;base64,{k.png_b64}' "
            f"width='{k.fit(*KEY_IMAGE_BOX)[0]}' height='{k.fit(*KEY_IMAGE_BOX)[1]}'/>"
            f"<br/>{e(_key_image_caption(report, i, lang))}</td>"
            + ("</tr><tr>" if i % 2 == 1 else "") for i, k in enumerate(report.key_images))
        parts += [f"<h3>{e(_L('key_images', lang))}</h3>",
                  f"<table width='100%' cellspacing='0' cellpadding='4'><tr>{cells}</tr></table>"]
    parts.append("<hr/>" + "".join(f"<p>{e(line)}</p>" for line in _status_lines(report, lang, pdf_signed)))
    parts.append("</body></html>")
    return "\n".join(parts)
