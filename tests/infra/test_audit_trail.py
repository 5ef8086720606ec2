"""`yomi audit verify` against an attacker who can write every file the reader can: edited,
reordered, truncated, re-chained, emptied or missing logs, checkpoint files removed or
forged, and a failed login whose user ID was a password.

Real parts only: a signed site store with a real account (tests/session_support), a real
`Session` whose login unlocks the reader's Ed25519 key and signs the checkpoints. Qt-free.
"""
from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import pytest

from app import audit
from app.audit import AuditLog, TrailProblem, verify_trail
from app.audit.checkpoint import CheckpointFile
from app.session import Session
from app.session.credentials import new_private_key
from app.session.errors import AuthenticationFailed
from tests.session_support import PW, TestSite, make_site

READER = "dr.sato"


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TestSite:
    s = make_site(tmp_path / "station", totp=False)
    s.add(READER)
    monkeypatch.setenv("YOMI_SITE_DIR", str(s.site_dir))  # what `yomi audit verify` trusts
    return s


def trusted(site: TestSite) -> dict[str, str]:
    return {uid: a.public_key for uid, a in site.store.accounts().items()}


def reading_session(site: TestSite, log: AuditLog, studies: int = 3) -> None:
    """A reader logs in, opens `studies` studies and logs out: what a working day writes."""
    s = Session(site.store, audit_log=log)
    s.login(READER, PW)
    for i in range(studies):
        audit.study_opened(READER, f"1.2.826.0.1.{i}", f"P{i:04d}", sop_uids=[f"1.2.826.0.1.{i}.1"], log=log)
    s.logout()


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def rechain(records: list[dict]) -> list[str]:
    """What a forger with the code writes: the records renumbered and hashed afresh."""
    out, prev = [], audit.GENESIS
    for seq, r in enumerate(records, 1):
        h = audit.chain_hash(seq, prev, r["event"])
        out.append(json.dumps({"seq": seq, "prev": prev, "event": r["event"], "hash": h}, sort_keys=True,
                              separators=(",", ":"), ensure_ascii=False) + "\n")
        prev = h
    return out


@pytest.fixture
def day(tmp_path: Path, site: TestSite) -> AuditLog:
    log = AuditLog(tmp_path / "audit" / "audit.jsonl")
    reading_session(site, log)   # records 1-5: login, 3 studies, logout
    reading_session(site, log)   # records 6-10
    return log


def test_a_reading_day_verifies_with_checkpoints_at_every_login_and_logout(day: AuditLog, site: TestSite) -> None:
    rep = verify_trail(day, trusted_keys=trusted(site))
    assert rep.ok, rep.findings
    assert (rep.records, rep.signed_through, rep.keys_checked) == (10, 10, True)
    assert [c.count for c in day.checkpoints.read()] == [1, 5, 6, 10]
    assert all(c.user_id == READER for c in day.checkpoints.read())


def test_checkpoint_every_n_records_while_logged_in(tmp_path: Path, site: TestSite) -> None:
    log = AuditLog(tmp_path / "a.jsonl", checkpoint_every=4)
    reading_session(site, log, studies=9)  # 1 login, 9 opens, 1 logout
    assert [c.count for c in log.checkpoints.read()] == [1, 5, 9, 11]
    assert verify_trail(log, trusted_keys=trusted(site)).ok


def test_lock_and_unlock_are_signed_and_records_while_locked_are_not(tmp_path: Path, site: TestSite) -> None:
    log = AuditLog(tmp_path / "a.jsonl", checkpoint_every=1)
    s = Session(site.store, audit_log=log)
    s.login(READER, PW)                                     # 1, signed
    s.lock()                                                # 2, signed, then the key is dropped
    audit.study_opened(READER, "1.2.3", "P1", log=log)      # 3, a worker finishing: not signed
    s.unlock(PW)                                            # 4, signed
    s.lock()                                                # 5, signed
    s.logout()                                              # 6, from the lock: no key, not signed
    assert [c.count for c in log.checkpoints.read()] == [1, 2, 4, 5]
    assert verify_trail(log, trusted_keys=trusted(site)).ok


def test_nothing_is_signed_after_logout(tmp_path: Path, site: TestSite) -> None:
    log = AuditLog(tmp_path / "a.jsonl", checkpoint_every=1)
    reading_session(site, log, studies=0)
    audit.study_opened("someone", "1.2.3", "P1", log=log)  # written with nobody logged in
    assert [c.count for c in log.checkpoints.read()] == [1, 2]


