"""The garbling Orthanc 1.10 applies to Japanese person names in its JSON answers.

With `ISO 2022 IR 13\\ISO 2022 IR 87` Orthanc 1.10 drops the ISO 2022 escape sequences and
hands the JIS X 0208 bytes on as ASCII (`;3ED^B@O:` for 山田^太郎; PLATFORM-NOTES). A real
ideographic or phonetic group of a Japanese name holds kanji or kana, so a group made only
of printable ASCII is taken as garbled and the name is read from the instance instead.
Parsing a PN itself is common.person_name's job.
"""
from __future__ import annotations

from typing import Any

from common.person_name import pn_groups

__all__ = ["pn_is_garbled"]


def pn_is_garbled(pn: Any) -> bool:
    """Whether the ideographic or phonetic group of a PN (text or PersonName) is plain ASCII."""
    _, ideographic, phonetic = pn_groups(pn)
    return any(text and all(0x20 <= ord(ch) < 0x7F for ch in text) for text in (ideographic, phonetic))
