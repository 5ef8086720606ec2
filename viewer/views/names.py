"""Person names as a reader expects to see them on the banner.

A DICOM PN holds up to three component groups separated by '=': alphabetic, ideographic
(kanji) and phonetic (kana); each group is family^given^middle^prefix^suffix. Japanese
readers read the kanji; the romaji follows in parentheses so non-Japanese staff can too.
"""
from __future__ import annotations


def _group_text(group: str, sep: str) -> str:
    parts = [p.strip() for p in group.split("^")]
    family, given = (parts + ["", ""])[:2]
    middle = parts[2] if len(parts) > 2 else ""
    prefix = parts[3] if len(parts) > 3 else ""
    suffix = parts[4] if len(parts) > 4 else ""
    words = [w for w in (prefix, family, given, middle, suffix) if w]
    return sep.join(words)


def display_name(pn: str, *, with_alphabetic: bool = True, ideographic_ok: bool = True) -> str:
    """'Yamada^Tarou=山田^太郎=やまだ^たろう' -> '山田 太郎 (Yamada Tarou)'.

    `ideographic_ok=False` (no font with kanji/kana on this station) shows the alphabetic
    group alone, rather than glyphs the screen cannot draw.
    """
    groups = (str(pn or "").split("=") + ["", "", ""])[:3]
    alphabetic = _group_text(groups[0], " ")
    ideographic = _group_text(groups[1], " ")
    phonetic = _group_text(groups[2], " ")
    main = (ideographic or phonetic or alphabetic) if ideographic_ok else (alphabetic or ideographic or phonetic)
    if with_alphabetic and main != alphabetic and alphabetic:
        return f"{main} ({alphabetic})"
    return main
