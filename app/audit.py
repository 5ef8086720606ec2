"""Audit trail of access to personal data (security.md rows 6, 13, 14, 15).

Events follow DICOM PS3.15 A.5 (the RFC 3881 / DICOM audit message): typed fields, never
free text about a patient. The patient appears only as the Patient ID (participant type 1,
role 1, ID type "Patient Number"); the patient name is never written.

The log is a JSON-lines file, one record per line, append-only and hash-chained:
``{"seq": n, "prev": <hash of record n-1>, "event": {...}, "hash": sha256(seq, prev, event)}``.
`verify()` finds the first record that was edited, deleted, inserted or moved. Removing
records from the end leaves a shorter but valid chain: only a copy kept elsewhere (the
ARR forward of row 15, not implemented yet) can show that. Appends take an inter-process
lock (the GUI and `yomi audit` may run at once), read the chain head from the file, write
one line and fsync before returning.

`to_dicom_xml(event)` builds the DICOM audit message of one event, ready for an Audit
Record Repository; forwarding over syslog/TLS (RFC 5425) is not implemented yet.
"""
from __future__ import annotations

import base64
import contextlib
import enum
import hashlib
import json
import logging
import os
import socket
import threading
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from worklist.atomic_io import fsync_dir

__all__ = [
    "Code", "Action", "Outcome", "ActiveParticipant", "ParticipantObject", "AuditEvent",
    "AuditLog", "AuditError", "VerifyResult", "Record",
    "default_log", "to_dicom_xml", "interprocess_lock",
    "login", "logout", "session_locked", "session_unlocked", "query", "study_opened",
    "transferred", "exported", "security_alert", "audit_log_used", "centre_refused",
]

log = logging.getLogger(__name__)

GENESIS = "0" * 64


class AuditError(Exception):
    """The audit log could not be written or read; one line, no personal data."""


@dataclass(frozen=True)
class Code:
    """A coded value (code, scheme, meaning), e.g. Code("110114", "DCM", "User Authentication")."""

    code: str
    scheme: str
    meaning: str


class C:
    """The DICOM (DCM) and RFC 3881 codes this station emits (PS3.16, PS3.15 A.5.3)."""

    USER_AUTHENTICATION = Code("110114", "DCM", "User Authentication")
    LOGIN = Code("110122", "DCM", "Login")
    LOGOUT = Code("110123", "DCM", "Logout")
    QUERY = Code("110112", "DCM", "Query")
    INSTANCES_ACCESSED = Code("110103", "DCM", "DICOM Instances Accessed")
    INSTANCES_TRANSFERRED = Code("110104", "DCM", "DICOM Instances Transferred")
    EXPORT = Code("110106", "DCM", "Export")
    SECURITY_ALERT = Code("110113", "DCM", "Security Alert")
    AUDIT_LOG_USED = Code("110101", "DCM", "Audit Log Used")
    SOURCE = Code("110153", "DCM", "Source Role ID")
    DESTINATION = Code("110152", "DCM", "Destination Role ID")
    DESTINATION_MEDIA = Code("110154", "DCM", "Destination Media")
    STUDY_INSTANCE_UID = Code("110180", "DCM", "Study Instance UID")
    SOP_CLASS_UID = Code("110181", "DCM", "SOP Class UID")
    PATIENT_NUMBER = Code("2", "RFC-3881", "Patient Number")
    URI = Code("12", "RFC-3881", "URI")
    NODE_AUTHENTICATION = Code("110126", "DCM", "Node Authentication")
    USE_OF_RESTRICTED_FUNCTION = Code("110132", "DCM", "Use of Restricted Function")
    SOFTWARE_CONFIGURATION = Code("110131", "DCM", "Software Configuration")
    # Idle lock/unlock have no DICOM code; they ride on User Authentication Logout/Login
    # with this local code added as a second EventTypeCode so a reviewer can tell them apart.
    IDLE_LOCK = Code("LOCK", "99YOMI", "Session locked")
    UNLOCK = Code("UNLOCK", "99YOMI", "Session unlocked")
    # Study Root Query/Retrieve - FIND: the query model a QIDO-RS study search corresponds to
    STUDY_ROOT_FIND = "1.2.840.10008.5.1.4.1.2.2.1"


class Action(str, enum.Enum):
    CREATE = "C"
    READ = "R"
    UPDATE = "U"
    DELETE = "D"
    EXECUTE = "E"


class Outcome(enum.IntEnum):
    SUCCESS = 0
    MINOR_FAILURE = 4
    SERIOUS_FAILURE = 8
    MAJOR_FAILURE = 12


