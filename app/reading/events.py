"""What the reading workflow tells the shell: one frozen dataclass per kind of outcome.

Errors travel as the exception itself (a `worklist.centre.CentreError` subclass, typed), so
the shell decides what to show by its type, never by comparing message text.
"""
from __future__ import annotations

from dataclasses import dataclass

from worklist.centre import WorkItem


@dataclass(frozen=True)
class RefreshStarted:
    generation: int


@dataclass(frozen=True)
class WorklistUpdated:
    """The whole list as it now stands, and what changed since the last one (study UIDs)."""

    generation: int
    items: tuple[WorkItem, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]


@dataclass(frozen=True)
class WorklistFailed:
    generation: int
    error: Exception


@dataclass(frozen=True)
class RefreshCancelled:
    generation: int


@dataclass(frozen=True)
class StudyClaimed:
    """The centre agreed: this reader reads `item` now; the shell starts loading it."""

    item: WorkItem


@dataclass(frozen=True)
class OpenFailed:
    item: WorkItem
    error: Exception


@dataclass(frozen=True)
class StudyGivenBack:
    item: WorkItem


@dataclass(frozen=True)
class GiveBackFailed:
    item: WorkItem
    error: Exception


@dataclass(frozen=True)
class StudyCompleted:
    """Every object of the report is stored at the centre and the study is released."""

    report_id: str
    item: WorkItem


@dataclass(frozen=True)
class CompletionFailed:
    """The report is delivered, but the centre could not mark the study completed; the
    workflow tries again at the next worklist refresh."""

    report_id: str
    item: WorkItem
    error: Exception


@dataclass(frozen=True)
class DeliveryChanged:
    report_id: str


ReadingEvent = (RefreshStarted | WorklistUpdated | WorklistFailed | RefreshCancelled | StudyClaimed | OpenFailed
                | StudyGivenBack | GiveBackFailed | StudyCompleted | CompletionFailed | DeliveryChanged)
