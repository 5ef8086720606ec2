"""Draft autosave off the caller's thread: sealing and the durable write of a draft
(AES-GCM, temp file, fsync, rename, fsync folder) take milliseconds to tens of them on a
busy disk, too long for the GUI thread at every keystroke.

`save(report)` takes a snapshot of the report (its JSON form, so the caller may go on
changing the report) and returns; one background thread writes the snapshots, one at a time,
newest wins: a snapshot not yet written is replaced by a newer one of the same report, and a
deletion replaces a pending write. So the file on disk is always one whole state the reader
saw, never older than the second-newest.

`flush()` waits until everything handed over so far is on disk (the thread still does the
writing): the window calls it when it closes, before the session drops the reader's keys
(lock, logout: a locked station cannot seal) and when the program quits, so no draft is lost
to a shutdown. A snapshot that cannot be sealed because the keys are not held is kept and
written at the next save, `retry()` (the unlock) or flush; any other failure is handed to the
listeners (through `post`, on the shell's thread) as a DraftStoreError naming the report.
"""
from __future__ import annotations

import atexit
import logging
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .draft_store import DraftStore
from .errors import DraftStoreError
from .model import Report
from .sealed_files import KeysUnavailable

__all__ = ["DraftSaver"]

log = logging.getLogger(__name__)

Post = Callable[[Callable[[], None]], None]
Listener = Callable[[DraftStoreError], None]


def _call_now(fn: Callable[[], None]) -> None:
    fn()


@dataclass(frozen=True)
class _Change:
    report_id: str
    content: dict[str, Any] | None   # None: delete the draft


_LIVE: "weakref.WeakSet[DraftSaver]" = weakref.WeakSet()


class DraftSaver:
    """The background writer of one reader's DraftStore; any thread may call it."""

    def __init__(self, store: DraftStore, *, post: Post = _call_now) -> None:
        self.store = store
        self._post = post
        self._cond = threading.Condition()
        self._pending: dict[str, _Change] = {}   # report id -> newest change not yet written
        self._held: dict[str, _Change] = {}      # waiting for the reader's keys
        self._writing = False
        self._closed = False
        self._thread: threading.Thread | None = None
        self._listeners: list[Listener] = []
        _LIVE.add(self)

    # -- observation ---------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(error)` for each draft that could not be written; returns the unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # -- handing over --------------------------------------------------------------------
    def save(self, report: Report) -> None:
        """Write `report` as it is now, soon (EditSession's draft sink)."""
        self._put(_Change(report.report_id, report.to_dict()))

    def delete(self, report_id: str) -> None:
        self.store.path(report_id)  # a bad id is refused here, at the caller
        self._put(_Change(report_id, None))

    def _put(self, change: _Change) -> None:
        with self._cond:
            if self._closed:
                closed = True
            else:
                closed = False
                self._held.pop(change.report_id, None)
                self._pending.update(self._held)
                self._held.clear()
                self._pending[change.report_id] = change
                self._start()
                self._cond.notify_all()
        if closed:  # after close() nothing runs in the background: write here, lose nothing
            self._write(change)

    def retry(self) -> None:
        """The keys are back (unlock): write what waited for them."""
        with self._cond:
            if self._held and not self._closed:
                self._pending.update(self._held)
                self._held.clear()
                self._start()
                self._cond.notify_all()

    # -- waiting -------------------------------------------------------------------------
    @property
    def idle(self) -> bool:
        with self._cond:
            return not self._pending and not self._writing

    def flush(self, timeout_s: float = 30.0) -> bool:
        """Return once every change handed over so far is written (or failed); False on timeout.
        Called from the writer itself (a session locking inside a seal) it returns at once."""
        if self._thread is not None and threading.current_thread() is self._thread:
            return True
        with self._cond:
            if self._held and not self._closed:
                self._pending.update(self._held)  # a flush is the last chance before the keys go
                self._held.clear()
                self._start()
                self._cond.notify_all()
            done = self._cond.wait_for(lambda: not self._pending and not self._writing, timeout_s)
        if not done:
            log.error("draft autosave: %d draft(s) still not written after %.0f s", len(self._pending), timeout_s)
        return done

    def close(self) -> None:
        """Flush, then stop the writer; later saves are written on the caller's thread."""
        self.flush()
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        with self._cond:
            left = list(self._pending.values()) + list(self._held.values())
            self._pending.clear()
            self._held.clear()
        for change in left:  # a flush that timed out: one more try rather than a lost draft
            self._write(change)
        if self._held:
            log.warning("%d draft(s) not written at close: the reader's keys are not held", len(self._held))

    # -- the writer ------------------------------------------------------------------------
    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="yomi-draft-save", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending or self._closed)
                if not self._pending:
                    return  # closed, nothing left
                report_id = next(iter(self._pending))
                change = self._pending.pop(report_id)
                self._writing = True
            try:
                self._write(change)
            finally:
                with self._cond:
                    self._writing = False
                    self._cond.notify_all()

    def _write(self, change: _Change) -> None:
        try:
            if change.content is None:
                self.store.delete(change.report_id)
            else:
                self.store.save_content(change.content)
        except DraftStoreError as exc:
            if isinstance(exc.__cause__, KeysUnavailable):
                log.info("draft %s kept until the reader's keys are back", change.report_id)
                with self._cond:
                    if change.report_id not in self._pending:
                        self._held[change.report_id] = change
                return
            log.warning("%s", exc)
            self._tell(exc)
        except OSError as exc:  # a deletion
            error = DraftStoreError(f"draft {change.report_id} not deleted: {exc.strerror or exc}")
            log.warning("%s", error)
            self._tell(error)

    def _tell(self, exc: DraftStoreError) -> None:
        for listener in list(self._listeners):
            def call(listener: Listener = listener) -> None:
                try:
                    listener(exc)
                except Exception:  # one failing listener must not stop the others
                    log.exception("draft autosave listener failed")
            try:
                self._post(call)
            except RuntimeError:  # the shell's receiver is gone
                log.debug("draft error not shown: its receiver is gone")


@atexit.register
def _flush_all() -> None:
    """The interpreter is ending (daemon writers die with it): write what is still pending."""
    for saver in list(_LIVE):
        saver.close()
