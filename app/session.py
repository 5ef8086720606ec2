"""The reader session core (no Qt): user store, password hashing, login, idle lock, re-auth.

Authentication method (security.md rows 1, 2, 5; documented here as row 1 asks):
- Each reader has a local account in ``users.json`` in the data dir. A password is never
  stored: scrypt (hashlib; N=2**17, r=8, p=1 by default, 128 MiB, per-user 16-byte random
  salt) gives a master secret; the store keeps only an HKDF-derived verifier, compared in
  constant time. Parameters are stored per user so they can be raised later.
- Password policy (row 2), chosen option: at least 13 characters mixing at least three of
  lower case, upper case, digits and symbols (any non-ASCII character counts as a symbol),
  not containing the user ID. The guideline's alternatives (>= 8 characters changed every
  2 months, or >= 8 with 2FA) are not offered: 2FA is not implemented yet (row 3), and
  with 13+ mixed characters no periodic change is required. A password set by IT must be
  changed at first login (`password_change_required`).
- Lockout after `max_failures` consecutive failures for `lockout_s` seconds (defaults 5
  and 15 minutes). The guideline gives no value (**unverified**): both are configurable.
  The state is persisted, so restarting the program does not reset it.
- Idle lock after `idle_timeout_s` (default 5 minutes; not in the guideline, **unverified**,
  configurable), driven by `touch()` and an injected clock. Unlock and signing need the
  password again (`unlock`, `reauthenticate`).
- `cache_key()`: a 32-byte key for the reader's encrypted study cache, derived with HKDF
  from the same scrypt output with the reader's own stored salt, so only that reader's
  password yields it. It is held in memory while the session is active, dropped on lock
  and logout (Python cannot promise the bytes are wiped; a bytearray is zeroed) and
  re-derived at unlock. A password change therefore orphans the old cache, which then
  ages out under the cache's TTL.

Every login, failed login, logout, lock and unlock is written to the audit trail.
"""
from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import json
import logging
import re
import secrets
import time
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app import audit
from app.audit import AuditLog, interprocess_lock
from worklist.atomic_io import write_atomic

__all__ = [
    "PasswordPolicy", "ScryptParams", "User", "UserStore", "Session", "SessionState",
    "SessionError", "AuthenticationFailed", "AccountLocked", "PolicyViolation", "NotLoggedIn",
    "SessionLocked", "add_user", "default_store",
]

log = logging.getLogger(__name__)


class SessionError(Exception):
    """A login or session operation failed; the message is one line, no personal data."""


class AuthenticationFailed(SessionError):
    """Unknown user ID or wrong password (the two are not told apart)."""


class AccountLocked(SessionError):
    """Too many failed attempts: the account is locked until `until` (epoch seconds)."""

    def __init__(self, reason: str, until: float) -> None:
        super().__init__(reason)
        self.until = until


class PolicyViolation(SessionError):
    """A new password does not meet the policy; `problems` lists each rule broken."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("password does not meet the policy: " + "; ".join(problems))
        self.problems = problems


class NotLoggedIn(SessionError):
    """The operation needs a logged-in reader."""


class SessionLocked(SessionError):
    """The session is locked; unlock with the password first."""


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 13
    min_classes: int = 3

    def problems(self, password: str, user_id: str = "") -> list[str]:
        """Each rule the password breaks, as a short phrase; [] if it is acceptable."""
        pw = unicodedata.normalize("NFKC", password)
        out: list[str] = []
        if len(pw) < self.min_length:
            out.append(f"at least {self.min_length} characters")
        classes = sum(bool(re.search(p, pw)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]"))
        if classes < self.min_classes:
            out.append(f"at least {self.min_classes} of: lower case, upper case, digits, symbols")
        if user_id and user_id.lower() in pw.lower():
            out.append("must not contain the user ID")
        return out


@dataclass(frozen=True)
class ScryptParams:
    n: int = 2 ** 17
    r: int = 8
    p: int = 1

    @property
    def maxmem(self) -> int:
        return 128 * self.n * self.r * self.p + 16 * 1024 * 1024


@dataclass
class User:
    """One account as stored (no password, only the verifier); `salt`/`cache_salt` base64."""

    user_id: str
    display_name: str
    dicom_name: str  # Person Name as it goes into reports, e.g. "SATO^ICHIRO"
    salt: str
    verifier: str
    cache_salt: str
    scrypt: dict[str, int]
    must_change_password: bool = True
    password_changed: str = ""
    failed_attempts: int = 0
    locked_until: float = 0.0
    roles: list[str] = field(default_factory=lambda: ["reader"])


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def _unb64(s: str) -> bytes:
    return base64.b64decode(s.encode("ascii"))


def _hkdf(master: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(master)


def _master(password: str, salt: bytes, params: ScryptParams) -> bytes:
    pw = unicodedata.normalize("NFKC", password).encode("utf-8")
    return hashlib.scrypt(pw, salt=salt, n=params.n, r=params.r, p=params.p, maxmem=params.maxmem, dklen=32)


def _verifier(master: bytes) -> bytes:
    return _hkdf(master, b"", b"yomi password verifier v1")


_USER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


class UserStore:
    """The local accounts file (JSON, 0600), written atomically under an inter-process lock."""

    def __init__(self, path: Path | str, *, scrypt: ScryptParams = ScryptParams(),
                 policy: PasswordPolicy = PasswordPolicy()) -> None:
        self.path = Path(path)
        self.scrypt = scrypt
        self.policy = policy
        self._lockfile = self.path.with_name(self.path.name + ".lock")

    def _read(self) -> dict[str, User]:
        if not self.path.exists():
            return {}
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return {u["user_id"]: User(**u) for u in raw["users"]}
        except (ValueError, KeyError, TypeError) as exc:
            raise SessionError("the user store is damaged") from exc

    def _write(self, users: dict[str, User]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        data = json.dumps({"version": 1, "users": [asdict(u) for u in users.values()]}, indent=1)
        write_atomic(self.path, data.encode("utf-8"))

    def get(self, user_id: str) -> User | None:
        return self._read().get(user_id)

    def user_ids(self) -> list[str]:
        return sorted(self._read())

    def update(self, user_id: str, change: Callable[[User], None]) -> User:
        """Apply `change` to one user under the lock and save; returns the saved user."""
        with interprocess_lock(self._lockfile):
            users = self._read()
            if user_id not in users:
                raise SessionError(f"no user {user_id!r}")
            change(users[user_id])
            self._write(users)
            return users[user_id]

    def create(self, user: User) -> None:
        with interprocess_lock(self._lockfile):
            users = self._read()
            if user.user_id in users:
                raise SessionError(f"user {user.user_id!r} already exists")
            users[user.user_id] = user
            self._write(users)

    def credentials(self, password: str, user_id: str) -> tuple[str, str, str, dict[str, int]]:
        """(salt, verifier, cache_salt, params) for a new password, after the policy check."""
        problems = self.policy.problems(password, user_id)
        if problems:
            raise PolicyViolation(problems)
        salt, cache_salt = secrets.token_bytes(16), secrets.token_bytes(16)
        master = _master(password, salt, self.scrypt)
        return _b64(salt), _b64(_verifier(master)), _b64(cache_salt), asdict(self.scrypt)

    def check(self, user: User, password: str) -> bytes | None:
        """The scrypt master secret if `password` is the user's, else None (constant-time compare)."""
        master = _master(password, _unb64(user.salt), ScryptParams(**user.scrypt))
        return master if hmac.compare_digest(_verifier(master), _unb64(user.verifier)) else None

    def burn(self, password: str) -> None:
        """Spend the same work as a real check, for unknown user IDs (no timing oracle)."""
        _master(password, b"\0" * 16, self.scrypt)


