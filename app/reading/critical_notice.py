"""Telling the centre about a critical result, durably, until it answers; and its acknowledgement.

A notice is written to its own SQLite store (WAL, synchronous=FULL, 0600) when the report is
signed, one row per channel, before anything goes on the wire: a station that stops before
the centre answered sends it again at the next start. `Notifier.deliver_due()` (run by a
worker, never the GUI thread) tries each due notice: a channel's transient failure (network,
5xx, 408, 429) is retried inside the call by urllib3's Retry and, past that, later with
common.backoff; a refusal (other 4xx) is kept as FAILED with its reason for the reader to see.

What is sent names the study, the report's SR and the kind of finding, never the patient's
name, ID or the reader's free text: the centre reads the details from the SR it receives
first (the outbox sends a critical report before every other).

Acknowledgement (decided): the centre's 2xx answer may carry `{"acknowledged": true,
"acknowledged_by": "..."}` at once; otherwise the station asks again later (`GET <url>/<notice
id>`, the same answer) until it says so; the station is behind the site's firewall and
cannot be called back. Each delivery and acknowledgement is audited (110110 Patient Record).
No Qt here.
"""
from __future__ import annotations

import enum
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from app.audit import emitters
from app.audit.chain import AuditLog
from app.report.critical import CriticalFinding, CriticalKind
from common.atomic import make_private_dirs
from common.backoff import Backoff
from common.durable_db import open_durable_db

from .site_rules import NotifyChannel

__all__ = ["NoticeState", "Notice", "ChannelResult", "NoticeStore", "WebhookChannel", "Notifier", "NoticeChannel"]

log = logging.getLogger(__name__)


class NoticeState(str, enum.Enum):
    PENDING = "pending"            # not yet accepted by the centre (or being retried)
    DELIVERED = "delivered"        # the centre accepted it; not yet acknowledged by a person
    ACKNOWLEDGED = "acknowledged"  # someone at the centre took it in hand
    FAILED = "failed"              # refused (a 4xx): needs the site's attention, reason kept


@dataclass(frozen=True)
class Notice:
    notice_id: str
    report_id: str
    study_uid: str
    sr_sop_uid: str
    kind: CriticalKind
    flagged_at: str
    channel: NotifyChannel
    state: NoticeState
    attempts: int = 0
    next_attempt: float = 0.0
    reason: str = ""
    acknowledged_by: str = ""
    acknowledged_at: str = ""

    def payload(self, reader: str) -> dict[str, str]:
        return {"notice_id": self.notice_id, "report_id": self.report_id, "study_uid": self.study_uid,
                "sr_sop_uid": self.sr_sop_uid, "kind": self.kind.value, "flagged_at": self.flagged_at,
                "reader": reader}


@dataclass(frozen=True)
class ChannelResult:
    state: NoticeState             # PENDING = try again later
    reason: str = ""
    acknowledged_by: str = ""


