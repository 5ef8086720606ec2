"""Signing a report: the verified SR (with a DICOM Verification Signature), the PAdES-signed PDF
and the Encapsulated PDF, written durably to a folder before the report turns SIGNED. The outbox
sends them from there; UIDs are fixed here, so a re-send is byte-identical (security.md row 19).
The reader's key is a `signing_key.SigningKey` (PKCS#12 file or PKCS#11 card), checked once by
`check_certificate` before anything is made (security.md rows 11, 16, 17).

On the station the outputs are personal data: `sign(..., secret=ReaderSecret)` seals every file
of the folder for the reader (sealed_files, purpose SIGNED); the folder is deleted once the
centre confirms storage (app/reading/delivery.py). Without a secret (`yomi report export`, a
folder the user chose) they are written in clear. Either way the report id is validated before
it names the folder."""
from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from cryptography import x509
from pydicom.uid import generate_uid

from common.atomic import write_atomic
from .dicom_signature import DIGITAL_SIGNATURES_SEQUENCE, Purpose, add_signature, tsa_timestamper
from .encapsulated import build_encapsulated_pdf
from .errors import NotReadyToSign, ReportError, SigningError
from .double_sr import READING_ROLES
from .final_report import FinalContext, sr_options, with_judgements
from .identity import Signer
from .model import Report, SignatureRecord
from .pades import LtvData, pades_level, sign_pdf
from .pdf import html_to_pdf
from .report_ids import require_report_id
from .sealed_files import Purpose as SealPurpose, ReaderSecret, SealedFolder
from .render import render_html, render_text
from .signing_key import Pkcs12Key, SigningKey, check_certificate, load_crls
from .kos import build_kos, kos_uids
from .sr import build_sr, encode

__all__ = ["SignedReport", "sign", "REPORT_JSON", "OutputFolder", "read_signed_outputs"]

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
    sr_signed: bool = False  # the SR carries a DICOM Verification Signature (PS3.15 Annex C)
    kos: bytes | None = None  # the Key Object Selection of the key images (None: the report has none)
    kos_sop_uid: str = ""

    def objects(self, pdf: bool = True) -> list[tuple[str, bytes]]:
        """What goes to the centre, (SOP Instance UID, Part 10 bytes) each: SR, PDF (unless a
        double reading's requester receives the final report only), and the KOS."""
        out = [(self.sr_sop_uid, self.sr)]
        if pdf:
            out.append((self.encapsulated_sop_uid, self.encapsulated_pdf))
        if self.kos is not None:
            out.append((self.kos_sop_uid, self.kos))
        return out


class OutputFolder:
    """Where one report's signed outputs go: sealed for the reader, or in clear (export)."""

    def __init__(self, folder: Path, secret: ReaderSecret | None) -> None:
        self.path = Path(folder)
        self._sealed = SealedFolder(self.path, secret, SealPurpose.SIGNED) if secret is not None else None

    def write(self, name: str, data: bytes) -> Path:
        if self._sealed is not None:
            return self._sealed.write(name, data)
        write_atomic(self.path / name, data)
        return self.path / name

    def read(self, name: str) -> bytes:
        if self._sealed is not None:
            return self._sealed.read(name)
        return (self.path / name).read_bytes()

    def exists(self, name: str) -> bool:
        return (self.path / name).is_file()


