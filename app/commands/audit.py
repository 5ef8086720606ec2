"""`yomi audit verify|show`: check the audit trail's hash chain, or print its last records.

Reading the log is itself audited (110101 Audit Log Used) in the station's own log.
"""
from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI imports the audit package only when the command runs
    from app.audit import Record


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("audit", help="verify or show the audit trail")
    sub = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    v = sub.add_parser("verify", help="check that no record was edited, deleted or reordered")
    v.add_argument("--log", metavar="FILE", help="audit log to check (default: the station's)")
    s = sub.add_parser("show", help="print the last records, one per line")
    s.add_argument("--last", metavar="N", type=int, default=20, help="how many records (default 20)")
    s.add_argument("--log", metavar="FILE", help="audit log to read (default: the station's)")


def _line(rec: Record) -> str:
    """One record as a line for IT: identifiers only (user IDs, Patient ID, study UID)."""
    from app.audit import ObjectRole, ObjectType

    ev = rec.event
    users = ",".join(p.user_id for p in ev.participants if p.user_is_requestor)
    types = "/".join(t.meaning for t in ev.event_types)
    # patients, studies and query models; not the URIs of alerts and of the audit log itself
    objs = " ".join(f"{o.id_type.meaning}={o.object_id}" for o in ev.objects
                    if o.type_code is not ObjectType.SYSTEM_OBJECT or o.type_role is ObjectRole.REPORT)
    label = ev.event_id.meaning + (f" ({types})" if types else "")
    return (f"{rec.seq:>6} {ev.date_time.isoformat(timespec='seconds')} {label} "
            f"action={ev.action.value} outcome={int(ev.outcome)} user={users} {objs}").rstrip()


def run(args: argparse.Namespace) -> int:
    import getpass
    from pathlib import Path

    from app import audit

    own = audit.default_log()
    target = audit.AuditLog(Path(args.log)) if args.log else own
    if args.log and not target.path.is_file():
        print(f"yomi audit: no audit log at {target.path}", file=sys.stderr)
        return 2
    reader = getattr(args, "user", None) or getpass.getuser()
    try:
        if args.audit_command == "verify":
            result = target.verify()
            try:
                audit.audit_log_used(reader, target, log=own)
            except audit.AuditError as exc:  # the verdict above still stands
                print(f"yomi audit: could not record this check: {exc}", file=sys.stderr)
            if not result.ok:
                print(f"yomi audit: record at line {result.first_bad_line} is broken: {result.reason}",
                      file=sys.stderr)
                return 1
            print(f"audit log intact: {result.records} records")
            return 0
        records = list(target.records())
        audit.audit_log_used(reader, target, log=own)
        for rec in records[-args.last:] if args.last > 0 else []:
            print(_line(rec))
        return 0
    except audit.AuditError as exc:
        print(f"yomi audit: {exc}", file=sys.stderr)
        return 1
