"""The reader's own credential: ``<data dir>/credentials/<user_id>.json`` (mode 0600).

Written by the station (the reader's OS user), so it holds only what the reader may change:

- the account's Ed25519 private key, AES-256-GCM encrypted under a key derived from the
  password (scrypt + HKDF, `key_derivation`). Login decrypts it and checks that its public
  key is the one IT signed into the site store (`site_store`): a file copied from another
  reader, or a new file written for this user ID with a chosen password, holds another key
  and is refused. A password change re-encrypts the same key: no IT needed.
- the TOTP secret, sealed (AES-256-GCM) under a key derived from that private key, so only
  the password opens it; the site store holds its SHA-256, so a secret swapped in by
  someone who can write this file (and knows the password) is refused too.
- the recovery codes used, the last accepted TOTP step (replay guard) and the lockout
  counters.

Every read-modify-write holds an inter-process lock (`filelock`, ``<user_id>.json.lock``):
the lockout reserves each attempt under it (`authentication`). The lockout counters and
the used-recovery set live here, in a file the reader's OS user can write: someone with
that access could reset them, but could equally copy the file and guess passwords offline
against scrypt; the counters stop online guessing at the login prompt, which is what they
are for.

First-login enrolment (site setting ``totp_enrol_at_first_login``) seals a secret the
reader's authenticator app scanned at the login dialog. IT signed no hash for it (it was
not there), so for such an account the second factor rests on this file alone: anyone who
knows the password *before* the reader's first login can enrol their own app, and anyone
who can write this file and knows the password can replace the secret. Sites that can
enrol at `yomi user add` (with the reader present) should: then the secret's hash is signed.
"""
from __future__ import annotations

import json
import logging
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import filelock
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.session.errors import SessionError
from app.session.key_derivation import (ScryptParams, b64, derive_sealing_key, derive_wrapping_key,
                                        master_secret, new_salt, unb64)
from common.atomic import write_atomic

__all__ = ["Credential", "CredentialFile", "new_credential", "unwrap_private_key", "wrap_private_key",
           "seal_totp", "open_totp", "public_key_of", "new_private_key", "LOCK_TIMEOUT_S"]

log = logging.getLogger(__name__)

LOCK_TIMEOUT_S = 30.0
_KEY_AAD = b"yomi private key v1|"
_TOTP_AAD = b"yomi totp secret v1|"


@dataclass
class Credential:
    user_id: str
    public_key: str  # b64 raw; informational (the site store's copy is the one trusted)
    wrapped_key: dict  # {"salt", "scrypt": {n, r, p}, "nonce", "ciphertext"} (b64)
    cache_salt: str
    totp_sealed: dict | None = None  # {"nonce", "ciphertext"}
    used_recovery: list[str] = field(default_factory=list)
    last_totp_step: int = -1
    failed_attempts: int = 0
    locked_until: float = 0.0
    must_change_password: bool = True
    password_changed: str = ""


def new_private_key() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())


def public_key_of(private_raw: bytes) -> str:
    pub = Ed25519PrivateKey.from_private_bytes(private_raw).public_key()
    return b64(pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def wrap_private_key(private_raw: bytes, password: str, params: ScryptParams, user_id: str) -> dict:
    salt, nonce = new_salt(), secrets.token_bytes(12)
    key = derive_wrapping_key(master_secret(password, salt, params))
    ct = AESGCM(key).encrypt(nonce, private_raw, _KEY_AAD + user_id.encode())
    return {"salt": b64(salt), "scrypt": asdict(params), "nonce": b64(nonce), "ciphertext": b64(ct)}


def unwrap_private_key(cred: Credential, password: str) -> bytes | None:
    """The raw private key if `password` opens it, else None (AES-GCM tag: no verifier needed)."""
    w = cred.wrapped_key
    key = derive_wrapping_key(master_secret(password, unb64(w["salt"]), ScryptParams(**w["scrypt"])))
    try:
        return AESGCM(key).decrypt(unb64(w["nonce"]), unb64(w["ciphertext"]), _KEY_AAD + cred.user_id.encode())
    except InvalidTag:
        return None


def seal_totp(private_raw: bytes, user_id: str, secret: str) -> dict:
    nonce = secrets.token_bytes(12)
    ct = AESGCM(derive_sealing_key(private_raw, user_id)).encrypt(nonce, secret.encode("ascii"),
                                                                  _TOTP_AAD + user_id.encode())
    return {"nonce": b64(nonce), "ciphertext": b64(ct)}


def open_totp(private_raw: bytes, user_id: str, sealed: dict) -> str | None:
    try:
        return AESGCM(derive_sealing_key(private_raw, user_id)).decrypt(
            unb64(sealed["nonce"]), unb64(sealed["ciphertext"]), _TOTP_AAD + user_id.encode()).decode("ascii")
    except (InvalidTag, KeyError, ValueError):
        return None


def new_credential(user_id: str, password: str, params: ScryptParams, private_raw: bytes, *,
                   totp_secret: str | None, must_change_password: bool, password_changed: str) -> Credential:
    return Credential(user_id=user_id, public_key=public_key_of(private_raw),
                      wrapped_key=wrap_private_key(private_raw, password, params, user_id),
                      cache_salt=b64(new_salt()),
                      totp_sealed=seal_totp(private_raw, user_id, totp_secret) if totp_secret else None,
                      must_change_password=must_change_password, password_changed=password_changed)


class CredentialFile:
    """One reader's credential file, read and changed under its inter-process lock."""

    def __init__(self, directory: Path | str, user_id: str) -> None:
        self.directory = Path(directory)
        self.user_id = user_id
        self.path = self.directory / f"{user_id}.json"
        self._lock = filelock.FileLock(self.directory / f"{user_id}.json.lock", timeout=LOCK_TIMEOUT_S,
                                       mode=0o600)

    def exists(self) -> bool:
        return self.path.is_file()

    @contextmanager
    def locked(self) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            with self._lock:
                yield
        except filelock.Timeout as exc:
            raise SessionError(f"the credential file {self.path} is busy in another program; try again") from exc

    def read(self) -> Credential:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            cred = Credential(**raw)
        except FileNotFoundError:
            raise
        except (ValueError, TypeError, UnicodeDecodeError) as exc:
            raise SessionError(f"the credential file {self.path} is damaged; ask IT to reset the account") from exc
        if cred.user_id != self.user_id:
            raise SessionError(f"the credential file {self.path} belongs to another user ID")
        return cred

    def write(self, cred: Credential) -> None:
        write_atomic(self.path, json.dumps(asdict(cred), indent=1).encode("utf-8"), mode=0o600)
        self._give_to_directory_owner()

    def update(self, change: Callable[[Credential], None]) -> Credential:
        with self.locked():
            cred = self.read()
            change(cred)
            self.write(cred)
            return cred

    def _give_to_directory_owner(self) -> None:
        # IT (root, via sudo) writes a reader's file into the reader's data dir: the reader's
        # station must own it (and its lock file, and a credentials dir root just created),
        # or it could neither read it nor count failed attempts in it.
        if not hasattr(os, "geteuid") or os.geteuid() != 0:
            return
        st = self.directory.stat()
        if st.st_uid == 0:
            parent = self.directory.parent.stat()
            if parent.st_uid == 0:
                return  # a root-owned place (e.g. root's own data dir): nothing to hand over
            os.chown(self.directory, parent.st_uid, parent.st_gid)
            st = parent
        for p in (self.path, self._lock.lock_file):
            if Path(p).exists():
                os.chown(p, st.st_uid, st.st_gid)