@pytest.mark.parametrize("attack, problems", [
    ("edit", {TrailProblem.CHAIN_BROKEN}),
    ("reorder", {TrailProblem.CHAIN_BROKEN}),
    ("truncate", {TrailProblem.CHECKPOINT_BEYOND_LOG}),
    ("rechain_edit", {TrailProblem.CHECKPOINT_MISMATCH}),
    ("rechain_drop", {TrailProblem.CHECKPOINT_MISMATCH, TrailProblem.CHECKPOINT_BEYOND_LOG}),
    ("empty", {TrailProblem.LOG_EMPTY, TrailProblem.CHECKPOINT_BEYOND_LOG}),
    ("delete", {TrailProblem.LOG_MISSING, TrailProblem.CHECKPOINT_BEYOND_LOG}),
    ("drop_checkpoints", {TrailProblem.LOGIN_UNSIGNED}),
    ("rechain_drop_checkpoints", {TrailProblem.LOGIN_UNSIGNED}),
    ("cut_checkpoints", {TrailProblem.LOGIN_UNSIGNED}),
    ("forge_checkpoints", {TrailProblem.CHECKPOINT_UNTRUSTED}),
    ("edit_checkpoint", {TrailProblem.CHECKPOINT_SIGNATURE}),
])
def test_verify_fails_on_every_rewrite(day: AuditLog, site: TestSite, attack: str,
                                       problems: set[TrailProblem]) -> None:
    recs = [json.loads(x) for x in lines(day.path)]
    cps = lines(day.checkpoints.path)
    if attack == "edit":
        day.path.write_text("".join(lines(day.path)[:2] + [lines(day.path)[2].replace("P0001", "P9999")]
                                    + lines(day.path)[3:]), encoding="utf-8")
    elif attack == "reorder":
        ls = lines(day.path)
        ls[2], ls[3] = ls[3], ls[2]
        day.path.write_text("".join(ls), encoding="utf-8")
    elif attack == "truncate":
        day.path.write_text("".join(lines(day.path)[:7]), encoding="utf-8")
    elif attack == "rechain_edit":  # a study's Patient ID changed and every hash recomputed
        recs[2]["event"]["objects"][1]["object_id"] = "P9999"
        day.path.write_text("".join(rechain(recs)), encoding="utf-8")
    elif attack == "rechain_drop":  # a study removed, the chain renumbered
        day.path.write_text("".join(rechain(recs[:2] + recs[3:])), encoding="utf-8")
    elif attack == "empty":
        day.path.write_text("", encoding="utf-8")
    elif attack == "delete":
        day.path.unlink()
    elif attack == "drop_checkpoints":
        day.checkpoints.path.unlink()
    elif attack == "rechain_drop_checkpoints":
        day.path.write_text("".join(rechain(recs[:2] + recs[3:])), encoding="utf-8")
        day.checkpoints.path.unlink()
    elif attack == "cut_checkpoints":  # the last session's checkpoints removed
        day.checkpoints.path.write_text("".join(cps[:2]), encoding="utf-8")
    elif attack == "forge_checkpoints":  # re-chained and re-signed with a key of the forger's own
        day.path.write_text("".join(rechain(recs[:2] + recs[3:])), encoding="utf-8")
        day.checkpoints.path.unlink()
        forger = audit.CheckpointSigner(READER, new_private_key())
        out = CheckpointFile(day.checkpoints.path)
        new = [json.loads(x) for x in lines(day.path)]
        for n in (1, 4, 5, 9):
            out.append(forger.sign(n, new[n - 1]["hash"], day.source_id))
    elif attack == "edit_checkpoint":  # a checkpoint moved back to cover fewer records
        cp = json.loads(cps[-1])
        cp["count"], cp["head"] = 9, recs[8]["hash"]
        day.checkpoints.path.write_text("".join(cps[:-1]) + json.dumps(cp) + "\n", encoding="utf-8")
    rep = verify_trail(day, trusted_keys=trusted(site))
    assert not rep.ok
    assert problems <= rep.problems, rep.findings
    assert all(f.detail for f in rep.findings)  # each names the file and record for a person


