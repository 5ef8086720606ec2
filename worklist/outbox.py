"""Durable outbox for signed reports: persisted before "signed" is shown, sent exactly once per UID.

Storage decision: one SQLite database in WAL mode with ``synchronous=FULL``.
- A report is several objects (SR, encapsulated PDF); SQLite commits them in one
  transaction, so after a crash either the whole report is queued or none of it is.
  Files would need a manifest and a two-phase rename to give the same guarantee.
- WAL + synchronous=FULL fsyncs the log at every commit (SQLite also fsyncs the directory
  when it creates the journal), so once `enqueue` returns the rows survive power loss.
- State changes (queued -> sending -> sent / failed) are single-row updates in the same
  durable store, so a restart sees exactly what was confirmed.

Delivery is at-least-once to the wire and exactly-once per SOP Instance UID at the centre:
an item marked 'sending' when the process died is sent again at the next start, byte for
byte, and the centre treats an already-held UID as stored (security.md rows 18-19). An item
is marked sent only after `Centre.submit` returned its UID.

The outbox holds the bytes of signed reports (personal data), so they are never stored in
clear: each payload is AES-256-GCM sealed under the reader's outbox key (passed in as bytes
by `unlock(key)`; the app derives it from the reader's secret, this package never sees the
secret), bound by its associated data to its SOP Instance UID, report id and key id. The
row's digest is an HMAC under that key, not a plain hash of the content. Only items whose key
is unlocked are sent: `lock()` (the station's idle lock, logout) pauses delivery, nothing
fails. Once the centre confirms an item its payload is erased at once (`retain_sent_s=0`, the
default) or after the site's retention time (`purge_sent`); the row stays as a tombstone of
UIDs, state and keyed digest, which keeps a re-enqueue of the same UID a no-op. SQLite's
`secure_delete` zeroes freed pages. The directory is 0700 and the database files 0600.
Log messages name SOP Instance UIDs and report IDs, never content.

Several processes may share one outbox (two windows, a crash-resumed child): a claim is one
conditional UPDATE inside an IMMEDIATE transaction, so an item goes on the wire from one
process at a time, and an item left 'sending' is taken back only when its owner process is
gone or its lease (`lease_s`) ran out.

STOW outcomes (security.md row 18): network errors, 5xx, and Failure Reasons A7xx (out of
resources) and 0110 (processing failure), also inside a 200/202 answer, are retried with
backoff; 400/409/415 and the other reasons (A9xx, Cxxx, 0122, ...) are dead-lettered with
the reasons shown.
"""
from __future__ import annotations

import enum
import hashlib
import hmac
import logging
import os
import random
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from common.atomic import make_private_dirs
from common.backoff import Backoff
from common.durable_db import open_durable_db
from common.uids import is_valid_uid
from common.background import lower_priority
from worklist.centre import Centre, CentreError, ServerError, StoreRefused, Unreachable

__all__ = [
    "ItemState",
    "ItemStatus",
    "Outbox",
    "OutboxError",
    "Backoff",
    "DueItem",
    "Delivery",
    "DeliveryOutcome",
    "Sender",
    "Subscription",
    "OutboxLocked",
    "is_transient_failure",
    "key_id_of",
]

log = logging.getLogger(__name__)

# Errors worth trying again unchanged: the network or the server may recover.
# Everything else (BadData, Unauthorised, Forbidden, TLSFailure, ...) waits for a reader's
# decision in the dead-letter state, with its reason kept.
RETRYABLE: tuple[type[BaseException], ...] = (Unreachable, ServerError, ConnectionError, TimeoutError)


def is_transient_failure(reason: str) -> bool:
    """A STOW Failure Reason (0008,1197) worth retrying unchanged: A7xx (refused, out of
    resources) or 0110 (processing failure). "0xA700", "A700", "42752" are all read."""
    text = reason.strip().lower()
    try:
        code = int(text, 16) if text.startswith("0x") or not text.isdigit() else int(text)
    except ValueError:
        return False
    return 0xA700 <= code <= 0xA7FF or code == 0x0110


