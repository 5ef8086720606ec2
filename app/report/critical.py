"""A critical or urgent finding flagged on a report: its kind, the reader's words, and when.

The reader flags it with one key; the report then carries it in the SR (a coded item, see
sr_codes.CRITICAL_*), as a banner at the top of the PDF in the report's language, goes first
in the send queue, and the centre is told (app.reading.critical_notice). No Qt here.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping

from .errors import FieldValueError

__all__ = ["CriticalKind", "CriticalFinding", "CRITICAL_LABELS", "critical_label"]


class CriticalKind(str, enum.Enum):
    SUSPECTED_CANCER = "suspected_cancer"     # suspected lung cancer needing prompt contact
    PNEUMOTHORAX = "pneumothorax"
    AORTIC_DISSECTION = "aortic_dissection"
    OTHER = "other"                           # the reader says what, in `text`


# What the PDF banner and SR meaning say, in the report's language.
CRITICAL_LABELS: dict[CriticalKind, dict[str, str]] = {
    CriticalKind.SUSPECTED_CANCER: {"ja": "肺癌疑い（速やかな連絡が必要）", "en": "Suspected cancer (prompt contact needed)"},
    CriticalKind.PNEUMOTHORAX: {"ja": "気胸", "en": "Pneumothorax"},
    CriticalKind.AORTIC_DISSECTION: {"ja": "大動脈解離", "en": "Aortic dissection"},
    CriticalKind.OTHER: {"ja": "その他の緊急所見", "en": "Other urgent finding"},
}


def critical_label(kind: CriticalKind, lang: str) -> str:
    return CRITICAL_LABELS[kind][lang]


@dataclass(frozen=True)
class CriticalFinding:
    kind: CriticalKind
    text: str = ""         # required for OTHER; the reader's note otherwise
    flagged_at: str = ""   # ISO 8601 UTC

    def __post_init__(self) -> None:
        if not isinstance(self.kind, CriticalKind):
            raise FieldValueError(f"unknown critical finding kind {self.kind!r}")
        if self.kind is CriticalKind.OTHER and not self.text.strip():
            raise FieldValueError("a critical finding of kind 'other' needs a description")
        if len(self.text) > 1000:
            raise FieldValueError("a critical finding's description is limited to 1000 characters")

    @classmethod
    def now(cls, kind: CriticalKind, text: str = "") -> "CriticalFinding":
        return cls(kind, text.strip(), datetime.now(timezone.utc).isoformat(timespec="seconds"))

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind.value, "text": self.text, "flagged_at": self.flagged_at}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "CriticalFinding":
        try:
            kind = CriticalKind(str(d["kind"]))
        except (KeyError, ValueError):
            raise FieldValueError(f"unknown critical finding kind {d.get('kind')!r}") from None
        return cls(kind, str(d.get("text", "")), str(d.get("flagged_at", "")))
