"""Forwarding the audit log to the centre's Audit Record Repository (security.md row 15).

The durable queue is the audit log itself: every record is fsynced there before the action
it records goes on, and the forwarder keeps only a cursor beside it
(``<log stem>.forwarded.json``: the last record the repository has, its hash and the byte
offset after it, replaced atomically). Nothing is lost while the repository is down or the
station is off: after a restart the forwarder resumes after the cursor. A second spool
would be a second copy to keep consistent, and a record written to the log but not yet to
the spool would be lost in a crash between the two.

Delivery: RFC 5424 messages (`syslog_message`), octet-counted over TLS 1.2+ (RFC 5425), the
repository's certificate verified against its CA (`AuditConfig.ca_bundle`) and name, with an
optional client certificate. Syslog over TLS has no acknowledgement, so a batch counts as
delivered only when the connection it went over ends in order: we send TLS close_notify after
the batch and the repository answers with its own or closes the connection (rsyslog does the
latter), which it does only after reading the stream up to our close_notify; a reset, a
timeout or a failed send leaves the batch unconfirmed. The cursor moves only then. Because
under TLS 1.3 a server may refuse the client certificate only after the client's handshake
is done (rsyslog then just closes), a batch goes into a new connection only after it has
stayed open for `ACCEPTANCE_WAIT_S`: a closed connection there is a TLS refusal. A batch whose connection
failed is sent again whole on the next connection: the repository sees some records twice
and de-duplicates them by event UUID (`repository`), which is why every message carries it.
"Received by the repository" is what this can promise; that the repository wrote it to disk
only the repository can (RELP would be needed for that).

`Forwarder.start()` runs it on a daemon thread: it polls the log every `poll_interval_s`
(or at once after `nudge()`), and after a failure waits 1, 2, 4 ... up to `max_backoff_s`
seconds. `forward_pending()` does one pass in the caller's thread (`yomi audit forward`).
Log lines name the repository and counts, never a record's content.
"""
from __future__ import annotations

import enum
import json
import logging
import socket
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path

from app.audit.chain import AuditLog, Record
from app.audit.events import AuditError, AuditEvent
from app.audit.forwarding_config import AuditConfig
from app.audit.syslog_message import frame, to_syslog
from common.atomic import write_atomic

__all__ = ["ForwardFailure", "ForwardError", "Cursor", "Forwarder", "tls_context", "cursor_path",
           "start_forwarding"]

log = logging.getLogger(__name__)


# How long a new connection must stay open before a batch goes into it (see _await_acceptance).
ACCEPTANCE_WAIT_S = 0.3


class ForwardFailure(enum.Enum):
    NOT_CONFIGURED = "no audit repository is configured"
    UNREACHABLE = "the audit repository cannot be reached"
    TLS = "the audit repository's TLS certificate or handshake was refused"
    NOT_CONFIRMED = "the audit repository did not close the connection cleanly"
    LOG_DAMAGED = "the audit log cannot be read past the forwarded point"


class ForwardError(AuditError):
    def __init__(self, failure: ForwardFailure, detail: str = "") -> None:
        super().__init__(failure.value + (f": {detail}" if detail else ""))
        self.failure = failure


@dataclass(frozen=True)
class Cursor:
    seq: int = 0       # last record the repository has
    hash: str = ""     # its chain hash (a log rewritten under the cursor shows)
    offset: int = 0    # byte offset after its line in the log


def cursor_path(log_path: Path) -> Path:
    return log_path.with_name(log_path.stem + ".forwarded.json")


def tls_context(cfg: AuditConfig) -> ssl.SSLContext:
    """TLS 1.2 or later, the repository's CA (or the system store), name checked, optional client cert."""
    ctx = ssl.create_default_context(cafile=str(cfg.ca_bundle) if cfg.ca_bundle else None)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    if cfg.client_cert is not None:
        ctx.load_cert_chain(str(cfg.client_cert), str(cfg.client_key) if cfg.client_key else None)
    return ctx


