"""`yomi report export DRAFT.json --out DIR`: sign a draft headless, as the logged-in reader.

Writes the verified DICOM SR, the PDF and the Encapsulated PDF into DIR/<report id>/ exactly as
signing in the reading window does (app/reading/signer.py, the same code). The signer is the
station account, never typed in: the command logs in like `yomi pull` (YOMI_USER /
YOMI_PASSWORD / YOMI_CODE or the terminal), re-authenticates for the signature, names the
account's DICOM name and user ID, and the site's organisation (`[centre] report_organisation`,
else the centre's name). It signs with the key IT bound to the account: a PKCS#12 file
(password from YOMI_P12_PASSWORD, else the terminal) or a PKCS#11 token (PIN from
YOMI_PKCS11_PIN, else the terminal); an account with no key signs nothing. `--tsa-url` and `--crl` default to the site's `tsa_url` and
`crl_files`. Every signature, made or refused, is audited.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

P12_PASSWORD_ENV = "YOMI_P12_PASSWORD"
PIN_ENV = "YOMI_PKCS11_PIN"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("report", help="structured reports, headless")
    sub = p.add_subparsers(dest="report_command", metavar="ACTION", required=True)
    e = sub.add_parser("export", help="sign a draft into SR + PDF + Encapsulated PDF files (station login)")
    e.add_argument("draft", metavar="DRAFT.json", type=Path, help="a draft as plain JSON (Report.to_dict)")
    e.add_argument("--out", metavar="DIR", type=Path, required=True, help="output folder")
    e.add_argument("--lang", choices=("ja", "en"), help="report language (default: the draft's)")
    e.add_argument("--tsa-url", metavar="URL", help="RFC 3161 timestamp authority (default: site tsa_url)")
    e.add_argument("--crl", metavar="FILE", type=Path, action="append",
                   help="CRL for the certificate check, repeatable (default: site crl_files)")
    e.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="configuration (TOML)")


def _err(text: str) -> None:
    print(f"yomi report export: {text}", file=sys.stderr)


def _key_secret(choice) -> str | None:
    env, prompt = (PIN_ENV, f"PIN of {choice.label}: ") if choice.is_card else \
        (P12_PASSWORD_ENV, f"Password of certificate file {choice.label}: ")
    value = os.environ.get(env)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        return None
    import getpass

    return getpass.getpass(prompt)


def run(args: argparse.Namespace) -> int:
    from app.commands._connection import PASSWORD_ENV, load_centre_config, station_login
    from app.config import ConfigError
    from app.reading.certificates import SigningSettings, choose_certificate
    from app.reading.signer import sign_as_reader
    from app.report.draft_store import read_draft_json
    from app.report.errors import ReportError
    from app.session import SessionError

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # PDF rendering needs no display
    try:
        report = read_draft_json(args.draft)
        site = load_centre_config(args).centre
    except (ReportError, ConfigError) as exc:
        _err(str(exc))
        return 1
    if report.is_signed:
        _err(f"report {report.report_id} is already signed; export an addendum")
        return 1
    session = station_login("yomi report export")
    if session is None:
        return 2
    try:
        user = session.user
        password = os.environ.get(PASSWORD_ENV)
        if password is None:
            import getpass

            password = getpass.getpass(f"Password of {user.user_id}, to sign report {report.report_id}: ") \
                if sys.stdin.isatty() else ""
        settings = SigningSettings.of(site)
        if args.tsa_url:
            settings = SigningSettings(settings.organisation, args.tsa_url, settings.crl_files, settings.pkcs11_module)
        if args.crl:
            settings = SigningSettings(settings.organisation, settings.tsa_url, tuple(args.crl),
                                       settings.pkcs11_module)
        try:
            choice = choose_certificate(demo_reader=False, account_key=user.signing_key,
                                        pkcs11_module=settings.pkcs11_module)
        except ValueError as exc:
            _err(f"the signing key bound to {user.user_id} cannot be used: {exc}")
            return 1
        if choice.needs_password:
            secret = _key_secret(choice)
            if secret is None:
                _err(f"set {PIN_ENV if choice.is_card else P12_PASSWORD_ENV} or run on a terminal to open "
                     f"{choice.label}")
                return 1
            choice = choice.with_password(secret)
        if args.lang:
            report.set_language(args.lang)
        result = sign_as_reader(session, user.user_id, password, report, choice=choice, settings=settings,
                                out_dir=args.out)
    except SessionError as exc:
        _err(f"re-authentication of {session.user.user_id if session.user else '?'} refused: {exc}")
        return 1
    except ReportError as exc:
        _err(str(exc))
        return 1
    except OSError as exc:
        _err(f"cannot write {args.out}: {exc.strerror or exc}")
        return 1
    finally:
        session.logout()
    print(f"report {report.report_id} signed by {user.user_id} into {result.folder}")
    print(f"SR  {result.sr_sop_uid}  {result.sr_path.name}  "
          f"({'DICOM signature' if result.sr_signed else 'no DICOM signature'})")
    print(f"PDF {result.encapsulated_sop_uid}  {result.pdf_path.name}  "
          f"({'PAdES' if report.signature.pdf_signed else 'not digitally signed'})")
    return 0
