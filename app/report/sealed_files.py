"""Personal data at rest: every file Yomi keeps about a patient is sealed for one reader.

The auditor found drafts, signed outputs and outbox payloads in clear, readable by every
reader of the station. Here each such file is AES-256-GCM encrypted under a sub-key derived
(HKDF-SHA-256, one `Purpose` each, so a key for drafts opens no outbox row) from the reader's
secret, which the session holds only while ACTIVE (`Session.cache_key()`): a locked or logged
out station can decrypt nothing, and one reader's files are noise to another.

- `ReaderSecret` is where a store asks for the secret, each time it seals or opens: nothing
  derived is kept, so the session's lock (which drops its key) is the lock of every store.
  A window without a session (bare test windows) gets `ReaderSecret.ephemeral`: a random key
  living in this process only, so even tests write nothing in clear.
- `SealedFolder` is one owner-only folder of sealed files (0700 folders, 0600 files, atomic
  durable writes, new folders fsynced with their parents). The associated data binds a file to
  its purpose, reader and name: a draft renamed over another, or moved to another reader's
  folder, fails authentication instead of being read as the other one.

File format: MAGIC (4 bytes) | nonce (12) | ciphertext+tag. Names on disk are report ids and
UIDs (validated, never personal data).
"""
from __future__ import annotations

import enum
import hashlib
import logging
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from common.atomic import fsync_dir, make_private_dirs, write_atomic

__all__ = ["Purpose", "ReaderSecret", "SealedFolder", "SealError", "KeysUnavailable", "NotSealedForThisReader",
           "subkey", "reader_dir_name", "MAGIC"]

log = logging.getLogger(__name__)

MAGIC = b"YS1\0"


class Purpose(str, enum.Enum):
    """What a sub-key protects; its value is part of the HKDF info and of every file's AAD."""

    DRAFTS = "drafts"
    SIGNED = "signed"
    OUTBOX = "outbox"
    CACHE = "cache"   # worklist/cache.py derives its own two keys below this one


class SealError(Exception):
    """A sealed file cannot be written or read; one line naming the file, no personal data."""


class KeysUnavailable(SealError):
    """The reader's keys are not held (session locked or logged out)."""


class NotSealedForThisReader(SealError):
    """The file fails authentication: another reader's key, altered, moved, or not sealed at all."""


def subkey(secret: bytes, purpose: Purpose) -> bytes:
    """The 32-byte key for one purpose (HKDF-SHA-256; no salt: the secret is already uniform)."""
    if len(secret) != 32:
        raise SealError("a reader secret must be 32 bytes")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"yomi at rest v1|" + purpose.value.encode()).derive(secret)


def reader_dir_name(reader_id: str) -> str:
    """The folder name of one reader's files: a hash, so folder listings name nobody."""
    return hashlib.sha256(b"yomi reader folder|" + reader_id.encode("utf-8")).hexdigest()[:24]


class ReaderSecret:
    """The reader's 32-byte secret, asked for at each use; see the module docstring."""

    def __init__(self, reader_id: str, source: Callable[[], bytes]) -> None:
        self.reader_id = reader_id
        self._source = source

    @classmethod
    def of_session(cls, session) -> "ReaderSecret":
        """The secret of `session` (app.session.Session): `cache_key()` while active."""
        from app.session import SessionError

        user = session.user
        if user is None:
            raise KeysUnavailable("no reader is logged in")

        def source() -> bytes:
            try:
                return session.cache_key()
            except SessionError as exc:
                raise KeysUnavailable(f"the keys of reader {user.user_id} are not held ({exc})") from exc

        return cls(user.user_id, source)

    @classmethod
    def ephemeral(cls, reader_id: str) -> "ReaderSecret":
        """A random secret for this process only (a window without a session)."""
        key = secrets.token_bytes(32)
        return cls(reader_id, lambda: key)

    @property
    def available(self) -> bool:
        try:
            self._source()
        except KeysUnavailable:
            return False
        return True

    def key(self, purpose: Purpose) -> bytes:
        """The purpose's sub-key; raises KeysUnavailable while locked. Callers must not keep it
        beyond the operation at hand (except worklist objects, which the controller locks)."""
        return subkey(self._source(), purpose)

    @property
    def folder(self) -> str:
        return reader_dir_name(self.reader_id)


class SealedFolder:
    """One reader's sealed files of one purpose in `directory` (created 0700)."""

    def __init__(self, directory: Path, secret: ReaderSecret, purpose: Purpose) -> None:
        self.directory = make_private_dirs(Path(directory))
        self.secret = secret
        self.purpose = purpose

    def _aad(self, name: str) -> bytes:
        return b"|".join([MAGIC, self.purpose.value.encode(), self.secret.folder.encode(), name.encode("utf-8")])

    def seal(self, name: str, data: bytes) -> bytes:
        nonce = secrets.token_bytes(12)
        return MAGIC + nonce + AESGCM(self.secret.key(self.purpose)).encrypt(nonce, data, self._aad(name))

    def unseal(self, name: str, blob: bytes) -> bytes:
        if blob[:4] != MAGIC or len(blob) < 4 + 12 + 16:
            raise NotSealedForThisReader(f"{self.purpose.value} file {name} is not a sealed Yomi file")
        try:
            return AESGCM(self.secret.key(self.purpose)).decrypt(blob[4:16], blob[16:], self._aad(name))
        except InvalidTag:
            raise NotSealedForThisReader(
                f"{self.purpose.value} file {name} fails authentication (another reader's, altered or moved)"
            ) from None

    def path(self, name: str) -> Path:
        if not name or "/" in name or "\\" in name or name.startswith(".") or "\0" in name:
            raise SealError(f"{name!r} is not a file name of a sealed folder")
        return self.directory / name

    def write(self, name: str, data: bytes) -> Path:
        """Seal `data` into `name`, durably (temp file 0600, fsync, rename, fsync folder)."""
        path = self.path(name)
        write_atomic(path, self.seal(name, data))
        return path

    def read(self, name: str) -> bytes:
        """The clear content of `name`; FileNotFoundError if absent, NotSealedForThisReader if bad."""
        return self.unseal(name, self.path(name).read_bytes())

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def names(self, suffix: str = "") -> Iterator[str]:
        for p in sorted(self.directory.iterdir()):
            if p.is_file() and not p.name.startswith(".") and p.name.endswith(suffix):
                yield p.name

    def delete(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)

    def remove_tree(self) -> None:
        """Delete the folder and all it holds (durable: the parent entry is fsynced)."""
        shutil.rmtree(self.directory, ignore_errors=True)
        if self.directory.parent.exists():
            fsync_dir(self.directory.parent)

    def clean_temp_files(self) -> int:
        n = 0
        for tmp in self.directory.glob(".*.tmp"):
            tmp.unlink(missing_ok=True)
            n += 1
        return n

