"""`yomi pull STUDY_UID --out DIR`: retrieve a study from the centre into a folder.

Uses the same retrieval code as the viewer. Files are named by a hash of their SOP
Instance UID, never by anything taken from the data, and written with a zeroed preamble
(CVE-2019-11687); the bytes after it are exactly those received.
"""
from __future__ import annotations

import argparse
import sys

from app.commands._connection import add_connection_options, load_centre_config


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("pull", help="retrieve a study from the reading centre into a folder")
    p.add_argument("study_uid", metavar="STUDY_UID")
    p.add_argument("--out", metavar="DIR", required=True, help="folder to write the DICOM files to")
    p.add_argument("--workers", type=int, default=None, help="parallel downloads (default: config pool_size)")
    add_connection_options(p)


def run(args: argparse.Namespace) -> int:
    import hashlib
    import re
    from pathlib import Path

    from app import audit
    from common.atomic import write_atomic
    from app.config import ConfigError, get_secret, open_centre
    from app.paths import data_dir
    from worklist.centre import CentreError
    from worklist.retrieval import iter_retrieved

    if not re.fullmatch(r"[0-9]+(\.[0-9]+)*", args.study_uid) or len(args.study_uid) > 64:
        print("pull: STUDY_UID must be a DICOM UID (digits and dots, at most 64)", file=sys.stderr)
        return 2
    out = Path(args.out)
    written, sops, patient_id, cfg = 0, [], "", None
    try:
        cfg = load_centre_config(args).centre
        centre = open_centre(cfg, get_secret(cfg), data_dir())
        out.mkdir(parents=True, exist_ok=True)
        have = _held_uids(out)  # a pull broken off earlier resumes where it stopped
        try:
            for item in iter_retrieved(centre.client, args.study_uid, have=have,
                                       workers=args.workers or cfg.pool_size):
                name = hashlib.sha256(item.planned.sop_uid.encode("ascii")).hexdigest()[:40]
                data = item.data
                if data[128:132] == b"DICM":
                    data = bytes(128) + data[128:]
                # a pull broken off leaves whole files only; each can be fetched again, so no fsync
                write_atomic(out / f"{name}.dcm", data, durable=False)
                written += 1
                sops.append(item.planned.sop_uid)
                patient_id = patient_id or str(item.dataset.get("PatientID", ""))
        finally:
            centre.close()
    except (ConfigError, CentreError) as exc:
        if cfg is not None:
            if isinstance(exc, CentreError):
                audit.centre_refused(cfg.user, exc.url or cfg.dicomweb_url, exc)
            if written:
                audit.transferred(cfg.user, args.study_uid, patient_id, peer=cfg.dicomweb_url, sent=False,
                                  sop_uids=sops, ok=False, reason="interrupted")
        print(f"pull: {exc} ({written} files written to {out})", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"pull: cannot write to {out} ({exc.strerror})", file=sys.stderr)
        return 1
    # the files leave the protected cache for a folder of the user's choice: an export
    audit.transferred(cfg.user, args.study_uid, patient_id, peer=cfg.dicomweb_url, sent=False, sop_uids=sops)
    audit.exported(cfg.user, args.study_uid, patient_id, media="local folder (yomi pull)", sop_uids=sops)
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
