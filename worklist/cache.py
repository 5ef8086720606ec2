"""Encrypted on-disk study cache, per reader, with a size bound and a purge policy.

security.md rows 8 and 21: the cache holds personal data, so every file is AES-256-GCM
encrypted with a fresh random 96-bit nonce, and names on disk reveal nothing:
- the reader's directory is a SHA-256 of the reader ID; study directories and instance
  files are HMAC-SHA-256 of the UIDs under a key derived from the reader's key, so without
  that key one cannot even test whether a known study is cached. No name comes from data.
- the associated data binds each file to its place (reader, study name, instance name):
  a file moved to another study or another reader's directory fails authentication.
- each file starts with a small encrypted header holding the two UIDs, so `sop_uids` can
  list a study without decrypting the pixel data.
- each entry carries a version: the AAD of its header and data includes a counter that
  `put` raises, and the current counter of every entry of a study is kept in that study's
  index file (".index": a journal of AES-GCM sealed records, one appended per put, each bound
  to reader, study and its place in the journal; dropping or reordering records makes the
  rest fail, and truncating it is restoring an earlier index, below). An older
  ciphertext of the same instance copied back in place of the current one fails
  authentication (rollback refused). Restoring a study's whole folder, index included, to an
  earlier state is not detected: that needs trusted monotonic storage this station lacks.
A file that fails authentication (wrong key, altered, torn, rolled back) is treated as
absent and removed; the log names only its hashed file name.

`lock()` (the station's idle lock, logout) drops the keys: nothing decrypts, `get` answers
None, `put` stores nothing, until `unlock(key)` with the same key.

Writes are atomic replacements without fsync (common.atomic, durable=False), the index's
records appends: after a power cut a file is its old content or its new one (the index's last
record may be torn: ignored, its entry refused), and what fails its tag is fetched again,
which is all a cache owes.

Eviction is by study, least recently used first (last access = mtime of the study's
".used" stamp), when the reader's cache passes `max_bytes`; a study not used for
`ttl_seconds` is purged by `purge_expired()` (the shell calls it at login and hourly).
Studies of a key no longer in use (after a password change) age out the same way.

The key is passed in (app.session.Session.cache_key()); this module never stores it.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import shutil
import struct
import threading
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from common.atomic import write_atomic

__all__ = ["StudyCache", "CacheError", "CacheLocked"]

log = logging.getLogger(__name__)

MAGIC = b"YC2\0"
_STAMP = ".used"
_INDEX = ".index"
_JOURNAL = b"YCJ1"   # the index file's format: a journal of sealed records
_SUFFIX = ".yc"


class CacheError(Exception):
    """The cache cannot be used as asked (bad key, bad limits); one line, no personal data."""


class CacheLocked(CacheError):
    """The cache's keys are dropped (the station is locked or logged out)."""


def _subkey(key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"yomi study cache v1|" + purpose).derive(key)


