"""The reading workflow of one reader at one centre, without Qt.

State (the worklist, the study being read) lives on the shell's thread; every centre call,
audit write and cache purge runs as a job on worker threads and comes back as a typed event
(app/reading/events.py) to the listeners, through the `post` function the shell gives.

- Refresh: one `centre.worklist()` at a time; a refresh asked while one runs is folded into
  it. `cancel_refresh()` drops the answer of the one in flight (the request itself cannot be
  taken back from the server, so it finishes in the background, unseen). Every
  `poll_interval_s` the worklist refreshes by itself, and every `purge_interval_s` the
  encrypted cache drops expired studies.
- Open: claim at the centre, then `StudyClaimed` (the shell loads the study), then the next
  `prefetch` studies of the list are fetched ahead.
- Give back: release unread, then refresh; the study's cached instances are purged.
- Keys (app/report/sealed_files.py): drafts, signed outputs and outbox payloads are sealed
  with sub-keys of the reader's secret (`secret`). The controller follows the session: at
  lock it pauses prefetch and drops the cache's and the outbox's keys (nothing decrypts,
  nothing is sent); at unlock it gives them back and resumes prefetch; at logout it also
  purges the study being read from the cache. At start it reconciles the signed outputs on
  disk with the outbox (app/reading/delivery.py).
- Drafts: `drafts` (app/report/draft_saver.py) writes the reader's drafts on a thread of its
  own; it is flushed before the session drops the keys, and at close.
"""
from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

from app import audit
from app.reading.delivery import DeliveryTracker
from app.reading.events import (
    GiveBackFailed,
    OpenFailed,
    ReadingEvent,
    RefreshCancelled,
    RefreshStarted,
    StudyClaimed,
    StudyGivenBack,
    WorklistFailed,
    WorklistUpdated,
)
from app.reading.jobs import Jobs, Post
from app.reading.worklist_diff import diff, next_after, previous_before
from app.report.draft_saver import DraftSaver
from app.report.draft_store import DraftStore
from app.report.sealed_files import KeysUnavailable, Purpose, ReaderSecret
from worklist.centre import Centre, CentreError, Forbidden, WorkItem

log = logging.getLogger(__name__)


class NotOnWorklist(Forbidden):
    """The study is not on the logged-in reader's worklist: refused by the station itself,
    before anything is asked of the centre for it (the centre refuses too: security.md row 4)."""


def assigned_item(centre: Centre, study_uid: str, known: Sequence[WorkItem] = ()) -> WorkItem:
    """The reader's own work item for `study_uid`: from `known` (the worklist on screen), else
    from a fresh `centre.worklist()`; raises NotOnWorklist. The item returned is the
    worklist's, never the one a caller crafted (its workitem UID could name another's)."""
    for it in known:
        if it.study_uid == study_uid:
            return it
    for it in centre.worklist():
        if it.study_uid == study_uid:
            return it
    raise NotOnWorklist(f"study {study_uid} is not on this reader's worklist", study_uid=study_uid)


def audit_refusal(reader: str, where: str, exc: CentreError, log: audit.AuditLog | None = None) -> None:
    """A refusal about one study is a Security Alert on that study; other centre failures
    that matter (TLS, credentials) as `audit.centre_refused` records them."""
    if isinstance(exc, Forbidden) and exc.study_uid:
        why = "not on the reader's worklist" if isinstance(exc, NotOnWorklist) else "centre refused access (403)"
        audit.study_refused(reader, exc.study_uid, why, log=log)
    else:
        audit.centre_refused(reader, exc.url or where, exc, log=log)

Listener = Callable[[ReadingEvent], None]


@runtime_checkable
class Prefetching(Protocol):
    """A centre that can fetch studies ahead into the reader's cache (worklist.cached_centre)."""

    def prefetch(self, study_uids: list[str]) -> None: ...


_EPHEMERAL: dict[str, ReaderSecret] = {}  # reader -> this process's random secret (no session)


def ephemeral_secret(reader: str) -> ReaderSecret:
    """One random secret per reader per process, for windows without a session (tests): the
    windows of one run read each other's drafts; nothing survives the process."""
    if reader not in _EPHEMERAL:
        _EPHEMERAL[reader] = ReaderSecret.ephemeral(reader)
    return _EPHEMERAL[reader]