def key_id_of(key: bytes) -> str:
    """A key's public name in the rows (it says which key, not the key)."""
    return hmac.new(key, b"yomi outbox key id", hashlib.sha256).hexdigest()[:16]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    sop_uid      TEXT PRIMARY KEY,
    report_id    TEXT NOT NULL,
    position     INTEGER NOT NULL,
    data         BLOB NOT NULL,
    sha256       TEXT NOT NULL,
    state        TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt REAL NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    enqueued     REAL NOT NULL,
    updated      REAL NOT NULL,
    key_id       TEXT NOT NULL DEFAULT '',
    owner        TEXT NOT NULL DEFAULT '',
    priority     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS items_report ON items(report_id, position);
CREATE INDEX IF NOT EXISTS items_due ON items(state, next_attempt);
"""


class OutboxError(Exception):
    """The outbox could not accept or find an item; the message is one line, no personal data."""


class OutboxLocked(OutboxError):
    """No reader key is unlocked: nothing can be queued (the station is locked or logged out)."""


class ItemState(str, enum.Enum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # dead letter: waits for retry_failed()


@dataclass(frozen=True)
class ItemStatus:
    """Where one object of a report stands; `reason` is the last failure, one line."""

    report_id: str
    sop_uid: str
    state: ItemState
    attempts: int
    next_attempt: datetime | None  # None once sent or dead-lettered
    reason: str
    updated: datetime


@dataclass(frozen=True)
class DueItem:
    """An item `Outbox.claim_due` has marked 'sending': what the Sender puts on the wire."""

    sop_uid: str
    data: bytes = field(repr=False)
    attempts: int = 1  # including the one about to be made


class Delivery(enum.Enum):
    """What became of one delivery attempt."""

    SENT = "sent"        # the centre confirmed the UID
    RETRY = "retry"      # transient failure: queued again after a backoff
    FAILED = "failed"    # refused or unconfirmed: dead-lettered until retry_failed()


@dataclass(frozen=True)
class DeliveryOutcome:
    sop_uid: str
    delivery: Delivery
    reason: str = ""                 # one line, no personal data
    retry_in_s: float | None = None  # for RETRY


Listener = Callable[[ItemStatus], None]


class Subscription:
    """Handle returned by `Outbox.subscribe`; `unsubscribe()` ends it (idempotent)."""

    def __init__(self, outbox: "Outbox", listener: Listener) -> None:
        self._outbox = outbox
        self._listener = listener

    def unsubscribe(self) -> None:
        self._outbox._remove_listener(self._listener)

    def __enter__(self) -> "Subscription":
        return self

    def __exit__(self, *exc: object) -> None:
        self.unsubscribe()


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=timezone.utc)


class Outbox:
    """The durable queue. Thread-safe, and safe for several processes sharing the directory.

    `clock` (epoch seconds) is injectable so tests can drive backoff times. `key` unlocks
    the outbox at once (as `unlock(key)`). `retain_sent_s` is the site's retention of
    confirmed payloads (0: erased as soon as the centre confirms). `lease_s` bounds how long
    another live process may hold an item 'sending'.
    """

    DB_NAME = "outbox.sqlite3"

    def __init__(self, directory: Path | str, *, clock: Callable[[], float] = time.time,
                 key: bytes | None = None, retain_sent_s: float = 0.0, lease_s: float = 600.0) -> None:
        self.directory = Path(directory)
        make_private_dirs(self.directory)
        self._clock = clock
        self.retain_sent_s = retain_sent_s
        self.lease_s = lease_s
        self._owner = f"{os.getpid()}:{secrets.token_hex(4)}"
        self._lock = threading.RLock()
        self._keys: dict[str, AESGCM] = {}
        self._macs: dict[str, bytes] = {}
        self._current: str | None = None  # the key new items are sealed with
        self._listeners: list[Listener] = []
        self._changed = threading.Event()  # wakes a waiting Sender early
        self._pending: deque[ItemStatus] = deque()
        self._dispatching = threading.Lock()
        self._db = open_durable_db(self.directory / self.DB_NAME)
        self._db.executescript(_SCHEMA)
        columns = {r[1] for r in self._db.execute("PRAGMA table_info(items)")}
        for column in ("key_id", "owner"):  # an outbox made before payloads were sealed
            if column not in columns:
                self._db.execute(f"ALTER TABLE items ADD COLUMN {column} TEXT NOT NULL DEFAULT ''")
        if "priority" not in columns:  # an outbox made before critical results jumped the queue
            self._db.execute("ALTER TABLE items ADD COLUMN priority INTEGER NOT NULL DEFAULT 0")
        if key is not None:
            self.unlock(key)

    # --- keys ---------------------------------------------------------------------------

    def unlock(self, key: bytes) -> str:
        """Hold the reader's 32-byte outbox key: its items can be queued and sent. Items queued
        in clear by an older Yomi are sealed under it now. Returns the key id."""
        if not isinstance(key, (bytes, bytearray)) or len(key) != 32:
            raise OutboxError("the outbox key must be 32 bytes")
        kid = key_id_of(bytes(key))
        with self._lock:
            self._keys[kid] = AESGCM(bytes(key))
            self._macs[kid] = bytes(key)
            self._current = kid
            self._seal_legacy(kid)
        self._changed.set()
        return kid

    def lock(self) -> None:
        """Forget every key: nothing more is queued or sent until `unlock` (the rows wait)."""
        with self._lock:
            self._keys.clear()
            self._macs.clear()
            self._current = None
        self._changed.set()

    @property
    def unlocked(self) -> bool:
        return self._current is not None

    def _aad(self, sop_uid: str, report_id: str, kid: str) -> bytes:
        return "|".join(("yomi outbox v1", kid, report_id, sop_uid)).encode("utf-8")

    def _seal(self, kid: str, sop_uid: str, report_id: str, data: bytes) -> bytes:
        nonce = secrets.token_bytes(12)
        return nonce + self._keys[kid].encrypt(nonce, data, self._aad(sop_uid, report_id, kid))

    def _open(self, kid: str, sop_uid: str, report_id: str, blob: bytes) -> bytes:
        return self._keys[kid].decrypt(blob[:12], blob[12:], self._aad(sop_uid, report_id, kid))

    def _digest(self, kid: str, data: bytes) -> str:
        return hmac.new(self._macs[kid], data, hashlib.sha256).hexdigest()

    def _seal_legacy(self, kid: str) -> None:
        rows = self._db.execute("SELECT sop_uid, report_id, data FROM items WHERE key_id=''"
                                " AND length(data)>0").fetchall()
        if not rows:
            return
        cur = self._db.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            for uid, rid, data in rows:
                cur.execute("UPDATE items SET data=?, sha256=?, key_id=? WHERE sop_uid=? AND key_id=''",
                            (self._seal(kid, uid, rid, bytes(data)), self._digest(kid, bytes(data)), kid, uid))
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        log.info("outbox: %d items queued in clear by an older version sealed", len(rows))

    def _unlocked_clause(self) -> tuple[str, list[str]]:
        kids = sorted(self._keys)
        return f"key_id IN ({','.join('?' * len(kids))})", kids

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # --- writing -----------------------------------------------------------------------

    def enqueue(self, report_id: str, items: list[tuple[str, bytes]], *, urgent: bool = False) -> None:
        """Persist every (SOP Instance UID, encoded instance) of one report, durably, at once.

        `urgent` (a report flagging a critical result) puts its items ahead of every other due
        item; re-enqueuing an already-held report as urgent raises it too.

        Returns only after the commit reached the disk. Enqueuing a UID already held with
        identical bytes is a no-op (a retried "sign" click); with different bytes it is
        refused: a signed object's UID is fixed and an amendment carries a new UID.
        """
        if not items:
            raise OutboxError(f"report {report_id}: nothing to enqueue")
        now = self._clock()
        changed: list[str] = []
        with self._lock:
            kid = self._current
            if kid is None:
                raise OutboxLocked(f"report {report_id}: the outbox is locked (no reader key)")
            cur = self._db.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                for position, (sop_uid, data) in enumerate(items):
                    if not isinstance(data, (bytes, bytearray)) or not data:
                        raise OutboxError(f"report {report_id}: item {position} has no bytes")
                    if not is_valid_uid(sop_uid):
                        raise OutboxError(f"report {report_id}: item {position} has no valid SOP Instance UID "
                                          f"({str(sop_uid)[:70]!r})")
                    digest = self._digest(kid, bytes(data))
                    row = cur.execute(
                        "SELECT sha256, report_id, key_id FROM items WHERE sop_uid=?", (sop_uid,)
                    ).fetchone()
                    if row is not None:
                        if row[2] in self._macs and row[2] != kid:
                            digest = self._digest(row[2], bytes(data))
                        if row[0] != digest or row[1] != report_id:
                            raise OutboxError(
                                f"SOP Instance UID {sop_uid} is already queued with other content"
                            )
                        if urgent:
                            cur.execute("UPDATE items SET priority=1 WHERE sop_uid=?", (sop_uid,))
                        continue
                    cur.execute(
                        "INSERT INTO items(sop_uid, report_id, position, data, sha256, state,"
                        " attempts, next_attempt, reason, enqueued, updated, key_id, priority)"
                        " VALUES (?,?,?,?,?,?,0,?,'',?,?,?,?)",
                        (sop_uid, report_id, position, self._seal(kid, sop_uid, report_id, bytes(data)),
                         digest, ItemState.QUEUED.value, now, now, now, kid, int(urgent)),
                    )
                    changed.append(sop_uid)
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            self._snapshot(changed)
        log.info("outbox: report %s queued (%d new items%s)", report_id, len(changed), ", urgent" if urgent else "")
        self._dispatch()

    def retry_failed(self, report_id: str) -> int:
        """Put the report's dead-lettered items back in the queue, due now; returns how many."""
        now = self._clock()
        with self._lock:
            uids = [r[0] for r in self._db.execute(
                "SELECT sop_uid FROM items WHERE report_id=? AND state=?",
                (report_id, ItemState.FAILED.value))]
            self._db.execute(
                "UPDATE items SET state=?, next_attempt=?, updated=? WHERE report_id=? AND state=?",
                (ItemState.QUEUED.value, now, now, report_id, ItemState.FAILED.value),
            )
            self._snapshot(uids)
        self._dispatch()
        return len(uids)

    # --- reading -----------------------------------------------------------------------

    def status(self, report_id: str) -> list[ItemStatus]:
        """The report's items in the order they were enqueued; [] for an unknown report."""
        with self._lock:
            rows = self._db.execute(
                "SELECT report_id, sop_uid, state, attempts, next_attempt, reason, updated"
                " FROM items WHERE report_id=? ORDER BY position", (report_id,)).fetchall()
        return [self._status_from_row(r) for r in rows]

    def item_status(self, sop_uid: str) -> ItemStatus | None:
        with self._lock:
            row = self._db.execute(
                "SELECT report_id, sop_uid, state, attempts, next_attempt, reason, updated"
                " FROM items WHERE sop_uid=?", (sop_uid,)).fetchone()
        return self._status_from_row(row) if row else None

    def pending_count(self) -> int:
        """Items not yet confirmed by the centre (queued, sending or failed)."""
        with self._lock:
            return self._db.execute(
                "SELECT COUNT(*) FROM items WHERE state<>?", (ItemState.SENT.value,)).fetchone()[0]

    def all_status(self) -> list[ItemStatus]:
        with self._lock:
            rows = self._db.execute(
                "SELECT report_id, sop_uid, state, attempts, next_attempt, reason, updated"
                " FROM items ORDER BY enqueued, position").fetchall()
        return [self._status_from_row(r) for r in rows]

    @staticmethod
    def _status_from_row(r: tuple) -> ItemStatus:
        state = ItemState(r[2])
        waiting = state in (ItemState.QUEUED, ItemState.SENDING)
        return ItemStatus(report_id=r[0], sop_uid=r[1], state=state, attempts=r[3],
                          next_attempt=_utc(r[4]) if waiting else None, reason=r[5],
                          updated=_utc(r[6]))

    # --- observation -------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Subscription:
        """Call `listener(ItemStatus)` on every state change, from the thread that made it.

        A Qt caller must hop to the GUI thread itself (e.g. a queued signal). A listener that
        raises is logged and does not stop the others.
        """
        with self._lock:
            self._listeners.append(listener)
        return Subscription(self, listener)

    def _remove_listener(self, listener: Listener) -> None:
        with self._lock:
            try:
                self._listeners.remove(listener)
            except ValueError:
                pass

    def _snapshot(self, sop_uids: list[str]) -> None:
        """Queue the current status of these items for the listeners; call with the lock held.

        Snapshots are taken inside the change's critical section and delivered in that
        order, so a listener never sees 'sending' before 'queued'.
        """
        for uid in sop_uids:
            status = self.item_status(uid)
            if status is not None:
                self._pending.append(status)
        self._changed.set()

    def _dispatch(self) -> None:
        """Deliver queued snapshots; outside the lock, so listeners may call the outbox.

        Only one thread delivers at a time (in order); a thread that finds delivery busy
        leaves its snapshots to the thread already delivering.
        """
        while True:
            if not self._dispatching.acquire(blocking=False):
                return
            try:
                while True:
                    with self._lock:
                        if not self._pending:
                            break
                        status = self._pending.popleft()
                        listeners = list(self._listeners)
                    for listener in listeners:
                        try:
                            listener(status)
                        except Exception:  # one failing listener must not stop the rest
                            log.exception("outbox: a status listener failed (item %s)", status.sop_uid)
            finally:
                self._dispatching.release()
            with self._lock:
                if not self._pending:
                    return

    # --- delivery: the interface a Sender drives ------------------------------------------

    def now(self) -> float:
        """The outbox's clock (epoch seconds; injectable so tests can drive backoff times)."""
        return self._clock()

    def wake(self) -> None:
        """Wake a thread blocked in wait_for_change (e.g. to let a Sender see it must stop)."""
        self._changed.set()

    def wait_for_change(self, timeout: float) -> bool:
        """Block up to `timeout` s until an item changes (enqueue, retry, mark) or wake();
        True if something did. A change made while nobody waits is not lost: the next call
        returns at once. Callers look at the queue after this returns, never before."""
        changed = self._changed.wait(max(0.0, timeout))
        self._changed.clear()
        return changed

    def recover_interrupted(self) -> int:
        """Items left 'sending' by a killed process go back to the queue, due now; returns how many.

        Call once, before the first claim_due of a new process: an item 'sending' in the
        store is then one whose answer nobody recorded, so it is sent again (at-least-once
        to the wire; the centre holds one copy per UID).
        """
        now = self._clock()
        with self._lock:
            rows = self._db.execute("SELECT sop_uid, owner, updated FROM items WHERE state=?",
                                    (ItemState.SENDING.value,)).fetchall()
            uids = [uid for uid, owner, updated in rows
                    if owner == self._owner or not _owner_alive(owner) or now - updated > self.lease_s]
            for uid in uids:
                self._db.execute("UPDATE items SET state=?, next_attempt=?, updated=?, owner='' "
                                 "WHERE sop_uid=? AND state=?",
                                 (ItemState.QUEUED.value, now, now, uid, ItemState.SENDING.value))
            self._snapshot(uids)
        for uid in uids:
            log.info("outbox: item %s was being sent when the process stopped; sending again", uid)
        self._dispatch()
        return len(uids)

    def claim_due(self) -> DueItem | None:
        """Mark the next due item 'sending' (durably, before it goes on the wire) and return it:
        urgent items (critical results) first, then the oldest.

        Only items whose key is unlocked; the claim is atomic across processes. An item whose
        payload no longer opens (altered, or sealed by another key under the same id) is
        dead-lettered with that reason.
        """
        now = self._clock()
        with self._lock:
            if not self._keys:
                return None
            where, kids = self._unlocked_clause()
            cur = self._db.cursor()
            cur.execute("BEGIN IMMEDIATE")  # one writer at a time across processes
            try:
                row = cur.execute(
                    "SELECT sop_uid, report_id, data, attempts, key_id FROM items WHERE state=? AND next_attempt<=?"
                    f" AND {where} ORDER BY priority DESC, next_attempt, enqueued, position LIMIT 1",
                    (ItemState.QUEUED.value, now, *kids)).fetchone()
                if row is not None:
                    cur.execute("UPDATE items SET state=?, attempts=attempts+1, updated=?, owner=?"
                                " WHERE sop_uid=? AND state=?",
                                (ItemState.SENDING.value, now, self._owner, row[0], ItemState.QUEUED.value))
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            if row is None:
                return None
            self._snapshot([row[0]])
        self._dispatch()
        uid, rid, blob, attempts, kid = row
        try:
            data = self._open(kid, uid, rid, bytes(blob))
        except (InvalidTag, KeyError, ValueError):
            log.error("outbox: item %s does not open with its key (altered?); kept as failed", uid)
            self.mark_failed(uid, "the queued payload fails authentication (altered on disk)")
            return self.claim_due()
        return DueItem(uid, data, attempts + 1)

    def next_due_in(self) -> float | None:
        """Seconds until the next sendable item is due (0 if one is due now); None if none is
        queued under an unlocked key."""
        with self._lock:
            if not self._keys:
                return None
            where, kids = self._unlocked_clause()
            row = self._db.execute(f"SELECT MIN(next_attempt) FROM items WHERE state=? AND {where}",
                                   (ItemState.QUEUED.value, *kids)).fetchone()
        if row is None or row[0] is None:
            return None
        return max(0.0, row[0] - self._clock())

    def mark_sent(self, sop_uid: str) -> None:
        """The centre confirmed this UID: never sent again; its payload erased (retention 0)."""
        self._mark(sop_uid, ItemState.SENT)

    def purge_sent(self) -> int:
        """Erase the payloads of items confirmed more than `retain_sent_s` ago; returns how many."""
        cutoff = self._clock() - max(0.0, self.retain_sent_s)
        with self._lock:
            cur = self._db.execute("UPDATE items SET data=x'' WHERE state=? AND updated<=? AND length(data)>0",
                                   (ItemState.SENT.value, cutoff))
            return cur.rowcount

    def payload_held(self, sop_uid: str) -> bool:
        """Whether the item's (sealed) bytes are still stored."""
        with self._lock:
            row = self._db.execute("SELECT length(data) FROM items WHERE sop_uid=?", (sop_uid,)).fetchone()
        return bool(row and row[0])

    def mark_retry(self, sop_uid: str, reason: str, delay_s: float) -> None:
        """A transient failure: queued again, due in `delay_s`, with the reason shown meanwhile."""
        self._mark(sop_uid, ItemState.QUEUED, reason, self._clock() + max(0.0, delay_s))

    def mark_failed(self, sop_uid: str, reason: str) -> None:
        """Refused or unconfirmed: dead-lettered with its reason until retry_failed()."""
        self._mark(sop_uid, ItemState.FAILED, reason)

    def record(self, outcome: "DeliveryOutcome") -> None:
        """Store the outcome of one attempt (the mark_* call it stands for)."""
        if outcome.delivery is Delivery.SENT:
            self.mark_sent(outcome.sop_uid)
        elif outcome.delivery is Delivery.RETRY:
            self.mark_retry(outcome.sop_uid, outcome.reason, outcome.retry_in_s or 0.0)
        else:
            self.mark_failed(outcome.sop_uid, outcome.reason)

    def _mark(self, sop_uid: str, state: ItemState, reason: str = "", next_attempt: float | None = None) -> None:
        now = self._clock()
        with self._lock:
            erase = state is ItemState.SENT and self.retain_sent_s <= 0  # in the same commit
            self._db.execute(
                "UPDATE items SET state=?, reason=?, next_attempt=?, updated=?, owner=''"
                + (", data=x''" if erase else "") + " WHERE sop_uid=?",
                (state.value, reason, next_attempt if next_attempt is not None else now, now, sop_uid))
            self._snapshot([sop_uid])
        self._dispatch()


