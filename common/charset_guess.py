"""Text values of DICOM files whose Specific Character Set does not say how they are encoded.

Japanese files in the field often mislabel their bytes (../shared/reference/japan-reporting.md
§3): Shift_JIS under `ISO 2022 IR 87` or with no character set, EUC-JP or ISO-2022-JP bytes
under `ISO_IR 100`. pydicom then decodes them with the declared codec and replacement
characters (`'\\x8eR\\x93c \\x91¾\\x98Y'` for 山田 太郎) and says nothing the reader sees.

The rules, strict so that a correct file is never "corrected":
* Pure ASCII (no byte >= 0x80 and no ESC) is never guessed at.
* The declared character set wins when its strict decoding (ISO 2022 escapes honoured, no
  replacement characters, JIS X 0201 katakana only as single bytes under IR 13) succeeds and
  is plausible. Only `ISO_IR 100` (where foreign devices write Japanese) is checked for
  plausibility: Latin-1 names have isolated accented letters, not C1 controls, symbols such
  as '»³¤' or runs of three or more non-ASCII characters.
* Otherwise the bytes are tried as ISO-2022-JP (when they hold escapes), UTF-8, Shift_JIS
  (Windows code page 932) and EUC-JP; a Japanese decoding is taken only if every non-ASCII
  character it yields is kanji, kana or a Japanese symbol. Latin-1 is the last resort.
* Whatever is not the declared decoding carries its `GuessedEncoding`, which the banner and
  `yomi inspect` show.

Qt-free; never logs a value.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from pydicom.charset import CODES_TO_ENCODINGS, ESC, convert_encodings, default_encoding, handled_encodings
from pydicom.dataelem import RawDataElement
from pydicom.datadict import dictionary_VR
from pydicom.dataset import Dataset
from pydicom.valuerep import PersonName

__all__ = ["GuessedEncoding", "DecodedText", "decode_text", "decode_element_text"]


class GuessedEncoding(Enum):
    """An encoding read from the bytes themselves, not from (0008,0005); value = its usual name."""

    SHIFT_JIS = "Shift_JIS"
    EUC_JP = "EUC-JP"
    ISO_2022_JP = "ISO-2022-JP"
    UTF_8 = "UTF-8"
    LATIN_1 = "ISO-8859-1"


@dataclass(frozen=True)
class DecodedText:
    """A decoded value; `guess` is None when the declared character set decoded it."""

    text: str = ""
    guess: GuessedEncoding | None = None


_PN_DELIMITERS = frozenset(b"^=")
_TEXT_DELIMITERS = frozenset(b"\r\n\t\f\\")
_FRAGMENTS = re.compile(rb"(^[^\x1b]+|\x1b[^\x1b]*)")
_CANDIDATES = ((GuessedEncoding.SHIFT_JIS, "cp932"), (GuessedEncoding.EUC_JP, "euc_jp"))


def _plain(raw: bytes, encoding: str) -> str:
    """One fragment without escapes, strictly: ISO_IR 6 is ASCII, IR 13 is JIS X 0201."""
    if encoding == default_encoding:
        return raw.decode("ascii")
    if encoding == "shift_jis" and any(b >= 0x80 and not 0xA1 <= b <= 0xDF for b in raw):
        # JIS X 0201 has single-byte katakana only; Shift_JIS kanji bytes are not IR 13
        raise UnicodeDecodeError(encoding, raw, 0, len(raw), "not JIS X 0201")
    return raw.decode(encoding)


def _strict_declared(raw: bytes, encodings: Sequence[str], delimiters: frozenset[int]) -> str:
    """pydicom's decoding of code extensions (PS3.5 6.1.2.5), raising where pydicom would
    replace: an undeclared escape or an invalid byte raises UnicodeDecodeError/ValueError."""
    first = encodings[0]
    if ESC not in raw:
        return _plain(raw, first)
    out = []
    for fragment in _FRAGMENTS.findall(raw):
        if not fragment.startswith(ESC):
            out.append(_plain(fragment, first))
            continue
        size = 4 if fragment.startswith((b"\x1b$(", b"\x1b$)")) else 3
        encoding = CODES_TO_ENCODINGS.get(fragment[:size])
        if encoding is None or (encoding not in encodings and encoding != default_encoding):
            raise ValueError("escape sequence of an undeclared character set")
        if encoding in handled_encodings:
            out.append(fragment.decode(encoding))
            continue
        body = fragment[size:]
        cut = next((i for i, b in enumerate(body) if b in delimiters), None)
        if cut is None:
            out.append(_plain(body, encoding))
        else:
            out.append(_plain(body[:cut], encoding) + _plain(body[cut:], first))
    return "".join(out)


def _japanese_weight(ch: str) -> float | None:
    """How typical of a Japanese name a character is (1 kanji/kana .. 0.3 half-width kana);
    None for a character no Japanese text decoding should produce."""
    code = ord(ch)
    if 0x20 <= code < 0x7F:
        return 0.0
    if 0x3040 <= code <= 0x30FF or 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x31F0 <= code <= 0x31FF:
        return 1.0
    if 0x3000 <= code <= 0x303F or 0xFF01 <= code <= 0xFF60 or 0xF900 <= code <= 0xFAFF or code == 0xFFE5:
        return 0.6
    if 0xFF61 <= code <= 0xFF9F:
        return 0.3
    return None


def _japanese_score(text: str) -> float:
    """Mean weight of the non-ASCII characters (0 if none, or if any is not Japanese)."""
    weights = [_japanese_weight(ch) for ch in text if ord(ch) >= 0x80]
    if not weights or any(w is None for w in weights):
        return 0.0
    return sum(weights) / len(weights)  # type: ignore[arg-type]


def _latin1_plausible(text: str) -> bool:
    run = 0
    for ch in text:
        if ord(ch) < 0x80:
            run = 0
            continue
        run += 1
        if run >= 3 or not unicodedata.category(ch).startswith("L"):
            return False
    return True


def _printable(text: str) -> bool:
    return not any(unicodedata.category(ch).startswith("C") and ch not in "\r\n\t\f" for ch in text)


def _guess(raw: bytes) -> DecodedText:
    if ESC in raw:
        try:
            text = raw.decode("iso2022_jp")
        except (UnicodeDecodeError, ValueError):
            text = ""
        if text and _japanese_score(text) > 0:
            return DecodedText(text, GuessedEncoding.ISO_2022_JP)
    try:
        text = raw.decode("utf-8")
        if _printable(text):
            return DecodedText(text, GuessedEncoding.UTF_8)
    except UnicodeDecodeError:
        pass
    latin = raw.decode("latin_1")
    best: tuple[float, DecodedText] | None = None
    for guess, codec in _CANDIDATES:
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        score = _japanese_score(text)
        if score > 0 and (best is None or score > best[0]):
            best = (score, DecodedText(text, guess))
    if best is not None and (best[0] >= 1.0 or not _latin1_plausible(latin)):
        return best[1]
    return DecodedText(latin, GuessedEncoding.LATIN_1)


def _clean(text: str, vr: str) -> str:
    text = text.rstrip(" \x00")
    if vr == "PN":
        text = text.strip().rstrip("=")  # empty trailing groups, as pydicom drops them
    return text.strip() if vr in ("LO", "SH", "CS") else text


def decode_text(raw: bytes, declared: Any, vr: str = "LO") -> DecodedText:
    """Decode one value's bytes; `declared` is (0008,0005) as read (str, list or None)."""
    if not raw:
        return DecodedText("")
    if ESC not in raw and all(b < 0x80 for b in raw):
        return DecodedText(_clean(raw.decode("ascii"), vr))
    values = [declared] if isinstance(declared, str) else list(declared or [])
    return _decode_cached(bytes(raw), tuple(str(v).strip() for v in values) or ("",), vr)