class NoticeChannel(Protocol):
    name: str   # who is told (a host name), for the audit trail

    def send(self, notice: Notice, reader: str) -> ChannelResult: ...

    def poll_ack(self, notice: Notice) -> ChannelResult: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS notices (
    notice_id TEXT PRIMARY KEY, report_id TEXT NOT NULL, study_uid TEXT NOT NULL, sr_sop_uid TEXT NOT NULL,
    kind TEXT NOT NULL, flagged_at TEXT NOT NULL, channel TEXT NOT NULL, state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, next_attempt REAL NOT NULL, reason TEXT NOT NULL DEFAULT '',
    acknowledged_by TEXT NOT NULL DEFAULT '', acknowledged_at TEXT NOT NULL DEFAULT '',
    UNIQUE (report_id, channel)
);
"""
_COLUMNS = ("notice_id", "report_id", "study_uid", "sr_sop_uid", "kind", "flagged_at", "channel", "state",
            "attempts", "next_attempt", "reason", "acknowledged_by", "acknowledged_at")


class NoticeStore:
    DB_NAME = "critical-notices.sqlite3"

    def __init__(self, directory: Path | str, *, clock: Callable[[], float] = time.time) -> None:
        self.directory = Path(directory)
        make_private_dirs(self.directory)
        self._clock = clock
        self._lock = threading.RLock()
        self._db = open_durable_db(self.directory / self.DB_NAME)
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def add(self, report_id: str, study_uid: str, sr_sop_uid: str, finding: CriticalFinding,
            channels: Iterable[NotifyChannel]) -> list[Notice]:
        """One pending notice per channel, durably; adding the same report again is a no-op."""
        now = self._clock()
        with self._lock:
            for ch in channels:
                self._db.execute(
                    "INSERT OR IGNORE INTO notices(notice_id, report_id, study_uid, sr_sop_uid, kind, flagged_at,"
                    " channel, state, next_attempt) VALUES (?,?,?,?,?,?,?,?,?)",
                    (str(uuid.uuid4()), report_id, study_uid, sr_sop_uid, finding.kind.value, finding.flagged_at,
                     NotifyChannel(ch).value, NoticeState.PENDING.value, now))
        log.info("critical result of report %s queued for %s", report_id, ", ".join(NotifyChannel(c).value for c in channels))
        return self.of_report(report_id)

    def _rows(self, where: str, args: Sequence) -> list[Notice]:
        with self._lock:
            rows = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM notices WHERE {where}"
                                    " ORDER BY next_attempt, notice_id", tuple(args)).fetchall()
        return [Notice(r[0], r[1], r[2], r[3], CriticalKind(r[4]), r[5], NotifyChannel(r[6]), NoticeState(r[7]),
                       int(r[8]), float(r[9]), r[10], r[11], r[12]) for r in rows]

    def of_report(self, report_id: str) -> list[Notice]:
        return self._rows("report_id=?", (report_id,))

    def of_study(self, study_uid: str) -> list[Notice]:
        return self._rows("study_uid=?", (study_uid,))

    def due(self) -> list[Notice]:
        """Pending notices due now, and delivered ones waiting for their acknowledgement."""
        return self._rows("(state=? OR state=?) AND next_attempt<=?",
                          (NoticeState.PENDING.value, NoticeState.DELIVERED.value, self._clock()))

    def record(self, notice: Notice, result: ChannelResult, *, retry_in_s: float) -> Notice:
        ack_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self._clock())) \
            if result.state is NoticeState.ACKNOWLEDGED else ""
        attempts = notice.attempts + (1 if notice.state is NoticeState.PENDING else 0)
        with self._lock:
            self._db.execute("UPDATE notices SET state=?, attempts=?, next_attempt=?, reason=?, acknowledged_by=?,"
                             " acknowledged_at=? WHERE notice_id=?",
                             (result.state.value, attempts, self._clock() + retry_in_s, result.reason[:500],
                              result.acknowledged_by[:200], ack_at, notice.notice_id))
        return self._rows("notice_id=?", (notice.notice_id,))[0]


def _webhook_session(retries: int, backoff_factor: float) -> requests.Session:
    retry = Retry(total=retries, connect=retries, read=retries, status=retries, backoff_factor=backoff_factor,
                  status_forcelist=(408, 429, 500, 502, 503, 504),
                  # the receiver deduplicates by notice_id (also sent as Idempotency-Key): POST is safe to repeat
                  allowed_methods=frozenset({"POST", "GET"}), raise_on_status=False, respect_retry_after_header=True)
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def _ack(resp: requests.Response) -> ChannelResult:
    try:
        body = resp.json() if resp.content else {}
    except ValueError:
        body = {}
    if isinstance(body, dict) and body.get("acknowledged") is True:
        return ChannelResult(NoticeState.ACKNOWLEDGED, acknowledged_by=str(body.get("acknowledged_by", ""))[:200])
    return ChannelResult(NoticeState.DELIVERED)


class WebhookChannel:
    """POST the notice as JSON to the centre's URL (site setting `[critical] webhook_url`)."""

    def __init__(self, url: str, *, retries: int = 5, backoff_factor: float = 0.5, timeout_s: float = 10.0,
                 ca_bundle: str | None = None) -> None:
        self.url = url.rstrip("/")
        self.name = urlsplit(url).hostname or url
        self.timeout_s = timeout_s
        self.verify: str | bool = ca_bundle or True
        self._session = _webhook_session(retries, backoff_factor)

    def _result(self, call: Callable[[], requests.Response], what: str) -> ChannelResult:
        try:
            resp = call()
        except requests.RequestException as exc:
            return ChannelResult(NoticeState.PENDING, f"{what}: {exc.__class__.__name__}")
        with resp:
            if 200 <= resp.status_code < 300:
                return _ack(resp)
            if resp.status_code in (408, 429) or resp.status_code >= 500:
                return ChannelResult(NoticeState.PENDING, f"{what}: HTTP {resp.status_code}")
            return ChannelResult(NoticeState.FAILED, f"{what}: refused, HTTP {resp.status_code}")

    def send(self, notice: Notice, reader: str) -> ChannelResult:
        return self._result(lambda: self._session.post(
            self.url, data=json.dumps(notice.payload(reader)).encode(), timeout=self.timeout_s, verify=self.verify,
            headers={"Content-Type": "application/json", "Idempotency-Key": notice.notice_id}), "webhook")

    def poll_ack(self, notice: Notice) -> ChannelResult:
        result = self._result(lambda: self._session.get(f"{self.url}/{notice.notice_id}", timeout=self.timeout_s,
                                                        verify=self.verify), "webhook acknowledgement")
        # a failed poll leaves the notice delivered: it was accepted once, only the ack is unknown
        return result if result.state is NoticeState.ACKNOWLEDGED else ChannelResult(NoticeState.DELIVERED,
                                                                                     result.reason)


