"""Forwarding to a real Audit Record Repository: rsyslog + gtls started by the test
(tests/fixtures/audit_repository.py), RFC 5425 over TLS with the test CA verified.

Covers: what arrives (RFC 5424 header, PRI facility 10, APP-NAME, MSGID, the stamp, the
schema-valid ATNA XML); the repository down -> records queued in the log -> all delivered,
each once after de-duplication, when it is back; a restart resuming after the cursor (a
new process); a certificate from another CA refused; and `yomi audit verify --repository`
catching what local checks cannot (an unsigned tail cut, a log replaced wholesale). Qt-free.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from app import audit
from app.audit import AuditConfig, AuditLog, ForwardError, ForwardFailure, Forwarder, TrailProblem, verify_trail
from app.audit.syslog_message import parse_stamp
from tests.fixtures.audit_repository import AuditRepository, audit_repository  # noqa: F401
from tests.fixtures.orthanc import make_test_pki
from tests.infra.conftest import wait_until
from tests.infra.test_audit_trail import READER, reading_session, site, trusted  # noqa: F401

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "resources" / "audit" / "dicom-audit-message-yomi.rng"
HEADER = re.compile(r"^<(\d+)>1 (\S+) (\S+) (\S+) (\d+) (\S+) \[yomi@32473 [^\]]*\] \ufeff(<AuditMessage>.*</AuditMessage>)$")


def _cfg(repo: AuditRepository, **kw) -> AuditConfig:
    return AuditConfig(repository_host=repo.host, repository_port=repo.port, ca_bundle=repo.pki.ca_cert,
                       poll_interval_s=0.05, max_backoff_s=0.2, connect_timeout_s=2.0, **kw)


def _uuids(repo: AuditRepository) -> list[str]:
    return [s.uuid for s in (parse_stamp(x) for x in repo.lines()) if s is not None]


def test_records_arrive_whole_as_rfc5424_with_schema_valid_atna(tmp_path: Path, audit_repository: AuditRepository,
                                                               site) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    reading_session(site, log)
    audit.login(audit.UNKNOWN_USER, False, log=log, reason="wrong")
    assert Forwarder(log, _cfg(audit_repository)).forward_pending() == 6
    wait_until(lambda: len(audit_repository.lines()) == 6)
    schema = etree.RelaxNG(etree.parse(str(SCHEMA)))
    recs = list(log.records())
    for rec, line in zip(recs, audit_repository.lines()):
        m = HEADER.match(line)
        assert m, line[:200]
        pri, _ts, _host, app_name, _pid, msgid, xml = m.groups()
        assert int(pri) // 8 == 10 and app_name == "yomi" and msgid == "DICOM+RFC3881"
        assert int(pri) % 8 == (5 if rec.event.outcome is audit.Outcome.SUCCESS else 4)
        stamp = parse_stamp(line)
        assert (stamp.uuid, stamp.seq, stamp.hash, stamp.source_id) == (rec.event.event_uuid, rec.seq, rec.hash,
                                                                        log.source_id)
        assert xml == audit.to_dicom_xml(rec.event)
        assert schema.validate(etree.fromstring(xml.encode())), str(schema.error_log)
    rep = verify_trail(log, trusted_keys=trusted(site), repository=audit_repository.received)
    assert rep.ok and rep.repository_records == 6 and rep.not_forwarded == 0


def test_repository_down_queues_and_everything_arrives_once_when_it_is_back(
        tmp_path: Path, audit_repository: AuditRepository) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    fwd = Forwarder(log, _cfg(audit_repository), batch=3)
    fwd.start()
    try:
        for i in range(4):
            audit.study_opened(READER, f"1.2.3.{i}", f"P{i}", log=log)
        fwd.nudge()
        wait_until(lambda: len(_uuids(audit_repository)) == 4)
        audit_repository.stop()
        for i in range(4, 10):
            audit.study_opened(READER, f"1.2.3.{i}", f"P{i}", log=log)
        fwd.nudge()
        wait_until(lambda: fwd.last_failure is ForwardFailure.UNREACHABLE)
        assert fwd.pending() == 6 and fwd.cursor().seq == 4  # queued in the log, nothing lost
        audit_repository.start()
        wait_until(lambda: fwd.pending() == 0)
    finally:
        fwd.stop()
    uuids = _uuids(audit_repository)
    expected = [r.event.event_uuid for r in log.records()]
    assert set(uuids) == set(expected)  # every record, once after de-duplication by UUID
    assert verify_trail(log, repository=audit_repository.received).ok


def test_a_restarted_station_resumes_after_the_cursor(tmp_path: Path, audit_repository: AuditRepository) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    for i in range(3):
        audit.study_opened(READER, f"1.2.3.{i}", f"P{i}", log=log)
    assert Forwarder(log, _cfg(audit_repository)).forward_pending() == 3
    for i in range(3, 5):
        audit.study_opened(READER, f"1.2.3.{i}", f"P{i}", log=log)
    # a new process (the station restarted) forwards only the two new records
    code = ("import sys; from pathlib import Path; from app import audit; "
            "cfg = audit.AuditConfig(repository_host='127.0.0.1', repository_port=int(sys.argv[2]), "
            "ca_bundle=Path(sys.argv[3])); "
            "print(audit.Forwarder(audit.AuditLog(Path(sys.argv[1])), cfg).forward_pending())")
    out = subprocess.run([sys.executable, "-c", code, str(log.path), str(audit_repository.port),
                          str(audit_repository.pki.ca_cert)], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "2"
    wait_until(lambda: len(_uuids(audit_repository)) == 5)
    assert sorted(parse_stamp(x).seq for x in audit_repository.lines()) == [1, 2, 3, 4, 5]


def test_a_repository_certificate_from_another_ca_is_refused(tmp_path: Path, audit_repository: AuditRepository) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    audit.study_opened(READER, "1.2.3", "P1", log=log)
    other = make_test_pki(tmp_path / "other-ca", common_name="Not the ARR's CA")
    fwd = Forwarder(log, AuditConfig(repository_host=audit_repository.host, repository_port=audit_repository.port,
                                     ca_bundle=other.ca_cert))
    with pytest.raises(ForwardError) as err:
        fwd.forward_pending()
    assert err.value.failure is ForwardFailure.TLS
    wrong_name = Forwarder(log, _cfg(audit_repository, server_name="arr.elsewhere.example"))
    with pytest.raises(ForwardError) as err:
        wrong_name.forward_pending()  # the right CA, but not the name the site configured
    assert err.value.failure is ForwardFailure.TLS
    assert fwd.pending() == 1 and audit_repository.lines() == []


def test_the_repository_copy_catches_what_local_checks_cannot(tmp_path: Path, audit_repository: AuditRepository,
                                                             site) -> None:
    log = AuditLog(tmp_path / "audit" / "audit.jsonl")
    reading_session(site, log)
    audit.study_opened("it.admin", "1.2.3.9", "P9", log=log)  # after logout: no checkpoint covers it
    assert Forwarder(log, _cfg(audit_repository)).forward_pending() == 6
    wait_until(lambda: len(audit_repository.lines()) == 6)
    keys, arr = trusted(site), audit_repository.received
    saved = log.path.read_text(encoding="utf-8")

    log.path.write_text("".join(saved.splitlines(keepends=True)[:-1]), encoding="utf-8")  # unsigned tail cut
    assert verify_trail(log, trusted_keys=keys).ok  # locally invisible ...
    assert TrailProblem.REPOSITORY_BEYOND_LOG in verify_trail(log, trusted_keys=keys, repository=arr).problems

    # ... and so is a log and checkpoint file replaced wholesale by a fresh, consistent pair
    log.path.unlink()
    log.checkpoints.path.unlink()
    audit.study_opened("it.admin", "1.2.3.1", "P1", log=log)
    assert verify_trail(log, trusted_keys=keys).ok
    rep = verify_trail(log, trusted_keys=keys, repository=arr)
    assert {TrailProblem.REPOSITORY_MISMATCH, TrailProblem.REPOSITORY_BEYOND_LOG} <= rep.problems

    log.path.unlink()  # and a deleted log with its checkpoints: the repository still knows
    assert TrailProblem.REPOSITORY_BEYOND_LOG in verify_trail(log, repository=arr).problems


def test_duplicates_at_the_repository_count_once_and_conflicts_fail(tmp_path: Path,
                                                                   audit_repository: AuditRepository) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    for i in range(3):
        audit.study_opened(READER, f"1.2.3.{i}", f"P{i}", log=log)
    fwd = Forwarder(log, _cfg(audit_repository))
    assert fwd.forward_pending() == 3
    fwd.cursor_file.unlink()  # as after a batch that was sent but never confirmed: sent again
    assert fwd.forward_pending() == 3
    wait_until(lambda: len(audit_repository.lines()) == 6)
    rep = verify_trail(log, repository=audit_repository.received)
    assert rep.ok and rep.repository_records == 3
    forged = tmp_path / "forged.log"
    lines = audit_repository.lines()
    lines.append(lines[0].replace(json.dumps(list(log.records())[0].hash)[1:-1], "0" * 64))
    forged.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert TrailProblem.REPOSITORY_CONFLICT in verify_trail(log, repository=forged).problems


def _cli(*argv: str) -> int:
    from app.commands import audit as cmd

    parser = argparse.ArgumentParser()
    parser.add_argument("--user")
    cmd.add_parser(parser.add_subparsers(dest="command"))
    return cmd.run(parser.parse_args(list(argv)))


def test_cli_forward_reads_the_site_file_and_verify_compares(tmp_path: Path, audit_repository: AuditRepository,
                                                            site, monkeypatch, capsys) -> None:
    conf = tmp_path / "site.toml"
    conf.write_text(f'[audit]\nrepository_host = "127.0.0.1"\nrepository_port = {audit_repository.port}\n'
                    f'ca_bundle = "{audit_repository.pki.ca_cert}"\n', encoding="utf-8")
    monkeypatch.setenv("YOMI_SITE_CONFIG", str(conf))
    own = audit.default_log()
    reading_session(site, own)
    assert _cli("audit", "forward") == 0
    assert "5 records forwarded" in capsys.readouterr().out
    wait_until(lambda: len(audit_repository.lines()) == 5)
    assert _cli("audit", "verify", "--repository", str(audit_repository.received)) == 0
    assert "5 at the repository" in capsys.readouterr().out
    audit_repository.stop()
    assert _cli("audit", "forward") == 1  # the verify above was audited: one record waits
    assert "1 records wait" in capsys.readouterr().err


def test_mutual_tls_with_the_station_certificate(tmp_path: Path) -> None:
    """A repository that demands a client certificate (security.md row 7): refused without
    one, delivered with the station's certificate from the site file's client_cert/client_key."""
    from tests.fixtures.audit_repository import issue_client_cert, rsyslog_available, start_audit_repository

    if not rsyslog_available():
        pytest.skip("rsyslog + rsyslog-gnutls not installed")
    stations_ca, station = issue_client_cert(tmp_path / "stations")
    repo = start_audit_repository(tmp_path / "arr", client_ca=stations_ca)
    try:
        log = AuditLog(tmp_path / "a.jsonl")
        audit.study_opened(READER, "1.2.3", "P1", log=log)
        anonymous = Forwarder(log, _cfg(repo))
        with pytest.raises(ForwardError) as err:
            anonymous.forward_pending()
        # TLS 1.3: the client learns of the refusal after its handshake, at the send or close
        assert err.value.failure in (ForwardFailure.TLS, ForwardFailure.NOT_CONFIRMED)
        assert anonymous.pending() == 1 and repo.lines() == []
        assert Forwarder(log, _cfg(repo, client_cert=station.cert, client_key=station.key)).forward_pending() == 1
        wait_until(lambda: len(_uuids(repo)) == 1)
    finally:
        repo.stop()
