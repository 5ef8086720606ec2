"""The whole check behind `yomi audit verify`: chain, signed checkpoints, repository copy.

What each part catches (an attacker who can write every file the reader's OS user can):

- the chain (`AuditLog.verify`): a record edited, deleted, inserted or moved;
- the checkpoints (`checkpoint`): a log re-chained with fresh hashes, cut short, emptied or
  deleted below the last checkpoint (its signed head no longer matches, or it counts more
  records than are left), and the checkpoint file removed or cut back (a successful login
  without a checkpoint after it). Signatures are checked against the public keys of the
  site store (`trusted_keys`, user ID -> b64 Ed25519 key) that IT signed: a checkpoint
  signed with any other key is refused. Without `trusted_keys` only the internal
  consistency is checked and `keys_checked` is False: the caller must say so;
- the repository copy (`repository`): everything else: records removed after the last
  checkpoint, a log and checkpoint file cut back together, a log replaced wholesale. The
  repository holds what the forwarder sent: records newer than its last are reported as
  not yet forwarded (not a failure: the repository may be down).

A missing or empty log is a failure: a station that ever ran holds records, and an empty
file (or none) is exactly what an emptied or deleted log looks like.
"""
from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from app.audit.chain import AuditLog
from app.audit.checkpoint import is_successful_login
from app.audit.events import AuditError
from app.audit.repository import read_repository_copy

__all__ = ["TrailProblem", "Finding", "TrailReport", "verify_trail"]


class TrailProblem(enum.Enum):
    LOG_MISSING = "the audit log is missing"
    LOG_EMPTY = "the audit log is empty"
    CHAIN_BROKEN = "the hash chain is broken"
    CHECKPOINTS_UNREADABLE = "the checkpoint file is unreadable"
    CHECKPOINT_SIGNATURE = "a checkpoint's signature is not valid"
    CHECKPOINT_UNTRUSTED = "a checkpoint is signed with a key the site store does not hold for its user"
    CHECKPOINT_ORDER = "checkpoints are out of order"
    CHECKPOINT_BEYOND_LOG = "a checkpoint counts more records than the log holds (records removed)"
    CHECKPOINT_MISMATCH = "the log differs from what a checkpoint signed (records edited or re-chained)"
    LOGIN_UNSIGNED = "a successful login has no checkpoint after it (checkpoints removed)"
    REPOSITORY_UNREADABLE = "the repository copy is unreadable"
    REPOSITORY_CONFLICT = "the repository copy holds two different records under one number"
    REPOSITORY_BEYOND_LOG = "the repository holds records the log no longer has (records removed)"
    REPOSITORY_MISMATCH = "the log differs from the repository's copy (records edited or re-chained)"


@dataclass(frozen=True)
class Finding:
    problem: TrailProblem
    detail: str = ""          # one line for a person, naming the file and record; code uses `problem`


@dataclass
class TrailReport:
    records: int = 0                 # records whose chain is intact
    checkpoints: int = 0             # checkpoints that verified
    signed_through: int = 0          # records covered by the last good checkpoint
    keys_checked: bool = False       # signatures checked against the site store's keys
    repository_records: int | None = None   # records of this source at the repository (None: not compared)
    not_forwarded: int = 0           # local records newer than the repository's last
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def problems(self) -> set[TrailProblem]:
        return {f.problem for f in self.findings}


def _prefix(log: AuditLog, good: int) -> tuple[list[str], list[int]]:
    """Hashes of the first `good` records (index seq-1) and the seqs of successful logins."""
    hashes, logins = [], []
    with open(log.path, "rb") as f:
        for raw in f:
            if len(hashes) >= good:
                break
            r = json.loads(raw.decode("utf-8"))
            hashes.append(r["hash"])
            if is_successful_login(r["event"]):
                logins.append(int(r["seq"]))
    return hashes, logins


