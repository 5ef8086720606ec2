"""One reader at the station: logged out, active or locked (security.md rows 1, 5).

    LOGGED_OUT --login--> ACTIVE --lock / idle timeout--> LOCKED --unlock--> ACTIVE
    ACTIVE, LOCKED --logout--> LOGGED_OUT

Idle lock after `idle_timeout_s` (default 5 minutes; not in the guideline, **unverified**,
configurable), driven by `touch()` and an injected clock. Unlock and signing need the
password again (`unlock`, `reauthenticate`); a locked session can only be unlocked by the
same reader, anyone else must log it out first. A password set by IT must be changed at
first login (`password_change_required`).

The study-cache key (`cache_key()`) is held only while ACTIVE: it is dropped on lock and
logout (Python cannot promise the bytes are wiped; the bytearray is zeroed) and re-derived
at unlock from the password. A password change therefore orphans the old cache, which
then ages out under the cache's TTL.

Every login, failed login, logout, lock and unlock is written to the audit trail.
"""
from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable
from datetime import datetime, timezone

from app import audit
from app.audit import AuditLog
from app.session.accounts import User, UserStore
from app.session.authentication import Lockout, authenticate
from app.session.errors import AccountLocked, NotLoggedIn, PolicyViolation, SessionError, SessionLocked
from app.session.key_derivation import derive_cache_key, unb64

__all__ = ["SessionState", "Session"]

log = logging.getLogger(__name__)


class SessionState(str, enum.Enum):
    LOGGED_OUT = "logged out"
    ACTIVE = "active"
    LOCKED = "locked"


# The only moves the machine makes; `_move` refuses any other, so a new method cannot
# slip past a lock by accident (e.g. LOGGED_OUT -> LOCKED would keep a stale user).
_TRANSITIONS: dict[SessionState, frozenset[SessionState]] = {
    SessionState.LOGGED_OUT: frozenset({SessionState.ACTIVE}),
    SessionState.ACTIVE: frozenset({SessionState.LOCKED, SessionState.LOGGED_OUT}),
    SessionState.LOCKED: frozenset({SessionState.ACTIVE, SessionState.LOGGED_OUT}),
}


