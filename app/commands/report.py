"""`yomi report export DRAFT.json --out DIR [--sign CERT.p12]`: the signed outputs, headless.

Writes the verified DICOM SR, the PDF and the Encapsulated PDF into DIR/<report id>/ exactly as
signing in the reading window does. The SR is VERIFIED, so a signer is always named
(--signer-name/--signer-id/--signer-org). With --sign the PDF carries a PAdES signature made
with the PKCS#12 file (password from YOMI_P12_PASSWORD, else asked on the terminal); without
it the PDF says on its face that it is not digitally signed.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("report", help="structured reports, headless")
    sub = p.add_subparsers(dest="report_command", metavar="ACTION", required=True)
    e = sub.add_parser("export", help="sign a draft into SR + PDF + Encapsulated PDF files")
    e.add_argument("draft", metavar="DRAFT.json", type=Path, help="a draft saved by Yomi")
    e.add_argument("--out", metavar="DIR", type=Path, required=True, help="output folder")
    e.add_argument("--sign", metavar="CERT.p12", type=Path, help="PKCS#12 file of the reader: sign the PDF (PAdES)")
    e.add_argument("--signer-name", required=True, help="reader's name as DICOM PN, e.g. 'Sato^Hanako=佐藤^花子'")
    e.add_argument("--signer-id", required=True, help="reader's ID")
    e.add_argument("--signer-org", required=True, help="reader's organisation")
    e.add_argument("--lang", choices=("ja", "en"), help="report language (default: the draft's)")
    e.add_argument("--tsa-url", metavar="URL", help="RFC 3161 timestamp authority for the PDF signature")


def _password() -> bytes | None:
    env = os.environ.get("YOMI_P12_PASSWORD")
    if env is not None:
        return env.encode("utf-8")
    if not sys.stdin.isatty():
        return None
    import getpass

    return getpass.getpass("PKCS#12 password: ").encode("utf-8")


def run(args: argparse.Namespace) -> int:
    from app.report.draft_store import DraftStore
    from app.report.errors import ReportError
    from app.report.identity import Signer
    from app.report.signing import sign

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # PDF rendering needs no display
    try:
        report = DraftStore.load_path(args.draft)
        if report.is_signed:
            print(f"yomi report export: report {report.report_id} is already signed; export an addendum",
                  file=sys.stderr)
            return 1
        if args.lang:
            report.set_language(args.lang)
        password = _password() if args.sign else None
        if args.sign and password is None:
            print("yomi report export: set YOMI_P12_PASSWORD or run on a terminal to enter the password",
                  file=sys.stderr)
            return 1
        signer = Signer(args.signer_name, args.signer_id, args.signer_org)
        result = sign(report, signer, args.out, args.sign, password, tsa_url=args.tsa_url)
    except ReportError as exc:
        print(f"yomi report export: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"yomi report export: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"report {report.report_id} signed into {result.folder}")
    print(f"SR  {result.sr_sop_uid}  {result.sr_path.name}")
    print(f"PDF {result.encapsulated_sop_uid}  {result.pdf_path.name}  ({'PAdES' if report.signature.pdf_signed else 'not digitally signed'})")
    return 0
