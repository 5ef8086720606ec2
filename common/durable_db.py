"""One durable, owner-only SQLite database: WAL with synchronous=FULL (a commit that returned
is on the disk), secure_delete (freed pages zeroed), the file and its -wal/-shm 0600. The
outbox and the critical-result notices keep their rows in one each."""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

__all__ = ["open_durable_db"]


def open_durable_db(path: Path) -> sqlite3.Connection:
    """Autocommit connection usable from several threads (callers hold their own lock)."""
    old_umask = os.umask(0o077)  # the -wal and -shm files SQLite creates get 0600 too
    try:
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
        db.execute("PRAGMA journal_mode=WAL")
    finally:
        os.umask(old_umask)
    os.chmod(path, 0o600)
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA secure_delete=ON")
    return db
