"""The embedded local reading centre: a folder of studies and a queue file.

Serves `yomi --demo`, offline reading and imported media through the same `Centre`
protocol as a DICOMweb centre, so the shell cannot tell them apart.

Layout under `root`:
    queue.json          {"version": 1, "items": [{"study_uid", "folder", "assigned_to",
                          "priority", "status", "arrived"}]}
    studies/<folder>/   DICOM files of one study (a real folder or a link to one)
    received/           objects submitted back (signed SR, encapsulated PDF), one file per
                        SOP Instance UID, named by its hash (never by data from the file)

The queue is the authority on who reads what: a reader only lists and retrieves studies
assigned to them (Forbidden otherwise). Files that are not readable DICOM are skipped with
a logged file name; they never stop the rest of the study.
"""
from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import pydicom
from pydicom.errors import InvalidDicomError

from common.atomic import write_atomic
from common.charset_guess import decode_element_text
from common.dicom_bounds import DecodeLimits, dcmread_bounded
from common.dicom_bounds import TooLarge as DecodeTooLarge
from worklist.centre import (
    BadData,
    Cancelled,
    Forbidden,
    NotFound,
    PriorStudy,
    Priority,
    Progress,
    Status,
    TooLarge,
    WorkItem,
)

log = logging.getLogger(__name__)
_LIMITS = DecodeLimits()

QUEUE_VERSION = 1


@dataclass
class QueueEntry:
    study_uid: str
    folder: str
    assigned_to: str
    priority: str = "ROUTINE"
    status: str = Status.SCHEDULED.value
    arrived: str = ""


def uid_file_name(uid: str) -> str:
    return hashlib.sha256(uid.encode("ascii", "replace")).hexdigest()[:40] + ".dcm"


def _dicom_files(folder: Path) -> Iterator[Path]:
    for dirpath, _dirs, files in os.walk(folder, followlinks=True):
        for name in sorted(files):
            if name.upper() != "DICOMDIR" and not name.startswith("."):
                yield Path(dirpath) / name


def _read_bounded(path: Path, **kw) -> pydicom.Dataset:
    """pydicom's read of a file within the decode bound; raises DecodeTooLarge naming the file."""
    with open(path, "rb") as fp:
        return dcmread_bounded(fp, _LIMITS.max_file_bytes, f"file {path.name}", **kw)


def _read_header(path: Path) -> pydicom.Dataset | None:
    try:
        return _read_bounded(path, stop_before_pixels=True)
    except DecodeTooLarge as exc:
        log.warning("local centre: %s", exc)
        return None
    except (InvalidDicomError, OSError, ValueError, EOFError, KeyError, TypeError):
        return None


