"""The typed event record and its two renderings (chain JSON, ATNA XML), checked against
records written by the previous, single-module version of `app.audit`.

`data/audit_v1.jsonl` holds three records that version wrote and `data/audit_v1.xml.json`
the XML it rendered for them: if either rendering drifts, logs already on disk would stop
verifying or an ARR would receive different messages. Qt-free: imports no PySide6.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from app import audit
from app.audit import (C, Action, ActiveParticipant, AuditError, AuditEvent, AuditLog, NetworkAccessPointType,
                       ObjectRole, ObjectType, Outcome, ParticipantObject)

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def v1_log(tmp_path: Path) -> AuditLog:
    shutil.copy(DATA / "audit_v1.jsonl", tmp_path / "a.jsonl")
    return AuditLog(tmp_path / "a.jsonl")


def test_records_written_by_the_previous_version_verify(v1_log: AuditLog) -> None:
    assert v1_log.verify() == audit.VerifyResult(True, 3, None)
    for rec, raw in zip(v1_log.records(), v1_log.path.read_text(encoding="utf-8").splitlines()):
        # the round trip is lossless (compared as JSON: to_dict keeps tuples, JSON has lists)
        assert json.loads(json.dumps(rec.event.to_dict())) == json.loads(raw)["event"]


def test_xml_is_unchanged_from_the_previous_version(v1_log: AuditLog) -> None:
    """Unchanged but for one deliberate fix: the previous version wrote the instance count as
    text in ParticipantObjectDescription, which the PS3.15 A.5.1 schema does not allow; it is
    now the schema's SOPClass element (tests/infra/test_audit_schema.py)."""
    expected = json.loads((DATA / "audit_v1.xml.json").read_text(encoding="utf-8"))
    expected = [x.replace("<ParticipantObjectDescription>2 instances</ParticipantObjectDescription>",
                          '<ParticipantObjectDescription><SOPClass NumberOfInstances="2" />'
                          "</ParticipantObjectDescription>") for x in expected]
    assert [audit.to_dicom_xml(r.event) for r in v1_log.records()] == expected


def test_read_back_fields_are_enum_members(v1_log: AuditLog) -> None:
    query, opened, alert = (r.event for r in v1_log.records())
    assert query.action is Action.EXECUTE and alert.outcome is Outcome.MINOR_FAILURE
    patient = opened.objects[1]
    assert patient.type_code is ObjectType.PERSON and patient.type_role is ObjectRole.PATIENT
    assert alert.objects[0].type_role is ObjectRole.SECURITY_RESOURCE
    assert query.participants[0].network_access_point_type is NetworkAccessPointType.MACHINE_NAME


def test_plain_ints_become_enum_members_and_out_of_range_values_are_refused() -> None:
    o = ParticipantObject("A0001", 1, 1, C.PATIENT_NUMBER)
    assert o.type_code is ObjectType.PERSON and o.type_role is ObjectRole.PATIENT
    assert ActiveParticipant("dr.sato", True, "HOST", 2).network_access_point_type is NetworkAccessPointType.IP_ADDRESS
    with pytest.raises(ValueError):
        ParticipantObject("A0001", 7, 1, C.PATIENT_NUMBER)
    with pytest.raises(ValueError):
        ParticipantObject("A0001", 1, 25, C.PATIENT_NUMBER)
    with pytest.raises(ValueError):
        AuditEvent(C.QUERY, "X", Outcome.SUCCESS, (ActiveParticipant("u", True),))  # type: ignore[arg-type]


def test_event_needs_a_participant_and_an_aware_time() -> None:
    me = ActiveParticipant("dr.sato", True)
    with pytest.raises(AuditError):
        AuditEvent(C.QUERY, Action.EXECUTE, Outcome.SUCCESS, ())
    with pytest.raises(AuditError):
        AuditEvent(C.QUERY, Action.EXECUTE, Outcome.SUCCESS, (me,), date_time=datetime(2024, 1, 1))
    ev = AuditEvent(C.QUERY, Action.EXECUTE, 8, (me,), date_time=datetime(2024, 1, 1, tzinfo=timezone.utc))
    assert ev.outcome is Outcome.SERIOUS_FAILURE and ev.to_dict()["outcome"] == 8


def test_emitters_take_no_patient_name(tmp_path: Path) -> None:
    """The query emitter drops name and birth-date keys in every spelling a caller might use."""
    log = AuditLog(tmp_path / "a.jsonl")
    ev = audit.query("dr.sato", {"PatientName": "Yamada^Hanako", "(0010,0010)": "Yamada^Hanako",
                                 "0010,0030": "19500101", "PatientBirthDate": "19500101",
                                 "PatientID": "A0001"}, log=log)
    assert ev.objects[0].query == b"PatientID=A0001"
    text = log.path.read_text(encoding="utf-8")
    assert "Yamada" not in text and "19500101" not in text


def test_audit_and_session_cores_import_no_qt() -> None:
    """What the import-linter contract promises, checked in a fresh interpreter."""
    code = ("import sys, app.audit, app.session, app.commands.audit, app.commands.user; "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6')); "
            "print(bad); sys.exit(1 if bad else 0)")
    res = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr
