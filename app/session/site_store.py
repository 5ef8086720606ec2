"""The site's account store, written and signed by IT: ``<site dir>/accounts.json``.

The site dir is the one IT installs (``/etc/yomi``; YOMI_SITE_DIR moves it, for tests and
the demo). It holds:

- ``site-signing.key``: the site's Ed25519 private key (PEM, mode 0600, root). Only the
  admin commands (`yomi site init`, `yomi user ...`, run by IT with sudo) read it.
- ``site-signing.pub``: its public key (world-readable); the station checks every read of
  the store against it.
- ``accounts.json``: ``{"payload": {...}, "signature": b64, "key_id": ...}``. The payload
  holds the site settings (`SiteSettings`, signed too, so a reader cannot lift the second
  factor by editing a settings file) and one `Account` per reader: identity (DICOM name,
  centre user, signing key reference, identity-provider subject), roles, disabled flag, the account's Ed25519 public
  key, the SHA-256 of its TOTP secret and the hashes of its recovery codes. The signature
  covers the canonical JSON of the payload (sorted keys, no spaces, UTF-8).

Nothing in it is secret, so it may be world-readable; what matters is that readers cannot
write it, and that a copy altered anywhere (e.g. one reader's public key copied over
another's) fails the signature check: `AccountStoreTampered`, naming the file.
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path

import filelock
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.paths import SITE_DIR_DEFAULT, site_dir  # the one location rule, shared with app.config
from app.session.errors import AccountStoreTampered, SessionError, SiteKeyUnavailable, SiteNotInitialised
from app.session.key_derivation import b64, unb64
from common.atomic import write_atomic

__all__ = ["SITE_DIR_DEFAULT", "ROLES", "SigningKeyRef", "SiteSettings", "Account", "SiteKey", "SiteStore",
           "site_dir", "canonical", "now_iso"]

log = logging.getLogger(__name__)

ROLES = ("reader", "admin", "judge")
ACCOUNTS = "accounts.json"
PRIVATE_KEY = "site-signing.key"
PUBLIC_KEY = "site-signing.pub"
_FORMAT = "yomi site accounts v1"
LOCK_TIMEOUT_S = 30.0


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def canonical(payload: dict) -> bytes:
    """The exact bytes the signature covers."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class SigningKeyRef:
    """Where the reader's report-signing certificate is: a PKCS#12 file or a PKCS#11 URI/label."""

    kind: str  # "pkcs12" | "pkcs11"
    ref: str

    def __post_init__(self) -> None:
        if self.kind not in ("pkcs12", "pkcs11"):
            raise SessionError(f"signing key kind must be pkcs12 or pkcs11, not {self.kind!r}")
        if not self.ref:
            raise SessionError("signing key reference is empty")


@dataclass(frozen=True)
class SiteSettings:
    """Site-wide login settings, signed with the accounts.

    `totp_required`: new accounts need a second factor (the default; off only in the demo).
    `totp_unlock_after_h`: unlocking the idle screen asks for a code again once this many
    hours have passed since the last one (0: every unlock).
    `totp_enrol_at_first_login`: IT does not enrol the authenticator at `yomi user add`; the
    reader does it at first login (see `credentials` for the weakness this accepts).
    `demo`: this is the demo's own site (`yomi --demo`), never a real one.
    """

    totp_required: bool = True
    totp_unlock_after_h: float = 12.0
    totp_enrol_at_first_login: bool = False
    demo: bool = False
    label: str = ""

    @classmethod
    def from_dict(cls, d: dict) -> SiteSettings:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


@dataclass
class Account:
    """One account as IT signed it (no secret: public key and hashes only)."""

    user_id: str
    display_name: str
    dicom_name: str  # Person Name as it goes into reports, e.g. "SATO^ICHIRO"
    public_key: str  # b64 raw Ed25519 public key of the reader's credential
    roles: list[str] = field(default_factory=lambda: ["reader"])
    centre_user: str = ""
    signing_key: SigningKeyRef | None = None
    oidc_subject: str = ""  # the `sub` the centre's identity provider gives this reader ('' : none bound)
    disabled: bool = False
    totp_required: bool = True
    totp_secret_sha256: str | None = None  # None: not enrolled yet (first-login enrolment)
    recovery_code_hashes: list[str] = field(default_factory=list)
    created: str = ""
    updated: str = ""

    def to_dict(self) -> dict:
        d = asdict(self)
        d["signing_key"] = asdict(self.signing_key) if self.signing_key else None
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Account:
        d = dict(d)
        sk = d.pop("signing_key", None)
        return cls(**d, signing_key=SigningKeyRef(**sk) if sk else None)