@functools.lru_cache(maxsize=256)
def _decode_cached(raw: bytes, declared: tuple[str, ...], vr: str) -> DecodedText:
    # every slice of a series repeats the same name: decoded once, not once per file
    try:
        encodings = convert_encodings(list(declared))
    except LookupError:
        encodings = [default_encoding]
    delimiters = _PN_DELIMITERS if vr == "PN" else _TEXT_DELIMITERS
    try:
        text = _strict_declared(raw, encodings, delimiters)
    except (UnicodeDecodeError, ValueError, LookupError):
        text = None
    # Latin-1 is checked only where it decoded the whole value (no code extensions)
    latin_only = encodings[0] == "latin_1" and ESC not in raw
    if text is not None and _printable(text) and (not latin_only or _latin1_plausible(text)):
        return DecodedText(_clean(text, vr))
    guessed = _guess(raw)
    if guessed.guess is GuessedEncoding.LATIN_1 and text is not None and encodings[0] == "latin_1":
        return DecodedText(_clean(text, vr))  # declared Latin-1, and nothing better: as declared
    return DecodedText(_clean(guessed.text, vr), guessed.guess)


def _dictionary_vr(tag: Any) -> str:
    try:
        return str(dictionary_VR(tag))
    except KeyError:
        return "LO"


def decode_element_text(ds: Dataset, keyword: str) -> DecodedText:
    """A text element of a dataset, from its raw bytes when pydicom has not yet decoded it
    (or kept them, as a PersonName does); an already decoded str is taken as it is."""
    try:
        elem = ds.get_item(keyword)
    except (KeyError, ValueError):
        return DecodedText("")
    if elem is None:
        return DecodedText("")
    value = elem.value
    vr = str(elem.VR or "") or _dictionary_vr(elem.tag)
    if isinstance(elem, RawDataElement) or isinstance(value, (bytes, bytearray)):
        raw = bytes(value or b"")
    elif isinstance(value, PersonName) and value.original_string:
        raw = bytes(value.original_string)
    else:
        return DecodedText(str(value if value is not None else ""))
    declared = ds.get("SpecificCharacterSet")
    return decode_text(raw, declared, vr)