class Notifier:
    """Delivers due notices through their channels and audits what the centre was told."""

    def __init__(self, store: NoticeStore, channels: dict[NotifyChannel, NoticeChannel], *, reader: str,
                 backoff: Backoff = Backoff(base_s=30.0, cap_s=900.0), ack_poll_s: float = 60.0,
                 audit_log: AuditLog | None = None) -> None:
        self.store = store
        self.channels = channels
        self.reader = reader
        self.backoff = backoff
        self.ack_poll_s = ack_poll_s
        self.audit_log = audit_log

    def deliver_due(self) -> list[Notice]:
        """One pass over due notices (blocking network I/O: a worker's job). Returns the
        notices whose state changed."""
        changed = []
        for notice in self.store.due():
            channel = self.channels.get(notice.channel)
            if channel is None:
                continue  # a channel the site turned off since: the notice waits, kept
            if notice.state is NoticeState.PENDING:
                result = channel.send(notice, self.reader)
            else:
                result = channel.poll_ack(notice)
            retry = self.backoff.delay(notice.attempts + 1) if result.state is NoticeState.PENDING else self.ack_poll_s
            after = self.store.record(notice, result, retry_in_s=retry)
            if after.state is not notice.state:
                changed.append(after)
            self._audit(notice, after, channel)
        return changed

    def _audit(self, before: Notice, after: Notice, channel: NoticeChannel) -> None:
        if before.state is NoticeState.PENDING:
            ok = after.state in (NoticeState.DELIVERED, NoticeState.ACKNOWLEDGED)
            emitters.critical_result(self.reader, after.study_uid, peer=channel.name, report_id=after.report_id,
                                     channel=after.channel.value, ok=ok, reason="" if ok else after.reason,
                                     log=self.audit_log)
        if after.state is NoticeState.ACKNOWLEDGED and before.state is not NoticeState.ACKNOWLEDGED:
            emitters.critical_result(self.reader, after.study_uid, peer=channel.name, report_id=after.report_id,
                                     channel=after.channel.value, acknowledged_by=after.acknowledged_by or channel.name,
                                     log=self.audit_log)
