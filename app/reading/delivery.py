"""Where each signed report stands on its way to the centre, and what follows delivery.

The outbox (worklist/outbox.py) keeps the objects durably and its Sender delivers them;
this tracker turns the per-object statuses into one typed state per report, and once every
object of a report signed in this run is confirmed, it records the transfer in the audit
trail and releases the study at the centre (local: completed; UPS-RS: procedure step
completed; QIDO: the local claim ends, the stored SR tells everyone), off the shell's
thread, once. A release the centre refuses is tried again at the next worklist refresh.

Personal data is kept no longer than delivery needs it: once the centre confirmed every object
of a report, its sealed signed outputs (signed/<reader>/<report id>/) and its signed draft are
deleted (the outbox has already erased its payloads), at once by default or after the site's
`retain_s`. At start-up `reconcile()` compares the signed outputs on disk with the outbox: a
complete signed folder whose objects were never queued (the process died between writing and
queuing) is queued now and its draft turns SIGNED, so the VERIFIED SR is sent and the draft is
not left unsignable; a folder that cannot be read, or disagrees with what the outbox holds, is
reported to the reader (`SignedOutputsInconsistent`), never sent.
"""
from __future__ import annotations

import enum
import logging
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from app import audit
from app.reading.events import CompletionFailed, DeliveryChanged, ReadingEvent, StudyCompleted
from app.reading.jobs import Jobs, Post
from app.report.draft_saver import DraftSaver
from app.report.draft_store import DraftStore
from app.report.errors import ReportError
from app.report.report_ids import is_valid_report_id
from app.report.sealed_files import ReaderSecret, SealError
from app.report.signing import REPORT_JSON, read_signed_outputs
from common.atomic import fsync_dir
from worklist.centre import Centre, WorkItem
from worklist.outbox import ItemState, ItemStatus, Outbox, OutboxError, Sender

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
class SignedOutputsRequeued:
    """Start-up found a report signed but never queued: it is queued now (and its draft SIGNED)."""

    report_id: str


@dataclass(frozen=True)
class SignedOutputsInconsistent:
    """Signed outputs on disk that cannot be sent as they are; the reader must look (`reason`
    names the folder and what is wrong, no personal data)."""

    report_id: str
    reason: str