def verify_trail(log: AuditLog, *, trusted_keys: Mapping[str, str] | None = None,
                 repository: Path | None = None, source_id: str | None = None) -> TrailReport:
    """Check `log` (see the module docstring); `repository` is a file the repository wrote."""
    rep = TrailReport(keys_checked=trusted_keys is not None)
    add = rep.findings.append
    hashes: list[str] = []
    logins: list[int] = []
    if not log.path.exists():
        add(Finding(TrailProblem.LOG_MISSING, f"no audit log at {log.path}"))
    elif log.path.stat().st_size == 0:
        add(Finding(TrailProblem.LOG_EMPTY, f"{log.path} holds no record"))
    else:
        chain = log.verify()
        rep.records = chain.records
        if not chain.ok:
            add(Finding(TrailProblem.CHAIN_BROKEN, f"{log.path}: record at line {chain.first_bad_line} is "
                                                   f"broken: {chain.reason}"))
        hashes, logins = _prefix(log, chain.records)
    chain_ok = not rep.findings or rep.findings[-1].problem is not TrailProblem.CHAIN_BROKEN

    try:
        cps = log.checkpoints.read()
    except AuditError as exc:
        add(Finding(TrailProblem.CHECKPOINTS_UNREADABLE, str(exc)))
        cps = []
    where = log.checkpoints.path
    last = 0
    for n, cp in enumerate(cps, 1):
        if cp.count < last:
            add(Finding(TrailProblem.CHECKPOINT_ORDER, f"{where}: line {n} counts {cp.count} records after "
                                                       f"one that counted {last}"))
            break
        last = cp.count
        if trusted_keys is not None:
            key = trusted_keys.get(cp.user_id)
            if key is None or not cp.signature_ok(key):
                problem = (TrailProblem.CHECKPOINT_UNTRUSTED if cp.signature_ok()
                           else TrailProblem.CHECKPOINT_SIGNATURE)
                add(Finding(problem, f"{where}: line {n} (user {cp.user_id}, record {cp.count})"))
                continue
        elif not cp.signature_ok():
            add(Finding(TrailProblem.CHECKPOINT_SIGNATURE, f"{where}: line {n} (record {cp.count})"))
            continue
        if cp.count > len(hashes):
            if chain_ok:  # past a broken record nothing can be compared; the break is reported
                add(Finding(TrailProblem.CHECKPOINT_BEYOND_LOG, f"{where}: line {n} signed {cp.count} records, "
                                                                f"the log holds {len(hashes)}"))
            continue
        if hashes[cp.count - 1] != cp.head:
            add(Finding(TrailProblem.CHECKPOINT_MISMATCH, f"{where}: line {n}: record {cp.count} is not the "
                                                          f"one signed on {cp.time[:19]}"))
            continue
        rep.checkpoints += 1
        rep.signed_through = max(rep.signed_through, cp.count)
    unsigned = [s for s in logins if s > rep.signed_through]
    if unsigned:
        add(Finding(TrailProblem.LOGIN_UNSIGNED, f"{log.path}: the login at record {unsigned[0]} is not "
                                                 f"covered by a valid checkpoint (signed through "
                                                 f"{rep.signed_through})"))

    if repository is not None:
        _compare_repository(rep, log, hashes, Path(repository), source_id or log.source_id, chain_ok)
    return rep


def _compare_repository(rep: TrailReport, log: AuditLog, hashes: list[str], repository: Path,
                        source_id: str, chain_ok: bool) -> None:
    add = rep.findings.append
    try:
        copy = read_repository_copy(repository, source_id)
    except AuditError as exc:
        add(Finding(TrailProblem.REPOSITORY_UNREADABLE, str(exc)))
        return
    rep.repository_records = len(copy.by_seq)
    for line in copy.conflicts[:1]:
        add(Finding(TrailProblem.REPOSITORY_CONFLICT, line))
    beyond = [s for s in copy.by_seq if s > len(hashes)]
    if beyond and chain_ok:
        add(Finding(TrailProblem.REPOSITORY_BEYOND_LOG,
                    f"{repository} holds {len(beyond)} records of {source_id} numbered above the "
                    f"{len(hashes)} in {log.path} (up to record {max(beyond)})"))
    for seq in sorted(s for s in copy.by_seq if s <= len(hashes)):
        if copy.by_seq[seq].hash != hashes[seq - 1]:
            add(Finding(TrailProblem.REPOSITORY_MISMATCH, f"{log.path}: record {seq} differs from the copy in "
                                                          f"{repository}"))
            break
    rep.not_forwarded = max(0, len(hashes) - copy.last_seq)
