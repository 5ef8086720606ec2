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
from typing import Any, Protocol
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
from common.uids import is_valid_uid

from .site_rules import NotifyChannel

__all__ = ["NoticeState", "Notice", "ChannelResult", "NoticeStore", "WebhookChannel", "Notifier", "NoticeChannel",
           "UpsNoticeChannel", "ups_notice_dataset", "ups_acknowledgement"]

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
    workitem_uid: str = ""       # the UPS channel: the reader's workitem of the study, and
    transaction_uid: str = ""    # the claim's Transaction UID, kept here as the claim store forgets it

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
# added after the first stores were written: put on an older store when it is opened
_ADDED = {"workitem_uid": "TEXT NOT NULL DEFAULT ''", "transaction_uid": "TEXT NOT NULL DEFAULT ''"}
_COLUMNS = ("notice_id", "report_id", "study_uid", "sr_sop_uid", "kind", "flagged_at", "channel", "state",
            "attempts", "next_attempt", "reason", "acknowledged_by", "acknowledged_at", *_ADDED)


class NoticeStore:
    DB_NAME = "critical-notices.sqlite3"

    def __init__(self, directory: Path | str, *, clock: Callable[[], float] = time.time) -> None:
        self.directory = Path(directory)
        make_private_dirs(self.directory)
        self._clock = clock
        self._lock = threading.RLock()
        self._db = open_durable_db(self.directory / self.DB_NAME)
        self._db.executescript(_SCHEMA)
        have = {r[1] for r in self._db.execute("PRAGMA table_info(notices)")}
        for column, decl in _ADDED.items():
            if column not in have:
                self._db.execute(f"ALTER TABLE notices ADD COLUMN {column} {decl}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def add(self, report_id: str, study_uid: str, sr_sop_uid: str, finding: CriticalFinding,
            channels: Iterable[NotifyChannel], *, workitem: tuple[str, str] = ("", "")) -> list[Notice]:
        """One pending notice per channel, durably; adding the same report again is a no-op.
        `workitem` is (workitem UID, Transaction UID) of the reader's claim, for the UPS channel."""
        now = self._clock()
        with self._lock:
            for ch in channels:
                self._db.execute(
                    "INSERT OR IGNORE INTO notices(notice_id, report_id, study_uid, sr_sop_uid, kind, flagged_at,"
                    " channel, state, next_attempt, workitem_uid, transaction_uid) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (str(uuid.uuid4()), report_id, study_uid, sr_sop_uid, finding.kind.value, finding.flagged_at,
                     NotifyChannel(ch).value, NoticeState.PENDING.value, now, *workitem))
        log.info("critical result of report %s queued for %s", report_id, ", ".join(NotifyChannel(c).value for c in channels))
        return self.of_report(report_id)

    def _rows(self, where: str, args: Sequence) -> list[Notice]:
        with self._lock:
            rows = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM notices WHERE {where}"
                                    " ORDER BY next_attempt, notice_id", tuple(args)).fetchall()
        return [Notice(r[0], r[1], r[2], r[3], CriticalKind(r[4]), r[5], NotifyChannel(r[6]), NoticeState(r[7]),
                       int(r[8]), float(r[9]), r[10], r[11], r[12], r[13], r[14]) for r in rows]

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


_PROGRESS_SEQ, _PARAMETERS_SEQ = "00741002", "00741007"


def _content(code: str, vr_key: str, vr: str, value: str) -> dict:
    """One 99YOMI content item of the notice (packaging/centre/yomi_centre/critical_notice.py)."""
    value_type = {"0040A160": "TEXT", "0040A124": "UIDREF", "0040A120": "DATETIME"}[vr_key]
    return {"0040A040": {"vr": "CS", "Value": [value_type]},
            "0040A043": {"vr": "SQ", "Value": [{"00080100": {"vr": "SH", "Value": [code]},
                                                 "00080102": {"vr": "SH", "Value": ["99YOMI"]},
                                                 "00080104": {"vr": "LO", "Value": [code.lower()]}}]},
            vr_key: {"vr": vr, "Value": [value]}}


def ups_notice_dataset(notice: Notice, transaction_uid: str = "") -> dict:
    """The update body the UPS channel sends (DICOM JSON): the notice and Priority HIGH; and the
    Transaction UID, which the standard puts in the query only, for the Yomi centre: Orthanc
    gives its plugin no query of a POST."""
    flagged = notice.flagged_at.replace("-", "").replace(":", "").replace("T", "").split("+")[0].rstrip("Z")
    params = [_content("CRIT-NOTICE", "0040A160", "UT", notice.notice_id),
              _content("CRIT-KIND", "0040A160", "UT", notice.kind.value),
              _content("CRIT-SR", "0040A124", "UI", notice.sr_sop_uid),
              _content("CRIT-FLAGGED", "0040A120", "DT", flagged[:14])]
    item = {"00741006": {"vr": "ST", "Value": [f"CRITICAL RESULT: {notice.kind.value}; SR {notice.sr_sop_uid}"]},
            _PARAMETERS_SEQ: {"vr": "SQ", "Value": params}}
    out = {_PROGRESS_SEQ: {"vr": "SQ", "Value": [item]}, "00741200": {"vr": "CS", "Value": ["HIGH"]}}
    if transaction_uid:
        out["00081195"] = {"vr": "UI", "Value": [transaction_uid]}
    return out


