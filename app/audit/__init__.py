"""Audit trail of access to personal data (security.md rows 6, 13, 14, 15).

Events follow DICOM PS3.15 A.5 (the RFC 3881 / DICOM audit message): typed fields, never
free text about a patient. The package has four parts, one job each:

- `events`   the typed event record and the DICOM/RFC 3881 codes and value sets;
- `chain`    the append-only, hash-chained JSON-lines file (append, read, verify);
- `atna`     the event as a DICOM audit message (XML) for an Audit Record Repository;
- `emitters` one function per audited action, the calls the shell makes.

Callers use this package's names (`from app import audit; audit.study_opened(...)`).
The station's log is ``<data dir>/audit/audit.jsonl`` (`default_log`).
"""
from __future__ import annotations

from app.audit.atna import to_dicom_xml
from app.audit.chain import GENESIS, AuditLog, ChainBreak, Record, VerifyResult, chain_hash, default_log
from app.audit.emitters import (audit_log_used, centre_refused, exported, login, logout, query,
                                security_alert, session_locked, session_unlocked, study_opened,
                                transferred)
from app.audit.events import (STUDY_ROOT_FIND, Action, ActiveParticipant, AuditError, AuditEvent, C, Code,
                              NetworkAccessPointType, ObjectRole, ObjectType, Outcome, ParticipantObject)

__all__ = [
    "Code", "C", "STUDY_ROOT_FIND", "Action", "Outcome", "ObjectType", "ObjectRole", "NetworkAccessPointType",
    "ActiveParticipant", "ParticipantObject", "AuditEvent", "AuditError",
    "AuditLog", "Record", "VerifyResult", "ChainBreak", "GENESIS", "chain_hash", "default_log",
    "to_dicom_xml",
    "login", "logout", "session_locked", "session_unlocked", "query", "study_opened",
    "transferred", "exported", "security_alert", "audit_log_used", "centre_refused",
]
