"""Person names from DICOM JSON, and the garbling Orthanc 1.10 applies to Japanese ones.

With `ISO 2022 IR 13\\ISO 2022 IR 87` Orthanc 1.10 drops the ISO 2022 escape sequences and
hands the JIS X 0208 bytes on as ASCII (`;3ED^B@O:` for 山田^太郎; PLATFORM-NOTES). A real
ideographic or phonetic group of a Japanese name holds kanji or kana, so a group made only
of printable ASCII is taken as garbled and the name is read from the instance instead.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["pn_from_json", "pn_is_garbled", "pn_from_dataset"]

_GROUPS = ("Alphabetic", "Ideographic", "Phonetic")


def _first_pn(element: Any) -> Mapping[str, str]:
    if isinstance(element, Mapping):
        values = element.get("Value") or []
        if values and isinstance(values[0], Mapping):
            return values[0]
    return {}


def pn_from_json(element: Any) -> str:
    """'alphabetic=ideographic=phonetic' with empty trailing groups dropped."""
    pn = _first_pn(element)
    groups = [str(pn.get(g, "") or "") for g in _GROUPS]
    while groups and not groups[-1]:
        groups.pop()
    return "=".join(groups)


def pn_is_garbled(element: Any) -> bool:
    pn = _first_pn(element)
    for group in _GROUPS[1:]:
        text = str(pn.get(group, "") or "")
        if text and all(0x20 <= ord(ch) < 0x7F for ch in text):
            return True
    return False


def pn_from_dataset(value: Any) -> str:
    """A pydicom PersonName (decoded with its Specific Character Set) as text."""
    if value is None:
        return ""
    groups = [str(getattr(value, g.lower(), "") or "") for g in _GROUPS]
    while groups and not groups[-1]:
        groups.pop()
    return "=".join(groups)