class LocalCentre:
    """A reading centre in a local folder (see the module docstring)."""

    def __init__(self, root: Path, reader: str, name: str = "local") -> None:
        self.root = Path(root)
        self.reader = reader
        self.name = name
        self._lock = threading.Lock()
        self._headers: dict[str, WorkItem] = {}

    # ---- queue ------------------------------------------------------------------------
    @property
    def queue_path(self) -> Path:
        return self.root / "queue.json"

    def _load(self) -> list[QueueEntry]:
        try:
            raw = json.loads(self.queue_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            raise BadData(f"local centre queue {self.queue_path} is unreadable: {exc}") from exc
        if raw.get("version") != QUEUE_VERSION:
            raise BadData(f"local centre queue {self.queue_path}: unknown version {raw.get('version')!r}")
        return [QueueEntry(**e) for e in raw.get("items", [])]

    def _save(self, entries: list[QueueEntry]) -> None:
        doc = {"version": QUEUE_VERSION, "items": [asdict(e) for e in entries]}
        write_atomic(self.queue_path, json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8"))

    def entries(self) -> list[QueueEntry]:
        """The whole queue, every reader's (for set-up and administration, not for the worklist)."""
        return self._load()

    def add_study(self, folder: str, study_uid: str, assigned_to: str, priority: str = "ROUTINE",
                  arrived: str = "") -> None:
        with self._lock:
            entries = [e for e in self._load() if e.study_uid != study_uid]
            entries.append(QueueEntry(study_uid, folder, assigned_to, priority, Status.SCHEDULED.value, arrived))
            self._save(entries)

    def _entry(self, study_uid: str) -> QueueEntry:
        for e in self._load():
            if e.study_uid == study_uid:
                if e.assigned_to != self.reader:
                    raise Forbidden(f"study {study_uid} is not assigned to this reader", study_uid=study_uid)
                return e
        raise NotFound(f"study {study_uid} is not in the local centre", study_uid=study_uid)

    # ---- Centre protocol --------------------------------------------------------------
    def worklist(self) -> list[WorkItem]:
        items = []
        for e in self._load():
            if e.assigned_to != self.reader or e.status in (Status.COMPLETED.value, Status.CANCELED.value):
                continue
            item = self._describe(e)
            items.append(item)
        return sorted(items, key=WorkItem.sort_key)

    def _describe(self, e: QueueEntry) -> WorkItem:
        cached = self._headers.get(e.study_uid)
        if cached is None:
            cached = WorkItem(study_uid=e.study_uid)
            modalities, count = set(), 0
            for path in _dicom_files(self.root / "studies" / e.folder):
                ds = _read_header(path)
                if ds is None or ds.get("StudyInstanceUID") != e.study_uid:
                    continue
                count += 1
                modalities.add(str(ds.get("Modality", "")))
                if count == 1:
                    cached.patient_id = str(ds.get("PatientID", ""))
                    # from the bytes: a Shift_JIS name under a wrong character set reads right
                    cached.patient_name = decode_element_text(ds, "PatientName").text
                    cached.patient_birth_date = str(ds.get("PatientBirthDate", ""))
                    cached.patient_sex = str(ds.get("PatientSex", ""))
                    cached.study_date = str(ds.get("StudyDate", ""))
                    cached.study_description = decode_element_text(ds, "StudyDescription").text
                    cached.accession_number = str(ds.get("AccessionNumber", ""))
                    cached.body_part = str(ds.get("BodyPartExamined", ""))
                    if ds.get("IssuerOfPatientID"):
                        cached.extra["issuer"] = str(ds.IssuerOfPatientID)
            cached.modalities = tuple(sorted(m for m in modalities if m))
            cached.number_of_images = count
            self._headers[e.study_uid] = cached
        item = WorkItem(**{**cached.__dict__, "extra": dict(cached.extra)})
        item.priority = Priority.from_dicom(e.priority)
        item.status = Status(e.status)
        item.arrived = e.arrived
        item.assigned_to = e.assigned_to
        return item

    def claim(self, item: WorkItem) -> WorkItem:
        self._set_status(item.study_uid, Status.IN_PROGRESS)
        item.status = Status.IN_PROGRESS
        return item

    def release(self, item: WorkItem, *, completed: bool) -> None:
        self._set_status(item.study_uid, Status.COMPLETED if completed else Status.SCHEDULED)

    def _set_status(self, study_uid: str, status: Status) -> None:
        with self._lock:
            entries = self._load()
            self._entry(study_uid)  # raises for another reader's study
            for e in entries:
                if e.study_uid == study_uid:
                    e.status = status.value
            self._save(entries)

    # ---- priors: as the centre plugin rules, a reader may read the other studies of a patient
    # while one of that patient's studies is assigned to them (and not yet completed)
    def _patient_of(self, e: QueueEntry) -> tuple[str, str]:
        item = self._describe(e)
        return item.patient_id, item.extra.get("issuer", "")

    def _my_patients(self, entries: list[QueueEntry]) -> set[tuple[str, str]]:
        return {self._patient_of(e) for e in entries if e.assigned_to == self.reader
                and e.status in (Status.SCHEDULED.value, Status.IN_PROGRESS.value)}

    def _readable_entry(self, study_uid: str) -> QueueEntry:
        entries = self._load()
        for e in entries:
            if e.study_uid == study_uid:
                if e.assigned_to == self.reader or self._patient_of(e) in self._my_patients(entries):
                    return e
                raise Forbidden(f"study {study_uid} is not assigned to this reader", study_uid=study_uid)
        raise NotFound(f"study {study_uid} is not in the local centre", study_uid=study_uid)

    def priors(self, patient_id: str, issuer_of_patient_id: str = "") -> list[PriorStudy]:
        """The queue's studies of this patient (any reader's, any status) once one of the
        patient's studies is assigned to this reader; newest first."""
        entries = self._load()
        mine = self._my_patients(entries)
        out = []
        for e in entries:
            pid, issuer = self._patient_of(e)
            if pid != patient_id or (issuer and issuer_of_patient_id and issuer != issuer_of_patient_id):
                continue
            if (pid, issuer) not in mine:
                continue
            item = self._describe(e)
            out.append(PriorStudy(
                study_uid=e.study_uid, study_date=item.study_date, study_description=item.study_description,
                modalities=item.modalities, body_parts=tuple(p for p in item.body_part.upper().split("\\") if p),
                patient_id=pid, issuer_of_patient_id=issuer, patient_name=item.patient_name,
                patient_sex=item.patient_sex, patient_birth_date=item.patient_birth_date,
                number_of_images=item.number_of_images))
        return sorted(out, key=lambda p: (p.study_date, p.study_uid), reverse=True)

    def retrieve(self, study_uid: str, progress: Progress | None = None, *,
                 on_plan: Callable[[list[pydicom.Dataset]], None] | None = None) -> Iterator[pydicom.Dataset]:
        # on_plan is never called: the files are read whole, one after another, here.
        entry = self._readable_entry(study_uid)
        folder = self.root / "studies" / entry.folder
        if not folder.exists():
            raise NotFound(f"study {study_uid}: folder {folder} is missing", study_uid=study_uid)
        files = list(_dicom_files(folder))
        for n, path in enumerate(files, start=1):
            try:
                ds = _read_bounded(path)
            except DecodeTooLarge as exc:
                raise TooLarge(f"study {study_uid}: {exc}", study_uid=study_uid) from None
            except InvalidDicomError:
                log.info("local centre: %s is not a DICOM file, skipped", path.name)
                ds = None
            except (OSError, ValueError, EOFError, KeyError, TypeError) as exc:
                log.warning("local centre: skipped unreadable file %s (%s)", path.name, type(exc).__name__)
                ds = None
            if ds is not None and ds.get("StudyInstanceUID") == study_uid:
                yield ds
            if progress is not None and progress(n, len(files)) is False:
                raise Cancelled(f"retrieval of study {study_uid} cancelled", study_uid=study_uid)

    def submit(self, instances: Iterable[bytes]) -> list[str]:
        stored = []
        for data in instances:
            try:
                ds = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True)
                uid = str(ds.SOPInstanceUID)
                study = str(ds.StudyInstanceUID)
            except Exception as exc:  # any parse failure means the object is not DICOM
                raise BadData(f"submitted object is not readable DICOM: {type(exc).__name__}") from exc
            self._entry(study)  # only the assigned reader may send results for a study
            target = self.root / "received" / uid_file_name(uid)
            if target.exists():
                if target.read_bytes() != data:
                    # A signed object never changes under its UID; a correction is a new UID.
                    raise BadData(f"instance {uid} is already held with different content")
                stored.append(uid)  # already held: a resend after a crash is success
                continue
            write_atomic(target, data)
            stored.append(uid)
        return stored

    def received(self) -> list[Path]:
        folder = self.root / "received"
        return sorted(folder.glob("*.dcm")) if folder.exists() else []
