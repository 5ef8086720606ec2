"""Drafts on disk: one sealed file per report (app/report/sealed_files.py), rewritten
atomically at every change, so a crash or power cut leaves either the previous or the new
draft, never a torn one.

A draft holds the patient's name and birth date, so it is AES-GCM sealed for the reader
(purpose DRAFTS) in that reader's own folder, drafts/<reader hash>/<report id>.yd: a locked
station cannot read or write drafts, and no reader sees another's. The report id in a file
name or inside a draft is checked (`report_ids`) before it becomes a path.

`read_draft_json` reads a plain JSON draft a user hands over (`yomi report export`); the
station never writes one.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from .errors import DraftStoreError, ReportError
from .model import Report
from .report_ids import InvalidReportId, is_valid_report_id, require_report_id
from .sealed_files import Purpose, ReaderSecret, SealedFolder, SealError

__all__ = ["DraftInfo", "DraftStore", "read_draft_json", "SUFFIX"]

log = logging.getLogger(__name__)
SUFFIX = ".yd"


@dataclass(frozen=True)
class DraftInfo:
    """What a draft list shows without keeping the draft: no personal data."""

    report_id: str
    template_id: str
    study_uid: str
    updated_at: str
    path: Path


def _report_from(data: object, where: str) -> Report:
    if not isinstance(data, dict):
        raise DraftStoreError(f"draft {where} invalid: not a JSON object")
    require_report_id(data.get("report_id"), f"draft {where}")
    return Report.from_dict(data)


def read_draft_json(path: Path) -> Report:
    """A plain JSON draft from a file the user names (export); its report id is validated."""
    path = Path(path)
    try:
        return _report_from(json.loads(path.read_text(encoding="utf-8")), path.name)
    except InvalidReportId:
        raise
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DraftStoreError(f"draft {path.name} unreadable: {exc.__class__.__name__}") from exc
    except ReportError as exc:
        raise DraftStoreError(f"draft {path.name} invalid: {exc}") from exc


class DraftStore:
    """One reader's drafts in `directory` (which is that reader's folder)."""

    def __init__(self, directory: Path, secret: ReaderSecret) -> None:
        self.folder = SealedFolder(Path(directory), secret, Purpose.DRAFTS)
        self.directory = self.folder.directory

    @classmethod
    def default(cls, secret: ReaderSecret) -> "DraftStore":
        """The reader's drafts folder in the user data dir (YOMI_DATA_DIR in tests)."""
        from app.paths import drafts_dir

        return cls(drafts_dir(secret.reader_id), secret)

    def path(self, report_id: str) -> Path:
        try:
            require_report_id(report_id, "draft store")
        except InvalidReportId as exc:
            raise DraftStoreError(str(exc)) from exc
        return self.directory / f"{report_id}{SUFFIX}"

    def save(self, report: Report) -> Path:
        """Seal and write the report's JSON durably (temp file, fsync, rename, fsync dir)."""
        return self.save_content(report.to_dict())

    def save_content(self, content: dict) -> Path:
        """`save` of a report's `to_dict()` taken earlier (app/report/draft_saver.py)."""
        report_id = content.get("report_id")
        path = self.path(report_id)
        data = json.dumps(content, ensure_ascii=False, indent=1).encode("utf-8")
        try:
            self.folder.write(path.name, data)
        except SealError as exc:
            raise DraftStoreError(f"draft {report_id} not saved: {exc}") from exc
        except OSError as exc:
            raise DraftStoreError(f"draft {report_id} not saved: {exc.strerror or exc}") from exc
        log.debug("draft %s saved (study %s)", report_id, content.get("identity", {}).get("study_uid", ""))
        return path

    def load(self, report_id: str) -> Report:
        return self.load_path(self.path(report_id))

    def _read_json(self, path: Path) -> dict:
        path = Path(path)
        if path.parent != self.directory or not path.name.endswith(SUFFIX) \
                or not is_valid_report_id(path.name[:-len(SUFFIX)]):
            raise DraftStoreError(f"draft {path.name}: not a draft file of this store")
        try:
            data = json.loads(self.folder.read(path.name))
        except SealError as exc:
            raise DraftStoreError(f"draft {path.name} unreadable: {exc}") from exc
        except (OSError, ValueError) as exc:
            raise DraftStoreError(f"draft {path.name} unreadable: {exc.__class__.__name__}") from exc
        if not isinstance(data, dict) or data.get("report_id") != path.name[:-len(SUFFIX)]:
            raise DraftStoreError(f"draft {path.name} invalid: its report id is not its file name")
        return data

    def load_path(self, path: Path) -> Report:
        data = self._read_json(path)
        try:
            return _report_from(data, Path(path).name)
        except (ValueError, KeyError, TypeError) as exc:
            raise DraftStoreError(f"draft {Path(path).name} unreadable: {exc.__class__.__name__}") from exc
        except DraftStoreError:
            raise
        except ReportError as exc:
            raise DraftStoreError(f"draft {Path(path).name} invalid: {exc}") from exc

    def list(self) -> list[DraftInfo]:
        """Every readable draft, newest first; unreadable files are logged by name and skipped."""
        out = []
        for name in self.folder.names(SUFFIX):
            p = self.directory / name
            try:
                d = self._read_json(p)
                out.append(DraftInfo(str(d["report_id"]), str(d["template_id"]), str(d["identity"]["study_uid"]),
                                     str(d.get("updated_at", "")), p))
            except (DraftStoreError, KeyError, TypeError) as exc:
                log.warning("skipping unreadable draft file %s (%s)", name, type(exc).__name__)
        return sorted(out, key=lambda i: i.updated_at, reverse=True)

    def restore(self) -> list[Report]:
        """After a crash: every draft still on disk, newest first; leftover temp files removed."""
        self.folder.clean_temp_files()
        reports = []
        for info in self.list():
            try:
                reports.append(self.load_path(info.path))
            except DraftStoreError as exc:
                log.warning("%s", exc)
        return reports

    def delete(self, report_id: str) -> None:
        self.path(report_id).unlink(missing_ok=True)
