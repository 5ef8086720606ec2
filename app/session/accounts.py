"""The station's view of the accounts: the IT-signed site store plus each reader's credential.

`UserStore` joins the two places (`site_store`: identity, roles, public key, signed by IT;
`credentials`: the reader's encrypted private key and counters) and `User` is one account
as the session sees it. `enrol` / `add_user` create an account: a key pair, the credential
file, the TOTP secret and recovery codes, and the signed site entry; they need the site's
private key, which only IT (with sudo) can read. The audited, admin-authenticated front
for them is `administration`; `add_user` itself is the primitive tests and the demo use.

`UserStore(path)` (a file path, as before) is a *local* store: its site dir sits beside
`path` and is initialised on first use with its own key, TOTP off, labelled local/demo.
It is for tests and `yomi --demo` only; the station's real store is `default_store()`,
which never initialises anything.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from app.paths import data_dir
from app.session.credentials import Credential, CredentialFile, new_credential, new_private_key
from app.session.errors import PolicyViolation, SessionError
from app.session.key_derivation import ScryptParams, master_secret
from app.session.password_policy import PasswordPolicy
from app.session.second_factor import (new_recovery_codes, new_totp_secret, otpauth_uri, recovery_hash,
                                       secret_sha256)
from app.session.site_store import (ROLES, Account, SigningKeyRef, SiteKey, SiteSettings, SiteStore, now_iso,
                                    site_dir)

__all__ = ["User", "UserStore", "Enrolment", "add_user", "enrol", "default_store", "USER_ID_PATTERN",
           "check_roles", "LOCAL_SETTINGS"]

log = logging.getLogger(__name__)

USER_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
LOCAL_SETTINGS = SiteSettings(totp_required=False, demo=True, label="local test/demo site, not for patient data")


@dataclass
class User:
    """One account as the session sees it: IT's signed entry joined with the reader's credential."""

    user_id: str
    display_name: str
    dicom_name: str  # Person Name as it goes into reports, e.g. "SATO^ICHIRO"
    roles: list[str] = field(default_factory=lambda: ["reader"])
    centre_user: str = ""
    signing_key: SigningKeyRef | None = None
    disabled: bool = False
    totp_required: bool = False
    totp_enrolled: bool = False
    must_change_password: bool = True
    password_changed: str = ""
    failed_attempts: int = 0
    locked_until: float = 0.0

    @classmethod
    def of(cls, account: Account, cred: Credential | None) -> User:
        return cls(user_id=account.user_id, display_name=account.display_name, dicom_name=account.dicom_name,
                   roles=list(account.roles), centre_user=account.centre_user, signing_key=account.signing_key,
                   disabled=account.disabled, totp_required=account.totp_required,
                   totp_enrolled=bool(cred and cred.totp_sealed),
                   must_change_password=cred.must_change_password if cred else True,
                   password_changed=cred.password_changed if cred else "",
                   failed_attempts=cred.failed_attempts if cred else 0,
                   locked_until=cred.locked_until if cred else 0.0)


@dataclass(frozen=True)
class Enrolment:
    """What IT shows the reader once at enrolment; never stored anywhere in the clear."""

    user: User
    password: str
    totp_secret: str | None
    otpauth_uri: str | None
    recovery_codes: list[str]


class UserStore:
    """The site store (signed, read-only to readers) and the readers' credential files."""

    def __init__(self, path: Path | str | None = None, *, site: Path | str | None = None,
                 credentials_dir: Path | str | None = None, scrypt: ScryptParams = ScryptParams(),
                 policy: PasswordPolicy = PasswordPolicy()) -> None:
        if path is not None:
            base = Path(path).with_suffix("")
            self.site = SiteStore(base.parent / f"{base.name}-site")
            self.credentials_dir = base.parent / f"{base.name}-credentials"
            self.local = True
        else:
            self.site = SiteStore(Path(site) if site is not None else site_dir())
            self.credentials_dir = Path(credentials_dir) if credentials_dir is not None else data_dir() / "credentials"
            self.local = False
        self.scrypt = scrypt  # for new passwords; each credential keeps the parameters it was set with
        self.policy = policy

    @property
    def path(self) -> Path:
        """The signed accounts file."""
        return self.site.path

    def with_credentials(self, directory: Path | str) -> UserStore:
        """The same site with another credentials dir (IT writing into a reader's data dir)."""
        other = UserStore(site=self.site.directory, credentials_dir=directory, scrypt=self.scrypt, policy=self.policy)
        other.local = self.local
        return other

    # --- reading ---------------------------------------------------------------------------

    def site_view(self) -> tuple[SiteSettings, dict[str, Account]]:
        """Settings and accounts, signature checked (raises AccountStoreTampered)."""
        if self.local and not self.site.is_initialised():
            return LOCAL_SETTINGS, {}
        return self.site.read()

    def settings(self) -> SiteSettings:
        return self.site_view()[0]

    def accounts(self) -> dict[str, Account]:
        return self.site_view()[1]

    def credential_file(self, user_id: str) -> CredentialFile:
        if not USER_ID_PATTERN.match(user_id):
            # never a path from input: an ID like "../x" must not name a file elsewhere
            raise SessionError("user ID: letters, digits and . _ @ - only, at most 64 characters")
        return CredentialFile(self.credentials_dir, user_id)

    def get(self, user_id: str) -> User | None:
        account = self.accounts().get(user_id)
        if account is None:
            return None
        cf = self.credential_file(user_id)
        return User.of(account, cf.read() if cf.exists() else None)

    def user_ids(self) -> list[str]:
        return sorted(self.accounts())

    # --- writing (needs the site key) -------------------------------------------------------

    def site_key(self) -> SiteKey:
        if self.local and not self.site.is_initialised():
            return self.site.initialise(LOCAL_SETTINGS, {})
        return SiteKey.load(self.site.directory)

    def check_password(self, password: str, user_id: str) -> None:
        problems = self.policy.problems(password, user_id)
        if problems:
            raise PolicyViolation(problems)

    def burn(self, password: str) -> None:
        """Spend the same work as a real check, for unknown user IDs (no timing oracle)."""
        master_secret(password, b"\0" * 16, self.scrypt)


