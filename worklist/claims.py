"""The claims this reader holds, kept on disk: they must survive a restart.

A UPS server never returns the Transaction UID of a claimed workitem, yet completing or
cancelling it needs that UID (PS3.18 11.7), so it is written here *before* the claim is
sent. Without UPS the same file records which studies this station has claimed locally.
Only UIDs are stored, no personal data.
"""
from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from common.atomic import write_atomic
from worklist.centre import BadData

__all__ = ["ClaimStore"]

log = logging.getLogger(__name__)


class ClaimStore:
    """workitem (or study) UID -> Transaction UID, in one small JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            raise BadData(f"claim file {self.path} is unreadable") from None
        if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
            raise BadData(f"claim file {self.path} does not hold UID pairs")
        return data

    def _write(self, data: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # a crash leaves the old file or the new one, never a torn one
        write_atomic(self.path, json.dumps(data, indent=1, sort_keys=True).encode("utf-8"))

    def get(self, uid: str) -> str | None:
        with self._lock:
            return self._read().get(uid)

    def all(self) -> dict[str, str]:
        with self._lock:
            return self._read()

    def put(self, uid: str, transaction_uid: str) -> None:
        with self._lock:
            data = self._read()
            data[uid] = transaction_uid
            self._write(data)
        log.debug("claim recorded for %s", uid)

    def remove(self, uid: str) -> None:
        with self._lock:
            data = self._read()
            if data.pop(uid, None) is not None:
                self._write(data)
