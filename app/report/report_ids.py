"""Report ids: checked before one becomes a file or folder name.

A report id is what `Report` makes (`uuid4().hex`, 32 lower-case hex digits); ids of other
tools' drafts are tolerated if they are 1-64 ASCII letters or digits. Anything else (`../x`,
`/etc`, a NUL, a non-ASCII digit that `str.isalnum` accepts) is refused by `require_report_id`:
a draft's `report_id` once wrote outside the export folder.
"""
from __future__ import annotations

import re

from .errors import ReportError

__all__ = ["InvalidReportId", "REPORT_ID_PATTERN", "is_valid_report_id", "require_report_id"]

REPORT_ID_PATTERN = re.compile(r"[A-Za-z0-9]{1,64}")


class InvalidReportId(ReportError, ValueError):
    """A report id that may not become a path; `where` names the draft or file it came from."""

    def __init__(self, value: object, where: str) -> None:
        shown = repr(value)
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        super().__init__(f"{where}: {shown} is not a valid report id (1-64 ASCII letters or digits)")
        self.value = value
        self.where = where


def is_valid_report_id(s: object) -> bool:
    return isinstance(s, str) and REPORT_ID_PATTERN.fullmatch(s) is not None


def require_report_id(s: object, where: str) -> str:
    if not is_valid_report_id(s):
        raise InvalidReportId(s, where)
    assert isinstance(s, str)
    return s
