"""Audit trail: hash chain (edit/delete/reorder detected), concurrent appends, DICOM XML, CLI."""
from __future__ import annotations

import argparse
import json
import multiprocessing
import socket
import threading
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path

import pytest

from app import audit
from app.audit import C, Action, AuditEvent, AuditLog, Outcome

STUDY = "1.3.6.1.4.1.14519.5.2.1.6655.2359.1"
PID = "A0001"


def _fill(log: AuditLog) -> None:
    audit.login("dr.sato", True, log=log)
    audit.query("dr.sato", {"PatientName": "Yamada^Hanako", "StudyDate": "20240101-", "00100030": "19500101",
                            "00081060": "SATO^ICHIRO"}, server="pacs.example", log=log)
    audit.study_opened("dr.sato", STUDY, PID, sop_uids=["1.2.3.1", "1.2.3.2"], log=log)
    audit.transferred("dr.sato", STUDY, PID, peer="pacs.example", sent=True, sop_uids=["1.2.9"], log=log)
    audit.exported("dr.sato", STUDY, PID, media="PDF file", log=log)
    audit.security_alert("dr.sato", C.NODE_AUTHENTICATION, "https://pacs.example/dicom-web",
                         "TLS certificate verification failed", log=log)
    audit.logout("dr.sato", log=log)


def _lines(log: AuditLog) -> list[str]:
    return log.path.read_text(encoding="utf-8").splitlines(keepends=True)


