"""The few DICOM JSON (PS3.18 F.2) reads and writes the worklist needs, with the stdlib only."""
from __future__ import annotations

from typing import Any

__all__ = ["first", "values", "study_refs", "performers", "pn_json", "element"]

REFERENCED_REQUEST = "0040A370"
INPUT_INFORMATION = "00404021"
STUDY_UID = "0020000D"
PERFORMERS = "00404034"
PERFORMER_NAME = "00404037"
PERFORMER_CODE = "00404009"
CODE_VALUE = "00080100"


def values(ds: dict, tag: str) -> list[Any]:
    el = ds.get(tag)
    if isinstance(el, dict) and isinstance(el.get("Value"), list):
        return el["Value"]
    return []


def first(ds: dict, tag: str) -> str:
    v = values(ds, tag)
    return str(v[0]) if v and v[0] is not None and not isinstance(v[0], dict) else ""


def study_refs(ds: dict) -> list[str]:
    """Study Instance UIDs a workitem is about (Referenced Request / Input Information / top level)."""
    out = []
    for seq in (REFERENCED_REQUEST, INPUT_INFORMATION):
        for item in values(ds, seq):
            if isinstance(item, dict):
                uid = first(item, STUDY_UID)
                if uid and uid not in out:
                    out.append(uid)
    top = first(ds, STUDY_UID)
    if top and top not in out:
        out.append(top)
    return out


def performers(ds: dict) -> list[tuple[list[Any], list[str]]]:
    """(Human Performer's Name values, code values) of each Scheduled Human Performer."""
    out = []
    for item in values(ds, PERFORMERS):
        if not isinstance(item, dict):
            continue
        codes = [first(c, CODE_VALUE) for c in values(item, PERFORMER_CODE) if isinstance(c, dict)]
        out.append((values(item, PERFORMER_NAME), [c for c in codes if c]))
    return out


def pn_json(pn: str) -> dict:
    """'Alpha=Ideo=Phon' as a DICOM JSON PN value."""
    groups = str(pn or "").split("=")
    return {k: g for k, g in zip(("Alphabetic", "Ideographic", "Phonetic"), groups) if g}


def element(vr: str, *vals: Any) -> dict:
    vals_ = [v for v in vals if v not in ("", None)]
    return {"vr": vr, "Value": vals_} if vals_ else {"vr": vr}