class Session:
    """One reader at the station: login, idle lock, unlock, re-auth for signing, logout.

    `clock` (monotonic seconds) drives the idle lock; `wall_clock` (epoch seconds) the
    persisted lockout. Both are injectable for tests. Not thread-safe: the GUI thread owns it.
    """

    def __init__(self, store: UserStore, *, audit_log: AuditLog | None = None,
                 idle_timeout_s: float = 300.0, max_failures: int = 5, lockout_s: float = 900.0,
                 clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.audit_log = audit_log
        self.idle_timeout_s = idle_timeout_s
        self.max_failures = max_failures
        self.lockout_s = lockout_s
        self._clock = clock
        self._wall = wall_clock
        self._state = SessionState.LOGGED_OUT
        self._user: User | None = None
        self._last_activity = 0.0
        self._key: bytearray | None = None

    # --- state ---------------------------------------------------------------------------

    @property
    def user(self) -> User | None:
        return self._user

    @property
    def state(self) -> SessionState:
        return self._state

    @property
    def password_change_required(self) -> bool:
        return bool(self._user and self._user.must_change_password)

    def _move(self, to: SessionState) -> None:
        if to not in _TRANSITIONS[self._state]:
            raise SessionError(f"session cannot go from {self._state.value} to {to.value}")
        self._state = to

    def is_locked(self, now: float | None = None) -> bool:
        """True when locked (or logged out); locks here if the idle time has run out."""
        if self._state is SessionState.ACTIVE:
            t = self._clock() if now is None else now
            if t - self._last_activity >= self.idle_timeout_s:
                log.info("session: idle for %.0f s; locking", t - self._last_activity)
                self.lock()
        return self._state is not SessionState.ACTIVE

    def touch(self, now: float | None = None) -> None:
        """Reader activity (key, mouse): restarts the idle timer unless already locked."""
        if not self.is_locked(now):
            self._last_activity = self._clock() if now is None else now

    # --- authentication ------------------------------------------------------------------

    def _authenticate(self, user_id: str, password: str) -> tuple[User, bytes]:
        return authenticate(self.store, user_id, password, now=self._wall(),
                            lockout=Lockout(self.max_failures, self.lockout_s), audit_log=self.audit_log)

    def _derive_key(self, user: User, master: bytes) -> None:
        self._drop_key()
        self._key = bytearray(derive_cache_key(master, unb64(user.cache_salt), user.user_id))

    def _drop_key(self) -> None:
        if self._key is not None:
            self._key[:] = bytes(len(self._key))
            self._key = None

    def login(self, user_id: str, password: str) -> User:
        """Log a reader in; raises AuthenticationFailed or AccountLocked (both audited)."""
        if self._state is not SessionState.LOGGED_OUT:
            raise SessionError("another reader is logged in; log out first")
        try:
            user, master = self._authenticate(user_id, password)
        except SessionError as exc:
            audit.login(user_id, False, log=self.audit_log, reason=str(exc))
            raise
        self._user = user
        self._move(SessionState.ACTIVE)
        self._last_activity = self._clock()
        self._derive_key(user, master)
        audit.login(user_id, True, log=self.audit_log)
        log.info("session: user %s logged in", user_id)
        return user

    def reauthenticate(self, password: str) -> None:
        """Confirm the logged-in reader (before signing); raises if wrong. Audited as a login."""
        if self._user is None:
            raise NotLoggedIn("no reader is logged in")
        if self.is_locked():
            raise SessionLocked("the session is locked")
        try:
            self._authenticate(self._user.user_id, password)
        except SessionError as exc:
            audit.login(self._user.user_id, False, log=self.audit_log, reason=str(exc))
            if isinstance(exc, AccountLocked):
                self.lock()
            raise
        audit.login(self._user.user_id, True, log=self.audit_log)
        self._last_activity = self._clock()

    def lock(self) -> None:
        """Hide images and personal data now (the shell watches `is_locked`)."""
        if self._state is SessionState.ACTIVE and self._user is not None:
            self._move(SessionState.LOCKED)
            self._drop_key()
            audit.session_locked(self._user.user_id, log=self.audit_log)

    def unlock(self, password: str) -> None:
        """Unlock with the same reader's password; another reader must log out/in instead."""
        if self._user is None:
            raise NotLoggedIn("no reader is logged in")
        if self._state is not SessionState.LOCKED:
            return
        try:
            user, master = self._authenticate(self._user.user_id, password)
        except SessionError as exc:
            audit.session_unlocked(self._user.user_id, False, log=self.audit_log, reason=str(exc))
            raise
        self._user = user
        self._move(SessionState.ACTIVE)
        self._last_activity = self._clock()
        self._derive_key(user, master)
        audit.session_unlocked(user.user_id, True, log=self.audit_log)

    def logout(self) -> None:
        if self._user is None:
            return
        user_id = self._user.user_id
        self._drop_key()
        self._user = None
        self._move(SessionState.LOGGED_OUT)
        audit.logout(user_id, log=self.audit_log)
        log.info("session: user %s logged out", user_id)

    def change_password(self, old: str, new: str) -> None:
        """Set a new password (policy-checked); clears the first-use change requirement."""
        if self._user is None:
            raise NotLoggedIn("no reader is logged in")
        if self.is_locked():
            raise SessionLocked("the session is locked")
        user_id = self._user.user_id
        try:
            self._authenticate(user_id, old)
        except SessionError as exc:
            audit.login(user_id, False, log=self.audit_log, reason=str(exc))
            raise
        if new == old:
            raise PolicyViolation(["must differ from the current password"])
        salt, verifier, cache_salt, params = self.store.credentials(new, user_id)

        def apply(u: User) -> None:
            u.salt, u.verifier, u.cache_salt, u.scrypt = salt, verifier, cache_salt, params
            u.must_change_password = False
            u.password_changed = datetime.fromtimestamp(self._wall(), timezone.utc).isoformat(timespec="seconds")

        self._user = self.store.update(user_id, apply)
        master = self.store.check(self._user, new)
        if master is None:
            raise SessionError("the new password could not be read back from the user store")
        self._derive_key(self._user, master)
        log.info("session: user %s changed the password", user_id)

    def cache_key(self) -> bytes:
        """The reader's 32-byte study-cache key; only while the session is active."""
        if self._user is None:
            raise NotLoggedIn("no reader is logged in")
        if self.is_locked() or self._key is None:
            raise SessionLocked("the session is locked")
        return bytes(self._key)
