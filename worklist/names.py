"""Japanese person names that a centre's JSON answers garble, so that they must be read from
the instance instead.

Two garblings are seen with a real Orthanc (PLATFORM-NOTES; tests/worklist):
* with `ISO 2022 IR 13\\ISO 2022 IR 87` Orthanc 1.10 drops the ISO 2022 escape sequences and
  hands the JIS X 0208 bytes on as ASCII (`;3ED^B@O:` for 山田^太郎). A real ideographic or
  phonetic group of a Japanese name holds kanji or kana, so a group made only of printable
  ASCII is taken as garbled.
* a file whose character set mislabels its bytes (Shift_JIS under IR 87 or under none, EUC-JP
  under ISO_IR 100) comes back as the Latin-1 reading of those bytes (`\\x8eR\\x93c` for 山田).
  Text made only of Latin-1 characters whose bytes read as Japanese (common.charset_guess)
  is taken as garbled.
Parsing a PN itself is common.person_name's job; decoding bytes is common.charset_guess's.
"""
from __future__ import annotations

from typing import Any

from common.charset_guess import GuessedEncoding, decode_text
from common.person_name import pn_groups, pn_text

__all__ = ["pn_is_garbled"]

_JAPANESE = frozenset({GuessedEncoding.SHIFT_JIS, GuessedEncoding.EUC_JP, GuessedEncoding.ISO_2022_JP})


def _latin1_mojibake(text: str) -> bool:
    if not any(0x80 <= ord(ch) <= 0xFF for ch in text) or any(ord(ch) > 0xFF for ch in text):
        return False
    return decode_text(text.encode("latin-1"), None, "PN").guess in _JAPANESE


def pn_is_garbled(pn: Any) -> bool:
    """Whether a PN (text or PersonName) from a JSON answer carries one of the garblings above."""
    _, ideographic, phonetic = pn_groups(pn)
    if any(text and all(0x20 <= ord(ch) < 0x7F for ch in text) for text in (ideographic, phonetic)):
        return True
    return _latin1_mojibake(pn_text(pn))
