"""Worker threads for everything that waits: centre calls, audit writes, disk.

A job's result (or its exception) is handed to `post`, the shell's way of running a
function on its own thread, so workflow state is only ever touched there and needs no lock.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from common.background import lower_priority

log = logging.getLogger(__name__)

T = TypeVar("T")
Post = Callable[[Callable[[], None]], None]


def call_now(fn: Callable[[], None]) -> None:
    """A `post` for scripts: run the callback on the worker that finished the job."""
    fn()


class Jobs:
    def __init__(self, post: Post, *, workers: int = 4, name: str = "yomi-work") -> None:
        self._post = post
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name,
                                        initializer=lower_priority)
        self._closed = False

    def run(self, fn: Callable[[], T], *, done: Callable[[T], None] | None = None,
            failed: Callable[[Exception], None] | None = None) -> Future:
        """Run `fn` on a worker; then `done(result)` or `failed(exception)` through `post`.

        Once closed (the window closed, the reading ended) nothing runs: a timer that fires
        during the teardown gets a cancelled Future, not an exception in the event loop."""
        if self._closed:
            log.debug("background job %s not run: the reading has ended", getattr(fn, "__name__", "?"))
            late: Future = Future()
            late.cancel()
            return late

        def task() -> Any:
            try:
                result = fn()
            except Exception as exc:  # delivered typed to the caller, who knows what it means
                if failed is not None:
                    self._deliver(lambda exc=exc: failed(exc))
                else:
                    log.exception("background job %s failed", getattr(fn, "__name__", "?"))
                raise
            if done is not None:
                self._deliver(lambda: done(result))
            return result
        return self._pool.submit(task)

    def _deliver(self, callback: Callable[[], None]) -> None:
        if self._closed:
            return  # the shell is gone: nobody to tell
        try:
            self._post(callback)
        except RuntimeError:  # the shell's receiver was deleted while the job ran
            log.debug("result of a background job dropped: its receiver is gone")

    def close(self, *, wait: bool = False) -> None:
        self._closed = True
        self._pool.shutdown(wait=wait, cancel_futures=True)
