"""Audit trail of access to personal data (security.md rows 6, 13, 14, 15).

Events follow DICOM PS3.15 A.5 (the RFC 3881 / DICOM audit message): typed fields, never
free text about a patient. One job per module:

- `events`   the typed event record and the DICOM/RFC 3881 codes and value sets;
- `chain`    the append-only, hash-chained JSON-lines file (append, read, verify);
- `checkpoint` signed checkpoints of the chain head (why signatures, not a keyed chain);
- `atna`     the event as a DICOM audit message (XML), valid against PS3.15 A.5.1
             (schema and its source in ``resources/audit/``);
- `syslog_message` one record as an RFC 5424 message, RFC 5425 framing;
- `forwarder` the log forwarded to the centre's Audit Record Repository over TLS;
- `forwarding_config` the ``[audit]`` table of the site file (repository, CA, client cert);
- `repository` the repository's copy, read from a file it wrote;
- `trail`    `verify_trail`: chain + checkpoints + repository copy (`yomi audit verify`);
- `emitters` one function per audited action, the calls the shell makes.

Callers use this package's names (`from app import audit; audit.study_opened(...)`).
The station's log is ``<data dir>/audit/audit.jsonl`` (`default_log`).
"""
from __future__ import annotations

from app.audit.atna import to_dicom_xml
from app.audit.chain import (GENESIS, AuditLog, ChainBreak, Record, VerifyResult, begin_signing, chain_hash,
                             default_log, end_signing)
from app.audit.checkpoint import Checkpoint, CheckpointSigner
from app.audit.emitters import (audit_log_used, centre_refused, exported, login, logout, nodule_status_overridden,
                                query, report_signed, security_alert, session_locked, session_unlocked, study_opened, study_refused,
                                transferred)
from app.audit.events import (STUDY_ROOT_FIND, UNKNOWN_USER, Action, ActiveParticipant, AuditError, AuditEvent, C, Code,
                              NetworkAccessPointType, ObjectRole, ObjectType, Outcome, ParticipantObject)
from app.audit.forwarder import ForwardError, Forwarder, ForwardFailure, start_forwarding
from app.audit.forwarding_config import AuditConfig, load_audit_config
from app.audit.trail import Finding, TrailProblem, TrailReport, verify_trail

__all__ = [
    "Code", "C", "STUDY_ROOT_FIND", "Action", "Outcome", "ObjectType", "ObjectRole", "NetworkAccessPointType",
    "ActiveParticipant", "ParticipantObject", "AuditEvent", "AuditError",
    "AuditLog", "Record", "VerifyResult", "ChainBreak", "GENESIS", "chain_hash", "default_log",
    "UNKNOWN_USER", "begin_signing", "end_signing", "Checkpoint", "CheckpointSigner",
    "Forwarder", "ForwardError", "ForwardFailure", "start_forwarding", "AuditConfig", "load_audit_config",
    "verify_trail", "TrailProblem", "TrailReport", "Finding",
    "to_dicom_xml",
    "login", "logout", "session_locked", "session_unlocked", "query", "study_opened",
    "transferred", "exported", "security_alert", "audit_log_used", "centre_refused",
    "study_refused", "report_signed", "nodule_status_overridden",
]
