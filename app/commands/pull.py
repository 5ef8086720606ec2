"""`yomi pull STUDY_UID --out DIR`: retrieve one of the reader's studies into a folder.

Needs the station login (`_connection.station_login`: YOMI_USER / YOMI_PASSWORD / YOMI_CODE
or the terminal), and where `[centre] oidc_issuer` is set the sign-in at the identity
provider in the system browser, bound to the account (its bearer then goes to the centre); the reader's identity at the centre is the account's (IT-bound), and the
study must be on that reader's worklist: the station refuses any other before asking the
centre for it, and the centre refuses it too (403). Either refusal names the study, is
audited as a Security Alert under the station user, and exits 1 with nothing written.

Uses the same retrieval code as the viewer. Files are named by a hash of their SOP
Instance UID, never by anything taken from the data, written 0600 into a 0700 folder (the
folder is created so, or narrowed to it) with a zeroed preamble (CVE-2019-11687); the bytes
after it are exactly those received.
"""
from __future__ import annotations

import argparse
import sys

from app.commands._connection import add_connection_options, bound_centre_config, open_reader_centre, station_login


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("pull", help="retrieve one of your assigned studies into a folder (station login)")
    p.add_argument("study_uid", metavar="STUDY_UID")
    p.add_argument("--out", metavar="DIR", required=True, help="folder to write the DICOM files to")
    p.add_argument("--workers", type=int, default=None, help="parallel downloads (default: config pool_size)")
    add_connection_options(p)


def _private_folder(out) -> None:
    """`out` exists, owner-only (0700): what goes in is personal data."""
    import os

    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    if (out.stat().st_mode & 0o777) != 0o700:
        os.chmod(out, 0o700)


def run(args: argparse.Namespace) -> int:
    import hashlib
    import re
    from pathlib import Path

    from app import audit
    from app.config import ConfigError
    from app.reading.controller import assigned_item, audit_refusal
    from common.atomic import write_atomic
    from worklist.centre import CentreError
    from worklist.retrieval import iter_retrieved

    if not re.fullmatch(r"[0-9]+(\.[0-9]+)*", args.study_uid) or len(args.study_uid) > 64:
        print("pull: STUDY_UID must be a DICOM UID (digits and dots, at most 64)", file=sys.stderr)
        return 2
    session = station_login("pull")
    if session is None:
        return 2
    reader = session.user.user_id
    out = Path(args.out)
    written, sops, patient_id, cfg, provider = 0, [], "", None, None
    try:
        cfg = bound_centre_config(args, session, "pull")
        opened = open_reader_centre(cfg, session, "pull")
        if opened is None:
            return 2
        centre, provider = opened
        try:
            item = assigned_item(centre, args.study_uid)
            patient_id = item.patient_id
            have = _held_uids(out) if out.is_dir() else set()  # a pull broken off earlier resumes
            for got in iter_retrieved(centre.client, item.study_uid, have=have,
                                      workers=args.workers or cfg.pool_size):
                if not written:
                    _private_folder(out)
                name = hashlib.sha256(got.planned.sop_uid.encode("ascii")).hexdigest()[:40]
                data = got.data
                if data[128:132] == b"DICM":
                    data = bytes(128) + data[128:]
                # a pull broken off leaves whole files only; each can be fetched again, so no fsync
                write_atomic(out / f"{name}.dcm", data, mode=0o600, durable=False)
                written += 1
                sops.append(got.planned.sop_uid)
                patient_id = patient_id or str(got.dataset.get("PatientID", ""))
        finally:
            centre.close()
    except (ConfigError, CentreError) as exc:
        if isinstance(exc, CentreError) and cfg is not None:
            audit_refusal(reader, cfg.dicomweb_url, exc)
            if written:
                audit.transferred(reader, args.study_uid, patient_id, peer=cfg.dicomweb_url, sent=False,
                                  sop_uids=sops, ok=False, reason="interrupted")
        print(f"pull: study {args.study_uid}: {exc} ({written} files written to {out})", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"pull: cannot write to {out} ({exc.strerror})", file=sys.stderr)
        return 1
    finally:
        if provider is not None:
            provider.tokens.forget()
        session.logout()
    # the files leave the protected cache for a folder of the user's choice: an export
    audit.transferred(reader, args.study_uid, patient_id, peer=cfg.dicomweb_url, sent=False, sop_uids=sops)
    audit.exported(reader, args.study_uid, patient_id, media="local folder (yomi pull)", sop_uids=sops)
    print(f"pull: {written} instances of study {args.study_uid} written to {out}")
    return 0


def _held_uids(folder) -> set[str]:
    import pydicom

    uids = set()
    for path in folder.glob("*.dcm"):
        try:
            uids.add(str(pydicom.dcmread(path, stop_before_pixels=True, specific_tags=["SOPInstanceUID"]).SOPInstanceUID))
        except Exception:  # an unreadable leftover is fetched again and overwritten
            continue
    return uids