def sign(report: Report, signer: Signer, out_dir: Path, p12: Path | None = None, p12_password: bytes | None = None,
         *, study_on_screen: str | None = None, tsa_url: str | None = None,
         signed_at: datetime | None = None,
         render_pdf: Callable[[str, str], bytes] = html_to_pdf,
         key: SigningKey | None = None, crl_files: Sequence[Path] = (),
         trust_roots: Sequence[x509.Certificate] = (), secret: ReaderSecret | None = None,
         final: FinalContext | None = None, reading_role: str = "") -> SignedReport:
    """Sign `report` for `signer` (already re-authenticated) into out_dir/<report id>/.

    `render_pdf(html, title)` prints the PDF; Qt needs that on the thread that owns the Qt
    application, so a caller signing on a worker passes a function that runs it there.

    The reader's key is `key` (a PKCS#12 file or a PKCS#11 card, see signing_key), or the
    PKCS#12 file `p12` opened with `p12_password`. With a key, its certificate is checked first
    (validity at the signing time, key usage, and the site's `crl_files`); a refusal raises a
    CertificateError before anything is rendered or written. Then the SR carries a DICOM
    Verification Signature and the PDF a PAdES signature, both timestamped (RFC 3161) by the
    TSA at `tsa_url` when set, the PDF with its validation data embedded (B-LT) when the
    chain's anchor (or one of `trust_roots`) and a CRL are known.

    Without a key the PDF carries no digital signature and says so on its face; the SR is still
    VERIFIED by the named signer. `study_on_screen`, when given, must be the report's study.
    `secret` seals the outputs for the reader (the station); without it they are in clear.
    `final` makes it the final report of a double reading (final_report.py): the SR names both
    readings and readers, the PDF shows the three judgements. `reading_role` ("first", "second")
    names the signer's role in a double reading in the SR (double_sr.READING_ROLES).
    """
    require_report_id(report.report_id, "report to sign")
    if study_on_screen is not None and study_on_screen != report.identity.study_uid:
        raise NotReadyToSign(f"report {report.report_id} is for study {report.identity.study_uid}, "
                             f"not the study on screen {study_on_screen}")
    if key is not None and p12 is not None:
        raise SigningError(f"report {report.report_id}: give either a signing key or a PKCS#12 file, not both")
    report.check_ready(signer)
    out = OutputFolder(Path(out_dir) / report.report_id, secret)
    finished = _finished_outputs(report, signer, out)
    if finished is not None:
        return finished
    if key is None and p12 is not None:
        key = Pkcs12Key.load(p12, p12_password)
    moment = signed_at or datetime.now(timezone.utc)
    crls = load_crls(crl_files)
    if key is not None:
        check_certificate(key, moment, crls)
    when = moment.isoformat(timespec="seconds")
    record = SignatureRecord(signer, when, generate_uid(), generate_uid(), generate_uid(), generate_uid(),
                             pdf_signed=key is not None)
    # Render from a signed copy so the outputs show the signer; the report itself turns SIGNED last.
    preview = Report.from_dict({**report.to_dict(), "state": "signed", "signature": record.to_dict()},
                               template=report.template)
    lang = report.language
    options = sr_options(final) if final else \
        {"role_in_procedure": READING_ROLES[reading_role]} if reading_role else {}
    sr = build_sr(preview, record, render_text(preview, lang), **options)
    if key is not None:
        add_signature(sr, key, signed_at=moment, purpose=Purpose.VERIFICATION,
                      timestamp=tsa_timestamper(tsa_url) if tsa_url else None)
    sr_bytes = encode(sr)
    html = render_html(preview, lang)
    pdf = render_pdf(with_judgements(html, final, preview, lang) if final else html, report.template.title[lang])
    ltv = None
    if key is not None:
        ltv = LtvData.from_chain(key.chain, crls, trust_roots)
        pdf = sign_pdf(pdf, key.pdf_signer(), reason=f"Report {report.report_id} verified",
                       location=signer.organisation, tsa_url=tsa_url, ltv=ltv)
    enc_bytes = encode(build_encapsulated_pdf(preview, record, pdf))
    kos = build_kos(preview, record)
    kos_bytes = encode(kos) if kos is not None else None

    folder = out.path
    if out.exists(REPORT_JSON):
        raise ReportError(f"report {report.report_id} already has signed outputs in {folder}")
    sr_path, pdf_path, enc_path = (folder / n for n in _output_names(record))
    for path, data in ((sr_path, sr_bytes), (pdf_path, pdf), (enc_path, enc_bytes)):
        out.write(path.name, data)
    if kos_bytes is not None:
        out.write(_kos_name(record), kos_bytes)
    out.write(REPORT_JSON, json.dumps(preview.to_dict(), ensure_ascii=False, indent=1).encode("utf-8"))
    report.mark_signed(record)
    log.info("report %s signed for study %s: SR %s (%s), PDF %s (%s)", report.report_id,
             report.identity.study_uid, record.sr_sop_uid,
             "DICOM signature" if key is not None else "no DICOM signature", record.encapsulated_sop_uid,
             pades_level(tsa_url, ltv).value if key is not None else "no PDF signature")
    return SignedReport(report, sr_bytes, pdf, enc_bytes, record.sr_sop_uid, record.encapsulated_sop_uid, folder,
                        sr_path, pdf_path, enc_path, sr_signed=key is not None, kos=kos_bytes,
                        kos_sop_uid=kos_uids(record)[1] if kos_bytes is not None else "")


_VOLATILE = ("state", "signature", "updated_at")


def _output_names(record: SignatureRecord) -> tuple[str, str, str]:
    return (f"sr-{record.sr_sop_uid}.dcm", f"report-{record.encapsulated_sop_uid}.pdf",
            f"pdf-{record.encapsulated_sop_uid}.dcm")


def _kos_name(record: SignatureRecord) -> str:
    return f"kos-{kos_uids(record)[1]}.dcm"


