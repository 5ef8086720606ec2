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

The outbox holds the bytes of signed reports (personal data): the directory is created 0700
and the database 0600. Log messages name SOP Instance UIDs and report IDs, never content.
"""
from __future__ import annotations

import enum
import hashlib
import logging
import os
import random
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from common.backoff import Backoff
from worklist.centre import Centre, CentreError, ServerError, Unreachable

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
]

log = logging.getLogger(__name__)

# Errors worth trying again unchanged: the network or the server may recover.
# Everything else (BadData, Unauthorised, Forbidden, TLSFailure, ...) waits for a reader's
# decision in the dead-letter state, with its reason kept.
RETRYABLE: tuple[type[BaseException], ...] = (Unreachable, ServerError, ConnectionError, TimeoutError)

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
    updated      REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS items_report ON items(report_id, position);
CREATE INDEX IF NOT EXISTS items_due ON items(state, next_attempt);
"""


class OutboxError(Exception):
    """The outbox could not accept or find an item; the message is one line, no personal data."""


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
    """The durable queue. Thread-safe; one `Sender` per outbox directory at a time.

    `clock` (epoch seconds) is injectable so tests can drive backoff times.
    """

    DB_NAME = "outbox.sqlite3"

    def __init__(self, directory: Path | str, *, clock: Callable[[], float] = time.time) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._clock = clock
        self._lock = threading.RLock()
        self._listeners: list[Listener] = []
        self._changed = threading.Event()  # wakes a waiting Sender early
        self._pending: deque[ItemStatus] = deque()
        self._dispatching = threading.Lock()
        db_path = self.directory / self.DB_NAME
        fresh = not db_path.exists()
        self._db = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False, timeout=30.0)
        if fresh:
            os.chmod(db_path, 0o600)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # --- writing -----------------------------------------------------------------------

    def enqueue(self, report_id: str, items: list[tuple[str, bytes]]) -> None:
        """Persist every (SOP Instance UID, encoded instance) of one report, durably, at once.

        Returns only after the commit reached the disk. Enqueuing a UID already held with
        identical bytes is a no-op (a retried "sign" click); with different bytes it is
        refused: a signed object's UID is fixed and an amendment carries a new UID.
        """
        if not items:
            raise OutboxError(f"report {report_id}: nothing to enqueue")
        now = self._clock()
        changed: list[str] = []
        with self._lock:
            cur = self._db.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                for position, (sop_uid, data) in enumerate(items):
                    if not sop_uid or not isinstance(data, (bytes, bytearray)) or not data:
                        raise OutboxError(f"report {report_id}: item {position} has no UID or no bytes")
                    digest = hashlib.sha256(data).hexdigest()
                    row = cur.execute(
                        "SELECT sha256, report_id FROM items WHERE sop_uid=?", (sop_uid,)
                    ).fetchone()
                    if row is not None:
                        if row[0] != digest or row[1] != report_id:
                            raise OutboxError(
                                f"SOP Instance UID {sop_uid} is already queued with other content"
                            )
                        continue
                    cur.execute(
                        "INSERT INTO items(sop_uid, report_id, position, data, sha256, state,"
                        " attempts, next_attempt, reason, enqueued, updated)"
                        " VALUES (?,?,?,?,?,?,0,?,'',?,?)",
                        (sop_uid, report_id, position, bytes(data), digest, ItemState.QUEUED.value,
                         now, now, now),
                    )
                    changed.append(sop_uid)
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            self._snapshot(changed)
        log.info("outbox: report %s queued (%d new items)", report_id, len(changed))
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
            uids = [r[0] for r in self._db.execute(
                "SELECT sop_uid FROM items WHERE state=?", (ItemState.SENDING.value,))]
            self._db.execute("UPDATE items SET state=?, next_attempt=?, updated=? WHERE state=?",
                             (ItemState.QUEUED.value, now, now, ItemState.SENDING.value))
            self._snapshot(uids)
        for uid in uids:
            log.info("outbox: item %s was being sent when the process stopped; sending again", uid)
        self._dispatch()
        return len(uids)

    def claim_due(self) -> DueItem | None:
        """Mark the oldest due item 'sending' (durably, before it goes on the wire) and return it."""
        now = self._clock()
        with self._lock:
            row = self._db.execute(
                "SELECT sop_uid, data, attempts FROM items WHERE state=? AND next_attempt<=?"
                " ORDER BY next_attempt, enqueued, position LIMIT 1",
                (ItemState.QUEUED.value, now)).fetchone()
            if row is None:
                return None
            self._db.execute("UPDATE items SET state=?, attempts=attempts+1, updated=? WHERE sop_uid=?",
                             (ItemState.SENDING.value, now, row[0]))
            self._snapshot([row[0]])
        self._dispatch()
        return DueItem(row[0], bytes(row[1]), row[2] + 1)

    def next_due_in(self) -> float | None:
        """Seconds until the next queued item is due (0 if one is due now); None if none is queued."""
        with self._lock:
            row = self._db.execute("SELECT MIN(next_attempt) FROM items WHERE state=?",
                                   (ItemState.QUEUED.value,)).fetchone()
        if row is None or row[0] is None:
            return None
        return max(0.0, row[0] - self._clock())

    def mark_sent(self, sop_uid: str) -> None:
        """The centre confirmed this UID: never sent again."""
        self._mark(sop_uid, ItemState.SENT)

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
            self._db.execute(
                "UPDATE items SET state=?, reason=?, next_attempt=?, updated=? WHERE sop_uid=?",
                (state.value, reason, next_attempt if next_attempt is not None else now, now, sop_uid))
            self._snapshot([sop_uid])
        self._dispatch()


class Sender:
    """Background thread that delivers queued items with `centre.submit([bytes])`.

    Retryable failures (unreachable, 5xx) wait with capped exponential backoff and are
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