@dataclass(frozen=True)
class ActiveParticipant:
    user_id: str
    user_is_requestor: bool
    network_access_point_id: str = ""
    network_access_point_type: int = 1  # 1 machine name, 2 IP address
    role: Code | None = None
    user_name: str = ""  # the reader's own name (never a patient's)


@dataclass(frozen=True)
class ParticipantObject:
    object_id: str
    type_code: int        # 1 person, 2 system object
    type_role: int        # 1 patient, 3 report, 13 security resource, ...
    id_type: Code
    query: bytes = b""    # ParticipantObjectQuery (base64 in XML)
    details: tuple[tuple[str, str], ...] = ()  # (type, value) ParticipantObjectDetail
    description: str = ""  # e.g. number of instances; never personal data


@dataclass(frozen=True)
class AuditEvent:
    event_id: Code
    action: Action
    outcome: Outcome
    participants: tuple[ActiveParticipant, ...]
    objects: tuple[ParticipantObject, ...] = ()
    event_types: tuple[Code, ...] = ()
    outcome_description: str = ""
    date_time: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    source_id: str = ""
    event_uuid: str = field(default_factory=lambda: str(uuid.uuid4()))  # dedupe key for forwarding

    def __post_init__(self) -> None:
        if self.date_time.tzinfo is None:
            raise AuditError("audit event time must carry a time zone (UTC)")
        if not self.participants:
            raise AuditError(f"audit event {self.event_id.code} needs an active participant")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["action"] = self.action.value
        d["outcome"] = int(self.outcome)
        d["date_time"] = self.date_time.astimezone(timezone.utc).isoformat(timespec="microseconds")
        for o in d["objects"]:
            o["query"] = base64.b64encode(o["query"]).decode("ascii")
            o["details"] = [list(x) for x in o["details"]]
        return d

    @classmethod
    def from_dict(cls, d: Mapping) -> "AuditEvent":
        def code(x: Mapping | None) -> Code | None:
            return Code(**x) if x else None

        return cls(
            event_id=Code(**d["event_id"]),
            action=Action(d["action"]),
            outcome=Outcome(d["outcome"]),
            participants=tuple(
                ActiveParticipant(**{**p, "role": code(p.get("role"))}) for p in d["participants"]),
            objects=tuple(
                ParticipantObject(**{**o, "id_type": Code(**o["id_type"]),
                                     "query": base64.b64decode(o["query"]),
                                     "details": tuple(tuple(x) for x in o["details"])})
                for o in d["objects"]),
            event_types=tuple(Code(**c) for c in d["event_types"]),
            outcome_description=d["outcome_description"],
            date_time=datetime.fromisoformat(d["date_time"]),
            source_id=d["source_id"],
            event_uuid=d["event_uuid"],
        )


@dataclass(frozen=True)
class Record:
    seq: int
    prev: str
    hash: str
    event: AuditEvent


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    records: int                 # records checked and found good
    first_bad_line: int | None   # 1-based line number of the first broken record
    reason: str = ""


# --- inter-process lock -------------------------------------------------------------------