def _read_kos(report: Report, record: SignatureRecord, out: OutputFolder) -> tuple[bytes | None, str]:
    """The KOS written with the outputs of a report with key images (read like the others)."""
    if not report.key_images:
        return None, ""
    return out.read(_kos_name(record)), kos_uids(record)[1]


def read_signed_outputs(folder: Path, secret: ReaderSecret | None, template=None) -> SignedReport:
    """The complete outputs in `folder` as a SignedReport whose report is SIGNED (start-up
    reconciliation with the outbox); ReportError if report.json or an output is missing or bad."""
    from common.uids import InvalidUid, require_uid

    out = OutputFolder(folder, secret)
    try:
        data = json.loads(out.read(REPORT_JSON))
        require_report_id(data.get("report_id"), f"signed outputs {out.path.name}")
        if data["report_id"] != out.path.name:
            raise ReportError(f"signed outputs {out.path.name}: report.json names another report")
        stored = Report.from_dict(data, template=template)
        record = stored.signature
        if record is None:
            raise ReportError(f"signed outputs {out.path.name}: report.json carries no signature")
        require_uid(record.sr_sop_uid, f"SR UID in {out.path.name}/{REPORT_JSON}")
        require_uid(record.encapsulated_sop_uid, f"PDF UID in {out.path.name}/{REPORT_JSON}")
        names = _output_names(record)
        sr_bytes, pdf, enc_bytes = (out.read(n) for n in names)
        kos, kos_uid = _read_kos(stored, record, out)
    except ReportError:
        raise
    except InvalidUid as exc:
        raise ReportError(str(exc)) from exc
    except Exception as exc:  # OSError, SealError, JSON and model errors: one message naming the folder
        raise ReportError(f"signed outputs {out.path.name} unreadable ({exc.__class__.__name__})") from exc
    paths = tuple(out.path / n for n in names)
    return SignedReport(stored, sr_bytes, pdf, enc_bytes, record.sr_sop_uid, record.encapsulated_sop_uid,
                        out.path, *paths, sr_signed=_has_dicom_signature(sr_bytes), kos=kos, kos_sop_uid=kos_uid)


def _finished_outputs(report: Report, signer: Signer, out: OutputFolder) -> SignedReport | None:
    """The outputs of an earlier `sign` of this very draft whose process died before the draft
    turned SIGNED (e.g. killed between writing report.json and queuing the outputs).

    Same content and signer: those outputs are the signature (same UIDs, same bytes; they may
    already be in the outbox), the draft turns SIGNED with their record. Other content or another
    signer: refused, as signing again would put a second SR under the same report id.
    None when no complete outputs exist (a half-written folder is signed afresh, new UIDs).
    """
    folder = out.path
    if not out.exists(REPORT_JSON):
        return None
    try:
        data = json.loads(out.read(REPORT_JSON))
        stored = Report.from_dict(data, template=report.template)
    except Exception as exc:  # OSError, SealError (another key, altered), JSON or model errors
        raise ReportError(f"report {report.report_id}: signed outputs in {folder} unreadable "
                          f"({exc.__class__.__name__})") from exc
    record = stored.signature
    mine = {k: v for k, v in json.loads(json.dumps(report.to_dict())).items() if k not in _VOLATILE}
    theirs = {k: v for k, v in data.items() if k not in _VOLATILE}
    if record is None or mine != theirs or record.signer != signer:
        raise ReportError(f"report {report.report_id} already has signed outputs in {folder} "
                          "for other content or another signer")
    paths = tuple(folder / n for n in _output_names(record))
    try:
        sr_bytes, pdf, enc_bytes = (out.read(p.name) for p in paths)
        kos, kos_uid = _read_kos(report, record, out)
    except OSError as exc:
        raise ReportError(f"report {report.report_id}: signed output {Path(exc.filename or '').name} "
                          f"missing in {folder}") from exc
    except Exception as exc:  # SealError: altered or another reader's
        raise ReportError(f"report {report.report_id}: signed outputs in {folder} unreadable "
                          f"({exc.__class__.__name__})") from exc
    report.mark_signed(record)
    log.info("report %s: outputs of an interrupted signing found complete (SR %s, PDF %s); not signed again",
             report.report_id, record.sr_sop_uid, record.encapsulated_sop_uid)
    return SignedReport(report, sr_bytes, pdf, enc_bytes, record.sr_sop_uid, record.encapsulated_sop_uid, folder,
                        *paths, sr_signed=_has_dicom_signature(sr_bytes), kos=kos, kos_sop_uid=kos_uid)


def _has_dicom_signature(sr_bytes: bytes) -> bool:
    import io

    import pydicom

    return DIGITAL_SIGNATURES_SEQUENCE in pydicom.dcmread(io.BytesIO(sr_bytes), stop_before_pixels=True)
