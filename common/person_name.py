"""DICOM person names (PN): their component groups, equality, and how a reader sees them.

A PN holds up to three component groups separated by '=': alphabetic, ideographic (kanji)
and phonetic (kana); each group is family^given^middle^prefix^suffix. The parsing is
pydicom's `PersonName`; this module adds the rules Yomi applies on top, used by the
worklist, the banner and the report alike so that they all show the same patient.
"""
from __future__ import annotations

import unicodedata
from typing import Any

from pydicom.valuerep import PersonName

__all__ = ["pn_groups", "pn_text", "group_words", "name_words", "comparable_name", "name_matches", "same_person_name",
           "display_name", "localized_name"]

# JIS X 0208 -> Unicode tables disagree on a few code points (Shift_JIS vs cp932 vs
# ISO-2022-JP decoders; vtk-dicom issue 110): the same name byte can come back as either
# character. NFKC folds the full-width forms; these are the rest, mapped to one of each.
_VARIANTS = str.maketrans({
    "\u301c": "~", "\uff5e": "~", "\u223c": "~",               # 〜 ～ ∼ (wave dash)
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\uff0d": "-", "\u30fc": "-", "\uff70": "-",  # ‐ – — ― − － ー ｰ
    "\uff3c": "\\", "\u00a5": "\\", "\uffe5": "\\",            # ＼ ¥ ￥ (JIS X 0201 0x5C)
})


def pn_groups(pn: Any) -> tuple[str, str, str]:
    """(alphabetic, ideographic, phonetic) of a PN given as text or as a decoded PersonName."""
    if pn is None:
        return ("", "", "")
    value = pn if isinstance(pn, PersonName) else PersonName(str(pn))
    groups = [str(g or "") for g in value.components[:3]]
    return tuple(groups + [""] * (3 - len(groups)))  # type: ignore[return-value]


def pn_text(pn: Any) -> str:
    """'alphabetic=ideographic=phonetic' with empty trailing groups dropped ('' for None)."""
    groups = list(pn_groups(pn))
    while groups and not groups[-1]:
        groups.pop()
    return "=".join(groups)


def group_words(group: str) -> str:
    """One component group as words in reading order: 'Yamada^Tarou' -> 'Yamada Tarou'.

    Order: prefix, family, given, middle, suffix (how the name is said, not how it is stored).
    """
    parts = [p.strip() for p in str(group or "").split("^")] + [""] * 5
    family, given, middle, prefix, suffix = parts[:5]
    return " ".join(w for w in (prefix, family, given, middle, suffix) if w)


def name_words(pn: Any) -> tuple[str, str, str]:
    """The three groups of a PN, each as words (see group_words)."""
    return tuple(group_words(g) for g in pn_groups(pn))  # type: ignore[return-value]


def comparable_name(text: str) -> str:
    """Name text as it is compared and searched: NFKC (full/half width), the wave dash, dash
    and backslash variants above made one, katakana read as hiragana (a name's reading may
    be written in either), case folded, runs of spaces (the ideographic one too) made one."""
    folded = unicodedata.normalize("NFKC", str(text or "")).translate(_VARIANTS)
    folded = "".join(chr(ord(ch) - 0x60) if "\u30a1" <= ch <= "\u30f6" else ch for ch in folded)
    return " ".join(folded.casefold().split())


def name_matches(pn: Any, query: str) -> bool:
    """Whether what a reader typed is part of a name: any group (kanji, kana, romaji), through
    `comparable_name`, spaces and '^' ignored, so 'やまだたろう', 'ﾔﾏﾀﾞ' and 'yamada' all find
    Yamada^Tarou=山田^太郎=やまだ^たろう. An empty query matches nothing."""
    def squeeze(text: str) -> str:
        return comparable_name(text.replace("^", " ")).replace(" ", "")
    needle = squeeze(query)
    return bool(needle) and any(needle in squeeze(group) for group in pn_groups(pn) if group)


def same_person_name(a: Any, b: Any) -> bool:
    """PN equality as a reader would see it: the alphabetic group, else (when either has
    none) the ideographic, else the phonetic one, each through `comparable_name`, spaces
    around components and trailing empty components ignored. An empty name equals nothing."""
    def norm(group: str) -> str:
        parts = [comparable_name(p) for p in group.split("^")]
        while parts and not parts[-1]:
            parts.pop()
        return "^".join(parts)
    left, right = pn_groups(a), pn_groups(b)
    for index in range(3):
        mine, theirs = norm(left[index]), norm(right[index])
        if mine and theirs:
            return mine == theirs
    return False


def display_name(pn: Any, *, with_reading: bool = True, ideographic_ok: bool = True) -> str:
    """The banner and worklist form, as Japanese hospitals write a name: the kanji with the
    kana reading, 'Yamada^Tarou=山田^太郎=やまだ^たろう' -> '山田 太郎（やまだ たろう）'; the
    romaji where there is no kana ('山田 太郎（Yamada Tarou）'), alone where it is all there is.

    `ideographic_ok=False` (no font with kanji/kana on this station) shows the alphabetic
    group first, rather than glyphs the screen cannot draw.
    """
    alphabetic, ideographic, phonetic = name_words(pn)
    if not ideographic_ok:
        return alphabetic or phonetic or ideographic
    main = ideographic or phonetic or alphabetic
    reading = next((r for r in (phonetic, alphabetic) if r and r != main), "") if with_reading else ""
    return f"{main}（{reading}）" if reading else main


def localized_name(pn: Any, lang: str) -> str:
    """The report form, as a Japanese requester reads it: '山田 太郎（やまだ たろう）' in 'ja';
    romaji first with the kanji in parentheses in any other language."""
    alphabetic, ideographic, phonetic = name_words(pn)
    if lang == "ja":
        main = ideographic or alphabetic or phonetic
        return f"{main}（{phonetic}）" if phonetic and main != phonetic else main
    main = alphabetic or ideographic or phonetic
    extra = ideographic if ideographic and ideographic != main else ""
    return f"{main} ({extra})" if extra else main
