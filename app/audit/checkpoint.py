"""Signed checkpoints of the audit chain: what makes a re-chained or shortened log detectable.

Why signatures and not a keyed chain: the station's process runs as the reader, so any key
it can use to MAC records the reader can read too, and a reader who can read the key can
re-chain an edited log with fresh MACs. A site (IT) secret would serve only if something
privileged wrote the log; nothing does. So records stay chained by plain SHA-256 (`chain`)
and every so often the head of the chain is *signed* with the Ed25519 key of the reader who
is logged in: the key of their credential (`app.session.credentials`), unlocked only by their
password at login and whose public key IT signed into the site store. A forger who edits,
reorders, truncates or re-chains records below a checkpoint must sign a new checkpoint, which
needs a reader's password; `trail.verify_trail` checks the signatures against the public
keys of the site store, not against keys the checkpoint file itself names.

When a checkpoint is written (`should_checkpoint`): right after every successful login or
unlock (within the same lock hold as the login record, so no verifier ever sees a login
without its checkpoint), at every lock and logout taken while the reader's key is held,
and whenever `every` records have been appended since the last one. The verifier can then
demand that every successful login be covered by a checkpoint: deleting the checkpoint file,
or writing a fresh log, shows.

What checkpoints cannot show: records removed *after* the last checkpoint, or a log and a
checkpoint file cut back together to an earlier checkpoint. Only a copy the reader cannot
touch shows that: the centre's Audit Record Repository (`forwarder`, `repository`).

The signer registry (`begin_signing` / `end_signing`): the session holds the reader's key
while the session is active, but audit records are appended through many `AuditLog` objects
(emitters on worker threads build their own for the same file). The registry maps a log
file to the signer of the session that is writing it, for as long as that session is
active; it is live state (cleared at lock and logout), not a cache.
"""
from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.audit.events import AuditError, C, Outcome
from common.atomic import append_line

__all__ = ["Checkpoint", "CheckpointSigner", "CheckpointFile", "checkpoint_path", "should_checkpoint",
           "begin_signing", "end_signing", "active_signer", "DEFAULT_EVERY"]

log = logging.getLogger(__name__)

DEFAULT_EVERY = 100  # records between checkpoints while a reader is logged in

# Domain separation: a checkpoint signature can never be mistaken for any other use of the key.
_CONTEXT = b"yomi audit checkpoint v1|"


def _b64(b: bytes) -> str:
    import base64

    return base64.b64encode(b).decode("ascii")


def _unb64(s: str) -> bytes:
    import base64

    return base64.b64decode(s.encode("ascii"), validate=True)


@dataclass(frozen=True)
class Checkpoint:
    """`count` records of the log signed as ending in record hash `head`."""

    count: int
    head: str
    user_id: str
    public_key: str   # b64 raw Ed25519; the verifier trusts the site store's copy, not this
    time: str         # UTC ISO 8601
    source_id: str
    signature: str = ""

    def signed_bytes(self) -> bytes:
        body = {k: v for k, v in asdict(self).items() if k != "signature"}
        return _CONTEXT + json.dumps(body, sort_keys=True, separators=(",", ":"),
                                     ensure_ascii=False).encode("utf-8")

    def signature_ok(self, public_key_b64: str | None = None) -> bool:
        """The signature checks out under `public_key_b64` (default: the key it names)."""
        try:
            pub = Ed25519PublicKey.from_public_bytes(_unb64(public_key_b64 or self.public_key))
            pub.verify(_unb64(self.signature), self.signed_bytes())
            return True
        except (InvalidSignature, ValueError):
            return False

    @classmethod
    def from_dict(cls, d: dict) -> "Checkpoint":
        cp = cls(**d)
        if not isinstance(cp.count, int) or cp.count < 1 or not isinstance(cp.head, str):
            raise ValueError("checkpoint count/head malformed")
        return cp


