"""A reader's critical-result notice on their own workitem, and the centre's acknowledgement of it.

The station of the reader who holds the claim (PS3.18 11.6: `POST /workitems/{uid}?{transaction
uid}`) writes Procedure Step Progress Information Sequence (0074,1002), one item per notice,
with Procedure Step Progress Description (0074,1006) naming the finding and Procedure Step
Progress Parameters Sequence (0074,1007) content items coded 99YOMI: CRIT-NOTICE (TEXT, the
notice ID), CRIT-KIND (TEXT), CRIT-SR (UIDREF, the report's SR), CRIT-FLAGGED (DATETIME); and
Priority (0074,1200) HIGH, so that the centre's own worklist puts the workitem first. That is
all a reader may write: anything else in the body, or an acknowledgement, is refused.
The centre's staff acknowledge by updating the same item with CRIT-ACK-BY (TEXT) and
CRIT-ACK-AT (DATETIME); the station reads it back with a retrieve.

A notice may arrive after the reading was delivered and the workitem COMPLETED (the station
sends the report first): the claim's Transaction UID, kept by the store, still proves the
sender held it, so a COMPLETED workitem takes a notice too (a Yomi extension of 11.6).
"""
from __future__ import annotations

from .dicom_json import first, values

__all__ = ["PROGRESS_SEQ", "PRIORITY", "NOTICE_CODES", "ACK_CODES", "reader_update_refusal", "merge_notices"]

PROGRESS_SEQ = "00741002"      # Procedure Step Progress Information Sequence
PARAMETERS_SEQ = "00741007"    # Procedure Step Progress Parameters Sequence
PRIORITY = "00741200"
NOTICE_CODES = frozenset({"CRIT-NOTICE", "CRIT-KIND", "CRIT-SR", "CRIT-FLAGGED"})
ACK_CODES = frozenset({"CRIT-ACK-BY", "CRIT-ACK-AT"})
_SCHEME = "99YOMI"


def _codes(item: dict) -> dict[str, dict]:
    out = {}
    for p in values(item, PARAMETERS_SEQ):
        if isinstance(p, dict):
            for c in values(p, "0040A043"):
                if isinstance(c, dict) and first(c, "00080102") == _SCHEME:
                    out[first(c, "00080100")] = p
    return out


def notice_id(item: dict) -> str:
    p = _codes(item).get("CRIT-NOTICE")
    return first(p, "0040A160") if p else ""


def reader_update_refusal(ds: dict) -> str:
    """Why a reader's update body is refused ('' when it is a critical-result notice only)."""
    other = sorted(k for k in ds if k not in (PROGRESS_SEQ, PRIORITY))
    if other:
        return "a reader may only add a critical-result notice to the workitem: (0074,1002) and (0074,1200)"
    if PRIORITY in ds and first(ds, PRIORITY).upper() != "HIGH":
        return "a reader may only raise Priority (0074,1200) to HIGH"
    items = [i for i in values(ds, PROGRESS_SEQ) if isinstance(i, dict)]
    if not items:
        return "the notice needs one Procedure Step Progress Information Sequence (0074,1002) item"
    for item in items:
        codes = _codes(item)
        if not codes.get("CRIT-NOTICE") or not first(codes["CRIT-NOTICE"], "0040A160"):
            return "a notice item needs its CRIT-NOTICE content item (0074,1007)"
        if set(codes) & ACK_CODES:
            return "the acknowledgement is the centre's to write, not a reader's"
    return ""


def merge_notices(stored: dict, incoming: dict) -> dict:
    """The workitem's (0074,1002) with the reader's notices added; a notice already there keeps
    what the centre wrote to it (its acknowledgement): sending it again changes nothing."""
    kept = [i for i in values(stored, PROGRESS_SEQ) if isinstance(i, dict)]
    known = {notice_id(i) for i in kept}
    for item in values(incoming, PROGRESS_SEQ):
        if isinstance(item, dict) and notice_id(item) not in known:
            kept.append(item)
            known.add(notice_id(item))
    return {"vr": "SQ", "Value": kept}
