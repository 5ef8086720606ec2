"""The second factor: TOTP at login (RFC 6238 via pyotp, the authenticator app's side made
with pyotp too), replayed and expired codes, recovery codes, unlock after the site's hours,
first-login enrolment, a swapped secret. Qt-free; the wall clock is injected."""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest

from app.audit import C, AuditLog
from app.session import (AccountLocked, AuthenticationFailed, SecondFactorFailed, SecondFactorFailure,
                         SecondFactorRequired, Session, SessionError, SessionState)
from app.session.credentials import seal_totp, unwrap_private_key
from tests.session_support import PW, Clock, TestSite, make_site

T0 = 1_800_000_000.0  # a fixed epoch second, in the middle of a 30 s step


@pytest.fixture
def site(tmp_path: Path) -> TestSite:
    return make_site(tmp_path, totp_unlock_after_h=1.0)


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    return AuditLog(tmp_path / "audit.jsonl")


def _session(site: TestSite, log: AuditLog, wall: Clock, **kw) -> Session:
    return Session(site.store, audit_log=log, wall_clock=wall, clock=Clock(0.0), **kw)


def _second_factor_alerts(log: AuditLog) -> list[str]:
    return [r.event.participants[0].user_id for r in log.records()
            if r.event.event_id == C.SECURITY_ALERT and
            any(o.object_id == "yomi:second-factor" for o in r.event.objects)]


def test_login_needs_the_code_and_accepts_the_current_one(site: TestSite, log: AuditLog) -> None:
    e = site.add("dr.sato")
    assert e.user.totp_required and e.otpauth_uri.startswith("otpauth://totp/")
    assert parse_qs(urlparse(e.otpauth_uri).query)["secret"] == [e.totp_secret]
    wall = Clock(T0)
    s = _session(site, log, wall)
    with pytest.raises(SecondFactorRequired) as req:
        s.login("dr.sato", PW)
    assert s.state is SessionState.LOGGED_OUT and s.pending_second_factor == req.value.request
    assert not req.value.request.enrolling
    with pytest.raises(SecondFactorFailed) as wrong:
        s.complete_login("000000" if site.code(e, T0) != "000000" else "111111")
    assert wrong.value.failure is SecondFactorFailure.WRONG and s.state is SessionState.LOGGED_OUT
    s.complete_login(site.code(e, T0))
    assert s.state is SessionState.ACTIVE and len(s.cache_key()) == 32
    assert _second_factor_alerts(log) == ["dr.sato"]


def test_same_time_step_twice_is_a_replay(site: TestSite, log: AuditLog) -> None:
    e = site.add("dr.sato")
    wall = Clock(T0)
    s = _session(site, log, wall)
    code = site.code(e, T0)
    s.login("dr.sato", PW, code)
    s.logout()
    wall.t += 5  # still the same 30 s step: the code on the app has not changed
    with pytest.raises(SecondFactorFailed) as replay:
        s.login("dr.sato", PW, code)
    assert replay.value.failure is SecondFactorFailure.REPLAYED and s.state is SessionState.LOGGED_OUT
    assert "already used" in str(replay.value)
    # the previous step is inside the window but older than the accepted one: a replay too
    with pytest.raises(SecondFactorFailed) as older:
        s.login("dr.sato", PW, site.code(e, T0 - 30))
    assert older.value.failure is SecondFactorFailure.REPLAYED
    wall.t = T0 + 30
    s.login("dr.sato", PW, site.code(e, T0 + 30))  # the next code works
    assert s.state is SessionState.ACTIVE
    assert len(_second_factor_alerts(log)) == 2


def test_window_of_one_step_and_expired_codes(site: TestSite, log: AuditLog) -> None:
    e = site.add("dr.sato")
    wall = Clock(T0)
    s = _session(site, log, wall)
    s.login("dr.sato", PW, site.code(e, T0 - 30))  # one step of clock drift is accepted
    s.logout()
    wall.t = T0 + 300
    with pytest.raises(SecondFactorFailed) as expired:
        s.login("dr.sato", PW, site.code(e, T0 + 200))  # read off the app 100 s ago
    assert expired.value.failure is SecondFactorFailure.EXPIRED and "expired" in str(expired.value)
    with pytest.raises(SecondFactorFailed) as future:
        s.login("dr.sato", PW, site.code(e, T0 + 400))
    assert future.value.failure is SecondFactorFailure.WRONG


def test_recovery_codes_work_once_and_are_stored_hashed(site: TestSite, log: AuditLog) -> None:
    e = site.add("dr.sato")
    assert len(e.recovery_codes) == 10 and len(set(e.recovery_codes)) == 10
    stored = site.store.path.read_text() + (site.store.credentials_dir / "dr.sato.json").read_text()
    assert not any(c in stored or c.replace("-", "") in stored for c in e.recovery_codes)
    s = _session(site, log, Clock(T0))
    s.login("dr.sato", PW, e.recovery_codes[3].upper())  # as typed off paper, any case
    s.logout()
    with pytest.raises(SecondFactorFailed) as used:
        s.login("dr.sato", PW, e.recovery_codes[3])
    assert used.value.failure is SecondFactorFailure.RECOVERY_USED
    with pytest.raises(SecondFactorFailed) as unknown:
        s.login("dr.sato", PW, "abcd-efgh-jkmn")
    assert unknown.value.failure is SecondFactorFailure.WRONG
    s.login("dr.sato", PW, e.recovery_codes[4])
    assert s.state is SessionState.ACTIVE