class Subscription:
    def __init__(self, listeners: list[Listener], listener: Listener) -> None:
        self._listeners, self._listener = listeners, listener

    def unsubscribe(self) -> None:
        if self._listener in self._listeners:
            self._listeners.remove(self._listener)


class ReadingController:
    def __init__(self, centre: Centre, reader: str, *, post: Post, audit_log: audit.AuditLog | None = None,
                 outbox: Any = None, prefetch: int = 0, poll_interval_s: float = 0.0, cache: Any = None,
                 purge_interval_s: float = 3600.0, workers: int = 4, session: Any = None,
                 retain_signed_s: float = 0.0) -> None:
        self.centre = centre
        self.session = session
        self.secret = ReaderSecret.of_session(session) if session is not None and session.user is not None \
            else ephemeral_secret(reader)
        self.outbox = outbox
        self.cache = cache
        self.reader = reader
        self.audit_log = audit_log
        self.prefetch = prefetch
        self.items: tuple[WorkItem, ...] = ()
        self.current: WorkItem | None = None
        self._post = post
        self._jobs = Jobs(post, workers=workers, name="yomi-centre")
        self._listeners: list[Listener] = []
        self._generation = 0
        self._in_flight: int | None = None
        self._generation_shown = False
        self._again = False
        self._opening: str | None = None
        self._stop = threading.Event()
        self._timers: list[threading.Thread] = []
        self._unsubscribe_session: Callable[[], None] | None = None
        self._current_folder: str | None = None  # the cache folder of the study being read
        self.drafts = DraftSaver(DraftStore.default(self.secret), post=post)
        self._unsubscribe_key_drop: Callable[[], None] | None = None
        self._give_keys()
        if session is not None and hasattr(session, "subscribe"):
            self._unsubscribe_session = session.subscribe(self._on_session)
        if session is not None and hasattr(session, "before_keys_drop"):
            self._unsubscribe_key_drop = session.before_keys_drop(self.drafts.flush)
        self.delivery = DeliveryTracker(outbox, centre, reader, jobs=self._jobs, post=post, notify=self._emit,
                                        audit_log=audit_log, secret=self.secret, drafts=self.drafts,
                                        retain_s=retain_signed_s) if outbox is not None else None
        if self.delivery is not None and self.secret.available:
            self._jobs.run(self.delivery.reconcile)
        if self.delivery is not None and retain_signed_s > 0 and purge_interval_s > 0:
            tracker = self.delivery  # a site that keeps confirmed reports a while: hourly purge
            self._every(purge_interval_s, lambda: self._jobs.run(tracker.purge_expired), "yomi-signed-purge")
        if poll_interval_s > 0:
            self._every(poll_interval_s, self.refresh, "yomi-worklist-poll")
        if cache is not None and purge_interval_s > 0:
            self._jobs.run(cache.purge_expired)  # at login, then every purge_interval_s
            self._every(purge_interval_s, lambda: self._jobs.run(cache.purge_expired), "yomi-cache-purge")

    # -- keys ---------------------------------------------------------------------------
    def _give_keys(self) -> None:
        """Hand the reader's keys to the outbox and the cache (at start and at unlock)."""
        try:
            if self.outbox is not None and hasattr(self.outbox, "unlock"):
                self.outbox.unlock(self.secret.key(Purpose.OUTBOX))
            if self.cache is not None and self.session is not None and hasattr(self.cache, "unlock"):
                self.cache.unlock(self.session.cache_key())
        except KeysUnavailable:
            return
        except Exception as exc:  # app.session.SessionLocked: nothing to give while locked
            log.info("keys not given (%s)", type(exc).__name__)
            return
        resume = getattr(self.centre, "resume_prefetch", None)
        if resume is not None:
            resume()

    def _take_keys(self) -> None:
        """Pause prefetch, then drop every key a worklist object holds."""
        pause = getattr(self.centre, "pause_prefetch", None)
        if pause is not None:
            pause()
        if self.cache is not None and hasattr(self.cache, "lock"):
            self.cache.lock()
        if self.outbox is not None and hasattr(self.outbox, "lock"):
            self.outbox.lock()

    def _on_session(self, state: Any) -> None:
        """Session listener (the GUI thread): lock, unlock, logout."""
        from app.session.state_machine import SessionState

        if state is SessionState.ACTIVE:
            self._give_keys()
            self.drafts.retry()
            log.info("keys given back to the cache and the outbox; prefetch resumed")
            return
        if state is SessionState.LOGGED_OUT:
            self.purge_current()
        self._take_keys()
        log.info("session %s: cache and outbox keys dropped, prefetch paused", state.value)

    def purge_current(self) -> None:
        """Remove the study being read from the cache (logout, close); works while locked, by
        the folder name noted when the study was claimed."""
        folder, self._current_folder = self._current_folder, None
        if folder and self.cache is not None and hasattr(self.cache, "purge_folder"):
            self.cache.purge_folder(folder)
            log.info("the study being read was purged from the cache")

    # -- listeners ----------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Subscription:
        self._listeners.append(listener)
        return Subscription(self._listeners, listener)

    def _emit(self, event: ReadingEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # one failing listener must not stop the rest
                log.exception("a reading-workflow listener failed on %s", type(event).__name__)

    @property
    def refreshing(self) -> bool:
        return self._in_flight is not None

    # -- worklist -------------------------------------------------------------------------
    def refresh(self) -> int:
        """Ask the centre for the worklist; returns the refresh's generation number."""
        if self._in_flight is not None:
            self._again = True
            return self._in_flight
        self._generation += 1
        gen = self._in_flight = self._generation
        self._emit(RefreshStarted(gen))
        centre, reader, audit_log = self.centre, self.reader, self.audit_log
        params = {"worklist": "assigned", "centre": centre.name}
        refused = self._audit_refusal

        def fetch() -> list[WorkItem]:
            try:
                items = centre.worklist()
            except CentreError as exc:
                audit.query(reader, params, ok=False, log=audit_log)
                refused(exc)
                raise
            audit.query(reader, params, log=audit_log)
            return items

        self._jobs.run(fetch, done=lambda items: self._refreshed(gen, items),
                       failed=lambda exc: self._refresh_failed(gen, exc))
        return gen

    def cancel_refresh(self) -> None:
        if self._in_flight is None:
            return
        gen, self._in_flight, self._again = self._in_flight, None, False
        self._emit(RefreshCancelled(gen))

    def _refreshed(self, gen: int, items: Sequence[WorkItem]) -> None:
        if gen != self._in_flight:
            return  # cancelled, or overtaken
        self._in_flight = None
        self._replace_items(tuple(sorted(items, key=WorkItem.sort_key)))
        if self.delivery is not None:
            self.delivery.retry_completions()
        self._refresh_again()

    def _replace_items(self, new: tuple[WorkItem, ...]) -> None:
        d = diff(self.items, new)
        self.items = new
        if d.added or d.removed or d.changed or not self._generation_shown:
            self._generation_shown = True
            self._emit(WorklistUpdated(self._generation, new, d.added, d.removed, d.changed))

    def _refresh_failed(self, gen: int, exc: Exception) -> None:
        if gen != self._in_flight:
            return
        self._in_flight = None
        self._emit(WorklistFailed(gen, exc))
        self._refresh_again()

    def _refresh_again(self) -> None:
        if self._again:
            self._again = False
            self.refresh()

    # -- studies --------------------------------------------------------------------------
    def open(self, item: WorkItem) -> None:
        """Claim `item` at the centre; `StudyClaimed` follows (or `OpenFailed`)."""
        self._opening = item.study_uid
        centre, refused, known = self.centre, self._audit_refusal, tuple(self.items)

        def claim() -> WorkItem:
            try:
                # a copy: a centre may mark the item it claims, and the list on screen is the shell's
                mine = dataclasses.replace(assigned_item(centre, item.study_uid, known))
                return centre.claim(mine) or mine
            except CentreError as exc:
                refused(exc)
                raise

        def claimed(got: WorkItem) -> None:
            if self._opening != item.study_uid:
                return  # the reader opened another study meanwhile
            self._opening = None
            self.current = got
            if self.cache is not None and hasattr(self.cache, "folder_of") and not self.cache.locked:
                self._current_folder = self.cache.folder_of(got.study_uid)
            self._replace_items(tuple(got if i.study_uid == got.study_uid else i for i in self.items))
            self._emit(StudyClaimed(got))
            self._prefetch_after(got)

        def failed(exc: Exception) -> None:
            if self._opening == item.study_uid:
                self._opening = None
            self._emit(OpenFailed(item, exc))

        self._jobs.run(claim, done=claimed, failed=failed)

    def _prefetch_after(self, item: WorkItem) -> None:
        if not self.prefetch or not isinstance(self.centre, Prefetching):
            return
        prefetch = self.centre.prefetch
        uids = [i.study_uid for i in self.items]
        start = uids.index(item.study_uid) + 1 if item.study_uid in uids else 0
        ahead = uids[start:start + self.prefetch]
        if ahead:
            self._jobs.run(lambda: prefetch(ahead))  # prefetch() may wait for an earlier one to stop

    def next_item(self) -> WorkItem | None:
        return next_after(self.items, self.current.study_uid if self.current else None)

    def previous_item(self) -> WorkItem | None:
        return previous_before(self.items, self.current.study_uid if self.current else None)

    def give_back(self) -> None:
        """Return the study being read to the centre unread (UPS: CANCELED; local: scheduled)."""
        item = self.current
        if item is None:
            return
        centre, refused = self.centre, self._audit_refusal

        cache = self.cache

        def release() -> None:
            try:
                centre.release(item, completed=False)
            except CentreError as exc:
                refused(exc)
                raise
            if cache is not None and not getattr(cache, "locked", False):
                cache.purge_study(item.study_uid)  # given back: not ours to keep

        def done(_none: None) -> None:
            if self.current is not None and self.current.study_uid == item.study_uid:
                self.current = None
            self._emit(StudyGivenBack(item))
            self.refresh()

        self._jobs.run(release, done=done, failed=lambda exc: self._emit(GiveBackFailed(item, exc)))

    def study_on_screen(self, study_uid: str, patient_id: str, sop_uids: Sequence[str]) -> None:
        """The study is fully on screen: record the access (off the shell's thread)."""
        reader, audit_log, uids = self.reader, self.audit_log, list(sop_uids)
        self._jobs.run(lambda: audit.study_opened(reader, study_uid, patient_id, sop_uids=uids, log=audit_log))

    def status_overridden(self, study_uid: str, patient_id: str, *, report_id: str, nodule: int, suggested: str,
                          chosen: str, reason: str) -> None:
        """The reader changed a nodule's suggested comparison status: record it with the reason
        (off the shell's thread)."""
        reader, audit_log = self.reader, self.audit_log
        self._jobs.run(lambda: audit.nodule_status_overridden(
            reader, study_uid, patient_id, report_id=report_id, nodule=nodule, suggested=suggested, chosen=chosen,
            reason=reason, log=audit_log))

    def report_centre_error(self, exc: CentreError) -> None:
        """A centre failure seen elsewhere (a study load): audited like the workflow's own."""
        self._jobs.run(lambda: self._audit_refusal(exc))

    def _audit_refusal(self, exc: CentreError) -> None:
        """Runs on a worker: a refusal that matters for security goes to the audit trail."""
        audit_refusal(self.reader, self.centre.name, exc, self.audit_log)

    def run(self, fn: Callable[[], Any], *, done: Callable[[Any], None] | None = None,
            failed: Callable[[Exception], None] | None = None) -> None:
        """Run other waiting work (signing, a check) the same way: off the shell's thread."""
        self._jobs.run(fn, done=done, failed=failed)

    # -- timers and teardown ----------------------------------------------------------------
    def _every(self, seconds: float, action: Callable[[], None], name: str) -> None:
        def loop() -> None:
            while not self._stop.wait(seconds):
                try:
                    self._post(action)
                except RuntimeError:
                    return  # the shell is gone
        t = threading.Thread(target=loop, name=name, daemon=True)
        t.start()
        self._timers.append(t)

    def close(self) -> None:
        """End the reading (the window closes: the reader's run ends, as at logout)."""
        self._stop.set()
        self.purge_current()
        self.drafts.close()  # the last autosave is on disk before the reading ends
        if self._unsubscribe_key_drop is not None:
            self._unsubscribe_key_drop()
            self._unsubscribe_key_drop = None
        if self._unsubscribe_session is not None:
            self._unsubscribe_session()
            self._unsubscribe_session = None
        if self.delivery is not None:
            self.delivery.close()
        self._jobs.close()
