"""Reader session core: policy, key storage, lockout, idle lock, re-auth, cache key, audit.

The CLI, the attacks on the account store, the second factor and the concurrent lockout
have their own files (tests/infra/test_accounts_*.py)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from app.audit import UNKNOWN_USER, C, AuditLog, Outcome
from app.session import (AccountLocked, AuthenticationFailed, NotLoggedIn, PasswordPolicy, PolicyViolation,
                         ScryptParams, Session, SessionLocked, SessionState, SiteSettings, UserStore, add_user,
                         default_store)
from app.session.site_store import SiteStore

from tests.session_support import FAST, PW, Clock


@pytest.fixture
def store(tmp_path: Path) -> UserStore:
    s = UserStore(tmp_path / "users.json", scrypt=FAST)
    add_user(s, "dr.sato", PW, "Sato Ichiro", "SATO^ICHIRO", must_change_password=False)
    return s


def _events(log: AuditLog) -> list[tuple[str, tuple[str, ...], int, str]]:
    return [(r.event.event_id.code, tuple(t.code for t in r.event.event_types), int(r.event.outcome),
             r.event.participants[0].user_id) for r in log.records()]


@pytest.mark.parametrize("password,ok", [
    ("Short1!", False),                   # too short
    ("alllowercaseletters", False),       # one class
    ("Abcdefghijklmn", False),            # two classes
    ("abcdefghijk1!", True),              # 13, three classes
    ("Abcdefghijk1m", True),
    ("my dr.sato Pass1", False),          # contains the user ID
    ("東京の空は青いですね12a", True),     # 13; non-ASCII counts as a symbol
])
def test_password_policy_matrix(password: str, ok: bool) -> None:
    assert (PasswordPolicy().problems(password, "dr.sato") == []) is ok


def test_store_holds_no_plaintext_and_keys_differ(store: UserStore) -> None:
    add_user(store, "dr.kato", PW, "Kato", "KATO^JIRO")
    creds = {uid: store.credentials_dir / f"{uid}.json" for uid in ("dr.sato", "dr.kato")}
    for path in [store.path, *creds.values()]:
        raw = path.read_bytes()
        assert PW.encode() not in raw and b"Kumo" not in raw
    a, b = (json.loads(p.read_text()) for p in creds.values())
    assert a["wrapped_key"]["salt"] != b["wrapped_key"]["salt"] and a["public_key"] != b["public_key"]
    assert all(oct(p.stat().st_mode & 0o777) == "0o600" for p in creds.values())
    # the signed site store holds no secret at all: world-readable, only IT may write it
    assert oct(store.path.stat().st_mode & 0o777) == "0o644"
    assert a["wrapped_key"]["ciphertext"] not in store.path.read_text()
    with pytest.raises(PolicyViolation):
        add_user(store, "dr.weak", "password", "Weak", "WEAK^W")
    assert store.get("dr.weak") is None and not (store.credentials_dir / "dr.weak.json").exists()


def test_login_with_default_scrypt_cost(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "etc-yomi"
    monkeypatch.setenv("YOMI_SITE_DIR", str(site))
    key = SiteStore(site).initialise(SiteSettings(totp_required=False), {})
    s = default_store()
    assert s.site.directory == site
    assert s.credentials_dir == Path(os.environ["YOMI_DATA_DIR"]) / "credentials"
    add_user(s, "dr.ito", PW, "Ito", "ITO^HANA", key=key)
    cred = json.loads((s.credentials_dir / "dr.ito.json").read_text())
    assert cred["wrapped_key"]["scrypt"] == {"n": 2 ** 17, "r": 8, "p": 1} == vars(ScryptParams())
    sess = Session(s, audit_log=AuditLog(tmp_path / "a.jsonl"))
    sess.login("dr.ito", PW)
    assert sess.password_change_required  # IT-set password
    assert len(sess.cache_key()) == 32


def test_login_failures_and_audit(store: UserStore, tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    sess = Session(store, audit_log=log)
    with pytest.raises(AuthenticationFailed) as wrong_pw:
        sess.login("dr.sato", "not the password")
    with pytest.raises(AuthenticationFailed) as unknown:
        sess.login("nobody", PW)
    assert str(wrong_pw.value) == str(unknown.value)  # no hint which part was wrong
    assert sess.state is SessionState.LOGGED_OUT
    sess.login("dr.sato", PW)
    assert sess.state is SessionState.ACTIVE and sess.user.dicom_name == "SATO^ICHIRO"
    sess.logout()
    with pytest.raises(NotLoggedIn):
        sess.cache_key()
    assert _events(log) == [
        ("110114", ("110122",), 4, "dr.sato"), ("110114", ("110122",), 4, UNKNOWN_USER),  # never as typed
        ("110114", ("110122",), 0, "dr.sato"), ("110114", ("110123",), 0, "dr.sato"),
    ]
    assert PW not in log.path.read_text()


def test_lockout_is_persisted_and_expires(store: UserStore, tmp_path: Path) -> None:
    wall = Clock()
    log = AuditLog(tmp_path / "a.jsonl")
    sess = Session(store, audit_log=log, max_failures=3, lockout_s=600, wall_clock=wall)
    for _ in range(2):
        with pytest.raises(AuthenticationFailed):
            sess.login("dr.sato", "wrong")
    with pytest.raises(AccountLocked):
        sess.login("dr.sato", "wrong")
    # a restart does not reset it: a fresh store object and session
    other = Session(UserStore(tmp_path / "users.json", scrypt=FAST), audit_log=log, max_failures=3, lockout_s=600,
                    wall_clock=wall)
    with pytest.raises(AccountLocked):
        other.login("dr.sato", PW)  # even the right password
    wall.t += 601
    other.login("dr.sato", PW)
    assert store.get("dr.sato").failed_attempts == 0
    alerts = [r.event for r in log.records() if r.event.event_id == C.SECURITY_ALERT]
    assert len(alerts) == 1 and alerts[0].outcome == Outcome.MINOR_FAILURE


def test_idle_lock_unlock_and_reauth(store: UserStore, tmp_path: Path) -> None:
    mono = Clock(0.0)
    log = AuditLog(tmp_path / "a.jsonl")
    sess = Session(store, audit_log=log, idle_timeout_s=300, clock=mono)
    sess.login("dr.sato", PW)
    key = sess.cache_key()
    sess.touch(now=200)
    assert not sess.is_locked(now=499)
    assert sess.is_locked(now=500)  # 300 s after the last touch
    assert sess.state is SessionState.LOCKED
    sess.touch(now=501)  # activity does not unlock
    assert sess.is_locked(now=501)
    with pytest.raises(SessionLocked):
        sess.cache_key()
    with pytest.raises(SessionLocked):
        sess.reauthenticate(PW)
    with pytest.raises(AuthenticationFailed):
        sess.unlock("wrong")
    assert sess.state is SessionState.LOCKED
    mono.t = 600
    sess.unlock(PW)
    assert not sess.is_locked(now=600) and sess.cache_key() == key
    with pytest.raises(AuthenticationFailed):
        sess.reauthenticate("wrong")
    sess.reauthenticate(PW)  # before signing
    sess.lock()
    assert sess.is_locked()
    sess.logout()
    assert _events(log) == [
        ("110114", ("110122",), 0, "dr.sato"),
        ("110114", ("110123", "LOCK"), 0, "dr.sato"),
        ("110114", ("110122", "UNLOCK"), 4, "dr.sato"),
        ("110114", ("110122", "UNLOCK"), 0, "dr.sato"),
        ("110114", ("110122",), 4, "dr.sato"),
        ("110114", ("110122",), 0, "dr.sato"),
        ("110114", ("110123", "LOCK"), 0, "dr.sato"),
        ("110114", ("110123",), 0, "dr.sato"),
    ]


def test_cache_key_is_per_reader(store: UserStore) -> None:
    add_user(store, "dr.kato", PW, "Kato", "KATO^JIRO", must_change_password=False)
    keys = {}
    for uid in ("dr.sato", "dr.kato", "dr.sato"):
        s = Session(store)
        s.login(uid, PW)
        keys.setdefault(uid, set()).add(s.cache_key())
        s.logout()
    assert len(keys["dr.sato"]) == 1  # stable across logins
    assert keys["dr.sato"].isdisjoint(keys["dr.kato"])  # same password, other reader: other key


def test_first_use_password_change(store: UserStore) -> None:
    add_user(store, "dr.new", PW, "New", "NEW^READER")
    s = Session(store)
    s.login("dr.new", PW)
    assert s.password_change_required
    old_key = s.cache_key()
    with pytest.raises(PolicyViolation):
        s.change_password(PW, "short")
    with pytest.raises(AuthenticationFailed):
        s.change_password("wrong", "Another-Long-Pass 9")
    s.change_password(PW, "Another-Long-Pass 9")
    # the same private key, re-encrypted: the study cache stays readable
    assert not s.password_change_required and s.cache_key() == old_key
    s.logout()
    with pytest.raises(AuthenticationFailed):
        s.login("dr.new", PW)  # the old password no longer opens it
    s.login("dr.new", "Another-Long-Pass 9")
    assert not s.password_change_required and s.cache_key() == old_key
