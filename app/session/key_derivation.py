"""From a password to the stored verifier and the study-cache key (security.md rows 2, 8).

A password is never stored. scrypt (hashlib; N=2**17, r=8, p=1 by default, 128 MiB,
per-user 16-byte random salt) turns it into a master secret; HKDF-SHA256 then derives two
unrelated 32-byte values from it with different labels:
- the verifier, kept in the user store and compared in constant time;
- the wrapping key that encrypts the reader's Ed25519 private key in their credential file
  (`credentials`); the private key, not the password, is what the site store's public key
  vouches for.
The study-cache key comes from that private key (`derive_cache_key(private_key_bytes, ...)`),
with the reader's own cache salt and user ID, so only the reader's password (through the
private key) yields it, two readers with the same password get different keys, and a
password change keeps the cache readable.
The parameters are stored per user so the cost can be raised later without a reset.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["ScryptParams", "SALT_BYTES", "new_salt", "master_secret", "password_verifier",
           "verifier_matches", "derive_cache_key", "derive_wrapping_key", "derive_sealing_key", "b64", "unb64"]

SALT_BYTES = 16

# HKDF labels: changing one changes every derived value (all verifiers, all cache keys).
_VERIFIER_INFO = b"yomi password verifier v1"
_CACHE_KEY_INFO = b"yomi cache key v1|"
_WRAPPING_INFO = b"yomi private key wrapping v1"
_SEALING_INFO = b"yomi totp seal v1|"


@dataclass(frozen=True)
class ScryptParams:
    n: int = 2 ** 17
    r: int = 8
    p: int = 1

    @property
    def maxmem(self) -> int:
        # scrypt needs 128*N*r*p bytes; hashlib refuses above maxmem, so allow that plus slack
        return 128 * self.n * self.r * self.p + 16 * 1024 * 1024


def b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def unb64(s: str) -> bytes:
    return base64.b64decode(s.encode("ascii"))


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_BYTES)


def _hkdf(master: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(master)


def master_secret(password: str, salt: bytes, params: ScryptParams) -> bytes:
    """The 32-byte scrypt output of the NFKC-normalised password (the slow, costly step)."""
    pw = unicodedata.normalize("NFKC", password).encode("utf-8")
    return hashlib.scrypt(pw, salt=salt, n=params.n, r=params.r, p=params.p, maxmem=params.maxmem, dklen=32)


def password_verifier(master: bytes) -> bytes:
    """What the store keeps instead of the password."""
    return _hkdf(master, b"", _VERIFIER_INFO)


def verifier_matches(master: bytes, stored_verifier: bytes) -> bool:
    """Constant-time comparison, so timing tells nothing about how much of it matched."""
    return hmac.compare_digest(password_verifier(master), stored_verifier)


def derive_wrapping_key(master: bytes) -> bytes:
    """The AES-256-GCM key that encrypts the reader's private key (from the password's master secret)."""
    return _hkdf(master, b"", _WRAPPING_INFO)


def derive_sealing_key(private_key: bytes, user_id: str) -> bytes:
    """The AES-256-GCM key that seals the reader's TOTP secret (from the raw private key)."""
    return _hkdf(private_key, b"", _SEALING_INFO + user_id.encode())


def derive_cache_key(master: bytes, cache_salt: bytes, user_id: str) -> bytes:
    """The reader's 32-byte study-cache key (`master`: the raw private key, or any secret)."""
    return _hkdf(master, cache_salt, _CACHE_KEY_INFO + user_id.encode())
