"""Checking a reader's password against the store, with a persisted lockout (security.md row 2).

Lockout after `max_failures` consecutive failures for `lockout_s` seconds (defaults 5 and
15 minutes). The guideline gives no value (**unverified**): both are configurable. The
counters live in the user store, so restarting the program does not reset them. An unknown
user ID and a wrong password raise the same error after the same scrypt work, so neither
the message nor the timing tells which was wrong.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from app import audit
from app.audit import AuditLog
from app.session.accounts import User, UserStore
from app.session.errors import AccountLocked, AuthenticationFailed

__all__ = ["Lockout", "authenticate"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Lockout:
    max_failures: int = 5
    lockout_s: float = 900.0


def authenticate(store: UserStore, user_id: str, password: str, *, now: float, lockout: Lockout,
                 audit_log: AuditLog | None) -> tuple[User, bytes]:
    """(user, scrypt master secret) if the password is right; raises AuthenticationFailed or
    AccountLocked otherwise. `now` is epoch seconds. Audits only the lockout itself (a
    Security Alert): the caller audits the attempt, as a login or an unlock."""
    user = store.get(user_id)
    if user is None:
        store.burn(password)
        raise AuthenticationFailed("user ID or password is wrong")
    if user.locked_until > now:
        raise AccountLocked("too many failed attempts; try again later", user.locked_until)
    master = store.check(user, password)
    if master is None:
        def fail(u: User) -> None:
            u.failed_attempts += 1
            if u.failed_attempts >= lockout.max_failures:
                u.locked_until = now + lockout.lockout_s
                u.failed_attempts = 0

        saved = store.update(user_id, fail)
        if saved.locked_until > now:
            log.warning("session: user %s locked out after %d failures", user_id, lockout.max_failures)
            audit.security_alert(user_id, audit.C.USE_OF_RESTRICTED_FUNCTION, "yomi:login",
                                 "account locked after repeated failed logins", log=audit_log)
            raise AccountLocked("too many failed attempts; try again later", saved.locked_until)
        raise AuthenticationFailed("user ID or password is wrong")
    if user.failed_attempts or user.locked_until:
        def reset(u: User) -> None:
            u.failed_attempts, u.locked_until = 0, 0.0

        user = store.update(user_id, reset)
    return user, master