class StudyCache:
    """A reader's encrypted cache of DICOM instances under `root`. Thread-safe."""

    def __init__(self, root: Path | str, reader_id: str, key: bytes, *, max_bytes: int,
                 ttl_seconds: float, clock: Callable[[], float] = time.time) -> None:
        if max_bytes <= 0 or ttl_seconds <= 0:
            raise CacheError("cache size bound and TTL must be positive")
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._aead: AESGCM | None = None
        self._name_key: bytes | None = None
        self._key_check: bytes | None = None
        self._indexes: dict[str, dict[str, int]] = {}  # study dir name -> entry name -> version
        self._records: dict[str, int] = {}  # study dir name -> records in its index journal
        self.unlock(key)
        self._reader_name = hashlib.sha256(b"yomi cache reader|" + reader_id.encode("utf-8")).hexdigest()[:32]
        self.dir = self.root / self._reader_name
        self._lock = threading.RLock()
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.dir.mkdir(exist_ok=True, mode=0o700)
        self._sizes: dict[str, int] = {}  # study dir name -> bytes on disk
        for d in self.dir.iterdir():
            if d.is_dir():
                self._sizes[d.name] = self._measure(d)

    # --- keys --------------------------------------------------------------------------------

    def unlock(self, key: bytes) -> None:
        """Hold the reader's key again (after `lock`); a different key than the first is refused:
        the cache folder belongs to one key."""
        if len(key) != 32:
            raise CacheError("cache key must be 32 bytes")
        check = _subkey(key, b"check")
        if self._key_check is not None and not hmac.compare_digest(check, self._key_check):
            raise CacheError("this is not the key the cache was opened with")
        self._key_check = check
        self._aead = AESGCM(_subkey(key, b"data"))
        self._name_key = _subkey(key, b"names")

    def lock(self) -> None:
        """Drop the keys and the decrypted indexes: nothing of the cache can be read until unlock."""
        lock = getattr(self, "_lock", None)
        if lock is None:
            self._aead = self._name_key = None
            return
        with lock:
            self._aead = None
            self._name_key = None
            self._indexes.clear()
            self._records.clear()

    @property
    def locked(self) -> bool:
        return self._aead is None

    def _need(self) -> AESGCM:
        aead = self._aead
        if aead is None:
            raise CacheLocked("the study cache is locked")
        return aead

    # --- names and crypto ------------------------------------------------------------------

    def _name(self, *parts: str) -> str:
        if self._name_key is None:
            raise CacheLocked("the study cache is locked")
        msg = "\0".join(parts).encode("utf-8")
        return hmac.new(self._name_key, msg, hashlib.sha256).hexdigest()[:40]

    def _study_name(self, study_uid: str) -> str:
        return self._name("study", study_uid)

    def _path(self, study_uid: str, sop_uid: str) -> Path:
        return self.dir / self._study_name(study_uid) / (self._name("sop", study_uid, sop_uid) + _SUFFIX)

    def _aad(self, path: Path, part: bytes, version: int) -> bytes:
        return b"|".join([MAGIC, self._reader_name.encode(), path.parent.name.encode(), path.stem.encode(), part,
                          str(version).encode()])

    def _seal(self, path: Path, study_uid: str, sop_uid: str, data: bytes, version: int) -> bytes:
        aead = self._need()
        header = json.dumps({"study": study_uid, "sop": sop_uid, "version": version}).encode("utf-8")
        nh, nd = secrets.token_bytes(12), secrets.token_bytes(12)
        eh = aead.encrypt(nh, header, self._aad(path, b"header", version))
        ed = aead.encrypt(nd, data, self._aad(path, b"data", version))
        return MAGIC + nh + struct.pack(">I", len(eh)) + eh + nd + ed

    def _open_header(self, path: Path, blob: bytes, version: int) -> tuple[dict, int]:
        aead = self._need()
        if blob[:4] != MAGIC or len(blob) < 4 + 12 + 4:
            raise InvalidTag()
        (n,) = struct.unpack(">I", blob[16:20])
        if 20 + n + 12 > len(blob):
            raise InvalidTag()
        header = json.loads(aead.decrypt(blob[4:16], blob[20:20 + n], self._aad(path, b"header", version)))
        if header.get("version") != version:
            raise InvalidTag()
        return header, 20 + n

    # --- the authenticated index of entry versions --------------------------------------------
    # A journal: each put appends one sealed record (the entry's new version), sealed with its
    # place in the journal, so records cannot be reordered or dropped from the middle without
    # the rest failing. Rewriting the whole index at each put cost O(entries): 8.4 s of
    # cache writes for a 3000-slice study (bench/RESULTS.md); a record costs the same at any
    # size. The journal is compacted into one record when it holds many more records than
    # entries. A torn last record (a crash while appending) is ignored: its entry, written
    # after it, is refused and fetched again.

    def _index_aad(self, study_dir: Path, seq: int) -> bytes:
        return b"|".join([MAGIC, self._reader_name.encode(), study_dir.name.encode(), b"index", str(seq).encode()])

    def _record(self, study_dir: Path, seq: int, entries: dict[str, int]) -> bytes:
        nonce = secrets.token_bytes(12)
        sealed = self._need().encrypt(nonce, json.dumps(entries).encode(), self._index_aad(study_dir, seq))
        return nonce + struct.pack(">I", len(sealed)) + sealed

    def _index(self, study_dir: Path) -> dict[str, int]:
        """Entry name -> current version for one study (empty if none or unreadable)."""
        got = self._indexes.get(study_dir.name)
        if got is not None:
            return got
        aead = self._need()
        index: dict[str, int] = {}
        seq = 0
        try:
            blob = (study_dir / _INDEX).read_bytes()
            pos = len(_JOURNAL) if blob[:len(_JOURNAL)] == _JOURNAL else len(blob)  # else: an older format
            while pos + 16 <= len(blob):
                (n,) = struct.unpack(">I", blob[pos + 12:pos + 16])
                if pos + 16 + n > len(blob):
                    break  # torn by a crash while appending
                try:
                    raw = json.loads(aead.decrypt(blob[pos:pos + 12], blob[pos + 16:pos + 16 + n],
                                                  self._index_aad(study_dir, seq)))
                except InvalidTag:
                    if seq == 0:
                        raise
                    log.warning("cache: index of study dir %s unreadable after record %d; later entries refused",
                                study_dir.name, seq)
                    break
                index.update({str(k): int(v) for k, v in raw.items()})
                seq += 1
                pos += 16 + n
            if pos != len(blob):
                seq = 0   # damaged after its good records: rewritten whole at the next put, not appended to
        except FileNotFoundError:
            pass
        except (InvalidTag, ValueError, TypeError, AttributeError, struct.error):
            log.warning("cache: index of study dir %s failed authentication; its entries are dropped",
                        study_dir.name)
            index, seq = {}, 0
        self._indexes[study_dir.name] = index
        self._records[study_dir.name] = seq
        return index

    def _note_version(self, study_dir: Path, name: str, version: int) -> None:
        """Record entry `name` at `version`, on disk before the entry itself is written."""
        index = self._index(study_dir)
        index[name] = version
        seq = self._records.get(study_dir.name, 0)
        if seq == 0 or seq > 2 * len(index) + 64:   # new, or mostly superseded records: compact
            write_atomic(study_dir / _INDEX, _JOURNAL + self._record(study_dir, 0, index), durable=False)
            self._records[study_dir.name] = 1
            return
        with open(study_dir / _INDEX, "ab") as journal:
            journal.write(self._record(study_dir, seq, {name: version}))
        self._records[study_dir.name] = seq + 1

    def _reject(self, path: Path) -> None:
        log.warning("cache: entry %s/%s failed authentication (other key or altered); removed",
                    path.parent.name, path.stem)
        path.unlink(missing_ok=True)
        self._sizes[path.parent.name] = self._measure(path.parent)  # the file may have changed size

    @staticmethod
    def _measure(study_dir: Path) -> int:
        return sum(f.stat().st_size for f in study_dir.glob("*" + _SUFFIX))

    def _stamp(self, study_dir: Path) -> None:
        stamp = study_dir / _STAMP
        stamp.touch(mode=0o600, exist_ok=True)
        now = self._clock()
        os.utime(stamp, (now, now))

    def _last_used(self, study_dir: Path) -> float:
        try:
            return (study_dir / _STAMP).stat().st_mtime
        except FileNotFoundError:
            return study_dir.stat().st_mtime

    # --- public API ----------------------------------------------------------------------

    def put(self, study_uid: str, sop_uid: str, data: bytes) -> bool:
        """Store one instance; False if it cannot fit even after evicting other studies, or
        while the cache is locked."""
        with self._lock:
            if self.locked:
                return False
            path = self._path(study_uid, sop_uid)
            version = self._index(path.parent).get(path.stem, 0) + 1
            blob = self._seal(path, study_uid, sop_uid, data, version)
            study = path.parent.name
            old = path.stat().st_size if path.exists() else 0
            self._evict(need=len(blob) - old, keep=study)
            if self.size_bytes() + len(blob) - old > self.max_bytes:
                log.warning("cache: instance in study dir %s does not fit in %d bytes; not cached",
                            study, self.max_bytes)
                return False
            path.parent.mkdir(exist_ok=True, mode=0o700)
            self._note_version(path.parent, path.stem, version)  # first: a crash in between leaves a refused entry
            write_atomic(path, blob, durable=False)
            self._sizes[study] = self._sizes.get(study, 0) + len(blob) - old
            self._stamp(path.parent)
        return True

    def get(self, study_uid: str, sop_uid: str) -> bytes | None:
        """The instance's bytes, or None if absent, expired, or not readable with this key."""
        with self._lock:
            if self.locked:
                return None
            path = self._path(study_uid, sop_uid)
            try:
                blob = path.read_bytes()
            except FileNotFoundError:
                return None
            try:
                version = self._index(path.parent).get(path.stem)
                if version is None:
                    raise InvalidTag()
                header, off = self._open_header(path, blob, version)
                if header != {"study": study_uid, "sop": sop_uid, "version": version}:
                    raise InvalidTag()
                data = self._need().decrypt(blob[off:off + 12], blob[off + 12:], self._aad(path, b"data", version))
            except (InvalidTag, ValueError, struct.error):
                self._reject(path)
                return None
            self._stamp(path.parent)
            return data

    def has(self, study_uid: str, sop_uid: str) -> bool:
        """Whether a file is held (not decrypted: `get` may still reject it); False while locked."""
        with self._lock:
            return not self.locked and self._path(study_uid, sop_uid).is_file()

    def sop_uids(self, study_uid: str) -> list[str]:
        """SOP Instance UIDs cached for the study (from the encrypted headers), sorted."""
        out: list[str] = []
        with self._lock:
            if self.locked:
                return []
            study_dir = self.dir / self._study_name(study_uid)
            if not study_dir.is_dir():
                return []
            index = self._index(study_dir)
            for f in study_dir.glob("*" + _SUFFIX):
                try:
                    with open(f, "rb") as fh:
                        head = fh.read(4096)
                    version = index.get(f.stem)
                    if version is None:
                        continue
                    header, _ = self._open_header(f, head, version)
                except (InvalidTag, ValueError, struct.error, OSError):
                    continue  # `get` rejects and removes it when asked for
                if header.get("study") == study_uid:
                    out.append(header["sop"])
        return sorted(out)

    def size_bytes(self) -> int:
        with self._lock:
            return sum(self._sizes.values())

    def purge_study(self, study_uid: str) -> None:
        """Remove one study (its report confirmed sent, the study given back, the reader gone);
        needs the keys (the folder name is keyed): call before `lock`."""
        with self._lock:
            self._remove(self._study_name(study_uid))

    def folder_of(self, study_uid: str) -> str:
        """The study's (keyed) folder name, to purge it later even while locked (logout from
        the lock screen): the name says nothing without the key."""
        with self._lock:
            return self._study_name(study_uid)

    def purge_folder(self, folder: str) -> None:
        """Remove a study by the name `folder_of` gave; needs no key."""
        if not folder or "/" in folder or folder.startswith("."):
            raise CacheError("not a study folder name of this cache")
        with self._lock:
            self._remove(folder)

    def purge_expired(self) -> int:
        """Remove studies not used for `ttl_seconds`; returns how many."""
        now = self._clock()
        with self._lock:
            old = [d.name for d in self.dir.iterdir()
                   if d.is_dir() and now - self._last_used(d) > self.ttl_seconds]
            for name in old:
                self._remove(name)
        if old:
            log.info("cache: purged %d expired studies", len(old))
        return len(old)

    def purge_all(self) -> None:
        """Remove everything this reader cached (at logout, if so configured)."""
        with self._lock:
            shutil.rmtree(self.dir, ignore_errors=True)
            self._sizes.clear()
            self._indexes.clear()
            self._records.clear()
            self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)

    def _remove(self, study_name: str) -> None:
        shutil.rmtree(self.dir / study_name, ignore_errors=True)
        self._sizes.pop(study_name, None)
        self._indexes.pop(study_name, None)
        self._records.pop(study_name, None)

    def _evict(self, need: int, keep: str) -> None:
        """Drop least recently used studies (never `keep`) until `need` more bytes fit."""
        if self.size_bytes() + need <= self.max_bytes:
            return
        candidates = sorted((d for d in self.dir.iterdir() if d.is_dir() and d.name != keep),
                            key=self._last_used)
        for d in candidates:
            if self.size_bytes() + need <= self.max_bytes:
                break
            log.info("cache: evicting study dir %s (least recently used)", d.name)
            self._remove(d.name)
