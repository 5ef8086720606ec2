"""Signing a report: the verified SR, the (PAdES-signed) PDF and the Encapsulated PDF, written
durably to a folder before the report turns SIGNED. The outbox sends them from there; UIDs are
fixed here, so a re-send is byte-identical (security.md row 19)."""
from __future__ import annotations

from collections.abc import Callable

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from pydicom.uid import generate_uid

from common.atomic import write_atomic
from .encapsulated import build_encapsulated_pdf
from .errors import NotReadyToSign, ReportError
from .identity import Signer
from .model import Report, SignatureRecord
from .pades import load_p12, sign_pdf
from .pdf import html_to_pdf
from .render import render_html, render_text
from .sr import build_sr, encode

__all__ = ["SignedReport", "sign", "REPORT_JSON"]

log = logging.getLogger(__name__)
REPORT_JSON = "report.json"  # written last: its presence says every other output is complete


@dataclass(frozen=True)
class SignedReport:
    report: Report
    sr: bytes
    pdf: bytes
    encapsulated_pdf: bytes
    sr_sop_uid: str
    encapsulated_sop_uid: str
    folder: Path
    sr_path: Path
    pdf_path: Path
    encapsulated_path: Path


def sign(report: Report, signer: Signer, out_dir: Path, p12: Path | None = None, p12_password: bytes | None = None,
         *, study_on_screen: str | None = None, tsa_url: str | None = None,
         signed_at: datetime | None = None,
         render_pdf: Callable[[str, str], bytes] = html_to_pdf) -> SignedReport:
    """Sign `report` for `signer` (already re-authenticated) into out_dir/<report id>/.

    `render_pdf(html, title)` prints the PDF; Qt needs that on the thread that owns the Qt
    application, so a caller signing on a worker passes a function that runs it there.

    Without `p12` the PDF carries no digital signature and says so on its face; the SR is still
    VERIFIED by the named signer. `study_on_screen`, when given, must be the report's study.
    """
    if study_on_screen is not None and study_on_screen != report.identity.study_uid:
        raise NotReadyToSign(f"report {report.report_id} is for study {report.identity.study_uid}, "
                             f"not the study on screen {study_on_screen}")
    report.check_ready(signer)
    finished = _finished_outputs(report, signer, Path(out_dir) / report.report_id)
    if finished is not None:
        return finished
    pades_signer = load_p12(p12, p12_password) if p12 is not None else None
    when = (signed_at or datetime.now(timezone.utc)).isoformat(timespec="seconds")
    record = SignatureRecord(signer, when, generate_uid(), generate_uid(), generate_uid(), generate_uid(),
                             pdf_signed=pades_signer is not None)
    # Render from a signed copy so the outputs show the signer; the report itself turns SIGNED last.
    preview = Report.from_dict({**report.to_dict(), "state": "signed", "signature": record.to_dict()},
                               template=report.template)
    lang = report.language
    sr_bytes = encode(build_sr(preview, record, render_text(preview, lang)))
    pdf = render_pdf(render_html(preview, lang), report.template.title[lang])
    if pades_signer is not None:
        pdf = sign_pdf(pdf, pades_signer, reason=f"Report {report.report_id} verified", location=signer.organisation,
                       tsa_url=tsa_url)
    enc_bytes = encode(build_encapsulated_pdf(preview, record, pdf))

    folder = Path(out_dir) / report.report_id
    if (folder / REPORT_JSON).exists():
        raise ReportError(f"report {report.report_id} already has signed outputs in {folder}")
    sr_path = folder / f"sr-{record.sr_sop_uid}.dcm"
    pdf_path = folder / f"report-{record.encapsulated_sop_uid}.pdf"
    enc_path = folder / f"pdf-{record.encapsulated_sop_uid}.dcm"
    for path, data in ((sr_path, sr_bytes), (pdf_path, pdf), (enc_path, enc_bytes)):
        write_atomic(path, data)
    write_atomic(folder / REPORT_JSON, json.dumps(preview.to_dict(), ensure_ascii=False, indent=1).encode("utf-8"))
    report.mark_signed(record)
    log.info("report %s signed for study %s: SR %s, PDF %s (%s)", report.report_id, report.identity.study_uid,
             record.sr_sop_uid, record.encapsulated_sop_uid, "PAdES" if record.pdf_signed else "no PDF signature")
    return SignedReport(report, sr_bytes, pdf, enc_bytes, record.sr_sop_uid, record.encapsulated_sop_uid, folder,
                        sr_path, pdf_path, enc_path)


_VOLATILE = ("state", "signature", "updated_at")


def _finished_outputs(report: Report, signer: Signer, folder: Path) -> SignedReport | None:
    """The outputs of an earlier `sign` of this very draft whose process died before the draft
    turned SIGNED (e.g. killed between writing report.json and queuing the outputs).

    Same content and signer: those outputs are the signature (same UIDs, same bytes; they may
    already be in the outbox), the draft turns SIGNED with their record. Other content or another
    signer: refused, as signing again would put a second SR under the same report id.
    None when no complete outputs exist (a half-written folder is signed afresh, new UIDs).
    """
    done = folder / REPORT_JSON
    if not done.exists():
        return None
    try:
        data = json.loads(done.read_text(encoding="utf-8"))
        stored = Report.from_dict(data, template=report.template)
    except (OSError, ValueError, KeyError, TypeError, ReportError) as exc:
        raise ReportError(f"report {report.report_id}: signed outputs in {folder} unreadable "
                          f"({exc.__class__.__name__})") from exc
    record = stored.signature
    mine = {k: v for k, v in json.loads(json.dumps(report.to_dict())).items() if k not in _VOLATILE}
    theirs = {k: v for k, v in data.items() if k not in _VOLATILE}
    if record is None or mine != theirs or record.signer != signer:
        raise ReportError(f"report {report.report_id} already has signed outputs in {folder} "
                          "for other content or another signer")
    paths = (folder / f"sr-{record.sr_sop_uid}.dcm", folder / f"report-{record.encapsulated_sop_uid}.pdf",
             folder / f"pdf-{record.encapsulated_sop_uid}.dcm")
    try:
        sr_bytes, pdf, enc_bytes = (p.read_bytes() for p in paths)
    except OSError as exc:
        raise ReportError(f"report {report.report_id}: signed output {Path(exc.filename or '').name} "
                          f"missing in {folder}") from exc
    report.mark_signed(record)
    log.info("report %s: outputs of an interrupted signing found complete (SR %s, PDF %s); not signed again",
             report.report_id, record.sr_sop_uid, record.encapsulated_sop_uid)
    return SignedReport(report, sr_bytes, pdf, enc_bytes, record.sr_sop_uid, record.encapsulated_sop_uid, folder,
                        *paths)
