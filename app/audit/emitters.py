"""One function per audited action, for the shell (security.md row 13: one event per action).

Each builds a complete `AuditEvent` from typed arguments and appends it to `log` (the
station's own log when None). Arguments are identifiers only (user ID, study UID, Patient
ID, a server name); a patient's name or birth date has no parameter to go in by.
"""
from __future__ import annotations

import dataclasses

import socket
from collections.abc import Mapping, Sequence

from app.audit.chain import AuditLog, default_log
from app.audit.events import (C, MAX_LISTED_INSTANCES, STUDY_ROOT_FIND, Action, ActiveParticipant, AuditEvent, Code,
                              NetworkAccessPointType, ObjectRole, ObjectType, Outcome,
                              ParticipantObject)

__all__ = [
    "login", "logout", "session_locked", "session_unlocked", "query", "study_opened",
    "transferred", "exported", "security_alert", "audit_log_used", "centre_refused",
    "study_refused", "report_signed", "critical_result", "nodule_status_overridden",
]


def _me(user: str, *, role: Code | None = None) -> ActiveParticipant:
    # NetworkAccessPointID is mandatory for User Authentication (A.5.3.12): this machine.
    return ActiveParticipant(user_id=user, user_is_requestor=True, network_access_point_id=socket.gethostname(),
                             network_access_point_type=NetworkAccessPointType.MACHINE_NAME, role=role)


def _remote(node: str, role: Code) -> ActiveParticipant:
    return ActiveParticipant(user_id=node, user_is_requestor=False, network_access_point_id=node,
                             network_access_point_type=NetworkAccessPointType.MACHINE_NAME, role=role)


def _study(uid: str, sop_uids: Sequence[str] = (), sop_class_uid: str = "") -> ParticipantObject:
    # PS3.15 A.5.1: the count and UIDs go in ParticipantObjectDescription/SOPClass, never as text
    listed = tuple(sop_uids) if len(sop_uids) <= MAX_LISTED_INSTANCES else ()
    return ParticipantObject(uid, ObjectType.SYSTEM_OBJECT, ObjectRole.REPORT, C.STUDY_INSTANCE_UID,
                             instance_count=len(sop_uids), sop_class_uid=sop_class_uid, instances=listed)


def _patient(patient_id: str) -> ParticipantObject:
    return ParticipantObject(patient_id, ObjectType.PERSON, ObjectRole.PATIENT, C.PATIENT_NUMBER)


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


def _is_personal(key: str) -> bool:
    # "(0010,0010)", "0010,0010", "00100010" and "PatientName" all name the same attribute
    return key.replace(",", "").replace("(", "").replace(")", "").lower() in _PERSONAL_QUERY_KEYS


def query(user: str, params: Mapping[str, str], *, server: str = "", ok: bool = True,
          log: AuditLog | None = None) -> AuditEvent:
    """110112 Query (e.g. a QIDO-RS worklist search); name/birth-date keys are dropped."""
    kept = {k: v for k, v in params.items() if not _is_personal(k)}
    q = "&".join(f"{k}={v}" for k, v in sorted(kept.items())).encode("utf-8")
    participants = (_me(user, role=C.SOURCE),) + ((_remote(server, C.DESTINATION),) if server else ())
    obj = ParticipantObject(STUDY_ROOT_FIND, ObjectType.SYSTEM_OBJECT, ObjectRole.REPORT, C.SOP_CLASS_UID, query=q)
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
    obj = ParticipantObject(subject, ObjectType.SYSTEM_OBJECT, ObjectRole.SECURITY_RESOURCE, C.URI,
                            details=(("Alert Description", description),))
    return _emit(AuditEvent(C.SECURITY_ALERT, Action.EXECUTE, outcome, (_me(user),), (obj,),
                            event_types=(alert,)), log)


def centre_refused(user: str, url: str, error: Exception, *, log: AuditLog | None = None) -> AuditEvent | None:
    """Record a centre failure that matters to security; None for the others (unreachable, 5xx).

    TLS verification failed: Security Alert, Node Authentication. Access refused (e.g. a
    study not assigned to this reader, security.md row 4): Security Alert, Use of
    Restricted Function. Credentials refused: a failed User Authentication.
    """
    # Imported here: worklist.centre pulls in pydicom, which no other emitter needs.
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
    obj = ParticipantObject(used.path.resolve().as_uri(), ObjectType.SYSTEM_OBJECT,
                            ObjectRole.SECURITY_RESOURCE, C.URI)
    return _emit(AuditEvent(C.AUDIT_LOG_USED, Action.READ, Outcome.SUCCESS, (_me(user),), (obj,)), log)


