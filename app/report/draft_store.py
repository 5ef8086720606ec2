"""Drafts on disk: one JSON file per report, rewritten atomically at every change, so a crash
or power cut leaves either the previous or the new draft, never a torn one."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from common.atomic import write_atomic
from .errors import DraftStoreError, ReportError
from .model import Report

__all__ = ["DraftInfo", "DraftStore"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DraftInfo:
    """What a draft list shows without opening the draft: no personal data."""

    report_id: str
    template_id: str
    study_uid: str
    updated_at: str
    path: Path


class DraftStore:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)

    @classmethod
    def default(cls) -> "DraftStore":
        """The drafts folder in the user data dir (YOMI_DATA_DIR in tests)."""
        from app.paths import data_dir

        return cls(data_dir() / "drafts")

    def path(self, report_id: str) -> Path:
        if not report_id.isalnum():
            raise DraftStoreError(f"bad report id {report_id!r}")
        return self.directory / f"{report_id}.json"

    def save(self, report: Report) -> Path:
        """Write the report's JSON durably (temp file, fsync, rename, fsync dir)."""
        path = self.path(report.report_id)
        data = json.dumps(report.to_dict(), ensure_ascii=False, indent=1).encode("utf-8")
        try:
            write_atomic(path, data)
        except OSError as exc:
            raise DraftStoreError(f"draft {report.report_id} not saved: {exc.strerror or exc}") from exc
        log.debug("draft %s saved (study %s)", report.report_id, report.identity.study_uid)
        return path

    def load(self, report_id: str) -> Report:
        return self.load_path(self.path(report_id))

    @staticmethod
    def load_path(path: Path) -> Report:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            return Report.from_dict(data)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DraftStoreError(f"draft {Path(path).name} unreadable: {exc.__class__.__name__}") from exc
        except ReportError as exc:
            raise DraftStoreError(f"draft {Path(path).name} invalid: {exc}") from exc

    def list(self) -> list[DraftInfo]:
        """Every readable draft, newest first; unreadable files are logged by name and skipped."""
        out = []
        for p in self.directory.glob("*.json"):
            try:
                d = json.loads(p.read_text(encoding="utf-8"))
                out.append(DraftInfo(str(d["report_id"]), str(d["template_id"]), str(d["identity"]["study_uid"]),
                                     str(d.get("updated_at", "")), p))
            except (OSError, ValueError, KeyError, TypeError):
                log.warning("skipping unreadable draft file %s", p.name)
        return sorted(out, key=lambda i: i.updated_at, reverse=True)

    def restore(self) -> list[Report]:
        """After a crash: every draft still on disk, newest first; leftover temp files removed."""
        for tmp in self.directory.glob(".*.tmp"):
            tmp.unlink(missing_ok=True)
        reports = []
        for info in self.list():
            try:
                reports.append(self.load_path(info.path))
            except DraftStoreError as exc:
                log.warning("%s", exc)
        return reports

    def delete(self, report_id: str) -> None:
        self.path(report_id).unlink(missing_ok=True)
