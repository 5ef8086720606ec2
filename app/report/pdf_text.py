"""The text layer of Qt's PDFs: kanji that Qt's ToUnicode maps send to look-alike radicals.

Qt (QFontSubset::getReverseMap) writes each glyph's ToUnicode entry as the LOWEST BMP code point
that the font's cmap maps to that glyph. Noto Sans CJK JP draws 山 (U+5C71) and the Kangxi radical
⼭ (U+2F2D) with one glyph, so the PDF says ⼭; likewise 長 -> ⻑ (CJK Radicals Supplement) and
戸 -> ⼾. The page looks right, but copying or searching 山田 fails.

The fix rewrites each font's ToUnicode CMap before signing. For a destination in the Kangxi
Radicals or CJK Radicals Supplement block it asks the same font which ideograph shares the
radical's glyph: that is the character Qt had, as Qt only lost which of the glyph's code points
it was. The font is asked rather than Unicode's tables because they disagree with the glyph the
font draws: NFKC(⼾) is 戶 U+6236 but the glyph Qt wrote ⼾ for is 戸 U+6238 (木戸, 戸田), and
EquivalentUnifiedIdeograph maps ⺫ to 目 where the glyph is 罒's.

Decision on real radicals: a radical whose glyph no ideograph shares is left alone (the text
really had that radical, and its glyph differs from any ideograph). One that shares its glyph
becomes the ideograph: the reader sees the same shape either way, and a report's text is names,
anatomy and findings, never a bare radical.
"""
from __future__ import annotations

import functools
import io
import logging
import re
import unicodedata

from .errors import PdfError

__all__ = ["RADICAL_BLOCKS", "fix_pdf_text_layer", "radical_ideographs", "rewrite_cmap"]

log = logging.getLogger(__name__)
RADICAL_BLOCKS = ((0x2E80, 0x2EFF), (0x2F00, 0x2FDF))  # CJK Radicals Supplement, Kangxi Radicals
# Where an ideograph sharing a radical's glyph is looked for: URO, Extension A, the compatibility
# block (some of whose code points are unified ideographs, e.g. U+FA11), Extensions B to H.
_IDEOGRAPH_RANGES = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0xF900, 0xFAFF), (0x20000, 0x323AF))
_MAX_ENTRIES = 100  # PDF 32000-1 9.10.3 / Adobe TN 5014: at most 100 entries per begin...end block

_SECTION = re.compile(rb"(\d+)(\s+)begin(bfchar|bfrange)(.*?)end\3", re.DOTALL)
_TOKEN = re.compile(rb"<([0-9A-Fa-f\s]*)>|\[|\]")


def is_radical(cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in RADICAL_BLOCKS)


def _rank(ch: str) -> tuple[int, int]:
    """Which of several ideographs sharing a glyph to take: a unified ideograph before a
    compatibility one (the compatibility block's NFC form is another code point, so a report's
    text holds it only if typed so), then the lowest code point (URO, the common kanji, first)."""
    compat = unicodedata.name(ch, "").startswith("CJK COMPATIBILITY IDEOGRAPH")
    return (1 if compat else 0, ord(ch))


@functools.lru_cache(maxsize=4)
def radical_ideographs(font_family: str) -> dict[str, str]:
    """{radical: ideograph drawn with the same glyph} in `font_family`'s cmap (its regular face;
    Noto CJK's weights share one cmap). Needs the Qt GUI application, like the PDF rendering."""
    from PySide6.QtGui import QFont, QRawFont

    raw = QRawFont.fromFont(QFont(font_family))
    if not raw.isValid():
        raise PdfError(f"font {font_family!r} cannot be read for the PDF text layer")
    radicals = "".join(chr(c) for lo, hi in RADICAL_BLOCKS for c in range(lo, hi + 1)
                       if unicodedata.category(chr(c)) != "Cn")
    ideographs = "".join(chr(c) for lo, hi in _IDEOGRAPH_RANGES for c in range(lo, hi + 1)
                         if unicodedata.category(chr(c)) == "Lo")
    # One glyph index per code point (surrogate pairs included); 0 is "not in the font".
    glyph_of_radical = dict(zip(radicals, raw.glyphIndexesForString(radicals), strict=True))
    wanted = {g for g in glyph_of_radical.values() if g}
    by_glyph: dict[int, list[str]] = {}
    for ch, g in zip(ideographs, raw.glyphIndexesForString(ideographs), strict=True):
        if g in wanted:
            by_glyph.setdefault(g, []).append(ch)
    return {r: min(by_glyph[g], key=_rank) for r, g in glyph_of_radical.items() if g in by_glyph}


def _hex(data: bytes) -> bytes:
    return b"<" + data.hex().upper().encode() + b">"


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-be", "surrogatepass")


def _fix(dst: bytes, mapping: dict[str, str]) -> bytes:
    try:
        text = dst.decode("utf-16-be", "surrogatepass")
    except UnicodeDecodeError:  # odd length: not UTF-16, not ours to change
        return dst
    if len(text) != 1 or text not in mapping:
        return dst
    return _utf16(mapping[text])