@dataclass(frozen=True)
class SignedOutputsPurged:
    """The centre confirmed every object of the report: its outputs and draft are deleted."""

    report_id: str


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
                 notify: Callable[[ReadingEvent], None], audit_log: audit.AuditLog | None = None,
                 secret: ReaderSecret | None = None, signed_root: Path | None = None,
                 retain_s: float = 0.0, drafts: DraftSaver | None = None) -> None:
        from app.paths import signed_dir

        self.secret = secret or ReaderSecret.ephemeral(reader)
        self.signed_root = Path(signed_root) if signed_root is not None else signed_dir(self.secret.reader_id)
        self.retain_s = retain_s
        self._draft_saver = drafts
        self._post = post
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
    def store(self, report_id: str, items: list[tuple[str, bytes]], *, urgent: bool = False) -> None:
        """Durably queue a signed report's objects (raises OutboxError); returns only after
        the outbox committed them. Safe on any thread (a disk write: a worker's job).
        `urgent`: the report flags a critical result, so it is sent before the others."""
        self.outbox.enqueue(report_id, items, urgent=urgent)

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
        if st.state is ItemState.SENT and self.delivery(st.report_id).state is DeliveryState.SENT \
                and self.retain_s <= 0:
            rid = st.report_id
            # One more hop through the shell's queue: the panel saves the signed draft in the
            # callback that queued it, which may still be ahead of this one.
            self._post(lambda: self._jobs.run(lambda: self.purge_delivered(rid),
                                              done=lambda n: self._purged_done(rid, n)))

    def _purged_done(self, report_id: str, removed: bool) -> None:
        if removed:
            self._notify(SignedOutputsPurged(report_id))

    def drafts(self) -> DraftStore:
        """The reader's draft store, once every autosave handed over before now is on disk
        (the panel's save of a signed draft must not land after its deletion here)."""
        if self._draft_saver is not None:
            self._draft_saver.flush()
            return self._draft_saver.store
        return DraftStore.default(self.secret)

    def purge_delivered(self, report_id: str) -> bool:
        """Delete the signed outputs and the signed draft of a report the centre confirmed
        entirely (a worker's job: disk). Returns whether anything was removed."""
        if not is_valid_report_id(report_id):
            return False
        statuses = self.outbox.status(report_id)
        if not statuses or any(s.state is not ItemState.SENT for s in statuses):
            return False
        removed = False
        folder = self.signed_root / report_id
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
            fsync_dir(self.signed_root)
            removed = True
        try:
            store = self.drafts()
            path = store.path(report_id)
            if path.exists():
                report = store.load(report_id)
                if report.is_signed:  # an addendum draft under another id stays
                    store.delete(report_id)
                    removed = True
        except (ReportError, SealError, OSError) as exc:
            log.warning("report %s delivered; its draft was not deleted (%s)", report_id, type(exc).__name__)
        if removed:
            log.info("report %s: confirmed by the centre; signed outputs and signed draft deleted", report_id)
        return removed

    def purge_expired(self, now: float | None = None) -> int:
        """With a retention time: delete what the centre confirmed more than `retain_s` ago."""
        now = time.time() if now is None else now
        self.outbox.purge_sent()
        n = 0
        for rid in sorted({s.report_id for s in self.outbox.all_status() if s.state is ItemState.SENT}):
            items = self.outbox.status(rid)
            if items and all(s.state is ItemState.SENT and now - s.updated.timestamp() >= self.retain_s
                             for s in items):
                n += self.purge_delivered(rid)
        return n

    # -- start-up -------------------------------------------------------------------------------
    def reconcile(self) -> list[ReadingEvent]:
        """Signed outputs on disk against the outbox (a worker's job, at start-up); returns the
        events it also posts. See the module docstring."""
        events: list[ReadingEvent] = []
        if not self.signed_root.is_dir():
            return events
        for folder in sorted(self.signed_root.iterdir()):
            if not folder.is_dir():
                continue
            events.extend(self._reconcile_one(folder))
        for e in events:
            self._post(lambda e=e: self._notify(e))
        return events

    def _reconcile_one(self, folder: Path) -> list[ReadingEvent]:
        rid = folder.name
        if not is_valid_report_id(rid):
            log.warning("signed outputs: folder %r is not named by a report id; ignored", rid[:80])
            return [SignedOutputsInconsistent(rid[:64], f"folder {rid[:64]!r} is not named by a report id")]
        if not (folder / REPORT_JSON).exists():
            return []  # a signing that died before it finished: never queued, signed afresh
        items = self.outbox.status(rid)
        if items and all(s.state is ItemState.SENT for s in items):
            if self.retain_s <= 0:
                self.purge_delivered(rid)
            return []
        try:
            signed = read_signed_outputs(folder, self.secret)
        except ReportError as exc:
            log.warning("signed outputs of report %s unreadable: %s", rid, exc)
            return [SignedOutputsInconsistent(rid, str(exc))]
        objects = signed.objects()
        if items:
            held = {s.sop_uid for s in items}
            # a double reading's reading may have been queued without its PDF (requester_policy)
            objects = [o for o in objects if o[0] in held]
            if held != {u for u, _ in objects} or signed.sr_sop_uid not in held:
                reason = (f"signed outputs of report {rid} name SR {signed.sr_sop_uid} and PDF "
                          f"{signed.encapsulated_sop_uid}, the outbox holds {', '.join(sorted(held))}")
                log.warning("%s", reason)
                return [SignedOutputsInconsistent(rid, reason)]
        try:
            self.outbox.enqueue(rid, objects, urgent=signed.report.critical is not None)  # a no-op if held
        except OutboxError as exc:
            log.warning("signed outputs of report %s not queued: %s", rid, exc)
            return [SignedOutputsInconsistent(rid, str(exc))]
        self._mark_draft_signed(signed.report)
        if items:
            return []
        log.info("report %s was signed but never queued; queued now (SR %s, PDF %s)", rid,
                 signed.sr_sop_uid, signed.encapsulated_sop_uid)
        return [SignedOutputsRequeued(rid)]

    def _mark_draft_signed(self, signed_report) -> None:
        """The draft on disk turns SIGNED with the outputs' record (it would refuse a new sign)."""
        try:
            store = self.drafts()
            path = store.path(signed_report.report_id)
            if path.exists() and store.load(signed_report.report_id).is_signed:
                return
            store.save(signed_report)
        except (ReportError, SealError, OSError) as exc:
            log.warning("report %s queued; its draft not marked signed (%s)", signed_report.report_id,
                        type(exc).__name__)

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
