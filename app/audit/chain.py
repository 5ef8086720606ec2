"""The hash-chained, append-only audit file (security.md row 6).

One JSON record per line: ``{"seq": n, "prev": <hash of record n-1>, "event": {...},
"hash": sha256(seq, prev, event)}``. `verify()` finds the first record that was edited,
deleted, inserted or moved. The chain alone cannot show a log cut short, emptied, deleted
or re-chained with fresh hashes (anyone can compute SHA-256): signed checkpoints
(`checkpoint`, written here under the same lock) and the repository's copy (`forwarder`,
`repository`) do, and `trail.verify_trail` checks all three.

The GUI and `yomi audit` may append at once, so an append holds an inter-process lock
(`filelock`, on ``<log>.lock`` beside the file) while it reads the chain head from the file,
writes one line and fsyncs, and, when due, signs a checkpoint of the new head: the head is
never cached in memory, which would fork the chain.
"""
from __future__ import annotations

import enum
import hashlib
import json
import logging
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import filelock

from app.audit import checkpoint as _checkpoint
from app.audit.checkpoint import (DEFAULT_EVERY, CheckpointFile, CheckpointSigner, active_signer,
                                  checkpoint_path, should_checkpoint)
from app.audit.events import AuditError, AuditEvent
from app.paths import data_dir
from common.atomic import append_line, fsync_dir

__all__ = ["GENESIS", "LOCK_TIMEOUT_S", "Record", "ChainBreak", "VerifyResult", "AuditLog",
           "chain_hash", "default_log", "begin_signing", "end_signing"]

log = logging.getLogger(__name__)

GENESIS = "0" * 64  # the `prev` of record 1

# An append holds the lock for one read of the last line, one write and one fsync: far under
# a second. Waiting longer means a stuck holder; an error beats a frozen reading station.
LOCK_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Record:
    seq: int
    prev: str
    hash: str
    event: AuditEvent


class ChainBreak(enum.Enum):
    """Why `verify` stopped at a record."""

    UNREADABLE = "not a readable record"
    OUT_OF_SEQUENCE = "sequence number out of order"
    BROKEN_LINK = "does not follow the previous record"
    HASH_MISMATCH = "content does not match its hash"
    MALFORMED_EVENT = "event fields are malformed"


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    records: int                 # records checked and found good
    first_bad_line: int | None   # 1-based line number of the first broken record
    reason: str = ""             # one line for a person; code looks at `cause`
    cause: ChainBreak | None = None


