"""The judge's reconciliation in progress, kept as a sealed draft until the final report is signed.

A comparison window closed without signing (or a station killed) loses nothing: after every
decision the resolutions (difference key, choice, reason, the judge's own category) are written
sealed for the judge, AES-GCM with the drafts' key (app/report/sealed_files.py, Purpose.DRAFTS),
into the judge's drafts folder beside the report drafts, one `<hash of the study>.yr` file per
study, atomically. The draft names the two readings' SR UIDs: it is restored only onto the same
two readings, and a decision the readings no longer call for is dropped. Writes happen on a
worker; a later state always wins over an earlier one that was still on its way. No Qt here.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from app.report.sealed_files import Purpose, ReaderSecret, SealedFolder, SealError

from .double_reading import Choice, Reconciliation, ReconciliationError, Resolution

__all__ = ["ReconciliationDrafts", "SavedReconciliation", "SUFFIX"]

log = logging.getLogger(__name__)
SUFFIX = ".yr"
_VERSION = 1


@dataclass(frozen=True)
class SavedReconciliation:
    study_uid: str
    first_sr: str
    second_sr: str
    resolutions: tuple[Resolution, ...]


def _name(study_uid: str) -> str:
    return hashlib.sha256(study_uid.encode("utf-8")).hexdigest()[:40] + SUFFIX


def snapshot(rec: Reconciliation, study_uid: str) -> SavedReconciliation:
    return SavedReconciliation(study_uid, rec.first.ref.sop_uid, rec.second.ref.sop_uid,
                               tuple(rec.resolutions.values()))


class ReconciliationDrafts:
    """One judge's reconciliation drafts in `directory` (their drafts folder)."""

    def __init__(self, directory: Path, secret: ReaderSecret) -> None:
        self.folder = SealedFolder(Path(directory), secret, Purpose.DRAFTS)
        self._lock = threading.Lock()
        self._written: dict[str, int] = {}    # study -> sequence number of the state on disk

    @classmethod
    def default(cls, secret: ReaderSecret) -> "ReconciliationDrafts":
        from app.paths import drafts_dir

        return cls(drafts_dir(secret.reader_id), secret)

    def save(self, saved: SavedReconciliation, seq: int) -> bool:
        """Write `saved` unless a later state (higher `seq`) of the study is written already."""
        data = json.dumps({"version": _VERSION, "study_uid": saved.study_uid, "first_sr": saved.first_sr,
                           "second_sr": saved.second_sr,
                           "resolutions": [{"key": r.key, "choice": r.choice.value, "reason": r.reason,
                                            "value": r.value} for r in saved.resolutions]},
                          ensure_ascii=False).encode("utf-8")
        with self._lock:
            if self._written.get(saved.study_uid, -1) > seq:
                return False
            self.folder.write(_name(saved.study_uid), data)
            self._written[saved.study_uid] = seq
        log.debug("reconciliation draft of study %s saved (%d decisions)", saved.study_uid, len(saved.resolutions))
        return True

    def load(self, study_uid: str) -> SavedReconciliation | None:
        """The study's draft, or None when there is none; an unreadable one is logged and ignored."""
        try:
            d = json.loads(self.folder.read(_name(study_uid)))
            if d.get("study_uid") != study_uid:
                raise ValueError("the draft is of another study")
            res = tuple(Resolution(str(r["key"]), Choice(r["choice"]), str(r["reason"]), str(r.get("value", "")))
                        for r in d["resolutions"])
            return SavedReconciliation(study_uid, str(d["first_sr"]), str(d["second_sr"]), res)
        except FileNotFoundError:
            return None
        except (SealError, OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("reconciliation draft of study %s not restored: %s", study_uid, type(exc).__name__)
            return None

    @staticmethod
    def apply(rec: Reconciliation, saved: SavedReconciliation | None) -> int:
        """Put a loaded draft's decisions on `rec` (the same two readings only); how many applied."""
        if saved is None or (saved.first_sr, saved.second_sr) != (rec.first.ref.sop_uid, rec.second.ref.sop_uid):
            return 0
        n = 0
        for r in saved.resolutions:
            try:
                rec.resolve(r.key, r.choice, r.reason, r.value)
                n += 1
            except ReconciliationError:
                log.info("reconciliation draft of study %s: decision %s no longer applies", saved.study_uid, r.key)
        return n

    def delete(self, study_uid: str) -> None:
        with self._lock:
            self.folder.path(_name(study_uid)).unlink(missing_ok=True)
            self._written[study_uid] = 1 << 62    # a save still on its way must not bring it back
