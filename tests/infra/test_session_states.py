"""The session state machine, transition by transition: the state after each call, what
was audited, and whether the cache key is held. Qt-free: imports no PySide6."""
from __future__ import annotations

from pathlib import Path

import pytest

from app.audit import AuditLog
from app.session import (AccountLocked, AuthenticationFailed, NotLoggedIn, Session, SessionError, SessionLocked,
                         SessionState, UserStore, add_user)
from tests.session_support import FAST, PW, Clock

OUT, ACTIVE, LOCKED = SessionState.LOGGED_OUT, SessionState.ACTIVE, SessionState.LOCKED


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    return AuditLog(tmp_path / "a.jsonl")


@pytest.fixture
def store(tmp_path: Path) -> UserStore:
    s = UserStore(tmp_path / "users.json", scrypt=FAST)
    add_user(s, "dr.sato", PW, "Sato", "SATO^ICHIRO", must_change_password=False)
    add_user(s, "dr.kato", PW, "Kato", "KATO^JIRO", must_change_password=False)
    return s


def _session(store: UserStore, log: AuditLog, **kw) -> Session:
    return Session(store, audit_log=log, clock=kw.pop("clock", Clock(0.0)), **kw)


def _in(state: SessionState, store: UserStore, log: AuditLog) -> Session:
    s = _session(store, log)
    if state is not OUT:
        s.login("dr.sato", PW)
    if state is LOCKED:
        s.lock()
    assert s.state is state
    return s


def _audited(log: AuditLog) -> list[tuple[str, ...]]:
    """(event types..., outcome) of each record: e.g. ("110122", "0") for a good login."""
    return [tuple(t.code for t in r.event.event_types) + (str(int(r.event.outcome)),) for r in log.records()]


def _holds_key(s: Session) -> bool:
    try:
        return len(s.cache_key()) == 32
    except SessionError:
        return False


# (from, action, to, what is audited by the action): every legal move and every no-op
@pytest.mark.parametrize("start,action,end,audited", [
    (OUT, "login", ACTIVE, [("110122", "0")]),
    (OUT, "login_wrong", OUT, [("110122", "4")]),
    (OUT, "lock", OUT, []),
    (OUT, "logout", OUT, []),
    (ACTIVE, "lock", LOCKED, [("110123", "LOCK", "0")]),
    (ACTIVE, "idle", LOCKED, [("110123", "LOCK", "0")]),
    (ACTIVE, "logout", OUT, [("110123", "0")]),
    (ACTIVE, "reauth", ACTIVE, [("110122", "0")]),
    (ACTIVE, "reauth_wrong", ACTIVE, [("110122", "4")]),
    (ACTIVE, "unlock", ACTIVE, []),                       # not locked: nothing to do
    (LOCKED, "unlock", ACTIVE, [("110122", "UNLOCK", "0")]),
    (LOCKED, "unlock_wrong", LOCKED, [("110122", "UNLOCK", "4")]),
    (LOCKED, "lock", LOCKED, []),
    (LOCKED, "logout", OUT, [("110123", "0")]),
])
def test_transition(store: UserStore, log: AuditLog, start: SessionState, action: str, end: SessionState,
                    audited: list[tuple[str, ...]]) -> None:
    s = _in(start, store, log)
    before = len(_audited(log))
    call = {
        "login": lambda: s.login("dr.sato", PW),
        "login_wrong": lambda: s.login("dr.sato", "not the password"),
        "lock": s.lock,
        "idle": lambda: s.is_locked(now=s.idle_timeout_s),
        "logout": s.logout,
        "reauth": lambda: s.reauthenticate(PW),
        "reauth_wrong": lambda: s.reauthenticate("not the password"),
        "unlock": lambda: s.unlock(PW),
        "unlock_wrong": lambda: s.unlock("not the password"),
    }[action]
    if action.endswith("_wrong"):
        with pytest.raises(AuthenticationFailed):
            call()
    else:
        call()
    assert s.state is end
    assert _audited(log)[before:] == audited
    assert _holds_key(s) is (end is ACTIVE)  # the cache key exists exactly while active
    assert (s.user is None) is (end is OUT)