def study_refused(user: str, study_uid: str, description: str, *, log: AuditLog | None = None) -> AuditEvent:
    """Security Alert, Use of Restricted Function, on the study itself: the station refused
    (or the centre refused) a study the reader has no assignment for (security.md row 4).
    `description` is one line without personal data, e.g. "not on the reader's worklist"."""
    obj = ParticipantObject(study_uid, ObjectType.SYSTEM_OBJECT, ObjectRole.REPORT, C.STUDY_INSTANCE_UID,
                            details=(("Alert Description", description),))
    return _emit(AuditEvent(C.SECURITY_ALERT, Action.EXECUTE, Outcome.MINOR_FAILURE, (_me(user),), (obj,),
                            event_types=(C.USE_OF_RESTRICTED_FUNCTION,)), log)


def report_signed(user: str, study_uid: str, patient_id: str, *, report_id: str, sop_uids: Sequence[str] = (),
                  ok: bool = True, reason: str = "", log: AuditLog | None = None) -> AuditEvent:
    """110103 DICOM Instances Accessed (Create): the signed SR and PDF of `report_id` were made
    by `user` (re-authenticated); a refused signature is the same event with a failure outcome."""
    study = dataclasses.replace(_study(study_uid, sop_uids), details=(("Report", report_id),))
    return _emit(AuditEvent(C.INSTANCES_ACCESSED, Action.CREATE, _outcome(ok), (_me(user),),
                            (study, _patient(patient_id)), outcome_description=reason), log)


PATIENT_RECORD = Code("110110", "DCM", "Patient Record")
CRITICAL_NOTIFIED = Code("CRIT-NOTIFIED", "99YOMI", "Critical result notified to the centre")
CRITICAL_ACKNOWLEDGED = Code("CRIT-ACK", "99YOMI", "Critical result acknowledged by the centre")


def critical_result(user: str, study_uid: str, patient_id: str = "", *, peer: str, report_id: str, channel: str,
                    acknowledged_by: str = "", ok: bool = True, reason: str = "",
                    log: AuditLog | None = None) -> AuditEvent:
    """110110 Patient Record (Read: disclosed to the centre): a critical result of `report_id`
    was notified through `channel` (e.g. "webhook"), or, with `acknowledged_by`, the centre
    acknowledged it. A notice attempt that failed is the same event with a failure outcome."""
    study = dataclasses.replace(_study(study_uid), details=(("Report", report_id), ("Channel", channel)))
    objects = (study, _patient(patient_id)) if patient_id else (study,)
    kind = CRITICAL_ACKNOWLEDGED if acknowledged_by else CRITICAL_NOTIFIED
    parts = (_me(user, role=C.SOURCE), _remote(peer, C.DESTINATION))
    if acknowledged_by:
        parts += (ActiveParticipant(user_id=acknowledged_by, user_is_requestor=False),)
    return _emit(AuditEvent(PATIENT_RECORD, Action.READ, _outcome(ok), parts, objects, event_types=(kind,),
                            outcome_description=reason), log)


STATUS_OVERRIDDEN = Code("NODULE-STATUS-OVERRIDE", "99YOMI", "Suggested nodule change overridden by the reader")


def nodule_status_overridden(user: str, study_uid: str, patient_id: str, *, report_id: str, nodule: int,
                             suggested: str, chosen: str, reason: str, log: AuditLog | None = None) -> AuditEvent:
    """110110 Patient Record (Update): the reader recorded nodule `nodule` (1-based) of the
    report's draft as `chosen` where the prior comparison suggested `suggested`, for `reason`
    (the reader's own words about the images, which the SR and the PDF carry too)."""
    study = dataclasses.replace(_study(study_uid), details=(
        ("Report", report_id), ("Nodule", str(nodule)), ("Suggested", suggested), ("Chosen", chosen),
        ("Reason", reason)))
    return _emit(AuditEvent(PATIENT_RECORD, Action.UPDATE, Outcome.SUCCESS, (_me(user),),
                            (study, _patient(patient_id)), event_types=(STATUS_OVERRIDDEN,)), log)