class SiteKey:
    """The site's private signing key, loaded for one admin action."""

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private

    @classmethod
    def load(cls, directory: Path) -> SiteKey:
        path = directory / PRIVATE_KEY
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise SiteNotInitialised(directory) from None
        except PermissionError:
            raise SiteKeyUnavailable(path, "permission denied") from None
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except ValueError as exc:
            raise SiteKeyUnavailable(path, "not a PEM private key") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise SiteKeyUnavailable(path, "not an Ed25519 key")
        return cls(key)

    @classmethod
    def create(cls, directory: Path) -> SiteKey:
        """A new key pair in `directory` (refuses to replace one: that would orphan every account)."""
        path = directory / PRIVATE_KEY
        if path.exists() or (directory / PUBLIC_KEY).exists():
            raise SessionError(f"{directory} already holds a site signing key; refusing to replace it")
        directory.mkdir(parents=True, exist_ok=True, mode=0o755)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        write_atomic(path, pem, mode=0o600)
        pub = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        write_atomic(directory / PUBLIC_KEY, pub, mode=0o644)
        log.info("site: new signing key created in %s", directory)
        return cls(key)

    def sign(self, data: bytes) -> bytes:
        return self._private.sign(data)


def _key_id(pub: Ed25519PublicKey) -> str:
    raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


class SiteStore:
    """Read (signature checked every time) and write (signed, under a lock) the site's accounts."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self.path = self.directory / ACCOUNTS
        self._lock_path = self.directory / (ACCOUNTS + ".lock")

    def is_initialised(self) -> bool:
        return (self.directory / PUBLIC_KEY).is_file() and self.path.is_file()

    def _public_key(self) -> Ed25519PublicKey:
        path = self.directory / PUBLIC_KEY
        try:
            key = serialization.load_pem_public_key(path.read_bytes())
        except FileNotFoundError:
            if not self.path.exists():
                raise SiteNotInitialised(self.directory) from None
            raise AccountStoreTampered(self.path, f"the public key {path} is missing") from None
        except ValueError as exc:
            raise AccountStoreTampered(self.path, f"the public key {path} is damaged") from exc
        if not isinstance(key, Ed25519PublicKey):
            raise AccountStoreTampered(self.path, f"the public key {path} is not Ed25519")
        return key

    def read(self) -> tuple[SiteSettings, dict[str, Account]]:
        """Settings and accounts, after checking the signature; raises AccountStoreTampered."""
        pub = self._public_key()
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SiteNotInitialised(self.directory) from None
        except (ValueError, UnicodeDecodeError):
            raise AccountStoreTampered(self.path, "not valid JSON") from None
        if not isinstance(raw, dict) or not isinstance(raw.get("payload"), dict) or \
                not isinstance(raw.get("signature"), str):
            raise AccountStoreTampered(self.path, "no signature")
        try:
            pub.verify(unb64(raw["signature"]), canonical(raw["payload"]))
        except (InvalidSignature, ValueError):
            raise AccountStoreTampered(self.path, "bad signature") from None
        payload = raw["payload"]
        if payload.get("format") != _FORMAT:
            raise AccountStoreTampered(self.path, "unknown format")
        try:
            settings = SiteSettings.from_dict(payload.get("settings", {}))
            accounts = {a["user_id"]: Account.from_dict(a) for a in payload["accounts"]}
        except (KeyError, TypeError, SessionError) as exc:
            # signed yet unreadable: written by another version; not tampering, but unusable
            raise SessionError(f"the account store {self.path} is signed but not readable by this version") from exc
        return settings, accounts

    def get(self, user_id: str) -> Account | None:
        return self.read()[1].get(user_id)

    def settings(self) -> SiteSettings:
        return self.read()[0]

    def write(self, settings: SiteSettings, accounts: dict[str, Account], key: SiteKey) -> None:
        payload = {"format": _FORMAT, "settings": asdict(settings),
                   "accounts": [accounts[k].to_dict() for k in sorted(accounts)]}
        sig = key.sign(canonical(payload))
        doc = {"payload": payload, "signature": b64(sig), "key_id": _key_id(key._private.public_key())}
        # world-readable on purpose: no secret inside, and every reader's station must read it
        write_atomic(self.path, json.dumps(doc, indent=1, ensure_ascii=False).encode("utf-8"), mode=0o644)

    def change(self, key: SiteKey, change) -> tuple[SiteSettings, dict[str, Account]]:
        """Read (verified), apply `change(settings, accounts) -> settings`, sign and write, under a lock."""
        lock = filelock.FileLock(self._lock_path, timeout=LOCK_TIMEOUT_S, mode=0o600)
        try:
            with lock:
                settings, accounts = self.read()
                settings = change(settings, accounts) or settings
                self.write(settings, accounts, key)
                return settings, accounts
        except filelock.Timeout as exc:
            raise SessionError(f"the account store {self.path} is busy in another program; try again") from exc

    def initialise(self, settings: SiteSettings, accounts: dict[str, Account]) -> SiteKey:
        """A new site: key pair, and a store holding `accounts` (`yomi site init`: the first admin)."""
        if self.path.exists():
            raise SessionError(f"{self.path} already exists; this site is already initialised")
        key = SiteKey.create(self.directory)
        self.write(settings, accounts, key)
        return key
