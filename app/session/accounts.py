"""The local reader accounts: ``users.json`` in the data dir (security.md rows 1, 2).

Each reader has one record holding no password, only the scrypt salt, the verifier, the
cache salt and the scrypt parameters (see `key_derivation`), plus the lockout counters.
The file is JSON, mode 0600, replaced atomically (write-to-temp, fsync, rename) so a crash
never leaves half a file; every read-modify-write holds an inter-process lock (`filelock`,
``users.json.lock``) because the GUI and `yomi user add` may change it at once.
"""
from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import filelock

from app.paths import data_dir
from app.session.errors import PolicyViolation, SessionError
from app.session.key_derivation import (ScryptParams, b64, master_secret, new_salt, password_verifier,
                                        unb64, verifier_matches)
from app.session.password_policy import PasswordPolicy
from common.atomic import write_atomic

__all__ = ["User", "UserStore", "add_user", "default_store", "USER_ID_PATTERN", "LOCK_TIMEOUT_S"]

log = logging.getLogger(__name__)

USER_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")

# A change holds the lock for one read and one small atomic write; longer means a stuck holder.
LOCK_TIMEOUT_S = 30.0


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


class UserStore:
    """The local accounts file (JSON, 0600), written atomically under an inter-process lock."""

    def __init__(self, path: Path | str, *, scrypt: ScryptParams = ScryptParams(),
                 policy: PasswordPolicy = PasswordPolicy()) -> None:
        self.path = Path(path)
        self.scrypt = scrypt  # for new passwords; each user keeps the parameters it was set with
        self.policy = policy
        self._lock = filelock.FileLock(self.path.with_name(self.path.name + ".lock"),
                                       timeout=LOCK_TIMEOUT_S, mode=0o600)

    # --- file -----------------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            with self._lock:
                yield
        except filelock.Timeout as exc:
            raise SessionError("the user store is busy in another program; try again") from exc

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

    # --- accounts -------------------------------------------------------------------------

    def get(self, user_id: str) -> User | None:
        return self._read().get(user_id)

    def user_ids(self) -> list[str]:
        return sorted(self._read())

    def update(self, user_id: str, change: Callable[[User], None]) -> User:
        """Apply `change` to one user under the lock and save; returns the saved user."""
        with self._locked():
            users = self._read()
            if user_id not in users:
                raise SessionError(f"no user {user_id!r}")
            change(users[user_id])
            self._write(users)
            return users[user_id]

    def create(self, user: User) -> None:
        with self._locked():
            users = self._read()
            if user.user_id in users:
                raise SessionError(f"user {user.user_id!r} already exists")
            users[user.user_id] = user
            self._write(users)

    # --- passwords ------------------------------------------------------------------------

    def credentials(self, password: str, user_id: str) -> tuple[str, str, str, dict[str, int]]:
        """(salt, verifier, cache_salt, params) for a new password, after the policy check."""
        problems = self.policy.problems(password, user_id)
        if problems:
            raise PolicyViolation(problems)
        salt, cache_salt = new_salt(), new_salt()
        master = master_secret(password, salt, self.scrypt)
        return b64(salt), b64(password_verifier(master)), b64(cache_salt), asdict(self.scrypt)

    def check(self, user: User, password: str) -> bytes | None:
        """The scrypt master secret if `password` is the user's, else None (constant-time compare)."""
        master = master_secret(password, unb64(user.salt), ScryptParams(**user.scrypt))
        return master if verifier_matches(master, unb64(user.verifier)) else None

    def burn(self, password: str) -> None:
        """Spend the same work as a real check, for unknown user IDs (no timing oracle)."""
        master_secret(password, b"\0" * 16, self.scrypt)


def default_store() -> UserStore:
    """The station's accounts: ``<data dir>/users.json`` (YOMI_DATA_DIR in tests)."""
    return UserStore(data_dir() / "users.json")


def add_user(store: UserStore, user_id: str, password: str, display_name: str, dicom_name: str,
             *, must_change_password: bool = True, roles: list[str] | None = None) -> User:
    """Create an account; the password must meet the policy. IT-set passwords must be changed."""
    if not USER_ID_PATTERN.match(user_id):
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
