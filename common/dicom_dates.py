"""DICOM dates and times (DA, TM, DT) to and from what a reader or a sorter reads.

One set of rules for the banner, the worklist, the report and the SR: a value that is not a
valid DICOM date is shown as it is, never "corrected" into another date.
"""
from __future__ import annotations

import datetime as _dt

__all__ = ["format_da", "parse_da", "dt_to_iso", "dicom_datetime"]


def _valid_da(da: str) -> bool:
    if len(da) != 8 or not da.isdigit():
        return False
    try:
        _dt.date(int(da[:4]), int(da[4:6]), int(da[6:8]))
    except ValueError:
        return False
    return True


def format_da(da: str | None) -> str:
    """A DA 'YYYYMMDD' as 'YYYY-MM-DD' (ISO 8601); anything else comes back stripped, unchanged."""
    text = str(da or "").strip()
    return f"{text[:4]}-{text[4:6]}-{text[6:8]}" if _valid_da(text) else text


def parse_da(da: str | None) -> _dt.date | None:
    """A DA 'YYYYMMDD' as a date; None for anything that is not a valid DICOM date."""
    text = str(da or "").strip()
    return _dt.date(int(text[:4]), int(text[4:6]), int(text[6:8])) if _valid_da(text) else None


def dt_to_iso(value: str | None) -> str:
    """A DT 'YYYYMMDDHHMMSS...' as ISO 8601 to the minute or second given, enough to sort on;
    '' when the value does not start with a valid date."""
    v = str(value or "").strip()
    if not _valid_da(v[:8]):
        return ""
    out = f"{v[0:4]}-{v[4:6]}-{v[6:8]}"
    if len(v) >= 12 and v[8:12].isdigit():
        out += f"T{v[8:10]}:{v[10:12]}"
        if len(v) >= 14 and v[12:14].isdigit():
            out += f":{v[12:14]}"
    return out


def dicom_datetime(iso: str) -> tuple[str, str, str]:
    """(DA, TM, offset) of an ISO 8601 time, e.g. ('20240105', '100000', '+0900');
    a time without an offset is taken as UTC ('+0000')."""
    t = _dt.datetime.fromisoformat(iso)
    off = t.strftime("%z") or "+0000"
    return t.strftime("%Y%m%d"), t.strftime("%H%M%S"), off
