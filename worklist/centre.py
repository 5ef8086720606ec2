"""The Centre protocol shared by the embedded local centre and a DICOMweb reading centre,
the worklist item it lists, and the errors every centre raises.

The shell (app/) talks to a centre only through this module's names, so the local demo
centre and a real reading centre are interchangeable.
"""
from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import pydicom

__all__ = [
    "Centre",
    "WorkItem",
    "Priority",
    "Status",
    "CentreError",
    "Unreachable",
    "TLSFailure",
    "Unauthorised",
    "Forbidden",
    "NotFound",
    "ServerError",
    "BadData",
    "TooLarge",
    "DeadlineExceeded",
    "Cancelled",
    "PriorStudy",
    "PriorsSource",
]


class Priority(enum.IntEnum):
    """Lower value sorts first: STAT studies head the worklist."""

    STAT = 0
    HIGH = 1
    ROUTINE = 2
    LOW = 3

    @classmethod
    def from_dicom(cls, value: str | None) -> "Priority":
        # UPS uses STAT/HIGH/MEDIUM/LOW (0074,1200); study priority uses HIGH/MED/LOW.
        v = (value or "").strip().upper()
        return {"STAT": cls.STAT, "HIGH": cls.HIGH, "LOW": cls.LOW}.get(v, cls.ROUTINE)


class Status(str, enum.Enum):
    SCHEDULED = "SCHEDULED"
    IN_PROGRESS = "IN PROGRESS"
    COMPLETED = "COMPLETED"
    CANCELED = "CANCELED"


@dataclass
class WorkItem:
    """One assigned study on a reader's worklist.

    `patient_name` is already decoded to text (Japanese names as kanji=kana=romaji groups
    joined by '='). `workitem_uid` is set where the centre has UPS; `transaction_uid` once
    the reader has claimed it.
    """

    study_uid: str
    patient_id: str = ""
    patient_name: str = ""
    patient_birth_date: str = ""
    patient_sex: str = ""
    study_date: str = ""
    study_description: str = ""
    accession_number: str = ""
    modalities: tuple[str, ...] = ()
    body_part: str = ""
    number_of_images: int = 0
    priority: Priority = Priority.ROUTINE
    status: Status = Status.SCHEDULED
    arrived: str = ""  # ISO 8601 date-time the study reached the centre, if known
    assigned_to: str = ""
    workitem_uid: str = ""
    transaction_uid: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def sort_key(self) -> tuple:
        return (int(self.priority), self.arrived or self.study_date, self.study_uid)


@dataclass(frozen=True)
class PriorStudy:
    """An earlier (or any other) study of a patient as the centre lists it: what the station
    needs to choose a comparable prior and to check it is the same person. Personal data:
    never logged, shown only beside the current study's identity."""

    study_uid: str
    study_date: str = ""
    study_description: str = ""
    modalities: tuple[str, ...] = ()
    body_parts: tuple[str, ...] = ()
    patient_id: str = ""
    issuer_of_patient_id: str = ""
    patient_name: str = ""
    patient_sex: str = ""
    patient_birth_date: str = ""
    number_of_images: int = 0


class CentreError(Exception):
    """A centre failed; `reason` is one line a reader can act on, never personal data."""

    def __init__(self, reason: str, *, study_uid: str = "", url: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.study_uid = study_uid
        self.url = url


class Unreachable(CentreError):
    """The server could not be reached (DNS, refused, timed out)."""


class TLSFailure(CentreError):
    """The server's certificate could not be verified, or the TLS handshake failed."""


class Unauthorised(CentreError):
    """Wrong user name or password, or an expired token (HTTP 401)."""


class Forbidden(CentreError):
    """Authenticated but not allowed (HTTP 403), e.g. a study assigned to another reader."""


class NotFound(CentreError):
    """The study, series or workitem does not exist (HTTP 404)."""


class ServerError(CentreError):
    """The server answered 5xx."""


class BadData(CentreError):
    """The server, or a file, returned something that is not valid DICOM or JSON."""


class TooLarge(BadData):
    """An answer, one part of it, or an instance once inflated, larger than the client's cap."""


class DeadlineExceeded(Unreachable):
    """The server did not finish an answer within the request's deadline (e.g. drip-fed)."""


class StoreRefused(BadData):
    """STOW-RS did not store some instances; `failures` maps each SOP Instance UID to the
    server's Failure Reason (0008,1197) as "0xA700", or "not acknowledged" (security.md row 18).
    The outbox tells transient reasons (out of resources, processing failure) from permanent ones."""

    def __init__(self, reason: str, *, failures: dict[str, str], status: int = 0, study_uid: str = "",
                 url: str = "") -> None:
        super().__init__(reason, study_uid=study_uid, url=url)
        self.failures = dict(failures)
        self.status = status


class Cancelled(CentreError):
    """The reader cancelled the operation."""


# progress(done, total): called from the retrieving thread; return False to cancel.
Progress = Callable[[int, int], bool | None]


@runtime_checkable
class Centre(Protocol):
    """What the shell needs from a reading centre, local or remote."""

    name: str

    def worklist(self) -> list[WorkItem]:
        """The studies assigned to the logged-in reader, not yet reported, STAT first."""
        ...

    def claim(self, item: WorkItem) -> WorkItem:
        """Mark the study as being read by this reader (UPS: IN PROGRESS)."""
        ...

    def release(self, item: WorkItem, *, completed: bool) -> None:
        """Complete the item (report sent) or give it back unread (cancel)."""
        ...

    def retrieve(
        self, study_uid: str, progress: Progress | None = None, *,
        on_plan: Callable[[list[pydicom.Dataset]], None] | None = None,
    ) -> Iterator[pydicom.Dataset]:
        """Yield the study's instances as datasets, as they arrive.

        A centre that knows the instances' headers before their pixels (DICOMweb: the series
        metadata) gives them to `on_plan` once, before or while the instances arrive, so the
        caller can lay out volumes early; a centre that does not, never calls it."""
        ...

    def submit(self, instances: Iterable[bytes]) -> list[str]:
        """Store encoded DICOM instances (SR, encapsulated PDF) in the centre.

        Returns the SOP Instance UIDs accepted; storing one already held is success.
        """
        ...


@runtime_checkable
class PriorsSource(Protocol):
    """A centre that can list a patient's other studies (priors). Kept apart from `Centre`
    so that a centre without it still is one; the shell checks with isinstance."""

    def priors(self, patient_id: str, issuer_of_patient_id: str = "") -> list[PriorStudy]:
        """Every study held for Patient ID `patient_id` (and, when given, that Issuer of Patient
        ID; a study with another issuer is another patient's), newest first."""
        ...