class Forwarder:
    """Sends the records of `log` after the cursor to the repository of `cfg`."""

    def __init__(self, log_: AuditLog, cfg: AuditConfig, *, batch: int = 500) -> None:
        self.log = log_
        self.cfg = cfg
        self.batch = batch
        self.cursor_file = cursor_path(log_.path)
        self._ctx: ssl.SSLContext | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pass_lock = threading.Lock()  # one pass at a time: the thread and a caller's flush
        self.last_failure: ForwardFailure | None = None

    # --- cursor ------------------------------------------------------------------------------

    def cursor(self) -> Cursor:
        try:
            d = json.loads(self.cursor_file.read_text(encoding="utf-8"))
            return Cursor(int(d["seq"]), str(d["hash"]), int(d["offset"]))
        except FileNotFoundError:
            return Cursor()
        except (ValueError, KeyError, TypeError):
            # A damaged cursor means "start again": the repository de-duplicates what it has.
            log.warning("audit: forwarding cursor %s is damaged; forwarding again from the start",
                        self.cursor_file)
            return Cursor()

    def _save(self, c: Cursor) -> None:
        write_atomic(self.cursor_file, json.dumps({"seq": c.seq, "hash": c.hash, "offset": c.offset}).encode(),
                     mode=0o600)

    def _read_after(self, c: Cursor, limit: int) -> tuple[list[tuple[Record, int]], Cursor]:
        """Up to `limit` records after the cursor, each with the offset after its line."""
        if not self.log.path.exists():
            return [], c
        out: list[tuple[Record, int]] = []
        with open(self.log.path, "rb") as f:
            f.seek(c.offset)
            first = f.readline() if c.offset else b""
            rewound = False
            if c.offset:
                try:
                    r = json.loads(first)
                    fits = int(r["seq"]) == c.seq + 1 and r["prev"] == c.hash
                except (ValueError, KeyError, TypeError):
                    fits = False
                if not fits and first:
                    # The log changed under the cursor (rewritten or replaced): send what it
                    # holds now after that number; verify will show the difference.
                    log.error("audit: log %s no longer continues the forwarded record %d", self.log.path, c.seq)
                    rewound = True
                f.seek(0 if rewound else c.offset)
            pos = f.tell()
            for raw in f:
                pos += len(raw)
                if not raw.endswith(b"\n"):
                    break  # a line being written right now: next pass
                try:
                    r = json.loads(raw.decode("utf-8"))
                    rec = Record(int(r["seq"]), r["prev"], r["hash"], AuditEvent.from_dict(r["event"]))
                except (ValueError, KeyError, TypeError, UnicodeDecodeError, AuditError) as exc:
                    raise ForwardError(ForwardFailure.LOG_DAMAGED, f"{self.log.path} near byte {pos}") from exc
                if rec.seq <= c.seq:
                    continue
                out.append((rec, pos))
                if len(out) >= limit:
                    break
        return out, c

    def pending(self) -> int:
        """How many records are not yet at the repository (reads the log after the cursor)."""
        return len(self._read_after(self.cursor(), 1 << 62)[0])

    # --- sending -----------------------------------------------------------------------------

    def _connect(self) -> ssl.SSLSocket:
        if not self.cfg.forwarding:
            raise ForwardError(ForwardFailure.NOT_CONFIGURED)
        if self._ctx is None:
            self._ctx = tls_context(self.cfg)
        addr = (self.cfg.repository_host, self.cfg.repository_port)
        try:
            raw = socket.create_connection(addr, timeout=self.cfg.connect_timeout_s)
        except OSError as exc:
            raise ForwardError(ForwardFailure.UNREACHABLE, f"{addr[0]}:{addr[1]} ({type(exc).__name__})") from exc
        try:
            tls = self._ctx.wrap_socket(raw, server_hostname=self.cfg.server_name or self.cfg.repository_host)
        except ssl.SSLError as exc:
            raw.close()
            raise ForwardError(ForwardFailure.TLS, f"{addr[0]}:{addr[1]} ({exc.reason or type(exc).__name__})") from exc
        except OSError as exc:
            raw.close()
            raise ForwardError(ForwardFailure.UNREACHABLE, f"{addr[0]}:{addr[1]} ({type(exc).__name__})") from exc
        self._await_acceptance(tls, addr)
        return tls

    def _await_acceptance(self, tls: ssl.SSLSocket, addr: tuple[str, int]) -> None:
        # Under TLS 1.3 the client's handshake ends before the server has judged the client
        # certificate, and rsyslog checks it (x509/certvalid) after the handshake and then
        # just closes. A batch sent into such a connection would seem delivered. So wait a
        # moment: a syslog server never speaks, so silence means it kept the connection.
        tls.settimeout(ACCEPTANCE_WAIT_S)
        try:
            closed = tls.recv(1) == b""
        except (TimeoutError, socket.timeout):
            closed = False
        except ssl.SSLError as exc:
            tls.close()
            raise ForwardError(ForwardFailure.TLS, f"{addr[0]}:{addr[1]} ({exc.reason or type(exc).__name__})") from exc
        except OSError as exc:
            tls.close()
            raise ForwardError(ForwardFailure.TLS, f"{addr[0]}:{addr[1]} closed after the handshake "
                                                   f"({type(exc).__name__})") from exc
        if closed:
            tls.close()
            raise ForwardError(ForwardFailure.TLS, f"{addr[0]}:{addr[1]} closed the connection after the "
                                                   "handshake (client certificate refused?)")
        tls.settimeout(self.cfg.connect_timeout_s)

    def _send_batch(self, batch: list[tuple[Record, int]]) -> None:
        tls = self._connect()
        where = f"{self.cfg.repository_host}:{self.cfg.repository_port}"
        try:
            tls.sendall(b"".join(frame(to_syslog(rec, self.log.source_id)) for rec, _ in batch))
            try:
                tls.unwrap().close()
            except (ssl.SSLEOFError, ssl.SSLZeroReturnError):
                # rsyslog (gtls) closes the TCP connection on reading our close_notify without
                # sending its own: an orderly end after the whole batch was read, not a reset.
                tls.close()
        except ssl.SSLError as exc:
            tls.close()
            raise ForwardError(ForwardFailure.NOT_CONFIRMED, f"{where} ({exc.reason or type(exc).__name__})") from exc
        except OSError as exc:
            tls.close()
            raise ForwardError(ForwardFailure.NOT_CONFIRMED, f"{where} ({type(exc).__name__})") from exc

    def forward_pending(self) -> int:
        """Send everything after the cursor, batch by batch; the number of records sent.

        Raises ForwardError when the repository is unreachable, refuses TLS or does not
        confirm a batch (the cursor then stays where the last confirmed batch left it).
        """
        sent = 0
        with self._pass_lock:
            while not self._stop.is_set():
                batch, _ = self._read_after(self.cursor(), self.batch)
                if not batch:
                    break
                self._send_batch(batch)
                rec, end = batch[-1]
                self._save(Cursor(rec.seq, rec.hash, end))
                sent += len(batch)
                log.info("audit: %d records forwarded to %s (through record %d)", len(batch),
                         self.cfg.repository_host, rec.seq)
        self.last_failure = None
        return sent

    # --- the thread --------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None or not self.cfg.forwarding:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="audit-forwarder", daemon=True)
        self._thread.start()

    def nudge(self) -> None:
        """Look for new records now rather than at the next poll."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        backoff = 1.0
        while not self._stop.is_set():
            try:
                self.forward_pending()
                backoff, wait = 1.0, self.cfg.poll_interval_s
            except ForwardError as exc:
                self.last_failure = exc.failure
                log.warning("audit: forwarding paused (%s); next attempt in %.0f s", exc, backoff)
                backoff, wait = min(backoff * 2, self.cfg.max_backoff_s), backoff
            except Exception:  # the thread must outlive any surprise; the records stay queued
                log.exception("audit: forwarder pass failed")
                backoff, wait = min(backoff * 2, self.cfg.max_backoff_s), backoff
            self._wake.wait(wait)
            self._wake.clear()


def start_forwarding(log_: AuditLog | None = None, cfg: AuditConfig | None = None) -> Forwarder | None:
    """Start forwarding the station's log (or `log_`) on a daemon thread, per the site's
    ``[audit]`` table; None when no repository is configured. The shell calls this once at
    start-up and `stop()` at exit; raises ConfigError for a bad ``[audit]`` table."""
    from app.audit.chain import default_log
    from app.audit.forwarding_config import load_audit_config

    cfg = cfg or load_audit_config()
    if not cfg.forwarding:
        log.info("audit: no audit repository configured; records stay in the station's log only")
        return None
    fwd = Forwarder(log_ or default_log(), cfg)
    fwd.start()
    return fwd
