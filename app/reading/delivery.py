"""Where each signed report stands on its way to the centre, and what follows delivery.

The outbox (worklist/outbox.py) keeps the objects durably and its Sender delivers them;
this tracker turns the per-object statuses into one typed state per report, and once every
object of a report signed in this run is confirmed, it records the transfer in the audit
trail and releases the study at the centre (local: completed; UPS-RS: procedure step
completed; QIDO: the local claim ends, the stored SR tells everyone), off the shell's
thread, once. A release the centre refuses is tried again at the next worklist refresh.
"""
from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from app import audit
from app.reading.events import CompletionFailed, DeliveryChanged, ReadingEvent, StudyCompleted
from app.reading.jobs import Jobs, Post
from worklist.centre import Centre, WorkItem
from worklist.outbox import ItemState, ItemStatus, Outbox, Sender

log = logging.getLogger(__name__)


class DeliveryState(enum.Enum):
    NOT_QUEUED = "not queued"
    QUEUED = "queued"
    RETRYING = "retrying"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class ReportDelivery:
    report_id: str
    state: DeliveryState
    reason: str = ""   # the failure (FAILED) or the last error being retried (RETRYING)


def summarise(report_id: str, items: Iterable[ItemStatus]) -> ReportDelivery:
    """One state for a report's objects together: any failure fails it, all sent sends it."""
    items = list(items)
    if not items:
        return ReportDelivery(report_id, DeliveryState.NOT_QUEUED)
    failed = [s for s in items if s.state is ItemState.FAILED]
    if failed:
        return ReportDelivery(report_id, DeliveryState.FAILED,
                              "; ".join(f"{s.sop_uid}: {s.reason}" for s in failed))
    if all(s.state is ItemState.SENT for s in items):
        return ReportDelivery(report_id, DeliveryState.SENT)
    if any(s.state is ItemState.SENDING for s in items):
        return ReportDelivery(report_id, DeliveryState.SENDING)
    waiting = [s.reason for s in items if s.reason]
    if waiting:
        return ReportDelivery(report_id, DeliveryState.RETRYING, waiting[0])
    return ReportDelivery(report_id, DeliveryState.QUEUED)


@dataclass(frozen=True)
class _Release:
    item: WorkItem
    patient_id: str


def open_outbox(centre: Centre) -> tuple[Outbox, Sender]:
    """The outbox of a centre known only by name (a bare window) and a started Sender for it."""
    from app.paths import outbox_dir

    outbox = Outbox(outbox_dir(f"centre:{centre.name}"))
    sender = Sender(outbox, centre)
    sender.start()
    return outbox, sender


class DeliveryTracker:
    """Lives on the shell's thread (`post` brings the sender's updates there)."""

    def __init__(self, outbox: Outbox, centre: Centre, reader: str, *, jobs: Jobs, post: Post,
                 notify: Callable[[ReadingEvent], None], audit_log: audit.AuditLog | None = None) -> None:
        self.outbox = outbox
        self._centre = centre
        self._reader = reader
        self._jobs = jobs
        self._notify = notify
        self._audit_log = audit_log
        self._status: dict[str, dict[str, ItemStatus]] = {}
        self._to_release: dict[str, _Release] = {}
        self._releasing: set[str] = set()
        self._subscription = outbox.subscribe(lambda st: post(lambda: self._on_status(st)))

    def close(self) -> None:
        self._subscription.unsubscribe()

    # -- queueing -----------------------------------------------------------------------
    def store(self, report_id: str, items: list[tuple[str, bytes]]) -> None:
        """Durably queue a signed report's objects (raises OutboxError); returns only after
        the outbox committed them. Safe on any thread (a disk write: a worker's job)."""
        self.outbox.enqueue(report_id, items)

    def track(self, report_id: str, *, item: WorkItem | None, patient_id: str) -> ReportDelivery:
        """Follow a stored report; once all its objects are sent, `item` is released."""
        if item is not None:
            self._to_release[report_id] = _Release(item, patient_id)
        self.load(report_id)
        self._maybe_release(report_id)
        return self.delivery(report_id)

    def load(self, report_id: str) -> ReportDelivery:
        """Read a report's status from the outbox (a report signed in an earlier run)."""
        self._status[report_id] = {s.sop_uid: s for s in self.outbox.status(report_id)}
        return self.delivery(report_id)

    def retry_failed(self, report_id: str) -> int:
        return self.outbox.retry_failed(report_id)

    # -- reading --------------------------------------------------------------------------
    def delivery(self, report_id: str) -> ReportDelivery:
        return summarise(report_id, self._status.get(report_id, {}).values())

    def reports(self) -> list[str]:
        return list(self._status)

    # -- after delivery -----------------------------------------------------------------------
    def _on_status(self, st: ItemStatus) -> None:
        self._status.setdefault(st.report_id, {})[st.sop_uid] = st
        self._notify(DeliveryChanged(st.report_id))
        self._maybe_release(st.report_id)

    def retry_completions(self) -> None:
        for report_id in list(self._to_release):
            self._maybe_release(report_id)

    def _maybe_release(self, report_id: str) -> None:
        pending = self._to_release.get(report_id)
        if pending is None or report_id in self._releasing \
                or self.delivery(report_id).state is not DeliveryState.SENT:
            return
        self._releasing.add(report_id)
        sop_uids = list(self._status[report_id])
        centre, reader, audit_log = self._centre, self._reader, self._audit_log

        def release() -> None:
            try:
                audit.transferred(reader, pending.item.study_uid, pending.patient_id,
                                  peer=centre.name, sent=True, sop_uids=sop_uids,
                                  log=audit_log)
            except Exception:  # the report is delivered; a failing audit write is logged, not fatal
                log.exception("audit of report %s delivery failed", report_id)
            centre.release(pending.item, completed=True)

        def done(_none: None) -> None:
            self._releasing.discard(report_id)
            self._to_release.pop(report_id, None)
            self._notify(StudyCompleted(report_id, pending.item))

        def failed(exc: Exception) -> None:
            self._releasing.discard(report_id)  # stays in _to_release: tried again later
            log.warning("report %s delivered; study %s not marked completed (%s)", report_id,
                        pending.item.study_uid, type(exc).__name__)
            self._notify(CompletionFailed(report_id, pending.item, exc))

        self._jobs.run(release, done=done, failed=failed)