def default_store() -> UserStore:
    from app.paths import data_dir

    return UserStore(data_dir() / "users.json")


def add_user(store: UserStore, user_id: str, password: str, display_name: str, dicom_name: str,
             *, must_change_password: bool = True, roles: list[str] | None = None) -> User:
    """Create an account; the password must meet the policy. IT-set passwords must be changed."""
    if not _USER_ID.match(user_id):
        raise SessionError("user ID: letters, digits and . _ @ - only, at most 64 characters")
    if not dicom_name or "\\" in dicom_name:
        raise SessionError("DICOM name must be one Person Name value, e.g. SATO^ICHIRO")
    salt, verifier, cache_salt, params = store.credentials(password, user_id)
    user = User(user_id=user_id, display_name=display_name, dicom_name=dicom_name, salt=salt,
                verifier=verifier, cache_salt=cache_salt, scrypt=params,
                must_change_password=must_change_password,
                password_changed=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                roles=roles or ["reader"])
    store.create(user)
    log.info("session: user %s created", user_id)
    return user


class SessionState(str, enum.Enum):
    LOGGED_OUT = "logged out"
    ACTIVE = "active"
    LOCKED = "locked"


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
        """Check the password against the store, with lockout; raises on failure."""
        user = self.store.get(user_id)
        now = self._wall()
        if user is None:
            self.store.burn(password)
            raise AuthenticationFailed("user ID or password is wrong")
        if user.locked_until > now:
            raise AccountLocked("too many failed attempts; try again later", user.locked_until)
        master = self.store.check(user, password)
        if master is None:
            def fail(u: User) -> None:
                u.failed_attempts += 1
                if u.failed_attempts >= self.max_failures:
                    u.locked_until = now + self.lockout_s
                    u.failed_attempts = 0

            saved = self.store.update(user_id, fail)
            if saved.locked_until > now:
                log.warning("session: user %s locked out after %d failures", user_id, self.max_failures)
                audit.security_alert(user_id, audit.C.USE_OF_RESTRICTED_FUNCTION, "yomi:login",
                                     "account locked after repeated failed logins", log=self.audit_log)
                raise AccountLocked("too many failed attempts; try again later", saved.locked_until)
            raise AuthenticationFailed("user ID or password is wrong")
        if user.failed_attempts or user.locked_until:
            def reset(u: User) -> None:
                u.failed_attempts, u.locked_until = 0, 0.0

            user = self.store.update(user_id, reset)
        return user, master

    def _derive_key(self, user: User, master: bytes) -> None:
        self._drop_key()
        self._key = bytearray(_hkdf(master, _unb64(user.cache_salt), b"yomi cache key v1|" + user.user_id.encode()))

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
        self._user, self._state = user, SessionState.ACTIVE
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
            self._state = SessionState.LOCKED
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
        self._user, self._state = user, SessionState.ACTIVE
        self._last_activity = self._clock()
        self._derive_key(user, master)
        audit.session_unlocked(user.user_id, True, log=self.audit_log)

    def logout(self) -> None:
        if self._user is None:
            return
        user_id = self._user.user_id
        self._drop_key()
        self._user, self._state = None, SessionState.LOGGED_OUT
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
