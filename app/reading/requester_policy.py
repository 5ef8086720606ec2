"""What the requester receives of a double reading: the final report only, or every reading.

A site setting (`requester_receives = "final" | "all"` in the site file's `[centre]` table,
app/config.py). Each reading is always sent to the centre as its signed SR: the judge compares
the SRs and the centre keeps them as the record of the double reading. The PDF, the document
a requester files and reads (japan-reporting.md §1), goes with a reading only under "all";
under "final" (the default) the judge's final PDF, which shows all three judgements, is the
one report document of the study. A study read once (no role) sends its PDF as always.
"""
from __future__ import annotations

import enum
from typing import Any

from app.reading.roles import ReadingRole

__all__ = ["RequesterReceives", "parse_requester_receives", "sends_pdf", "delivery_objects"]


class RequesterReceives(enum.Enum):
    FINAL = "final"
    ALL = "all"


def parse_requester_receives(value: object, where: str) -> RequesterReceives:
    """The setting's value; ValueError naming `where` for anything else."""
    try:
        return RequesterReceives(str(value).strip().lower())
    except ValueError:
        raise ValueError(f"{where}: requester_receives must be \"final\" or \"all\", not {str(value)[:40]!r}") \
            from None


def sends_pdf(role: ReadingRole | None, policy: RequesterReceives) -> bool:
    return role in (None, ReadingRole.JUDGE) or policy is RequesterReceives.ALL


def delivery_objects(signed: Any, role: ReadingRole | None, policy: RequesterReceives) -> list[tuple[str, bytes]]:
    """(SOP UID, bytes) of a SignedReport that go to the centre."""
    objects = [(signed.sr_sop_uid, signed.sr)]
    if sends_pdf(role, policy):
        objects.append((signed.encapsulated_sop_uid, signed.encapsulated_pdf))
    return objects