def _owner_alive(owner: str) -> bool:
    """Whether the process that claimed an item (owner "pid:token") still runs on this host."""
    try:
        pid = int(owner.split(":", 1)[0])
    except ValueError:
        return False
    if pid == os.getpid():
        return False  # our pid, another token: an earlier Outbox of this process, or a reused pid
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


class Sender:
    """Background thread that delivers queued items with `centre.submit([bytes])`.

    Retryable failures (unreachable, 5xx, transient STOW failure reasons) wait with capped exponential backoff and are
    retried without limit: the item stays visible as queued with its attempts and reason.
    Other failures dead-letter the item with the centre's one-line reason. `stop()` wakes
    the thread at once; a submit already on the wire finishes first (its answer is recorded,
    so a confirmed item is never sent again needlessly). Uses only the Outbox's public
    delivery interface.
    """

    def __init__(self, outbox: Outbox, centre: Centre, *, backoff: Backoff = Backoff(),
                 poll_s: float = 5.0, rng: random.Random | None = None) -> None:
        self.outbox = outbox
        self.centre = centre
        self.backoff = backoff
        self.poll_s = poll_s  # also picks up items enqueued by another process
        self._rng = rng or random.Random()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            raise OutboxError("sender already started")
        self.outbox.recover_interrupted()
        self._thread = threading.Thread(target=self._run, name="yomi-outbox-sender", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> bool:
        """Ask the thread to end and wait up to `timeout` s; True if it has ended."""
        self._stop.set()
        self.outbox.wake()
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        lower_priority()
        while not self._stop.is_set():
            try:
                worked = self.send_one() is not None
            except Exception:  # a store failure must not kill delivery for good
                log.exception("outbox: sender loop error; retrying after the poll interval")
                worked = False
            if worked or self._stop.is_set():
                continue
            due = self.outbox.next_due_in()
            wait = self.poll_s if due is None else min(self.poll_s, due)
            if wait > 0:
                self.outbox.wait_for_change(wait)

    def send_one(self) -> DeliveryOutcome | None:
        """Deliver one due item, if any, and record the outcome; None when nothing was due."""
        due = self.outbox.claim_due()
        if due is None:
            return None
        outcome = self._attempt(due)
        self.outbox.record(outcome)
        return outcome

    def _attempt(self, due: DueItem) -> DeliveryOutcome:
        uid = due.sop_uid
        try:
            accepted = self.centre.submit([due.data])
        except StoreRefused as exc:
            reasons = exc.failures.get(uid) or ", ".join(exc.failures.values()) or "no reason given"
            transient = bool(exc.failures) and all(is_transient_failure(r) for r in exc.failures.values())
            if transient:
                delay = self.backoff.delay(due.attempts, self._rng)
                log.warning("outbox: item %s attempt %d not stored (transient failure %s); next in %.1f s",
                            uid, due.attempts, reasons, delay)
                return DeliveryOutcome(uid, Delivery.RETRY, f"centre busy (failure reason {reasons})", delay)
            log.error("outbox: item %s refused by the centre (failure reason %s); kept as failed", uid, reasons)
            return DeliveryOutcome(uid, Delivery.FAILED, exc.reason)
        except RETRYABLE as exc:
            reason = exc.reason if isinstance(exc, CentreError) else f"network error ({type(exc).__name__})"
            delay = self.backoff.delay(due.attempts, self._rng)
            log.warning("outbox: item %s attempt %d failed (%s); next in %.1f s", uid, due.attempts, reason, delay)
            return DeliveryOutcome(uid, Delivery.RETRY, reason, delay)
        except CentreError as exc:
            log.error("outbox: item %s refused by the centre (%s: %s); kept as failed",
                      uid, type(exc).__name__, exc.reason)
            return DeliveryOutcome(uid, Delivery.FAILED, exc.reason)
        except Exception as exc:  # unknown error: keep the item, do not guess it is transient
            log.exception("outbox: item %s: unexpected error from the centre", uid)
            return DeliveryOutcome(uid, Delivery.FAILED, f"unexpected error ({type(exc).__name__})")
        if uid in (accepted or []):
            log.info("outbox: item %s confirmed by the centre", uid)
            return DeliveryOutcome(uid, Delivery.SENT)
        log.error("outbox: item %s not in the centre's confirmation; kept as failed", uid)
        return DeliveryOutcome(uid, Delivery.FAILED, "the centre did not confirm storing the instance")
