"""Workitems and their states, kept in one JSON file that survives an Orthanc restart.

Orthanc 1.10's plugin SDK has no key-value store (checked on orthanc-python 4.0: no such
function in the `orthanc` module), so the state lives in `<StateDirectory>/workitems.json`
rather than in a global property of the index (one opaque string slot, invisible to the
centre's IT). The file is replaced atomically on every change (temporary file, fsync,
rename, fsync of the directory): after a crash it is the old content or the new, never a
torn one. Transaction UIDs are stored here and never sent back (PS3.18 11.5).
"""
from __future__ import annotations

import copy
import json
import os
import tempfile
import threading
from dataclasses import dataclass, field

__all__ = ["StoredWorkitem", "WorkitemStore", "StoreError"]

_FILE = "workitems.json"
_VERSION = 1


class StoreError(RuntimeError):
    """The state file cannot be read or written; the message names the file."""


@dataclass
class StoredWorkitem:
    uid: str
    origin: str                  # "created" (POST by the centre) or "derived" (from (0008,1060))
    state: str                   # SCHEDULED / IN PROGRESS / COMPLETED / CANCELED
    transaction: str = ""
    dataset: dict = field(default_factory=dict)   # DICOM JSON, without state and Transaction UID

    def to_json(self) -> dict:
        return {"origin": self.origin, "state": self.state, "transaction": self.transaction, "dataset": self.dataset}


class WorkitemStore:
    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.path = os.path.join(directory, _FILE)
        self._lock = threading.RLock()
        self._items: dict[str, StoredWorkitem] = {}
        self.version = 0          # bumped on every change: the assignment cache keys on it
        self._load()

    def _load(self) -> None:
        try:
            with open(self.path, encoding="utf-8") as f:
                data = json.load(f)
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            raise StoreError(f"workitem state file {self.path} is unreadable ({type(exc).__name__})") from None
        if not isinstance(data, dict) or data.get("version") != _VERSION or not isinstance(data.get("workitems"), dict):
            raise StoreError(f"workitem state file {self.path} is not a version {_VERSION} Yomi centre file")
        for uid, raw in data["workitems"].items():
            if not isinstance(raw, dict) or raw.get("origin") not in ("created", "derived"):
                raise StoreError(f"workitem state file {self.path}: entry {uid} is malformed")
            self._items[uid] = StoredWorkitem(uid, raw["origin"], str(raw.get("state", "")),
                                              str(raw.get("transaction", "")), dict(raw.get("dataset") or {}))

    def _save(self) -> None:
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        body = json.dumps({"version": _VERSION, "workitems": {u: w.to_json() for u, w in self._items.items()}},
                          indent=1, sort_keys=True).encode("utf-8")
        fd, tmp = tempfile.mkstemp(prefix=".workitems.", dir=self.directory)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(body)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise
        dfd = os.open(self.directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)

    def get(self, uid: str) -> StoredWorkitem | None:
        with self._lock:
            item = self._items.get(uid)
            return copy.deepcopy(item) if item else None

    def all(self) -> list[StoredWorkitem]:
        with self._lock:
            return [copy.deepcopy(w) for w in self._items.values()]

    def put(self, item: StoredWorkitem) -> None:
        with self._lock:
            self._items[item.uid] = copy.deepcopy(item)
            self._save()
            self.version += 1

    def lock(self) -> threading.RLock:
        """Held around a read-check-write (a claim) so two claims cannot both win."""
        return self._lock
