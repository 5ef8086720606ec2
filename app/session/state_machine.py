"""One reader at the station: logged out, active or locked (security.md rows 1, 3, 5).

    LOGGED_OUT --login (password [+ code])--> ACTIVE --lock / idle timeout--> LOCKED
    LOCKED --unlock (password [+ code after totp_unlock_after_h])--> ACTIVE
    ACTIVE, LOCKED --logout--> LOGGED_OUT

Login checks the password (which opens the account's IT-signed key) and, for accounts that
need it, a TOTP or recovery code: `login(user_id, password, totp_code)` at once, or, when
the code is not known yet, `login` raises `SecondFactorRequired` and keeps the half-done
login for `complete_login(code)` (the login dialog asks in between; at a first-login
enrolment the request carries the otpauth URI to show as a QR code). The account must hold
`required_role` (``reader`` for the reading window, ``admin`` for `yomi user`).

Idle lock after `idle_timeout_s` (default 5 minutes; not in the guideline, **unverified**,
configurable), driven by `touch()` and an injected clock. Unlock needs the password, and a
code too once the site's `totp_unlock_after_h` have passed since the last one; signing
needs the password (`reauthenticate`). A locked session can only be unlocked by the same
reader, anyone else must log it out first. A password set by IT must be changed at first
login (`password_change_required`).

The study-cache key (`cache_key()`) is derived from the reader's private key, held only
while ACTIVE: it is dropped on lock and logout (Python cannot promise the bytes are wiped;
the bytearray is zeroed) and re-derived at unlock. A password change keeps it (the same
private key is re-encrypted); an IT reset (new key pair) orphans the old cache, which then
ages out under the cache's TTL.

Every login, failed login, logout, lock and unlock is written to the audit trail; a wrong,
expired or replayed code, a tampered account store and a missing role also raise a
Security Alert (`alerts`). A failed login whose user ID names no account is recorded as
`audit.UNKNOWN_USER`, never as typed (it may be a password). While the session is active
the reader's key signs the audit log's checkpoints (`audit.begin_signing`, see
`app.audit.checkpoint`): from login and unlock until lock and logout.
"""
from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from app import audit
from app.audit import AuditLog
from app.session import alerts
from app.session.accounts import User, UserStore
from app.session.authentication import FirstFactor, Lockout, check_password, check_second_factor, record_success, \
    reserve_attempt
from app.session.credentials import wrap_private_key
from app.session.errors import (AccountLocked, AccountStoreTampered, NotLoggedIn, PolicyViolation, RoleMissing,
                                SecondFactorFailed, SecondFactorRequired, SessionError,
                                SessionLocked)
from app.session.key_derivation import derive_cache_key, unb64
from app.session.second_factor import SecondFactorRequest, new_totp_secret, otpauth_uri
from app.session.site_store import SiteSettings, now_iso

__all__ = ["SessionState", "Session", "UnlockProof"]

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


@dataclass(frozen=True)
class UnlockProof:
    """What `Session.check_unlock` accepted, for `finish_unlock`: holds the opened private
    key, so it lives only from one call to the other."""

    first: FirstFactor
    second_factor: bool


@dataclass
class _Pending:
    """A login whose password was right, waiting for its second factor."""

    first: FirstFactor
    request: SecondFactorRequest
    enrolling_secret: str | None
    reserved: bool  # the password's reserved attempt still covers the first code