def chain_hash(seq: int, prev: str, event: dict) -> str:
    """The hash of one record: canonical JSON (sorted keys, no spaces) of seq, prev, event."""
    body = json.dumps({"seq": seq, "prev": prev, "event": event}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _last_line(path: Path) -> bytes:
    # Read backwards in blocks: the log grows without bound, the head is only its last line.
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        chunk, pos = b"", f.tell()
        while pos > 0:
            step = min(4096, pos)
            pos -= step
            f.seek(pos)
            chunk = f.read(step) + chunk
            lines = chunk.rstrip(b"\n").rsplit(b"\n", 1)
            if len(lines) == 2 or pos == 0:
                return lines[-1]
        return b""


def _broken(count: int, line: int, cause: ChainBreak, reason: str = "") -> VerifyResult:
    return VerifyResult(False, count, line, reason or cause.value, cause)


class AuditLog:
    """One hash-chained JSON-lines audit file (see the module docstring)."""

    def __init__(self, path: Path | str, *, source_id: str = "", checkpoint_every: int = DEFAULT_EVERY) -> None:
        self.path = Path(path)
        self.source_id = source_id or f"yomi@{socket.gethostname()}"
        self.checkpoint_every = checkpoint_every
        self.checkpoints = CheckpointFile(checkpoint_path(self.path))
        # thread_local (the default): each thread takes its own hold, so threads of this
        # process are serialised against each other as well as against other processes.
        self._lock = filelock.FileLock(self.path.with_name(self.path.name + ".lock"),
                                       timeout=LOCK_TIMEOUT_S, mode=0o600)

    def append(self, event: AuditEvent) -> Record:
        """Write one event at the end of the chain, fsynced before returning."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        ev = event.to_dict()
        if not ev["source_id"]:
            ev["source_id"] = self.source_id
        try:
            with self._lock:
                seq, prev, digest = self._append_locked(ev)
                signer = active_signer(self.path)
                if signer is not None and should_checkpoint(ev, seq, self.checkpoints.last_count(),
                                                            self.checkpoint_every):
                    self._checkpoint_locked(signer, seq, digest)
        except filelock.Timeout as exc:
            raise AuditError(f"audit log is locked by another program for over {LOCK_TIMEOUT_S:.0f} s") from exc
        if seq == 1:
            fsync_dir(self.path.parent)  # the new file's directory entry must survive a power cut too
        log.debug("audit: event %s appended as record %d", event.event_id.code, seq)
        return Record(seq, prev, digest, AuditEvent.from_dict(ev))

    def checkpoint(self, signer: CheckpointSigner) -> int:
        """Sign the current head now (e.g. at shutdown); the record count signed, 0 if empty."""
        try:
            with self._lock:
                if not self.path.exists() or not self.path.stat().st_size:
                    return 0
                try:
                    head = json.loads(_last_line(self.path))
                    seq, digest = int(head["seq"]), str(head["hash"])
                except (ValueError, KeyError, TypeError) as exc:
                    raise AuditError("audit log end is damaged; run `yomi audit verify`") from exc
                self._checkpoint_locked(signer, seq, digest)
                return seq
        except filelock.Timeout as exc:
            raise AuditError(f"audit log is locked by another program for over {LOCK_TIMEOUT_S:.0f} s") from exc

    def _checkpoint_locked(self, signer: CheckpointSigner, seq: int, digest: str) -> None:
        # A failed checkpoint must not lose the record just written: the record stands, the
        # next boundary signs again, and verify reports a login left unsigned meanwhile.
        new_file = not self.checkpoints.path.exists()
        try:
            self.checkpoints.append(signer.sign(seq, digest, self.source_id))
        except (OSError, ValueError) as exc:
            log.error("audit: could not write a checkpoint at record %d (%s)", seq, type(exc).__name__)
            return
        if new_file:
            fsync_dir(self.path.parent)  # the checkpoint file's entry must survive a power cut too
        log.debug("audit: checkpoint at record %d signed by %s", seq, signer.user_id)

    def _append_locked(self, ev: dict) -> tuple[int, str, str]:
        seq, prev = 1, GENESIS
        if self.path.exists() and self.path.stat().st_size:
            try:
                head = json.loads(_last_line(self.path))
                seq, prev = int(head["seq"]) + 1, str(head["hash"])
            except (ValueError, KeyError, TypeError) as exc:
                raise AuditError("audit log end is damaged; run `yomi audit verify`") from exc
        digest = chain_hash(seq, prev, ev)
        line = json.dumps({"seq": seq, "prev": prev, "event": ev, "hash": digest}, sort_keys=True,
                          separators=(",", ":"), ensure_ascii=False) + "\n"
        append_line(self.path, line)
        return seq, prev, digest

    def records(self) -> Iterator[Record]:
        """All records in order (no verification; see `verify`)."""
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                try:
                    r = json.loads(line)
                    yield Record(r["seq"], r["prev"], r["hash"], AuditEvent.from_dict(r["event"]))
                except (ValueError, KeyError, TypeError) as exc:
                    raise AuditError(f"audit log line {n} is not a readable record") from exc

    def verify(self) -> VerifyResult:
        """Check every record's hash, sequence number and link to the previous record."""
        if not self.path.exists():
            return VerifyResult(True, 0, None)
        prev, count = GENESIS, 0
        with open(self.path, "rb") as f:
            for n, raw in enumerate(f, 1):
                try:
                    r = json.loads(raw.decode("utf-8"))
                    seq, rprev, rhash, ev = r["seq"], r["prev"], r["hash"], r["event"]
                except (ValueError, KeyError, TypeError, UnicodeDecodeError):
                    return _broken(count, n, ChainBreak.UNREADABLE)
                if seq != n:
                    return _broken(count, n, ChainBreak.OUT_OF_SEQUENCE,
                                   f"sequence number {seq} where {n} was expected")
                if rprev != prev:
                    return _broken(count, n, ChainBreak.BROKEN_LINK)
                if chain_hash(seq, rprev, ev) != rhash:
                    return _broken(count, n, ChainBreak.HASH_MISMATCH)
                try:
                    AuditEvent.from_dict(ev)
                except (ValueError, KeyError, TypeError, AuditError):
                    return _broken(count, n, ChainBreak.MALFORMED_EVENT)
                prev, count = rhash, count + 1
        return VerifyResult(True, count, None)


def default_log() -> AuditLog:
    """The station's audit log: ``<data dir>/audit/audit.jsonl`` (YOMI_DATA_DIR in tests)."""
    return AuditLog(data_dir() / "audit" / "audit.jsonl")


def begin_signing(log_: AuditLog | None, user_id: str, private_key: bytes) -> None:
    """The session of `user_id` is active: sign checkpoints of `log_` (the station's if None)
    with the reader's Ed25519 key (raw bytes) until `end_signing` (see `checkpoint`)."""
    _checkpoint.begin_signing((log_ or default_log()).path, CheckpointSigner(user_id, bytes(private_key)))


def end_signing(log_: AuditLog | None) -> None:
    """The session locked or ended: its key is no longer used for checkpoints."""
    _checkpoint.end_signing((log_ or default_log()).path)