def test_forged_checkpoints_pass_only_when_keys_are_not_checked(day: AuditLog, site: TestSite) -> None:
    """Why the site store's keys matter: without them a forger's own key would do."""
    recs = [json.loads(x) for x in lines(day.path)]
    day.path.write_text("".join(rechain(recs[:2] + recs[3:])), encoding="utf-8")
    day.checkpoints.path.unlink()
    forger = audit.CheckpointSigner(READER, new_private_key())
    for n in (1, 4, 5, 9):
        day.checkpoints.append(forger.sign(n, json.loads(lines(day.path)[n - 1])["hash"], day.source_id))
    unchecked = verify_trail(day)
    assert unchecked.ok and not unchecked.keys_checked
    assert TrailProblem.CHECKPOINT_UNTRUSTED in verify_trail(day, trusted_keys=trusted(site)).problems


def test_records_cut_after_the_last_checkpoint_need_the_repository(day: AuditLog, site: TestSite) -> None:
    """The documented limit of local checks: an unsigned tail can be cut unseen locally."""
    audit.study_opened("it.admin", "1.2.3", "P1", log=day)  # written while nobody is logged in
    before = lines(day.path)
    day.path.write_text("".join(before[:-1]), encoding="utf-8")
    assert verify_trail(day, trusted_keys=trusted(site)).ok


def test_an_explicit_checkpoint_covers_the_tail(day: AuditLog, site: TestSite) -> None:
    """`AuditLog.checkpoint` (e.g. at shutdown, with the reader's key) signs what came after."""
    from app.session.credentials import unwrap_private_key

    audit.study_opened(READER, "1.2.3", "P1", log=day)
    key = unwrap_private_key(site.store.credential_file(READER).read(), PW)
    assert day.checkpoint(audit.CheckpointSigner(READER, key)) == 11
    day.path.write_text("".join(lines(day.path)[:-1]), encoding="utf-8")
    assert TrailProblem.CHECKPOINT_BEYOND_LOG in verify_trail(day, trusted_keys=trusted(site)).problems


# --- the unknown user ID -------------------------------------------------------------------

def test_failed_login_with_an_unknown_id_never_records_what_was_typed(tmp_path: Path, site: TestSite) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    s = Session(site.store, audit_log=log)
    typed = "Kumo-no-ue2024"  # the password, typed into the user-ID field
    with pytest.raises(AuthenticationFailed):
        s.login(typed, PW)
    with pytest.raises(AuthenticationFailed):
        s.login(READER, "wrong password")
    text = log.path.read_text(encoding="utf-8")
    assert typed not in text and hashlib.sha256(typed.encode()).hexdigest() not in text
    first, second = (r.event for r in log.records())
    assert first.participants[0].user_id == audit.UNKNOWN_USER and first.outcome is audit.Outcome.MINOR_FAILURE
    assert second.participants[0].user_id == READER  # a real account keeps its ID
    assert typed not in audit.to_dicom_xml(first)


# --- the command line ----------------------------------------------------------------------

def _cli(*argv: str) -> int:
    from app.commands import audit as cmd

    parser = argparse.ArgumentParser()
    parser.add_argument("--user")
    cmd.add_parser(parser.add_subparsers(dest="command"))
    return cmd.run(parser.parse_args(list(argv)))


def test_cli_verify_reports_signed_records_and_fails_on_a_rewrite(site: TestSite, capsys) -> None:
    own = audit.default_log()
    reading_session(site, own)
    assert _cli("--user", "it.admin", "audit", "verify") == 0
    out = capsys.readouterr().out
    assert "intact: 5 records" in out and "signed through record 5" in out
    assert "not compared with the audit repository" in out
    recs = [json.loads(x) for x in lines(own.path)]
    own.path.write_text("".join(rechain(recs[:2] + recs[3:])), encoding="utf-8")
    assert _cli("--user", "it.admin", "audit", "verify") == 1
    assert TrailProblem.CHECKPOINT_MISMATCH.value in capsys.readouterr().err


def test_cli_verify_fails_on_a_missing_log_and_does_not_recreate_it(site: TestSite, capsys) -> None:
    own = audit.default_log()
    reading_session(site, own)
    own.path.unlink()
    assert _cli("audit", "verify") == 1
    err = capsys.readouterr().err
    assert TrailProblem.LOG_MISSING.value in err and "not recorded" in err
    assert not own.path.exists()  # a fresh log would hide the deletion
    assert _cli("audit", "verify") == 1  # and so the second check fails too


def test_cli_verify_refuses_checkpoints_it_cannot_check(site: TestSite, monkeypatch, capsys) -> None:
    own = audit.default_log()
    reading_session(site, own)
    monkeypatch.setenv("YOMI_SITE_DIR", str(site.site_dir.parent / "nowhere"))
    assert _cli("audit", "verify") == 1
    assert "signers not checked" in capsys.readouterr().err