def _text_of(items: list, code: str) -> str:
    for p in items:
        for c in (p.get("0040A043") or {}).get("Value") or []:
            if (c.get("00080100") or {}).get("Value") == [code]:
                for key in ("0040A160", "0040A120", "0040A124"):
                    vals = (p.get(key) or {}).get("Value") or []
                    if vals:
                        return str(vals[0])
    return ""


def ups_acknowledgement(workitem: dict, notice_id: str) -> tuple[bool, str]:
    """(acknowledged, by whom) of this notice, as the centre wrote it on the workitem."""
    for item in (workitem.get(_PROGRESS_SEQ) or {}).get("Value") or []:
        params = (item.get(_PARAMETERS_SEQ) or {}).get("Value") or [] if isinstance(item, dict) else []
        if _text_of(params, "CRIT-NOTICE") == notice_id:
            by = _text_of(params, "CRIT-ACK-BY")
            return bool(by or _text_of(params, "CRIT-ACK-AT")), by
    return False, ""


class UpsNoticeChannel:
    """Write the notice on the reader's own workitem of the study (PS3.18 11.6 update, with the
    claim's Transaction UID) and read the centre's acknowledgement back from it (11.5 retrieve);
    site setting `[critical] channels = ["ups"]`. One request per try: a transient failure
    (unreachable, 5xx) waits for common.backoff, as the webhook's does past its own retries."""

    def __init__(self, client) -> None:   # worklist.dicomweb.DicomWebClient
        self.client = client
        self.name = urlsplit(client.settings.base_url).hostname or "centre"

    def _call(self, notice: Notice, what: str, method: str, path: str, **kw) -> tuple[ChannelResult | None, Any]:
        from worklist.centre import CentreError, ServerError, Unauthorised, Unreachable

        try:
            resp = self.client.request(method, path, ok=(200, 400, 403, 404, 409), study_uid=notice.study_uid, **kw)
        except (Unreachable, ServerError, Unauthorised) as exc:
            return ChannelResult(NoticeState.PENDING, f"{what}: {exc.__class__.__name__}"), None
        except CentreError as exc:
            return ChannelResult(NoticeState.FAILED, f"{what}: {exc}"[:500]), None
        with resp:
            if resp.status_code != 200:
                return ChannelResult(NoticeState.FAILED, f"{what}: refused, HTTP {resp.status_code}: "
                                                         f"{resp.text[:300]}"), None
            return None, resp.content

    def send(self, notice: Notice, reader: str) -> ChannelResult:
        if not (notice.workitem_uid and notice.transaction_uid):
            return ChannelResult(NoticeState.FAILED, f"UPS workitem: study {notice.study_uid} was not read from a "
                                                     "claimed UPS workitem on this station")
        if not (is_valid_uid(notice.workitem_uid) and is_valid_uid(notice.transaction_uid)):
            return ChannelResult(NoticeState.FAILED, f"UPS workitem: study {notice.study_uid}: the kept workitem or "
                                                     "Transaction UID is not a UID")
        path = f"workitems/{notice.workitem_uid}?{notice.transaction_uid}"   # PS3.18 11.6
        refused, _body = self._call(notice, "UPS workitem", "POST", path,
                                    data=json.dumps(ups_notice_dataset(notice, notice.transaction_uid)).encode(),
                                    headers={"Content-Type": "application/dicom+json"})
        return refused or ChannelResult(NoticeState.DELIVERED)

    def poll_ack(self, notice: Notice) -> ChannelResult:
        refused, body = self._call(notice, "UPS acknowledgement", "GET", f"workitems/{notice.workitem_uid}",
                                   headers={"Accept": "application/dicom+json"})
        if refused is not None:
            return ChannelResult(NoticeState.DELIVERED, refused.reason)
        try:
            data = json.loads(body)
            workitem = data[0] if isinstance(data, list) else data
            acked, by = ups_acknowledgement(workitem, notice.notice_id)
        except (ValueError, IndexError, KeyError, TypeError, AttributeError):
            return ChannelResult(NoticeState.DELIVERED, "UPS acknowledgement: the workitem could not be read")
        return ChannelResult(NoticeState.ACKNOWLEDGED, acknowledged_by=by[:200]) if acked \
            else ChannelResult(NoticeState.DELIVERED)


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
