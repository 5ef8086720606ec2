"""The lockout under concurrent attempts: 15 wrong passwords at once (threads and
processes), at most `max_failures` of them ever checked, and a correct password arriving
after the lock does not get in. Qt-free; real credential files, real scrypt."""
from __future__ import annotations

import multiprocessing
import threading
import time
from pathlib import Path

import pytest

from app.session import AccountLocked, AuthenticationFailed, ScryptParams, Session, UserStore
from app.session import credentials as credentials_module
from tests.session_support import PW, make_site

MAX = 5
# slow enough that the 15 checks overlap (each takes tens of milliseconds)
SLOW = ScryptParams(n=2 ** 14)


class Counter:
    """Counts the password checks that really ran (scrypt on a credential), wrapping the real one."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.n = 0
        self._lock = threading.Lock()
        real = credentials_module.unwrap_private_key

        def counted(cred, password):
            with self._lock:
                self.n += 1
            return real(cred, password)

        monkeypatch.setattr("app.session.authentication.unwrap_private_key", counted)


def _attempt(store: UserStore, password: str, results: list, barrier: threading.Barrier | None) -> None:
    s = Session(store, max_failures=MAX, lockout_s=600)
    if barrier is not None:
        barrier.wait()
    try:
        s.login("dr.sato", password)
        results.append("in")
    except AccountLocked:
        results.append("locked")
    except AuthenticationFailed:
        results.append("wrong")


def test_fifteen_parallel_wrong_passwords_check_at_most_max(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site(tmp_path, totp=False, scrypt=SLOW)
    site.add("dr.sato", PW)
    counter = Counter(monkeypatch)
    results: list[str] = []
    barrier = threading.Barrier(15)
    threads = [threading.Thread(target=_attempt, args=(site.store, f"wrong guess {i:02d}", results, barrier))
               for i in range(15)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert counter.n == MAX  # never more checks in flight than the lockout allows
    assert sorted(results) == ["locked"] * 11 + ["wrong"] * 4  # the 5th check locks, 10 refused unchecked
    assert site.store.get("dr.sato").locked_until > time.time()
    # a correct password started after the lock: refused, and not even checked
    late: list[str] = []
    _attempt(site.store, PW, late, None)
    assert late == ["locked"] and counter.n == MAX


def _parallel(store: UserStore, passwords: list[str]) -> list[str]:
    results: list[str] = []
    barrier = threading.Barrier(len(passwords))
    threads = [threading.Thread(target=_attempt, args=(store, pw, results, barrier)) for pw in passwords]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return sorted(results)


def test_a_correct_password_within_the_budget_gets_in_and_resets_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site(tmp_path, totp=False, scrypt=SLOW)
    site.add("dr.sato", PW)
    counter = Counter(monkeypatch)
    assert _parallel(site.store, [f"wrong guess {i}" for i in range(MAX - 1)]) == ["wrong"] * (MAX - 1)
    assert site.store.get("dr.sato").failed_attempts == MAX - 1
    assert _parallel(site.store, [PW]) == ["in"]  # the last attempt of the budget, and right
    assert site.store.get("dr.sato").failed_attempts == 0
    # the budget is whole again: MAX more wrong ones are checked, then the lock holds
    assert _parallel(site.store, [f"again {i:02d}" for i in range(8)]) == ["locked"] * 4 + ["wrong"] * 4
    assert counter.n == (MAX - 1) + 1 + MAX


def _child(site_dir: str, creds: str, password: str, go, out) -> None:
    store = UserStore(site=site_dir, credentials_dir=creds, scrypt=SLOW)
    go.wait()
    s = Session(store, max_failures=MAX, lockout_s=600)
    try:
        s.login("dr.sato", password)
        out.put("in")
    except AccountLocked:
        out.put("locked")
    except AuthenticationFailed:
        out.put("wrong")


def test_fifteen_processes_share_one_budget(tmp_path: Path) -> None:
    """Separate processes (two station windows, a script) meet at the file lock, not in memory."""
    site = make_site(tmp_path, totp=False, scrypt=SLOW)
    site.add("dr.sato", PW)
    ctx = multiprocessing.get_context("spawn")
    go, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_child, args=(str(site.site_dir), str(site.store.credentials_dir),
                                              f"wrong guess {i:02d}", go, out)) for i in range(15)]
    for p in procs:
        p.start()
    time.sleep(2.0)  # let every child import and wait at the start line
    go.set()
    results = sorted(out.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(30)
    assert results == ["locked"] * 11 + ["wrong"] * 4
    with pytest.raises(AccountLocked):
        Session(site.store, max_failures=MAX).login("dr.sato", PW)
