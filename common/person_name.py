"""DICOM person names (PN): their component groups, equality, and how a reader sees them.

A PN holds up to three component groups separated by '=': alphabetic, ideographic (kanji)
and phonetic (kana); each group is family^given^middle^prefix^suffix. The parsing is
pydicom's `PersonName`; this module adds the rules Yomi applies on top, used by the
worklist, the banner and the report alike so that they all show the same patient.
"""
from __future__ import annotations

from typing import Any

from pydicom.valuerep import PersonName

__all__ = ["pn_groups", "pn_text", "group_words", "name_words", "same_person_name",
           "display_name", "localized_name"]


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


def same_person_name(a: Any, b: Any) -> bool:
    """PN equality as a reader would see it: the alphabetic group only, case, spaces around
    components and trailing empty components ignored. An empty name equals nothing."""
    def norm(pn: Any) -> str:
        parts = [p.strip() for p in pn_groups(pn)[0].split("^")]
        while parts and not parts[-1]:
            parts.pop()
        return "^".join(parts).casefold()
    left = norm(a)
    return bool(left) and left == norm(b)


def display_name(pn: Any, *, with_alphabetic: bool = True, ideographic_ok: bool = True) -> str:
    """The banner and worklist form: 'Yamada^Tarou=山田^太郎=やまだ^たろう' -> '山田 太郎 (Yamada Tarou)'.

    Japanese readers read the kanji; the romaji follows in parentheses so non-Japanese staff
    can too. `ideographic_ok=False` (no font with kanji/kana on this station) shows the
    alphabetic group first, rather than glyphs the screen cannot draw.
    """
    alphabetic, ideographic, phonetic = name_words(pn)
    if ideographic_ok:
        main = ideographic or phonetic or alphabetic
    else:
        main = alphabetic or ideographic or phonetic
    if with_alphabetic and alphabetic and main != alphabetic:
        return f"{main} ({alphabetic})"
    return main


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
