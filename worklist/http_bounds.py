"""Bounds on what one HTTP answer may cost: time until its last byte, and bytes.

A read timeout bounds each wait for the next bytes, not the request: a server that drips a
byte a second never trips a 2 s read timeout (issue 10: such a request held for 14 s). Here
every receive on a connection's socket waits at most until the deadline of the request the
calling thread is serving (`deadline`), so a drip-feeding server is cut at the deadline,
whether it drips the headers or the body. Sizes are counted as the bytes arrive
(`read_capped`), never trusted from Content-Length alone.
"""
from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

__all__ = ["DeadlinePassed", "SizeCapPassed", "deadline", "deadline_passed", "install", "read_capped"]

_state = threading.local()


class DeadlinePassed(socket.timeout):
    """Raised inside a receive once the request's deadline has passed (urllib3 reports it
    as a read timeout; the client checks `deadline_passed()` to tell the two apart)."""


class SizeCapPassed(Exception):
    """An answer grew past its cap; `received` bytes had arrived."""

    def __init__(self, received: int, cap: int) -> None:
        super().__init__(f"more than {cap} bytes")
        self.received, self.cap = received, cap


@contextmanager
def deadline(at: float) -> Iterator[None]:
    """Receives on this thread end by `at` (time.monotonic()) while the block runs."""
    previous = getattr(_state, "at", None)
    _state.at = at if previous is None else min(previous, at)
    try:
        yield
    finally:
        _state.at = previous


def deadline_passed() -> bool:
    at = getattr(_state, "at", None)
    return at is not None and time.monotonic() >= at


def _remaining() -> float | None:
    at = getattr(_state, "at", None)
    if at is None:
        return None
    left = at - time.monotonic()
    if left <= 0:
        raise DeadlinePassed("request deadline passed")
    return left


REARM_S = 0.25   # how late past its deadline a receive may end


class _DeadlineSocket:
    """A connection's socket whose receives wait no longer than the current deadline."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._timeout = sock.gettimeout()
        self._armed = self._timeout   # what the socket itself was last given

    def settimeout(self, value: float | None) -> None:
        self._timeout = value
        self._set(value)

    def gettimeout(self) -> float | None:
        return self._timeout

    def _set(self, value: float | None) -> None:
        self._sock.settimeout(value)
        self._armed = value

    def _arm(self) -> None:
        """The socket's timeout: the read timeout, or less where the deadline is nearer.

        Set only when it must change: `settimeout` lets go of the GIL (a system call), and a
        receiving thread that lets go twice per receive waited for it behind the loader at
        each: in a streamed series 35% of the stream thread's samples were there (py-spy, bench/RESULTS.md).
        Shortened only once the deadline is REARM_S nearer than what is set, so a receive
        ends at most that much after the deadline."""
        left = _remaining()
        want = self._timeout if left is None else (left if self._timeout is None else min(left, self._timeout))
        armed = self._armed
        if want is None or armed is None:
            if want is not armed:
                self._set(want)
        elif want > armed or want < armed - REARM_S:
            self._set(want)

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        self._arm()
        try:
            return self._sock.recv_into(buffer, nbytes, flags)
        except socket.timeout:
            if deadline_passed():
                raise DeadlinePassed("request deadline passed") from None
            raise

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        self._arm()
        try:
            return self._sock.recv(bufsize, flags)
        except socket.timeout:
            if deadline_passed():
                raise DeadlinePassed("request deadline passed") from None
            raise

    def makefile(self, mode: str = "rb", buffering: int | None = None, **_: Any) -> io.BufferedReader:
        # http.client reads status line, headers and body through this file: its reads come
        # back to recv_into above. (The reference count is the socket's own, as makefile does.)
        if mode not in ("r", "rb"):
            raise ValueError(f"unsupported mode {mode!r}")
        self._sock._io_refs += 1  # type: ignore[attr-defined]
        raw = socket.SocketIO(self, "rb")  # type: ignore[arg-type]
        return io.BufferedReader(raw, buffering if buffering and buffering > 0 else io.DEFAULT_BUFFER_SIZE)

    def _decref_socketios(self) -> None:
        self._sock._decref_socketios()  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class _DeadlineHTTPConnection(HTTPConnection):
    def connect(self) -> None:
        super().connect()
        self.sock = _DeadlineSocket(self.sock)  # type: ignore[assignment]


class _DeadlineHTTPSConnection(HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        self.sock = _DeadlineSocket(self.sock)  # type: ignore[assignment]


class _DeadlineHTTPPool(HTTPConnectionPool):
    ConnectionCls = _DeadlineHTTPConnection


class _DeadlineHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _DeadlineHTTPSConnection


def install(pool_manager: Any) -> None:
    """Make a urllib3 PoolManager's connections honour `deadline` (requests' adapters)."""
    pool_manager.pool_classes_by_scheme = {"http": _DeadlineHTTPPool, "https": _DeadlineHTTPSPool}


def read_capped(chunks: Iterable[bytes], cap: int) -> bytes:
    """All chunks joined; SizeCapPassed as soon as more than `cap` bytes have arrived."""
    buf = bytearray()
    for chunk in chunks:
        buf += chunk
        if len(buf) > cap:
            raise SizeCapPassed(len(buf), cap)
    return bytes(buf)