def default_store() -> UserStore:
    """The station's accounts: the site dir (YOMI_SITE_DIR, default /etc/yomi) and
    ``<data dir>/credentials`` (YOMI_DATA_DIR in tests)."""
    return UserStore()


def check_roles(roles: list[str]) -> list[str]:
    bad = [r for r in roles if r not in ROLES]
    if bad or not roles:
        raise SessionError(f"roles must be some of {', '.join(ROLES)}; not {', '.join(bad) or 'none'}")
    return sorted(set(roles), key=ROLES.index)


def _validate(user_id: str, dicom_name: str) -> None:
    if not USER_ID_PATTERN.match(user_id):
        raise SessionError("user ID: letters, digits and . _ @ - only, at most 64 characters")
    if not dicom_name or "\\" in dicom_name:
        raise SessionError("DICOM name must be one Person Name value, e.g. SATO^ICHIRO")


def new_factors(store: UserStore, user_id: str, password: str, totp: bool, *, must_change_password: bool,
                settings: SiteSettings) -> tuple[Credential, str | None, list[str]]:
    """A key pair, (unless enrolment waits for first login) a TOTP secret, and recovery codes."""
    store.check_password(password, user_id)
    secret = new_totp_secret() if totp and not settings.totp_enrol_at_first_login else None
    codes = new_recovery_codes() if totp else []
    cred = new_credential(user_id, password, store.scrypt, new_private_key(), totp_secret=secret,
                          must_change_password=must_change_password, password_changed=now_iso())
    return cred, secret, codes


def enrol(store: UserStore, user_id: str, password: str, display_name: str, dicom_name: str, *,
          must_change_password: bool = True, roles: list[str] | None = None, centre_user: str = "",
          signing_key: SigningKeyRef | None = None, totp: bool | None = None,
          key: SiteKey | None = None) -> Enrolment:
    """Create an account: credential file, TOTP secret, recovery codes, signed site entry."""
    _validate(user_id, dicom_name)
    roles = check_roles(roles or ["reader"])
    key = key or store.site_key()
    settings = store.settings()
    if user_id in store.accounts():
        raise SessionError(f"user {user_id!r} already exists")
    totp = settings.totp_required if totp is None else totp
    cred, secret, codes = new_factors(store, user_id, password, totp, must_change_password=must_change_password,
                                      settings=settings)
    account = Account(user_id=user_id, display_name=display_name, dicom_name=dicom_name,
                      public_key=cred.public_key, roles=roles, centre_user=centre_user, signing_key=signing_key,
                      totp_required=totp, totp_secret_sha256=secret_sha256(secret) if secret else None,
                      recovery_code_hashes=[recovery_hash(user_id, c) for c in codes],
                      created=now_iso(), updated=now_iso())
    cf = store.credential_file(user_id)
    with cf.locked():
        cf.write(cred)  # first: a site entry never points at a key no file holds

    def add(_settings: SiteSettings, accounts: dict[str, Account]) -> None:
        if user_id in accounts:
            raise SessionError(f"user {user_id!r} already exists")
        accounts[user_id] = account

    store.site.change(key, add)
    log.info("session: user %s created", user_id)
    uri = otpauth_uri(secret, user_id, settings.label if not settings.demo else "") if secret else None
    return Enrolment(User.of(account, cred), password, secret, uri, codes)


def add_user(store: UserStore, user_id: str, password: str, display_name: str, dicom_name: str,
             *, must_change_password: bool = True, roles: list[str] | None = None, **kw) -> User:
    """Create an account (see `enrol`); the password must meet the policy."""
    return enrol(store, user_id, password, display_name, dicom_name, must_change_password=must_change_password,
                 roles=roles, **kw).user


def rekey(store: UserStore, user_id: str, password: str, *, key: SiteKey) -> Enrolment:
    """New key pair, TOTP secret and recovery codes for an existing account (IT reset)."""
    account = store.accounts().get(user_id)
    if account is None:
        raise SessionError(f"no user {user_id!r}")
    settings = store.settings()
    cred, secret, codes = new_factors(store, user_id, password, account.totp_required, must_change_password=True,
                                      settings=settings)
    cf = store.credential_file(user_id)
    with cf.locked():
        cf.write(cred)

    def reset(_s: SiteSettings, accounts: dict[str, Account]) -> None:
        a = accounts[user_id]
        a.public_key = cred.public_key
        a.totp_secret_sha256 = secret_sha256(secret) if secret else None
        a.recovery_code_hashes = [recovery_hash(user_id, c) for c in codes]
        a.disabled = False
        a.updated = now_iso()

    _, accounts = store.site.change(key, reset)
    uri = otpauth_uri(secret, user_id, settings.label if not settings.demo else "") if secret else None
    return Enrolment(User.of(accounts[user_id], cred), password, secret, uri, codes)