_thread_locks: dict[str, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


@contextlib.contextmanager
def interprocess_lock(path: Path) -> Iterator[None]:
    """Exclusive lock on `path` (created if missing) across threads and processes.

    flock/LockFileEx lock per open file, so threads of one process are serialised by a
    per-path thread lock first.
    """
    key = str(Path(path).resolve())
    with _thread_locks_guard:
        tlock = _thread_locks.setdefault(key, threading.Lock())
    with tlock:
        fd = os.open(key, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.name == "nt":  # pragma: no cover - Windows
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the OS lock


# --- the log --------------------------------------------------------------------------------

def _chain_hash(seq: int, prev: str, event: dict) -> str:
    body = json.dumps({"seq": seq, "prev": prev, "event": event}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _last_line(path: Path) -> bytes:
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        end = f.tell()
        chunk, pos = b"", end
        while pos > 0:
            step = min(4096, pos)
            pos -= step
            f.seek(pos)
            chunk = f.read(step) + chunk
            lines = chunk.rstrip(b"\n").rsplit(b"\n", 1)
            if len(lines) == 2 or pos == 0:
                return lines[-1]
        return b""


class AuditLog:
    """One hash-chained JSON-lines audit file (see the module docstring)."""

    def __init__(self, path: Path | str, *, source_id: str = "") -> None:
        self.path = Path(path)
        self.source_id = source_id or f"yomi@{socket.gethostname()}"
        self._lockfile = self.path.with_name(self.path.name + ".lock")

    def append(self, event: AuditEvent) -> Record:
        """Write one event at the end of the chain, fsynced before returning."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        ev = event.to_dict()
        if not ev["source_id"]:
            ev["source_id"] = self.source_id
        with interprocess_lock(self._lockfile):
            seq, prev = 1, GENESIS
            if self.path.exists() and self.path.stat().st_size:
                try:
                    head = json.loads(_last_line(self.path))
                    seq, prev = int(head["seq"]) + 1, str(head["hash"])
                except (ValueError, KeyError, TypeError) as exc:
                    raise AuditError("audit log end is damaged; run `yomi audit verify`") from exc
            digest = _chain_hash(seq, prev, ev)
            line = json.dumps({"seq": seq, "prev": prev, "event": ev, "hash": digest}, sort_keys=True,
                              separators=(",", ":"), ensure_ascii=False) + "\n"
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
        if seq == 1:
            fsync_dir(self.path.parent)
        log.debug("audit: event %s appended as record %d", event.event_id.code, seq)
        return Record(seq, prev, digest, AuditEvent.from_dict(ev))

    def records(self) -> Iterator[Record]:
        """All records in order (no verification; see `verify`)."""
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                try:
                    r = json.loads(line)
                    yield Record(r["seq"], r["prev"], r["hash"], AuditEvent.from_dict(r["event"]))
                except (ValueError, KeyError, TypeError) as exc:
                    raise AuditError(f"audit log line {n} is not a readable record") from exc

    def verify(self) -> VerifyResult:
        """Check every record's hash, sequence number and link to the previous record."""
        if not self.path.exists():
            return VerifyResult(True, 0, None)
        prev, count = GENESIS, 0
        with open(self.path, "rb") as f:
            for n, raw in enumerate(f, 1):
                try:
                    r = json.loads(raw.decode("utf-8"))
                    seq, rprev, rhash, ev = r["seq"], r["prev"], r["hash"], r["event"]
                except (ValueError, KeyError, TypeError, UnicodeDecodeError):
                    return VerifyResult(False, count, n, "not a readable record")
                if seq != n:
                    return VerifyResult(False, count, n, f"sequence number {seq} where {n} was expected")
                if rprev != prev:
                    return VerifyResult(False, count, n, "does not follow the previous record")
                if _chain_hash(seq, rprev, ev) != rhash:
                    return VerifyResult(False, count, n, "content does not match its hash")
                try:
                    AuditEvent.from_dict(ev)
                except (ValueError, KeyError, TypeError, AuditError):
                    return VerifyResult(False, count, n, "event fields are malformed")
                prev, count = rhash, count + 1
        return VerifyResult(True, count, None)




def default_log() -> AuditLog:
    """The station's audit log in the user data dir (YOMI_DATA_DIR in tests)."""
    from app.paths import data_dir

    return AuditLog(data_dir() / "audit" / "audit.jsonl")


# --- DICOM audit message XML ----------------------------------------------------------------

def _code_el(parent: ET.Element, tag: str, c: Code) -> ET.Element:
    return ET.SubElement(parent, tag, {"csd-code": c.code, "codeSystemName": c.scheme, "originalText": c.meaning})


def to_dicom_xml(event: AuditEvent) -> str:
    """The DICOM PS3.15 A.5.1 audit message of one event (UTF-8 XML text)."""
    root = ET.Element("AuditMessage")
    ident = ET.SubElement(root, "EventIdentification", {
        "EventActionCode": event.action.value,
        "EventDateTime": event.date_time.astimezone(timezone.utc).isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
        "EventOutcomeIndicator": str(int(event.outcome)),
    })
    _code_el(ident, "EventID", event.event_id)
    for t in event.event_types:
        _code_el(ident, "EventTypeCode", t)
    if event.outcome_description:
        ET.SubElement(ident, "EventOutcomeDescription").text = event.outcome_description
    for p in event.participants:
        attrs = {"UserID": p.user_id, "UserIsRequestor": "true" if p.user_is_requestor else "false"}
        if p.user_name:
            attrs["UserName"] = p.user_name
        if p.network_access_point_id:
            attrs["NetworkAccessPointID"] = p.network_access_point_id
            attrs["NetworkAccessPointTypeCode"] = str(p.network_access_point_type)
        el = ET.SubElement(root, "ActiveParticipant", attrs)
        if p.role:
            _code_el(el, "RoleIDCode", p.role)
    src = ET.SubElement(root, "AuditSourceIdentification",
                        {"AuditSourceID": event.source_id or f"yomi@{socket.gethostname()}"})
    # 1 = End-user display device, diagnostic display (RFC 3881 audit source type)
    ET.SubElement(src, "AuditSourceTypeCode", {"csd-code": "1", "codeSystemName": "DCM",
                                               "originalText": "End-user display device"})
    for o in event.objects:
        el = ET.SubElement(root, "ParticipantObjectIdentification", {
            "ParticipantObjectID": o.object_id,
            "ParticipantObjectTypeCode": str(o.type_code),
            "ParticipantObjectTypeCodeRole": str(o.type_role),
        })
        _code_el(el, "ParticipantObjectIDTypeCode", o.id_type)
        if o.query:
            ET.SubElement(el, "ParticipantObjectQuery").text = base64.b64encode(o.query).decode("ascii")
        for dtype, value in o.details:
            ET.SubElement(el, "ParticipantObjectDetail", {
                "type": dtype, "value": base64.b64encode(value.encode("utf-8")).decode("ascii")})
        if o.description:
            ET.SubElement(el, "ParticipantObjectDescription").text = o.description
    return ET.tostring(root, encoding="unicode")


# --- convenience functions for the shell ----------------------------------------------------

def _node() -> str:
    return socket.gethostname()


def _me(user: str, *, role: Code | None = None) -> ActiveParticipant:
    return ActiveParticipant(user_id=user, user_is_requestor=True, network_access_point_id=_node(),
                             network_access_point_type=1, role=role)


def _remote(node: str, role: Code) -> ActiveParticipant:
    return ActiveParticipant(user_id=node, user_is_requestor=False, network_access_point_id=node,
                             network_access_point_type=1, role=role)


def _study(uid: str, sop_uids: Sequence[str] = ()) -> ParticipantObject:
    return ParticipantObject(uid, 2, 3, C.STUDY_INSTANCE_UID,
                             description=f"{len(sop_uids)} instances" if sop_uids else "")


def _patient(patient_id: str) -> ParticipantObject:
    return ParticipantObject(patient_id, 1, 1, C.PATIENT_NUMBER)


def _outcome(ok: bool, failure: Outcome = Outcome.MINOR_FAILURE) -> Outcome:
    return Outcome.SUCCESS if ok else failure


def _emit(event: AuditEvent, target: AuditLog | None) -> AuditEvent:
    (target or default_log()).append(event)
    return event


def login(user: str, ok: bool, *, log: AuditLog | None = None, reason: str = "") -> AuditEvent:
    """110114 User Authentication / Login; a failed attempt is its own event (outcome 4)."""
    return _emit(AuditEvent(C.USER_AUTHENTICATION, Action.EXECUTE, _outcome(ok), (_me(user),),
                            event_types=(C.LOGIN,), outcome_description=reason), log)


def logout(user: str, *, log: AuditLog | None = None) -> AuditEvent:
    return _emit(AuditEvent(C.USER_AUTHENTICATION, Action.EXECUTE, Outcome.SUCCESS, (_me(user),),
                            event_types=(C.LOGOUT,)), log)


def session_locked(user: str, *, log: AuditLog | None = None) -> AuditEvent:
    """Idle or manual lock: images and personal data hidden (a Logout with the local LOCK type)."""
    return _emit(AuditEvent(C.USER_AUTHENTICATION, Action.EXECUTE, Outcome.SUCCESS, (_me(user),),
                            event_types=(C.LOGOUT, C.IDLE_LOCK)), log)


def session_unlocked(user: str, ok: bool, *, log: AuditLog | None = None, reason: str = "") -> AuditEvent:
    return _emit(AuditEvent(C.USER_AUTHENTICATION, Action.EXECUTE, _outcome(ok), (_me(user),),
                            event_types=(C.LOGIN, C.UNLOCK), outcome_description=reason), log)


# Keys that could carry a patient's name or birth date are never written into a query record.
_PERSONAL_QUERY_KEYS = {"patientname", "00100010", "patientbirthdate", "00100030",
                        "patientbirthname", "00101005", "patientmothersbirthname", "00101060"}


def query(user: str, params: Mapping[str, str], *, server: str = "", ok: bool = True,
          log: AuditLog | None = None) -> AuditEvent:
    """110112 Query (e.g. a QIDO-RS worklist search); name/birth-date keys are dropped."""
    kept = {k: v for k, v in params.items() if k.replace(",", "").replace("(", "").replace(")", "")
            .lower() not in _PERSONAL_QUERY_KEYS}
    q = "&".join(f"{k}={v}" for k, v in sorted(kept.items())).encode("utf-8")
    participants = (_me(user, role=C.SOURCE),) + ((_remote(server, C.DESTINATION),) if server else ())
    obj = ParticipantObject(C.STUDY_ROOT_FIND, 2, 3, C.SOP_CLASS_UID, query=q)
    return _emit(AuditEvent(C.QUERY, Action.EXECUTE, _outcome(ok), participants, (obj,)), log)


def study_opened(user: str, study_uid: str, patient_id: str, *, sop_uids: Sequence[str] = (),
                 ok: bool = True, log: AuditLog | None = None) -> AuditEvent:
    """110103 DICOM Instances Accessed (Read): the reader opened a study."""
    return _emit(AuditEvent(C.INSTANCES_ACCESSED, Action.READ, _outcome(ok), (_me(user),),
                            (_study(study_uid, sop_uids), _patient(patient_id))), log)


def transferred(user: str, study_uid: str, patient_id: str, *, peer: str, sent: bool,
                sop_uids: Sequence[str] = (), ok: bool = True, reason: str = "",
                log: AuditLog | None = None) -> AuditEvent:
    """110104 DICOM Instances Transferred: `sent` True for STOW of a report, False for a download.

    Action is C (the receiver did not hold the instances before) from either side.
    """
    if sent:
        parts = (_me(user, role=C.SOURCE), _remote(peer, C.DESTINATION))
    else:
        parts = (_me(user, role=C.DESTINATION), _remote(peer, C.SOURCE))
    return _emit(AuditEvent(C.INSTANCES_TRANSFERRED, Action.CREATE, _outcome(ok), parts,
                            (_study(study_uid, sop_uids), _patient(patient_id)),
                            outcome_description=reason), log)


def exported(user: str, study_uid: str, patient_id: str, *, media: str, sop_uids: Sequence[str] = (),
             ok: bool = True, log: AuditLog | None = None) -> AuditEvent:
    """110106 Export (Read) to media (e.g. "PDF file", "USB"); `media` names the kind, not a path."""
    media_p = ActiveParticipant(user_id=media, user_is_requestor=False, role=C.DESTINATION_MEDIA)
    return _emit(AuditEvent(C.EXPORT, Action.READ, _outcome(ok), (_me(user, role=C.SOURCE), media_p),
                            (_study(study_uid, sop_uids), _patient(patient_id))), log)


def security_alert(user: str, alert: Code, subject: str, description: str, *,
                   outcome: Outcome = Outcome.MINOR_FAILURE, log: AuditLog | None = None) -> AuditEvent:
    """110113 Security Alert, e.g. alert=C.NODE_AUTHENTICATION, subject=the server URL.

    `description` is one line for the alert detail; it must not carry personal data.
    """
    obj = ParticipantObject(subject, 2, 13, C.URI, details=(("Alert Description", description),))
    return _emit(AuditEvent(C.SECURITY_ALERT, Action.EXECUTE, outcome, (_me(user),), (obj,),
                            event_types=(alert,)), log)


def centre_refused(user: str, url: str, error: Exception, *, log: AuditLog | None = None) -> AuditEvent | None:
    """Record a centre failure that matters to security; None for the others (unreachable, 5xx).

    TLS verification failed: Security Alert, Node Authentication. Access refused (e.g. a
    study not assigned to this reader, security.md row 4): Security Alert, Use of
    Restricted Function. Credentials refused: a failed User Authentication.
    """
    from worklist.centre import Forbidden, TLSFailure, Unauthorised

    if isinstance(error, TLSFailure):
        return security_alert(user, C.NODE_AUTHENTICATION, url, "TLS verification failed", log=log)
    if isinstance(error, Forbidden):
        return security_alert(user, C.USE_OF_RESTRICTED_FUNCTION, url, "centre refused access", log=log)
    if isinstance(error, Unauthorised):
        return login(user, False, log=log, reason="centre refused the credentials")
    return None


def audit_log_used(user: str, used: AuditLog, *, log: AuditLog | None = None) -> AuditEvent:
    """110101 Audit Log Used (Read): someone read or verified the log."""
    obj = ParticipantObject(used.path.resolve().as_uri(), 2, 13, C.URI)
    return _emit(AuditEvent(C.AUDIT_LOG_USED, Action.READ, Outcome.SUCCESS, (_me(user),), (obj,)), log)
