"""The hash chain on its own: what `verify` catches (and why), and the inter-process lock.

Qt-free: imports no PySide6 (the session-wide QApplication fixture in tests/conftest.py
aside). Child processes are started with "spawn" so they share nothing with this one.
"""
from __future__ import annotations

import json
import multiprocessing
import time
from pathlib import Path

import filelock
import pytest

from app import audit
from app.audit import ChainBreak, AuditError, AuditLog
from app.audit import chain as chain_module

CHILD_TIMEOUT_S = 60


def _fill(log: AuditLog, n: int = 5) -> None:
    for i in range(n):
        audit.study_opened("dr.sato", f"1.2.3.{i}", f"P{i:04d}", log=log)


def _lines(log: AuditLog) -> list[str]:
    return log.path.read_text(encoding="utf-8").splitlines(keepends=True)


def _write(log: AuditLog, lines: list[str]) -> None:
    log.path.write_text("".join(lines), encoding="utf-8")


def test_intact_chain_links_every_record_to_the_one_before(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    _fill(log)
    recs = list(log.records())
    assert [r.seq for r in recs] == [1, 2, 3, 4, 5]
    assert recs[0].prev == audit.GENESIS
    assert all(b.prev == a.hash for a, b in zip(recs, recs[1:]))
    assert all(audit.chain_hash(r.seq, r.prev, r.event.to_dict()) == r.hash for r in recs)
    assert log.verify() == audit.VerifyResult(True, 5, None)


def test_changed_middle_record_is_found(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    _fill(log)
    lines = _lines(log)
    assert "P0002" in lines[2]
    lines[2] = lines[2].replace("P0002", "P9999")  # another patient's ID, nothing else touched
    _write(log, lines)
    res = log.verify()
    assert (res.ok, res.first_bad_line, res.records, res.cause) == (False, 3, 2, ChainBreak.HASH_MISMATCH)


def test_changed_middle_record_with_its_own_hash_recomputed_breaks_the_next_link(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    _fill(log)
    lines = _lines(log)
    r = json.loads(lines[2])
    r["event"]["objects"][1]["object_id"] = "P9999"
    r["hash"] = audit.chain_hash(r["seq"], r["prev"], r["event"])
    lines[2] = json.dumps(r, sort_keys=True, separators=(",", ":")) + "\n"
    _write(log, lines)
    res = log.verify()
    assert (res.ok, res.first_bad_line, res.cause) == (False, 4, ChainBreak.BROKEN_LINK)


def test_removed_middle_record_is_found(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    _fill(log)
    lines = _lines(log)
    del lines[2]
    _write(log, lines)
    res = log.verify()
    assert (res.ok, res.first_bad_line, res.records, res.cause) == (False, 3, 2, ChainBreak.OUT_OF_SEQUENCE)


def test_removed_middle_record_with_the_rest_renumbered_is_found(tmp_path: Path) -> None:
    """Renumbering and rehashing every later record still cannot hide a gap: the first one
    after the gap names a `prev` that is not the hash of the record now before it."""
    log = AuditLog(tmp_path / "a.jsonl")
    _fill(log)
    records = [json.loads(x) for x in _lines(log)]
    del records[2]
    for n, r in enumerate(records[2:], 3):
        r["seq"] = n
        r["hash"] = audit.chain_hash(r["seq"], r["prev"], r["event"])
    _write(log, [json.dumps(r, sort_keys=True, separators=(",", ":")) + "\n" for r in records])
    res = log.verify()
    assert (res.ok, res.first_bad_line, res.cause) == (False, 3, ChainBreak.BROKEN_LINK)


def test_record_whose_fields_are_out_of_range_is_found_even_with_a_good_hash(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    _fill(log, 1)
    r = json.loads(_lines(log)[0])
    r["event"]["objects"][1]["type_role"] = 99  # not an RFC 3881 role
    r["hash"] = audit.chain_hash(r["seq"], r["prev"], r["event"])
    _write(log, [json.dumps(r) + "\n"])
    res = log.verify()
    assert (res.ok, res.first_bad_line, res.cause) == (False, 1, ChainBreak.MALFORMED_EVENT)


def test_torn_line_is_unreadable_and_stops_appends(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    _fill(log, 2)
    with open(log.path, "a", encoding="utf-8") as f:
        f.write('{"seq": 3, "prev"')
    res = log.verify()
    assert (res.ok, res.first_bad_line, res.records, res.cause) == (False, 3, 2, ChainBreak.UNREADABLE)
    with pytest.raises(AuditError):  # a new record would not know what it follows
        audit.logout("dr.sato", log=log)


def test_removing_records_from_the_end_is_not_detectable_here(tmp_path: Path) -> None:
    """The documented limit of a self-contained chain (row 15's ARR copy is what closes it)."""
    log = AuditLog(tmp_path / "a.jsonl")
    _fill(log)
    _write(log, _lines(log)[:3])
    assert log.verify() == audit.VerifyResult(True, 3, None)


# --- inter-process lock ----------------------------------------------------------------

def _append_many(path: str, n: int, user: str, start: object) -> None:
    # Widen the window between reading the chain head and writing the next record (as a slow
    # disk would): without the lock, two processes then almost surely write the same `seq`.
    read_head = chain_module._last_line

    def slow_head(p: Path) -> bytes:
        head = read_head(p)
        time.sleep(0.002)
        return head

    chain_module._last_line = slow_head
    start.wait(CHILD_TIMEOUT_S)  # type: ignore[attr-defined]
    log = AuditLog(Path(path))
    for _ in range(n):
        audit.login(user, True, log=log)


def test_two_processes_appending_at_once_keep_one_valid_chain(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=_append_many, args=(str(path), 100, f"proc{i}", start)) for i in (1, 2)]
    for p in procs:
        p.start()
    start.set()  # both begin together, after the (slow) spawn start-up
    for p in procs:
        p.join(CHILD_TIMEOUT_S)
    for p in procs:
        if p.is_alive():
            p.kill()
    assert [p.exitcode for p in procs] == [0, 0]
    log = AuditLog(path)
    assert log.verify() == audit.VerifyResult(True, 200, None)
    users = [r.event.participants[0].user_id for r in log.records()]
    assert users.count("proc1") == users.count("proc2") == 100


def _append_one(path: str) -> None:
    audit.logout("child", log=AuditLog(Path(path)))


def test_append_waits_for_the_lock_file_held_by_another_process(tmp_path: Path) -> None:
    """The exclusion really goes through `<log>.lock`: while it is held, a child cannot
    append; once released, it does."""
    log = AuditLog(tmp_path / "a.jsonl")
    _fill(log, 1)
    holder = filelock.FileLock(tmp_path / "a.jsonl.lock")
    ctx = multiprocessing.get_context("spawn")
    with holder:
        child = ctx.Process(target=_append_one, args=(str(log.path),))
        child.start()
        time.sleep(3.0)  # ample for spawn start-up and one append, were it not blocked
        assert child.is_alive() and len(_lines(log)) == 1
    child.join(CHILD_TIMEOUT_S)
    if child.is_alive():
        child.kill()
    assert child.exitcode == 0
    assert log.verify() == audit.VerifyResult(True, 2, None)
    assert oct((tmp_path / "a.jsonl.lock").stat().st_mode & 0o777) == "0o600"  # AuditLog made it first


def test_lock_held_too_long_is_an_audit_error_not_a_hang(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chain_module, "LOCK_TIMEOUT_S", 0.2)
    log = AuditLog(tmp_path / "a.jsonl")
    # another FileLock object is another open file: flock makes it wait even in this thread
    with filelock.FileLock(tmp_path / "a.jsonl.lock"):
        t0 = time.monotonic()
        with pytest.raises(AuditError, match="locked"):
            audit.logout("dr.sato", log=log)
        assert time.monotonic() - t0 < 5
    assert not log.path.exists() or log.path.stat().st_size == 0
    audit.logout("dr.sato", log=log)  # free again
    assert log.verify().records == 1
