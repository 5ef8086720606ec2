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
from dataclasses import dataclass, field

from app.commands._connection import ReaderConnection, add_connection_options, station_login


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("pull", help="retrieve one of your assigned studies into a folder (station login)")
    p.add_argument("study_uid", metavar="STUDY_UID")
    p.add_argument("--out", metavar="DIR", required=True, help="folder to write the DICOM files to")
    p.add_argument("--workers", type=int, default=None, help="parallel downloads (default: config pool_size)")
    add_connection_options(p)


@dataclass
class _Pulled:
    """What a pull has written so far (told in its audit and its error message)."""

    sop_uids: list[str] = field(default_factory=list)
    patient_id: str = ""


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
    from app.reading.controller import assigned_item, audit_refusal
    from common.atomic import write_atomic
    from worklist.retrieval import iter_retrieved

    if not re.fullmatch(r"[0-9]+(\.[0-9]+)*", args.study_uid) or len(args.study_uid) > 64:
        print("pull: STUDY_UID must be a DICOM UID (digits and dots, at most 64)", file=sys.stderr)
        return 2
    session = station_login("pull")
    if session is None:
        return 2
    reader = session.user.user_id
    out = Path(args.out)
    got = _Pulled()
    conn = ReaderConnection(session, "pull")

    def pull() -> None:
        item = assigned_item(conn.centre, args.study_uid)
        got.patient_id = item.patient_id
        have = _held_uids(out) if out.is_dir() else set()  # a pull broken off earlier resumes
        for one in iter_retrieved(conn.centre.client, item.study_uid, have=have,
                                  workers=args.workers or conn.cfg.pool_size):
            if not got.sop_uids:
                _private_folder(out)
            name = hashlib.sha256(one.planned.sop_uid.encode("ascii")).hexdigest()[:40]
            data = one.data
            if data[128:132] == b"DICM":
                data = bytes(128) + data[128:]
            # a pull broken off leaves whole files only; each can be fetched again, so no fsync
            write_atomic(out / f"{name}.dcm", data, mode=0o600, durable=False)
            got.sop_uids.append(one.planned.sop_uid)
            got.patient_id = got.patient_id or str(one.dataset.get("PatientID", ""))

    def refused(exc: Exception) -> None:
        audit_refusal(reader, conn.cfg.dicomweb_url, exc)
        if got.sop_uids:
            audit.transferred(reader, args.study_uid, got.patient_id, peer=conn.cfg.dicomweb_url, sent=False,
                              sop_uids=got.sop_uids, ok=False, reason="interrupted")

    def failure_text(exc: Exception) -> str:
        if isinstance(exc, OSError):
            return f"cannot write to {out} ({exc.strerror})"
        return f"study {args.study_uid}: {exc} ({len(got.sop_uids)} files written to {out})"

    code = conn.run(args, pull, failure_text=failure_text, refused=refused)
    if code:
        return code
    # the files leave the protected cache for a folder of the user's choice: an export
    audit.transferred(reader, args.study_uid, got.patient_id, peer=conn.cfg.dicomweb_url, sent=False,
                      sop_uids=got.sop_uids)
    audit.exported(reader, args.study_uid, got.patient_id, media="local folder (yomi pull)", sop_uids=got.sop_uids)
    print(f"pull: {len(got.sop_uids)} instances of study {args.study_uid} written to {out}")
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