def test_wrong_codes_count_towards_the_lockout(site: TestSite, log: AuditLog) -> None:
    e = site.add("dr.sato")
    wall = Clock(T0)
    s = _session(site, log, wall, max_failures=3)
    with pytest.raises(SecondFactorRequired):
        s.login("dr.sato", PW)
    for _ in range(2):
        with pytest.raises(SecondFactorFailed):
            s.complete_login("123456" if site.code(e, T0) != "123456" else "654321")
    with pytest.raises(AccountLocked):
        s.complete_login("123456" if site.code(e, T0) != "123456" else "654321")
    with pytest.raises(AccountLocked):
        s.login("dr.sato", PW, site.code(e, T0))  # even the right password and code, until it ends


def test_unlock_asks_for_a_code_after_the_site_hours(site: TestSite, log: AuditLog) -> None:
    e = site.add("dr.sato")
    wall = Clock(T0)
    s = _session(site, log, wall)
    s.login("dr.sato", PW, site.code(e, T0))
    s.lock()
    wall.t = T0 + 1800
    assert not s.unlock_needs_second_factor
    s.unlock(PW)  # within the hour: the password is enough
    s.lock()
    wall.t = T0 + 3600
    assert s.unlock_needs_second_factor
    with pytest.raises(SecondFactorRequired):
        s.unlock(PW)
    with pytest.raises(SecondFactorFailed):
        s.unlock(PW, site.code(e, T0))  # an hour-old code
    assert s.state is SessionState.LOCKED
    s.unlock(PW, site.code(e, wall.t))
    assert s.state is SessionState.ACTIVE and not s.unlock_needs_second_factor


def test_a_secret_swapped_into_the_credential_is_refused(site: TestSite, log: AuditLog) -> None:
    """Someone with the reader's password and write access to the file seals their own secret."""
    site.add("dr.sato")
    cf = site.store.credential_file("dr.sato")
    cred = cf.read()
    private = unwrap_private_key(cred, PW)
    mine = pyotp.random_base32(32)
    cred.totp_sealed = seal_totp(private, "dr.sato", mine)
    cf.write(cred)
    with pytest.raises(SecondFactorFailed) as exc:
        _session(site, log, Clock(T0)).login("dr.sato", PW, pyotp.TOTP(mine).at(T0))
    assert exc.value.failure is SecondFactorFailure.SECRET_MISMATCH and "IT" in str(exc.value)


def test_enrolment_at_first_login(tmp_path: Path, log: AuditLog) -> None:
    site = make_site(tmp_path, totp_enrol_at_first_login=True)
    e = site.add("dr.new")
    assert e.totp_secret is None and e.otpauth_uri is None and len(e.recovery_codes) == 10
    wall = Clock(T0)
    s = _session(site, log, wall)
    with pytest.raises(SecondFactorRequired) as req:
        s.login("dr.new", PW)
    uri = req.value.request.enrolment_uri
    assert req.value.request.enrolling and uri.startswith("otpauth://totp/")
    app = pyotp.parse_uri(uri)  # the reader's authenticator app scans it
    with pytest.raises(SecondFactorFailed):
        s.complete_login("000000" if app.at(T0) != "000000" else "111111")
    assert not json.loads((site.store.credentials_dir / "dr.new.json").read_text())["totp_sealed"]
    s.complete_login(app.at(T0))
    assert s.state is SessionState.ACTIVE
    s.logout()
    wall.t += 30
    with pytest.raises(SecondFactorRequired) as again:
        s.login("dr.new", PW)
    assert not again.value.request.enrolling  # shown once: from now on a code is asked
    s.complete_login(app.at(wall.t))
    assert s.state is SessionState.ACTIVE


def test_second_factor_callback_is_asked_once_with_the_request(site: TestSite, log: AuditLog) -> None:
    """The CLI's way: the code is asked for (here answered) only after the password was right."""
    e = site.add("dr.sato")
    asked = []

    def ask(request) -> str | None:
        asked.append(request.user_id)
        return site.code(e, T0)

    s = _session(site, log, Clock(T0))
    with pytest.raises(AuthenticationFailed):
        s.login("dr.sato", "not the password", second_factor=ask)
    assert asked == []
    s.login("dr.sato", PW, second_factor=ask)
    assert asked == ["dr.sato"] and s.state is SessionState.ACTIVE
    s.logout()
    with pytest.raises(SecondFactorRequired):  # the reader cancelled the prompt
        s.login("dr.sato", PW, second_factor=lambda request: None)
    s.cancel_login()
    with pytest.raises(SessionError, match="no login is waiting"):
        s.complete_login(site.code(e, T0 + 30))
