"""Person names (PN) as the centre writes them: exact matching and UPS wildcard matching.

A PN value is 'alphabetic=ideographic=phonetic', each group 'family^given^middle^prefix^suffix';
a multi-valued attribute holds several PN values separated by '\\'. A reader is matched on
the alphabetic group only, exactly, case-insensitively, ignoring spaces around components
and trailing empty components (the ideographic and phonetic groups are for display).
"""
from __future__ import annotations

import re

__all__ = ["alphabetic_key", "pn_values", "names_match", "wildcard_match"]


def alphabetic_key(pn: str) -> str:
    """The comparable form of one PN value ('' for an empty alphabetic group)."""
    group = str(pn or "").split("=")[0]
    parts = [p.strip() for p in group.split("^")]
    while parts and not parts[-1]:
        parts.pop()
    return "^".join(parts).casefold()


def pn_values(value: object) -> list[str]:
    """Every PN value of an attribute given as text ('a\\b'), a list, or a DICOM JSON PN list."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        out: list[str] = []
        for v in value:
            if isinstance(v, dict):  # DICOM JSON: {"Alphabetic": ..., "Ideographic": ...}
                groups = [str(v.get(k, "") or "") for k in ("Alphabetic", "Ideographic", "Phonetic")]
                while groups and not groups[-1]:
                    groups.pop()
                out.append("=".join(groups))
            else:
                out.extend(pn_values(v))
        return out
    return [v for v in str(value).split("\\")]


def names_match(value: object, dicom_name: str) -> bool:
    """True when any PN value of `value` is the reader `dicom_name` (see module rule)."""
    want = alphabetic_key(dicom_name)
    return bool(want) and any(alphabetic_key(v) == want for v in pn_values(value))


def wildcard_match(pattern: str, value: str) -> bool:
    """DICOM matching with '*' (any run) and '?' (one character), case-insensitive (PS3.4 C.2.2.2.4)."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, flags=re.IGNORECASE | re.DOTALL) is not None