def test_chain_verifies_and_round_trips(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    _fill(log)
    res = log.verify()
    assert res.ok and res.records == 7 and res.first_bad_line is None
    recs = list(log.records())
    assert [r.seq for r in recs] == list(range(1, 8))
    assert recs[0].prev == audit.GENESIS and all(recs[i].prev == recs[i - 1].hash for i in range(1, 7))
    assert [r.event.event_id.code for r in recs] == ["110114", "110112", "110103", "110104", "110106",
                                                      "110113", "110114"]
    assert all(r.event.date_time.tzinfo is not None and r.event.date_time.utcoffset().total_seconds() == 0
               for r in recs)
    text = log.path.read_text(encoding="utf-8")
    assert "Yamada" not in text and "19500101" not in text  # personal query keys dropped
    q = recs[1].event.objects[0].query.decode()
    assert q == "00081060=SATO^ICHIRO&StudyDate=20240101-"  # personal keys dropped, the rest kept
    assert oct(log.path.stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("damage", ["edit", "edit_last", "delete", "reorder", "insert", "rehash"])
def test_verify_detects_tampering(tmp_path: Path, damage: str) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    _fill(log)
    lines = _lines(log)
    expected_line = {"edit": 3, "edit_last": 7, "delete": 3, "reorder": 3, "insert": 4, "rehash": 4}[damage]
    if damage in ("edit", "edit_last"):
        k = expected_line - 1
        lines[k] = lines[k].replace(PID, "B0002") if PID in lines[k] else lines[k].replace('"outcome":0', '"outcome":4')
    elif damage == "delete":
        del lines[2]
    elif damage == "reorder":
        lines[2], lines[3] = lines[3], lines[2]
    elif damage == "insert":
        lines.insert(3, lines[1])
    elif damage == "rehash":  # an editor who also recomputes the record's own hash
        r = json.loads(lines[2])
        r["event"]["objects"][1]["object_id"] = "B0002"
        r["hash"] = audit.chain_hash(r["seq"], r["prev"], r["event"])
        lines[2] = json.dumps(r, sort_keys=True, separators=(",", ":")) + "\n"
        expected_line = 4
    log.path.write_text("".join(lines), encoding="utf-8")
    res = log.verify()
    assert not res.ok and res.first_bad_line == expected_line, res


def _append_many(path: str, n: int) -> None:
    log = AuditLog(Path(path))
    for _ in range(n):
        audit.login("proc", True, log=log)


def test_concurrent_appends_threads_and_processes(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    ctx = multiprocessing.get_context("spawn")
    proc = ctx.Process(target=_append_many, args=(str(log.path), 60))
    proc.start()
    threads = [threading.Thread(target=_append_many, args=(str(log.path), 60)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    proc.join(120)
    assert proc.exitcode == 0
    res = log.verify()
    assert res.ok and res.records == 180


def _norm(xml: str) -> str:
    return xml.replace(socket.gethostname(), "HOST")


def test_dicom_xml_user_authentication_golden() -> None:
    me = audit.ActiveParticipant("dr.sato", True, "HOST", 1)
    ev = AuditEvent(C.USER_AUTHENTICATION, Action.EXECUTE, Outcome.MINOR_FAILURE, (me,),
                    event_types=(C.LOGIN,), date_time=datetime(2024, 6, 1, 3, 4, 5, tzinfo=timezone.utc),
                    source_id="yomi@HOST", event_uuid="u")
    assert audit.to_dicom_xml(ev) == (
        '<AuditMessage><EventIdentification EventActionCode="E" EventDateTime="2024-06-01T03:04:05.000Z"'
        ' EventOutcomeIndicator="4"><EventID csd-code="110114" codeSystemName="DCM"'
        ' originalText="User Authentication" /><EventTypeCode csd-code="110122" codeSystemName="DCM"'
        ' originalText="Login" /></EventIdentification><ActiveParticipant UserID="dr.sato"'
        ' UserIsRequestor="true" NetworkAccessPointID="HOST" NetworkAccessPointTypeCode="1" />'
        '<AuditSourceIdentification AuditSourceID="yomi@HOST"><AuditSourceTypeCode csd-code="1"'
        ' codeSystemName="DCM" originalText="End-user display device" /></AuditSourceIdentification>'
        '</AuditMessage>')


def test_dicom_xml_instances_accessed_golden(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl", source_id="yomi@HOST")
    audit.study_opened("dr.sato", STUDY, PID, log=log)
    (rec,) = log.records()
    xml = _norm(audit.to_dicom_xml(rec.event))
    ts = rec.event.date_time.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert xml == (
        f'<AuditMessage><EventIdentification EventActionCode="R" EventDateTime="{ts}"'
        ' EventOutcomeIndicator="0"><EventID csd-code="110103" codeSystemName="DCM"'
        ' originalText="DICOM Instances Accessed" /></EventIdentification>'
        '<ActiveParticipant UserID="dr.sato" UserIsRequestor="true" NetworkAccessPointID="HOST"'
        ' NetworkAccessPointTypeCode="1" /><AuditSourceIdentification AuditSourceID="yomi@HOST">'
        '<AuditSourceTypeCode csd-code="1" codeSystemName="DCM" originalText="End-user display device" />'
        f'</AuditSourceIdentification><ParticipantObjectIdentification ParticipantObjectID="{STUDY}"'
        ' ParticipantObjectTypeCode="2" ParticipantObjectTypeCodeRole="3"><ParticipantObjectIDTypeCode'
        ' csd-code="110180" codeSystemName="DCM" originalText="Study Instance UID" />'
        f'</ParticipantObjectIdentification><ParticipantObjectIdentification ParticipantObjectID="{PID}"'
        ' ParticipantObjectTypeCode="1" ParticipantObjectTypeCodeRole="1"><ParticipantObjectIDTypeCode'
        ' csd-code="2" codeSystemName="RFC-3881" originalText="Patient Number" />'
        '</ParticipantObjectIdentification></AuditMessage>')


def test_dicom_xml_fields_of_every_event(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    _fill(log)
    audit.audit_log_used("it.admin", log, log=log)
    for rec in log.records():
        root = ET.fromstring(audit.to_dicom_xml(rec.event))
        ident = root.find("EventIdentification")
        assert ident is not None and ident.get("EventActionCode") in "CRUDE"
        assert ident.get("EventDateTime", "").endswith("Z")
        assert ident.find("EventID").get("csd-code") == rec.event.event_id.code
        parts = root.findall("ActiveParticipant")
        assert any(p.get("UserIsRequestor") == "true" for p in parts)
        assert all(p.get("UserID") for p in parts)
        if rec.event.event_id == C.USER_AUTHENTICATION:  # NetworkAccessPointID is mandatory here
            assert parts[0].get("NetworkAccessPointID")
        objs = root.findall("ParticipantObjectIdentification")
        patients = [o for o in objs if o.get("ParticipantObjectTypeCode") == "1"]
        if rec.event.event_id in (C.INSTANCES_ACCESSED, C.INSTANCES_TRANSFERRED, C.EXPORT):
            assert len(patients) == 1 and patients[0].get("ParticipantObjectID") == PID
            assert patients[0].get("ParticipantObjectTypeCodeRole") == "1"
            assert patients[0].find("ParticipantObjectIDTypeCode").get("csd-code") == "2"
            assert any(o.find("ParticipantObjectIDTypeCode").get("csd-code") == "110180" for o in objs)
    roles = {p.find("RoleIDCode").get("csd-code") for p in
             ET.fromstring(audit.to_dicom_xml(list(log.records())[3].event)).findall("ActiveParticipant")}
    assert roles == {"110153", "110152"}


def _cli(*argv: str) -> int:
    from app.commands import audit as cmd

    parser = argparse.ArgumentParser()
    parser.add_argument("--user")
    cmd.add_parser(parser.add_subparsers(dest="command"))
    return cmd.run(parser.parse_args(list(argv)))


def test_cli_verify_show_and_log_used(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """The chain side of the CLI. A log with a login needs a signed checkpoint to verify
    (tests/infra/test_audit_trail.py), so this log holds records written with nobody logged in."""
    own = audit.default_log()
    assert own.path.is_relative_to(data_dir)
    for i in range(3):
        audit.study_opened("dr.sato", STUDY, f"P{i}", log=own)
    audit.logout("dr.sato", log=own)
    assert _cli("--user", "it.admin", "audit", "verify") == 0
    assert "intact: 4 records" in capsys.readouterr().out
    last = list(own.records())[-1].event
    assert last.event_id == C.AUDIT_LOG_USED and last.participants[0].user_id == "it.admin"
    assert _cli("audit", "show", "--last", "3") == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3 and "Audit Log Used" in out[-1]
    assert list(own.records())[-1].event.event_id == C.AUDIT_LOG_USED  # show is audited too

    copy = tmp_path / "copy.jsonl"
    lines = _lines(own)
    lines[1] = lines[1].replace('"outcome":0', '"outcome":8')
    copy.write_text("".join(lines), encoding="utf-8")
    assert _cli("audit", "verify", "--log", str(copy)) == 1
    assert "line 2" in capsys.readouterr().err
    assert _cli("audit", "verify", "--log", str(tmp_path / "missing.jsonl")) == 1  # a missing log is not intact
    assert "missing" in capsys.readouterr().err
    assert own.verify().ok  # checking a copy audited into our own, intact, log
