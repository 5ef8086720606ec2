"""Checking a reader: password (first factor), then TOTP or a recovery code (second factor).

Lockout (security.md row 2): after `max_failures` failed attempts the account is locked for
`lockout_s` seconds (defaults 5 and 15 minutes; the guideline gives no value, **unverified**,
both configurable). Each attempt is *reserved* before the password is checked: under the
credential file's inter-process lock, a locked account is refused, otherwise
`failed_attempts` goes up (and the account locks when it reaches the maximum) and is
written; only then is scrypt run, outside the lock. A success resets the counters under the
lock. So however many attempts arrive at once (threads, processes, two stations on one
home dir), at most `max_failures` passwords are ever checked before the lock holds.

An unknown user ID, a disabled account and a wrong password raise the same error after the
same scrypt work, so neither the message nor the timing tells which it was. The password
opens the reader's private key; its public key must be the one IT signed for the account
(a credential copied from another reader, or forged with a chosen password, is refused
and raises a Security Alert). The second factor is checked under the same lock as the
replay guard it updates, so one code cannot be accepted twice even at the same moment.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from app.audit import AuditLog
from app.session import alerts
from app.session.accounts import User, UserStore
from app.session.credentials import Credential, CredentialFile, open_totp, public_key_of, seal_totp, unwrap_private_key
from app.session.errors import AccountLocked, AuthenticationFailed, SecondFactorFailed, SecondFactorFailure
from app.session.second_factor import looks_like_recovery_code, match_totp, recovery_hash, secret_sha256
from app.session.site_store import Account, SiteSettings

__all__ = ["Lockout", "FirstFactor", "reserve_attempt", "check_password", "check_second_factor",
           "record_success"]

log = logging.getLogger(__name__)

_WRONG = "user ID or password is wrong"
_LOCKED = "too many failed attempts; try again later"


@dataclass(frozen=True)
class Lockout:
    max_failures: int = 5
    lockout_s: float = 900.0


@dataclass
class FirstFactor:
    """A password that opened the account's signed key: what the second factor continues."""

    account: Account
    settings: SiteSettings
    credential: Credential
    file: CredentialFile
    private_key: bytes
    locked_by_this: bool = False  # this attempt's reservation locked the account

    @property
    def user(self) -> User:
        return User.of(self.account, self.credential)


def reserve_attempt(cf: CredentialFile, now: float, lockout: Lockout) -> bool:
    """Count one attempt before it is checked; True if this one locked the account.

    Raises AccountLocked if the account is locked already.
    """
    reached = False

    def reserve(c: Credential) -> None:
        nonlocal reached
        if c.locked_until > now:
            raise AccountLocked(_LOCKED, c.locked_until)
        if c.locked_until:  # an earlier lockout has run out: start counting afresh
            c.failed_attempts, c.locked_until = 0, 0.0
        c.failed_attempts += 1
        if c.failed_attempts >= lockout.max_failures:
            c.locked_until = now + lockout.lockout_s
            reached = True

    cf.update(reserve)
    return reached


def record_success(cf: CredentialFile, change=None) -> Credential:
    def ok(c: Credential) -> None:
        c.failed_attempts, c.locked_until = 0, 0.0
        if change is not None:
            change(c)

    return cf.update(ok)


def check_password(store: UserStore, user_id: str, password: str, *, now: float, lockout: Lockout,
                   audit_log: AuditLog | None, reserve: bool = True) -> FirstFactor:
    """The opened first factor; raises AuthenticationFailed, AccountLocked, AccountStoreTampered.

    Audits only the Security Alerts (lockout, mismatched credential): the caller audits the
    attempt itself, as a login or an unlock. `reserve=False` only when the caller reserved.
    """
    settings, accounts = store.site_view()
    account = accounts.get(user_id)
    cf = store.credential_file(user_id)
    if account is None or account.disabled or not cf.exists():
        if account is not None:
            log.info("session: login refused for %s (%s)", user_id,
                     "account disabled" if account.disabled else "no credential file on this station")
        store.burn(password)
        raise AuthenticationFailed(_WRONG)
    locked_now = reserve_attempt(cf, now, lockout) if reserve else False
    cred = cf.read()
    private = unwrap_private_key(cred, password)
    if private is not None and public_key_of(private) != account.public_key:
        log.warning("session: credential of %s does not match the site store", user_id)
        alerts.credential_mismatch(user_id, audit_log)
        private = None
    if private is None:
        if locked_now:
            log.warning("session: user %s locked out after %d failures", user_id, lockout.max_failures)
            alerts.locked_out(user_id, audit_log)
            raise AccountLocked(_LOCKED, cf.read().locked_until)
        raise AuthenticationFailed(_WRONG)
    return FirstFactor(account, settings, cred, cf, private, locked_now)


def check_second_factor(ff: FirstFactor, code: str, *, now: float, enrolling_secret: str | None = None) -> Credential:
    """Accept a TOTP or recovery code (or the first code of an enrolment) and reset the counters.

    Raises SecondFactorFailed with the reason. Runs under the credential's lock, so the
    replay guard and the used-recovery set cannot be raced.
    """
    user_id = ff.account.user_id

    def verify(c: Credential) -> None:
        if enrolling_secret is not None:
            step = match_totp(enrolling_secret, code, now, -1).step
            c.totp_sealed = seal_totp(ff.private_key, user_id, enrolling_secret)
            c.last_totp_step = step
        elif looks_like_recovery_code(code):
            h = recovery_hash(user_id, code)
            if h not in ff.account.recovery_code_hashes:
                raise SecondFactorFailed(SecondFactorFailure.WRONG)
            if h in c.used_recovery:
                raise SecondFactorFailed(SecondFactorFailure.RECOVERY_USED)
            c.used_recovery.append(h)
        else:
            secret = open_totp(ff.private_key, user_id, c.totp_sealed) if c.totp_sealed else None
            if secret is None or (ff.account.totp_secret_sha256 is not None
                                  and secret_sha256(secret) != ff.account.totp_secret_sha256):
                raise SecondFactorFailed(SecondFactorFailure.SECRET_MISMATCH)
            c.last_totp_step = match_totp(secret, code, now, c.last_totp_step).step
        c.failed_attempts, c.locked_until = 0, 0.0

    ff.credential = ff.file.update(verify)
    return ff.credential