def _incremented(dst: bytes, i: int) -> bytes:
    """bfrange <lo> <hi> <dst>: code lo+i maps to dst with its last UTF-16 unit plus i."""
    if i == 0:
        return dst
    head, last = dst[:-2], int.from_bytes(dst[-2:], "big")
    return head + ((last + i) & 0xFFFF).to_bytes(2, "big")


def _block(kind: bytes, entries: list[bytes], sep: bytes) -> bytes:
    out = []
    for start in range(0, len(entries), _MAX_ENTRIES):
        chunk = entries[start:start + _MAX_ENTRIES]
        out.append(b"%d%sbegin%s\n%s\nend%s" % (len(chunk), sep, kind, b"\n".join(chunk), kind))
    return b"\n".join(out)


def _rewrite_section(kind: bytes, body: bytes, mapping: dict[str, str]) -> tuple[list[bytes], list[bytes]] | None:
    """(bfrange entries, bfchar entries) of one section with the mapping applied, or None if
    nothing in it changes."""
    tokens = [m.group(0) if m.group(1) is None else bytes.fromhex(m.group(1).decode()) for m in _TOKEN.finditer(body)]
    ranges: list[bytes] = []
    chars: list[bytes] = []
    changed = False
    i = 0
    if kind == b"bfchar":
        while i + 1 < len(tokens):
            src, dst = tokens[i], tokens[i + 1]
            new = _fix(dst, mapping)
            changed |= new != dst
            chars.append(_hex(src) + b" " + _hex(new))
            i += 2
        return (ranges, chars) if changed else None
    while i + 2 < len(tokens):
        lo, hi, dst = tokens[i], tokens[i + 1], tokens[i + 2]
        width, first, last = len(lo), int.from_bytes(lo, "big"), int.from_bytes(hi, "big")
        if dst == b"[":
            end = tokens.index(b"]", i + 3)
            dsts = tokens[i + 3:end]
            new = [_fix(d, mapping) for d in dsts]
            changed |= new != dsts
            # An array destination takes any code point per code: fixed in place, no split.
            ranges.append(_hex(lo) + b" " + _hex(hi) + b" [" + b" ".join(_hex(d) for d in new) + b"]")
            i = end + 1
            continue
        dsts = [_incremented(dst, k) for k in range(last - first + 1)]
        new = [_fix(d, mapping) for d in dsts]
        if new != dsts:
            # The incrementing form cannot skip a code point: the whole range becomes bfchar.
            changed = True
            chars.extend(_hex((first + k).to_bytes(width, "big")) + b" " + _hex(d) for k, d in enumerate(new))
        else:
            ranges.append(_hex(lo) + b" " + _hex(hi) + b" " + _hex(dst))
        i += 3
    return (ranges, chars) if changed else None


def rewrite_cmap(cmap: bytes, mapping: dict[str, str]) -> bytes:
    """The ToUnicode CMap with every single-character destination in `mapping` replaced
    (bfchar, bfrange with an array, bfrange incrementing: split into bfchar where touched).
    The same bytes when nothing changes."""

    def section(m: re.Match) -> bytes:
        kind, sep = m.group(3), m.group(2)
        result = _rewrite_section(kind, m.group(4), mapping)
        if result is None:
            return m.group(0)
        ranges, chars = result
        parts = ([_block(b"bfrange", ranges, sep)] if ranges else []) + ([_block(b"bfchar", chars, sep)] if chars else [])
        return b"\n".join(parts)

    return _SECTION.sub(section, cmap)


def fix_pdf_text_layer(pdf: bytes, mapping: dict[str, str]) -> tuple[bytes, int]:
    """(PDF, number of CMaps rewritten): `pdf` with its fonts' ToUnicode CMaps rewritten by
    `mapping`, written anew; the same bytes when no CMap needs it (e.g. an English report).
    Must run before signing: a signature covers the bytes."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.writer import copy_into_new_writer

    try:
        writer = copy_into_new_writer(PdfFileReader(io.BytesIO(pdf)))
        fixed = 0
        # writer.objects is the pyHanko writer's table {(generation, id): object}; replacing an
        # entry keeps every reference to the stream valid and leaves no stale copy in the file.
        for key, obj in list(writer.objects.items()):
            if not isinstance(obj, generic.DictionaryObject) or "/ToUnicode" not in obj:
                continue
            ref = obj.raw_get("/ToUnicode")
            if not isinstance(ref, generic.IndirectObject):
                continue
            stream = ref.get_object()
            new = rewrite_cmap(stream.data, mapping)
            if new == stream.data:
                continue
            replacement = generic.StreamObject(stream_data=new)
            replacement.compress()
            writer.objects[(ref.generation, ref.idnum)] = replacement
            fixed += 1
        if not fixed:
            return pdf, 0
        out = io.BytesIO()
        writer.write(out)
    except PdfError:
        raise
    except Exception as exc:  # pyHanko raises several types for a PDF it cannot read or write
        raise PdfError(f"PDF text layer not rewritten: {exc.__class__.__name__}") from exc
    return out.getvalue(), fixed
