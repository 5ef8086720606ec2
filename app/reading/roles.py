"""Reading roles of double reading (二重読影): first reader, second reader, final judge.

The centre gives the role, one UPS workitem per role, in Scheduled Workitem Code Sequence
(0040,4018) with a 99YOMI code; worklist/ups.py copies that code into the worklist row
(`WorkItem.extra["reading_role"]`). The codes are the wire contract with the centre plugin
(packaging/centre/yomi_centre/double_reading.py, which runs inside Orthanc and cannot import
this package): change both or neither.

Which readings a user may fetch follows the blind rule the centre enforces (the centre is the
authority; this answers first so the station can say why, without asking):
a reader sees no other reading until their own is signed, the judge none until both are.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from worklist.centre import WorkItem

__all__ = ["ReadingRole", "ROLE_CODES", "ROLE_KEY", "role_of_item", "role_of_code", "FetchDecision",
           "ReadingsState", "may_fetch_readings", "may_open_comparison"]

ROLE_KEY = "reading_role"          # key of WorkItem.extra holding the centre's role code


class ReadingRole(enum.Enum):
    FIRST = "first"
    SECOND = "second"
    JUDGE = "judge"


ROLE_CODES: dict[ReadingRole, str] = {ReadingRole.FIRST: "YOMI-READ-1", ReadingRole.SECOND: "YOMI-READ-2",
                                      ReadingRole.JUDGE: "YOMI-JUDGE"}
_BY_CODE = {v: k for k, v in ROLE_CODES.items()}


def role_of_code(code: str) -> ReadingRole | None:
    return _BY_CODE.get(code.strip())


def role_of_item(item: WorkItem) -> ReadingRole | None:
    """The role the centre assigned for this worklist row; None for an ordinary single reading."""
    return role_of_code(item.extra.get(ROLE_KEY, ""))


class FetchDecision(enum.Enum):
    ALLOWED = "allowed"
    OWN_READING_NOT_SIGNED = "own reading not signed"      # blind: first/second reader
    READINGS_NOT_BOTH_SIGNED = "readings not both signed"  # the judge, too early
    NO_ROLE = "no role"                                    # the centre did not assign this user a role


@dataclass(frozen=True)
class ReadingsState:
    """Which readings of a study the centre holds signed (from the stored SRs)."""

    first_signed: bool
    second_signed: bool


def may_fetch_readings(role: ReadingRole | None, state: ReadingsState) -> FetchDecision:
    """May a user with `role` see the other readings of the study now?"""
    if role is None:
        return FetchDecision.NO_ROLE
    if role is ReadingRole.JUDGE:
        return FetchDecision.ALLOWED if state.first_signed and state.second_signed \
            else FetchDecision.READINGS_NOT_BOTH_SIGNED
    own = state.first_signed if role is ReadingRole.FIRST else state.second_signed
    return FetchDecision.ALLOWED if own else FetchDecision.OWN_READING_NOT_SIGNED


def may_open_comparison(role: ReadingRole | None, state: ReadingsState) -> FetchDecision:
    """Comparison reading (比較読影) is the judge's, once both readings are signed."""
    if role is not ReadingRole.JUDGE:
        return FetchDecision.NO_ROLE
    return may_fetch_readings(role, state)