class Session:
    """One reader at the station: login, idle lock, unlock, re-auth for signing, logout.

    `clock` (monotonic seconds) drives the idle lock; `wall_clock` (epoch seconds) the
    persisted lockout and the TOTP time steps. Both are injectable for tests. Not
    thread-safe: the GUI thread owns it.
    """

    def __init__(self, store: UserStore, *, audit_log: AuditLog | None = None,
                 idle_timeout_s: float = 300.0, max_failures: int = 5, lockout_s: float = 900.0,
                 clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], float] = time.time, required_role: str = "reader") -> None:
        self.store = store
        self.audit_log = audit_log
        self.idle_timeout_s = idle_timeout_s
        self.max_failures = max_failures
        self.lockout_s = lockout_s
        self.required_role = required_role
        self._clock = clock
        self._wall = wall_clock
        self._state = SessionState.LOGGED_OUT
        self._user: User | None = None
        self._settings: SiteSettings | None = None
        self._last_activity = 0.0
        self._second_factor_at = 0.0
        self._key: bytearray | None = None
        self._pending: _Pending | None = None
        self._listeners: list[Callable[[SessionState], None]] = []
        self._key_drop: list[Callable[[], None]] = []
        self._dropping = False

    def before_keys_drop(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener()` at lock and logout while the key is still held, so a store can
        finish sealing what it was handed (the draft autosave); returns the unsubscribe."""
        self._key_drop.append(listener)
        return lambda: self._key_drop.remove(listener) if listener in self._key_drop else None

    def _keys_dropping(self) -> None:
        self._dropping = True  # the key still answers while the listeners finish (cache_key)
        try:
            for listener in list(self._key_drop):
                try:
                    listener()
                except Exception:  # a failing store must not keep the keys from being dropped
                    log.exception("session: a key-drop listener failed")
        finally:
            self._dropping = False

    def subscribe(self, listener: Callable[[SessionState], None]) -> Callable[[], None]:
        """Call `listener(state)` after every login, lock, unlock and logout, once the key is
        derived or dropped (stores lock and unlock their keys there); returns the unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _notify(self) -> None:
        for listener in list(self._listeners):
            try:
                listener(self._state)
            except Exception:  # one failing listener must not stop the rest, nor the lock itself
                log.exception("session: a state listener failed")

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

    @property
    def pending_second_factor(self) -> SecondFactorRequest | None:
        """What `complete_login` waits for, after `login` raised SecondFactorRequired."""
        return self._pending.request if self._pending else None

    @property
    def unlock_needs_second_factor(self) -> bool:
        """True when unlocking must also take a code (site setting `totp_unlock_after_h`)."""
        if self._user is None or not self._user.totp_required or self._settings is None:
            return False
        return self._wall() - self._second_factor_at >= self._settings.totp_unlock_after_h * 3600.0

    def _move(self, to: SessionState) -> None:
        if to not in _TRANSITIONS[self._state]:
            raise SessionError(f"session cannot go from {self._state.value} to {to.value}")
        self._state = to

    def is_locked(self, now: float | None = None) -> bool:
        """True when locked (or logged out); locks here if the idle time has run out."""
        if self._state is SessionState.ACTIVE:
            t = self._clock() if now is None else now
            if self._idle_expired(t):
                log.info("session: idle for %.0f s; locking", t - self._last_activity)
                self.lock()
        return self._state is not SessionState.ACTIVE

    def _idle_expired(self, t: float) -> bool:
        return t - self._last_activity >= self.idle_timeout_s

    def touch(self, now: float | None = None) -> None:
        """Reader activity (key, mouse): restarts the idle timer unless already locked."""
        if not self.is_locked(now):
            self._last_activity = self._clock() if now is None else now

    # --- authentication ------------------------------------------------------------------

    @property
    def _lockout(self) -> Lockout:
        return Lockout(self.max_failures, self.lockout_s)

    def _first_factor(self, user_id: str, password: str) -> FirstFactor:
        try:
            return check_password(self.store, user_id, password, now=self._wall(), lockout=self._lockout,
                                  audit_log=self.audit_log)
        except AccountStoreTampered as exc:
            log.error("session: %s", exc)
            # the accounts cannot be read, so the typed ID cannot be told from a password
            alerts.store_tampered(audit.UNKNOWN_USER, exc, self.audit_log)
            raise

    def _audit_id(self, user_id: str) -> str:
        """The typed user ID if it names an account, else UNKNOWN_USER: it may be a password."""
        try:
            return user_id if user_id in self.store.accounts() else audit.UNKNOWN_USER
        except SessionError:
            return audit.UNKNOWN_USER

    def _password_only(self, user_id: str, password: str) -> FirstFactor:
        first = self._first_factor(user_id, password)
        first.credential = record_success(first.file)
        return first

    def _derive_key(self, first: FirstFactor) -> None:
        self._drop_key()
        self._key = bytearray(derive_cache_key(first.private_key, unb64(first.credential.cache_salt),
                                               first.account.user_id))

    def _drop_key(self) -> None:
        if self._key is not None:
            self._key[:] = bytes(len(self._key))
            self._key = None

    def login(self, user_id: str, password: str, totp_code: str | None = None, *,
              second_factor: Callable[[SecondFactorRequest], str | None] | None = None) -> User:
        """Log a reader in; raises AuthenticationFailed, AccountLocked, SecondFactorRequired,
        SecondFactorFailed, RoleMissing or AccountStoreTampered (all audited).

        `totp_code` (or what `second_factor(request)` returns) is the TOTP or recovery code;
        without either, an account that needs one raises SecondFactorRequired and waits for
        `complete_login(code)`.
        """
        if self._state is not SessionState.LOGGED_OUT:
            raise SessionError("another reader is logged in; log out first")
        self._pending = None
        try:
            first = self._first_factor(user_id, password)
        except SessionError as exc:
            audit.login(self._audit_id(user_id), False, log=self.audit_log, reason=str(exc))
            raise
        if not first.account.totp_required:
            first.credential = record_success(first.file)
            return self._activate(first, second_factor=False)
        secret = None
        if first.credential.totp_sealed is None and first.account.totp_secret_sha256 is None \
                and first.settings.totp_enrol_at_first_login:
            secret = new_totp_secret()  # first-login enrolment: shown once, sealed on the first good code
        uri = otpauth_uri(secret, user_id, "" if first.settings.demo else first.settings.label) if secret else None
        self._pending = _Pending(first, SecondFactorRequest(user_id, uri), secret, reserved=True)
        code = totp_code
        if code is None and second_factor is not None:
            code = second_factor(self._pending.request)
        if code is None:
            raise SecondFactorRequired(self._pending.request)
        return self.complete_login(code)

    def complete_login(self, code: str) -> User:
        """Finish the login `login` left waiting, with the TOTP or recovery code."""
        p = self._pending
        if p is None or self._state is not SessionState.LOGGED_OUT:
            raise SessionError("no login is waiting for a one-time code")
        user_id = p.first.account.user_id
        now = self._wall()
        try:
            locks = p.first.locked_by_this if p.reserved else reserve_attempt(p.first.file, now, self._lockout)
            p.reserved = False
            try:
                check_second_factor(p.first, code, now=now, enrolling_secret=p.enrolling_secret)
            except SecondFactorFailed as exc:
                log.warning("session: second factor of %s refused (%s)", user_id, exc.failure.value)
                alerts.second_factor_failed(user_id, exc.failure, self.audit_log)
                if locks:
                    alerts.locked_out(user_id, self.audit_log)
                    raise AccountLocked("too many failed attempts; try again later",
                                        p.first.file.read().locked_until) from exc
                raise
        except SessionError as exc:
            audit.login(user_id, False, log=self.audit_log, reason=str(exc))
            if isinstance(exc, AccountLocked):
                self._pending = None
            raise
        self._pending = None
        return self._activate(p.first, second_factor=True)

    def cancel_login(self) -> None:
        """Forget a login waiting for its code (the reader cancelled)."""
        self._pending = None

    def _activate(self, first: FirstFactor, *, second_factor: bool) -> User:
        user_id = first.account.user_id
        if self.required_role and self.required_role not in first.account.roles:
            alerts.role_missing(user_id, self.required_role, self.audit_log)
            exc = RoleMissing(user_id, self.required_role)
            audit.login(user_id, False, log=self.audit_log, reason=str(exc))
            raise exc
        self._user = first.user
        self._settings = first.settings
        self._move(SessionState.ACTIVE)
        self._last_activity = self._clock()
        if second_factor:
            self._second_factor_at = self._wall()
        self._derive_key(first)
        audit.begin_signing(self.audit_log, user_id, first.private_key)  # checkpoints (app.audit.checkpoint)
        audit.login(user_id, True, log=self.audit_log)
        log.info("session: user %s logged in", user_id)
        self._notify()
        return self._user

    def reauthenticate(self, password: str) -> None:
        """Confirm the logged-in reader (before signing); raises if wrong. Audited as a login."""
        if self._user is None:
            raise NotLoggedIn("no reader is logged in")
        if self.is_locked():
            raise SessionLocked("the session is locked")
        try:
            self._password_only(self._user.user_id, password)
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
            self._keys_dropping()
            if self._state is not SessionState.ACTIVE:
                return  # a listener's work ended the session meanwhile
            self._move(SessionState.LOCKED)
            self._drop_key()
            audit.session_locked(self._user.user_id, log=self.audit_log)
            audit.end_signing(self.audit_log)
            self._notify()

    def unlock(self, password: str, totp_code: str | None = None) -> None:
        """Unlock with the same reader's password (and a code when `unlock_needs_second_factor`);
        another reader must log out/in instead."""
        proof = self.check_unlock(password, totp_code)
        if proof is not None:
            self.finish_unlock(proof)

    def check_unlock(self, password: str, totp_code: str | None = None) -> UnlockProof | None:
        """The slow half of `unlock` (scrypt, the credential file's lock): safe on a worker
        while the GUI thread owns the session, as it moves no state. None when not locked.
        Raises what `unlock` raises; failures are audited here."""
        user = self._user
        if user is None:
            raise NotLoggedIn("no reader is logged in")
        if self._state is not SessionState.LOCKED:
            return None
        user_id = user.user_id
        needs_code = self.unlock_needs_second_factor
        if needs_code and not totp_code:
            raise SecondFactorRequired(SecondFactorRequest(user_id))
        try:
            first = self._first_factor(user_id, password)
            if needs_code:
                try:
                    check_second_factor(first, totp_code or "", now=self._wall())
                except SecondFactorFailed as exc:
                    alerts.second_factor_failed(user_id, exc.failure, self.audit_log)
                    if first.locked_by_this:
                        alerts.locked_out(user_id, self.audit_log)
                        raise AccountLocked("too many failed attempts; try again later",
                                            first.file.read().locked_until) from exc
                    raise
            else:
                first.credential = record_success(first.file)
        except SessionError as exc:
            audit.session_unlocked(user_id, False, log=self.audit_log, reason=str(exc))
            raise
        if self.required_role and self.required_role not in first.account.roles:
            alerts.role_missing(user_id, self.required_role, self.audit_log)
            audit.session_unlocked(user_id, False, log=self.audit_log, reason="role withdrawn")
            raise RoleMissing(user_id, self.required_role)
        return UnlockProof(first, needs_code)

    def finish_unlock(self, proof: UnlockProof) -> None:
        """The quick half of `unlock`, on the thread that owns the session: back to ACTIVE
        with the key re-derived. Refused if the reader logged out (or it unlocked) meanwhile."""
        user_id = proof.first.account.user_id
        if self._state is not SessionState.LOCKED or self._user is None or self._user.user_id != user_id:
            raise NotLoggedIn(f"the session of {user_id} is no longer locked")
        self._user = proof.first.user
        self._settings = proof.first.settings
        if proof.second_factor:
            self._second_factor_at = self._wall()
        self._move(SessionState.ACTIVE)
        self._last_activity = self._clock()
        self._derive_key(proof.first)
        audit.begin_signing(self.audit_log, user_id, proof.first.private_key)
        audit.session_unlocked(user_id, True, log=self.audit_log)
        self._notify()

    def logout(self) -> None:
        self._pending = None
        if self._user is None:
            return
        user_id = self._user.user_id
        if self._state is SessionState.ACTIVE:
            self._keys_dropping()
        self._drop_key()
        self._user = None
        self._settings = None
        self._move(SessionState.LOGGED_OUT)
        audit.logout(user_id, log=self.audit_log)
        audit.end_signing(self.audit_log)
        log.info("session: user %s logged out", user_id)
        self._notify()

    def change_password(self, old: str, new: str) -> None:
        """Re-encrypt the reader's private key under a new (policy-checked) password; no IT
        needed, and the cache key stays. Clears the first-use change requirement."""
        if self._user is None:
            raise NotLoggedIn("no reader is logged in")
        if self.is_locked():
            raise SessionLocked("the session is locked")
        user_id = self._user.user_id
        try:
            first = self._password_only(user_id, old)
        except SessionError as exc:
            audit.login(user_id, False, log=self.audit_log, reason=str(exc))
            raise
        if new == old:
            raise PolicyViolation(["must differ from the current password"])
        self.store.check_password(new, user_id)
        wrapped = wrap_private_key(first.private_key, new, self.store.scrypt, user_id)

        def apply(c) -> None:
            c.wrapped_key = wrapped
            c.must_change_password = False
            c.password_changed = now_iso()

        first.credential = first.file.update(apply)
        self._user = first.user
        self._derive_key(first)
        log.info("session: user %s changed the password", user_id)

    def cache_key(self) -> bytes:
        """The reader's 32-byte study-cache key; only while the session is active."""
        if self._user is None:
            raise NotLoggedIn("no reader is logged in")
        # Only asks: a store seals on worker threads, and the state moves on the GUI thread
        # alone (its idle check locks within the second).
        if self._state is not SessionState.ACTIVE or self._key is None \
                or (self._idle_expired(self._clock()) and not self._dropping):
            raise SessionLocked("the session is locked")
        return bytes(self._key)
