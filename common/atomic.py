"""Atomic file replacement: a file holds either its old content or its complete new content.

Every store of Yomi that must survive a crash (drafts, signed reports, queues, claims, the
user store) and every cache or export that must never show a torn file writes through here.
The new content goes to a temporary file in the same directory (a rename is atomic only
within one file system), which then replaces the target with `os.replace`.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["write_atomic", "fsync_dir", "make_private_dirs", "append_line"]


def fsync_dir(directory: Path) -> None:
    """Flush a directory entry so a rename inside it survives a power cut."""
    if os.name == "nt":  # directories cannot be opened (nor need flushing) on Windows
        return
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_private_dirs(directory: Path | str) -> Path:
    """Create `directory` and missing parents 0700, fsyncing each new entry's parent so the
    folder itself survives a power cut (a file fsynced inside a lost folder is lost too)."""
    directory = Path(directory)
    missing = []
    p = directory
    while not p.exists():
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        try:
            d.mkdir(mode=0o700)
        except FileExistsError:
            continue
        fsync_dir(d.parent)
    return directory


def append_line(path: Path | str, line: str) -> None:
    """Append one line durably: one write() with O_APPEND leaves a whole line or none after a
    crash, and the fsync makes it survive a power cut once this returns (append-only logs)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path | str, data: bytes, mode: int = 0o600, *, durable: bool = True) -> None:
    """Replace `path` with `data` at once; the file gets `mode` (owner-only by default).

    `durable=True` (stores) fsyncs the file and its directory, so the new content survives a
    power cut once this returns. `durable=False` (caches, exports that can be fetched again)
    skips both fsyncs: after a power cut the file may be its old content, never a mix.
    A missing directory is created owner-only: what Yomi writes is personal data.
    """
    path = Path(path)
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    # mkstemp creates the file 0600 before any byte is written; the dot prefix keeps it out
    # of globs over the directory's real entries.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        if mode != 0o600:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        fsync_dir(directory)