@pytest.mark.parametrize("start", [ACTIVE, LOCKED])
def test_login_refused_while_someone_is_logged_in(store: UserStore, log: AuditLog, start: SessionState) -> None:
    s = _in(start, store, log)
    with pytest.raises(SessionError, match="log out first"):
        s.login("dr.kato", PW)
    assert s.state is start and s.user.user_id == "dr.sato"


def test_locked_session_unlocks_only_for_its_own_reader(store: UserStore, log: AuditLog) -> None:
    s = _in(LOCKED, store, log)
    with pytest.raises(AuthenticationFailed):
        s.unlock("Kato's password is not Sato's")
    assert s.state is LOCKED
    s.logout()  # the way for another reader
    s.login("dr.kato", PW)
    assert s.state is ACTIVE and s.user.user_id == "dr.kato"


def test_logged_out_operations_need_a_reader(store: UserStore, log: AuditLog) -> None:
    s = _in(OUT, store, log)
    for call in (lambda: s.unlock(PW), lambda: s.reauthenticate(PW), s.cache_key,
                 lambda: s.change_password(PW, "Another-Long-Pass 9")):
        with pytest.raises(NotLoggedIn):
            call()
    assert s.state is OUT and _audited(log) == []


def test_locked_operations_need_an_unlock(store: UserStore, log: AuditLog) -> None:
    s = _in(LOCKED, store, log)
    for call in (lambda: s.reauthenticate(PW), s.cache_key, lambda: s.change_password(PW, "Another-Long-Pass 9")):
        with pytest.raises(SessionLocked):
            call()
    assert s.state is LOCKED


def test_idle_timer_restarts_on_activity_and_measures_from_the_last_touch(store: UserStore, log: AuditLog) -> None:
    clock = Clock(0.0)
    s = _session(store, log, clock=clock, idle_timeout_s=60)
    s.login("dr.sato", PW)
    s.touch(now=50)
    assert not s.is_locked(now=109.9) and s.state is ACTIVE
    clock.t = 110.0
    assert s.is_locked() and s.state is LOCKED  # the injected clock is read when `now` is not given
    s.touch(now=111)  # activity on a locked screen does not unlock it
    assert s.state is LOCKED


def test_unlock_restarts_the_idle_timer(store: UserStore, log: AuditLog) -> None:
    clock = Clock(0.0)
    s = _session(store, log, clock=clock, idle_timeout_s=60)
    s.login("dr.sato", PW)
    clock.t = 1000.0
    assert s.is_locked()
    s.unlock(PW)
    assert not s.is_locked(now=1059) and s.is_locked(now=1060)


def test_lockout_during_reauthentication_locks_the_session(store: UserStore, log: AuditLog) -> None:
    s = _session(store, log, max_failures=2, wall_clock=Clock(5000.0))
    s.login("dr.sato", PW)
    with pytest.raises(AuthenticationFailed):
        s.reauthenticate("wrong")
    with pytest.raises(AccountLocked) as locked:
        s.reauthenticate("wrong")
    assert locked.value.until == 5000.0 + s.lockout_s
    assert s.state is LOCKED and not _holds_key(s)
    with pytest.raises(AccountLocked):
        s.unlock(PW)  # even the right password, until the lockout ends
    assert s.state is LOCKED


def test_illegal_move_is_refused(store: UserStore, log: AuditLog) -> None:
    """The transition table guards the state itself, not only the public methods."""
    s = _in(OUT, store, log)
    with pytest.raises(SessionError):
        s._move(LOCKED)
    assert s.state is OUT


@pytest.mark.parametrize("leave", ["lock", "logout", "idle"])
def test_leaving_active_zeroes_the_held_cache_key(store: UserStore, log: AuditLog, leave: str) -> None:
    """cache_key() already refuses when not active; this is the memory itself being cleared."""
    s = _in(ACTIVE, store, log)
    held = s._key
    assert held is not None and any(held)
    {"lock": s.lock, "logout": s.logout, "idle": lambda: s.is_locked(now=10 ** 6)}[leave]()
    assert held == bytearray(32) and s._key is None
