"""The Japanese catalogue read straight from resources/translations/yomi_ja.ts (XML, no Qt):
a `viewer.texts.Translate` for tests of the Qt-free viewer, which fails on a text that is not
in the catalogue or not translated there, so a word left unmarked cannot pass as Japanese."""
from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from pathlib import Path

TS = Path(__file__).resolve().parents[1] / "resources" / "translations" / "yomi_ja.ts"


@functools.cache
def _entries() -> dict[tuple[str, str], str]:
    out = {}
    for c in ET.parse(TS).getroot().iter("context"):
        for m in c.iter("message"):
            tr = m.find("translation")
            if tr is not None and tr.get("type") != "unfinished" and (tr.text or "").strip():
                out[(c.findtext("name") or "", m.findtext("source") or "")] = tr.text
    return out


class Untranslated(AssertionError):
    pass


def japanese(context: str, text: str) -> str:
    """`text` of `context` in Japanese; Untranslated when the catalogue has no finished entry."""
    try:
        return _entries()[(context, text)]
    except KeyError:
        raise Untranslated(f"[{context}] {text!r} is not translated in {TS.name}") from None
