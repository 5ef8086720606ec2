"""common.charset_guess: the declared character set when it is right, the bytes' own when not.

Names are the real ones of pydicom's charset samples (../shared/data/charset, FileInfo.txt),
re-encoded as the devices that mislabel them write them.
"""
from __future__ import annotations

from pathlib import Path

import pydicom
import pytest

from common.charset_guess import DecodedText, GuessedEncoding, decode_element_text, decode_text

SAMPLES = ["chrArab", "chrFren", "chrFrenMulti", "chrGerm", "chrGreek", "chrH31", "chrH32", "chrHbrw", "chrI2",
           "chrJapMulti", "chrJapMultiExplicitIR6", "chrKoreanMulti", "chrRuss", "chrX1", "chrX2"]


def _real_name(shared_data: Path, sample: str) -> str:
    return str(pydicom.dcmread(shared_data / "charset" / f"{sample}.dcm").PatientName)


@pytest.mark.parametrize("sample", SAMPLES)
def test_correct_files_decode_as_declared_without_a_guess(shared_data, sample):
    ds = pydicom.dcmread(shared_data / "charset" / f"{sample}.dcm")
    got = decode_element_text(ds, "PatientName")        # from the raw bytes, before pydicom decodes
    assert got == DecodedText(_real_name(shared_data, sample), None)


def test_the_issues_name_shift_jis_under_ir_87(shared_data):
    name = _real_name(shared_data, "chrH31").split("=")[1].replace("^", " ")   # 山田 太郎
    raw = name.encode("cp932")
    # what pydicom makes of it, silently (its default ISO_IR 6 codec is Latin-1)
    assert pydicom.charset.decode_bytes(raw, ["iso8859", "iso2022_jp"], set()) == "\x8eR\x93c \x91¾\x98Y"
    assert decode_text(raw, ["", "ISO 2022 IR 87"], "PN") == DecodedText(name, GuessedEncoding.SHIFT_JIS)


@pytest.mark.parametrize(("sample", "codec", "declared", "guess"), [
    ("chrH31", "cp932", ["", "ISO 2022 IR 87"], GuessedEncoding.SHIFT_JIS),
    ("chrH31", "cp932", None, GuessedEncoding.SHIFT_JIS),
    ("chrH31", "cp932", "ISO_IR 192", GuessedEncoding.SHIFT_JIS),
    ("chrH31", "euc_jp", "ISO_IR 100", GuessedEncoding.EUC_JP),
    ("chrH31", "iso2022_jp", "ISO_IR 100", GuessedEncoding.ISO_2022_JP),
    ("chrH31", "iso2022_jp", None, GuessedEncoding.ISO_2022_JP),
    ("chrJapMulti", "euc_jp", "ISO_IR 100", GuessedEncoding.EUC_JP),    # kana only
    ("chrJapMulti", "cp932", ["", "ISO 2022 IR 87"], GuessedEncoding.SHIFT_JIS),
    ("chrH32", "cp932", None, GuessedEncoding.SHIFT_JIS),    # half-width katakana, no character set
    ("chrX1", "utf-8", None, GuessedEncoding.UTF_8),
])
def test_mislabelled_bytes_are_decoded_and_flagged(shared_data, sample, codec, declared, guess):
    name = _real_name(shared_data, sample)
    assert decode_text(name.encode(codec), declared, "PN") == DecodedText(name, guess)


@pytest.mark.parametrize("declared", [None, "ISO_IR 100", ["", "ISO 2022 IR 87"], "ISO_IR 192", "GB18030"])
def test_pure_ascii_is_never_guessed(declared):
    assert decode_text(b"Yamada^Tarou ", declared, "PN") == DecodedText("Yamada^Tarou", None)


@pytest.mark.parametrize("sample", ["chrFren", "chrGerm"])
def test_latin_names_stay_latin(shared_data, sample):
    name = _real_name(shared_data, sample)
    raw = name.encode("latin-1")
    assert decode_text(raw, "ISO_IR 100", "PN") == DecodedText(name, None)
    # with no character set Latin-1 is the reading, but it is not what the file says: flagged
    assert decode_text(raw, None, "PN") == DecodedText(name, GuessedEncoding.LATIN_1)


def test_kanji_with_backslash_trail_byte_in_a_description():
    # 表 is 0x95 0x5C in Shift_JIS: its trail byte is a backslash, not a value separator
    assert decode_text("胸部CT表示".encode("cp932"), None, "LO") == DecodedText("胸部CT表示", GuessedEncoding.SHIFT_JIS)


def test_declared_greek_is_not_second_guessed(shared_data):
    name = _real_name(shared_data, "chrGreek")
    assert decode_text(name.encode("iso8859_7"), "ISO_IR 126", "PN") == DecodedText(name, None)
