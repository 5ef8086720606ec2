"""`yomi audit verify|show|forward`: check the audit trail, print its last records, forward it.

`verify` checks the hash chain, the signed checkpoints (signatures against the public keys
IT signed into the site store, the last checkpoint's count against the records) and, with
``--repository FILE``, the copy the centre's Audit Record Repository wrote (rsyslog
``%rawmsg%`` lines, or any export keeping the RFC 5424 structured data): see
`app.audit.trail`. Syslog gives no way to query a repository, so the copy is a file IT
fetches from it. Exit status: 0 intact, 1 not intact (edited, reordered, truncated,
re-chained, emptied or missing), 2 bad input (an unreadable site configuration).

Reading the log is itself audited (110101 Audit Log Used) in the station's own log, except
when the station's own log is missing or empty: writing a first record into it then would
turn the evidence of a deleted log into a fresh, valid-looking one.

`forward` sends the records not yet at the repository now (the reading window's forwarder
does the same on a thread), using the ``[audit]`` table of the site file.
"""
from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI imports the audit package only when the command runs
    from app.audit import Record, TrailReport


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("audit", help="verify, show or forward the audit trail")
    sub = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    v = sub.add_parser("verify", help="check that no record was edited, removed, reordered or re-chained")
    v.add_argument("--log", metavar="FILE", help="audit log to check (default: the station's)")
    v.add_argument("--repository", metavar="FILE",
                   help="the audit repository's copy (one received syslog message per line) to compare with")
    v.add_argument("--source", metavar="ID", help="audit source ID of the station at the repository "
                                                  "(default: this station's, yomi@HOSTNAME)")
    s = sub.add_parser("show", help="print the last records, one per line")
    s.add_argument("--last", metavar="N", type=int, default=20, help="how many records (default 20)")
    s.add_argument("--log", metavar="FILE", help="audit log to read (default: the station's)")
    f = sub.add_parser("forward", help="send the records not yet at the audit repository now")
    f.add_argument("--log", metavar="FILE", help="audit log to forward (default: the station's)")


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


def _site_keys() -> tuple[dict[str, str] | None, str]:
    """Public keys of the site store's accounts (user ID -> b64), or None and why not."""
    from app.session.accounts import default_store
    from app.session.errors import SessionError

    store = default_store()
    try:
        accounts = store.accounts()
    except (SessionError, OSError) as exc:
        return None, f"the site store {store.path} cannot be read ({type(exc).__name__})"
    return {uid: a.public_key for uid, a in accounts.items()}, str(store.path)


def _summary(rep: TrailReport) -> str:
    parts = [f"audit log intact: {rep.records} records"]
    if rep.checkpoints:
        parts.append(f"signed through record {rep.signed_through} ({rep.checkpoints} checkpoints)")
    if rep.repository_records is not None:
        parts.append(f"{rep.repository_records} at the repository"
                     + (f", {rep.not_forwarded} not yet forwarded" if rep.not_forwarded else ""))
    return "; ".join(parts)


def _verify(args: argparse.Namespace, target, own, reader: str) -> int:
    from pathlib import Path

    from app import audit

    keys, key_source = _site_keys()
    repository = Path(args.repository) if args.repository else None
    if repository is not None and not repository.is_file():
        print(f"yomi audit: no repository copy at {repository}", file=sys.stderr)
        return 2
    rep = audit.verify_trail(target, trusted_keys=keys, repository=repository, source_id=args.source)
    own_gone = target.path == own.path and bool(
        {audit.TrailProblem.LOG_MISSING, audit.TrailProblem.LOG_EMPTY} & rep.problems)
    if own_gone:
        print("yomi audit: this check is not recorded: the station's log is missing or empty", file=sys.stderr)
    else:
        try:
            audit.audit_log_used(reader, target, log=own)
        except audit.AuditError as exc:  # the verdict below still stands
            print(f"yomi audit: could not record this check: {exc}", file=sys.stderr)
    for finding in rep.findings:
        print(f"yomi audit: {finding.problem.value}: {finding.detail}", file=sys.stderr)
    if rep.findings:
        return 1
    if keys is None and rep.checkpoints:
        print(f"yomi audit: checkpoint signers not checked: {key_source}", file=sys.stderr)
        return 1
    print(_summary(rep))
    if repository is None:
        print("(not compared with the audit repository's copy: give --repository FILE)")
    return 0


def _forward(target) -> int:
    from app import audit
    from app.config import ConfigError

    try:
        cfg = audit.load_audit_config()
    except ConfigError as exc:
        print(f"yomi audit: {exc}", file=sys.stderr)
        return 2
    if not cfg.forwarding:
        print("yomi audit: no audit repository configured ([audit] repository_host in the site file)",
              file=sys.stderr)
        return 2
    fwd = audit.Forwarder(target, cfg)
    try:
        sent = fwd.forward_pending()
    except audit.ForwardError as exc:
        print(f"yomi audit: {exc}; {fwd.pending()} records wait for the next attempt", file=sys.stderr)
        return 1
    print(f"{sent} records forwarded to {cfg.repository_host}:{cfg.repository_port}")
    return 0


def run(args: argparse.Namespace) -> int:
    import getpass
    from pathlib import Path

    from app import audit

    own = audit.default_log()
    target = audit.AuditLog(Path(args.log)) if args.log else own
    reader = getattr(args, "user", None) or getpass.getuser()
    try:
        if args.audit_command == "verify":
            return _verify(args, target, own, reader)
        if args.audit_command == "forward":
            return _forward(target)
        if args.log and not target.path.is_file():
            print(f"yomi audit: no audit log at {target.path}", file=sys.stderr)
            return 2
        records = list(target.records())
        audit.audit_log_used(reader, target, log=own)
        for rec in records[-args.last:] if args.last > 0 else []:
            print(_line(rec))
        return 0
    except audit.AuditError as exc:
        print(f"yomi audit: {exc}", file=sys.stderr)
        return 1