@dataclass(frozen=True)
class CheckpointSigner:
    """A logged-in reader's signing key (raw Ed25519 private bytes); never shown by repr."""

    user_id: str
    private_key: bytes = field(repr=False)

    def sign(self, count: int, head: str, source_id: str) -> Checkpoint:
        key = Ed25519PrivateKey.from_private_bytes(self.private_key)
        pub = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        now = datetime.now(timezone.utc).isoformat(timespec="microseconds")
        cp = Checkpoint(count, head, self.user_id, _b64(pub), now, source_id)
        return Checkpoint(**{**asdict(cp), "signature": _b64(key.sign(cp.signed_bytes()))})


def checkpoint_path(log_path: Path) -> Path:
    """``audit.jsonl`` -> ``audit.checkpoints.jsonl`` beside it."""
    return log_path.with_name(log_path.stem + ".checkpoints" + (log_path.suffix or ".jsonl"))


class CheckpointFile:
    """The JSON-lines file of checkpoints; appended to under the log's lock (see `chain`)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def append(self, cp: Checkpoint) -> None:
        line = json.dumps(asdict(cp), sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
        append_line(self.path, line)

    def read(self) -> list[Checkpoint]:
        """All checkpoints in file order; AuditError naming the line if one is unreadable."""
        if not self.path.exists():
            return []
        out = []
        with open(self.path, "rb") as f:
            for n, raw in enumerate(f, 1):
                try:
                    out.append(Checkpoint.from_dict(json.loads(raw.decode("utf-8"))))
                except (ValueError, TypeError, UnicodeDecodeError) as exc:
                    raise AuditError(f"{self.path}: line {n} is not a readable checkpoint") from exc
        return out

    def last_count(self) -> int:
        """The record count of the last checkpoint (0 when none or unreadable: sign anew).

        Called at every append while a reader is logged in: reads only the file's tail
        (a checkpoint line is a few hundred bytes), not the whole file."""
        try:
            with open(self.path, "rb") as f:
                f.seek(0, os.SEEK_END)
                size = f.tell()
                f.seek(max(0, size - 4096))
                tail = f.read().rstrip(b"\n").rsplit(b"\n", 1)[-1]
        except FileNotFoundError:
            return 0
        try:
            return Checkpoint.from_dict(json.loads(tail.decode("utf-8"))).count if tail else 0
        except (ValueError, TypeError, UnicodeDecodeError):
            log.warning("audit: checkpoint file %s ends unreadably; a new checkpoint follows", self.path)
            return 0


def is_session_boundary(event: dict) -> bool:
    """A successful User Authentication (login, unlock, lock, logout): checkpointed at once."""
    return (event.get("event_id", {}).get("code") == C.USER_AUTHENTICATION.code
            and event.get("outcome") == int(Outcome.SUCCESS))


def is_successful_login(event: dict) -> bool:
    """A successful Login (also an unlock, which carries the Login type too)."""
    return is_session_boundary(event) and any(
        t.get("code") == C.LOGIN.code for t in event.get("event_types", ()))


def should_checkpoint(event: dict, seq: int, last_count: int, every: int) -> bool:
    return is_session_boundary(event) or seq - last_count >= max(1, every)


_signers: dict[str, CheckpointSigner] = {}
_signers_lock = threading.Lock()


def _key(path: Path) -> str:
    return str(Path(path).resolve())


def begin_signing(log_path: Path, signer: CheckpointSigner) -> None:
    """From now on, appends to `log_path` in this process are checkpointed with `signer`."""
    with _signers_lock:
        _signers[_key(log_path)] = signer


def end_signing(log_path: Path) -> None:
    """Stop signing checkpoints of `log_path` (at lock and logout: the key is dropped)."""
    with _signers_lock:
        _signers.pop(_key(log_path), None)


def active_signer(log_path: Path) -> CheckpointSigner | None:
    with _signers_lock:
        return _signers.get(_key(log_path))
