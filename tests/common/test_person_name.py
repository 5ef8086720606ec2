"""common.person_name: PN groups (pydicom), equality, and the banner and report forms."""
from __future__ import annotations

import pytest
from pydicom.valuerep import PersonName

from common.person_name import (
    comparable_name,
    name_matches,
    display_name,
    group_words,
    localized_name,
    name_words,
    pn_groups,
    pn_text,
    same_person_name,
)

JA = "Yamada^Tarou=山田^太郎=やまだ^たろう"


def test_groups_from_text_and_person_name() -> None:
    assert pn_groups(JA) == ("Yamada^Tarou", "山田^太郎", "やまだ^たろう")
    assert pn_groups(PersonName(JA)) == pn_groups(JA)
    assert pn_groups("Sato^Jiro") == ("Sato^Jiro", "", "")
    assert pn_groups("=山田^太郎") == ("", "山田^太郎", "")
    assert pn_groups(None) == pn_groups("") == ("", "", "")


def test_text_drops_empty_trailing_groups() -> None:
    assert pn_text(PersonName("Sato^Jiro==")) == "Sato^Jiro"
    assert pn_text("=山田^太郎") == "=山田^太郎"
    assert pn_text(JA) == JA and pn_text(None) == ""


def test_words_in_reading_order() -> None:
    assert group_words("Doe^John^Q^Dr.^Jr.") == "Dr. Doe John Q Jr."
    assert group_words(" Yamada ^ Tarou ") == "Yamada Tarou"
    assert name_words(JA) == ("Yamada Tarou", "山田 太郎", "やまだ たろう")


@pytest.mark.parametrize(("a", "b", "same"), [
    ("Takahashi^Kenji", "takahashi^KENJI", True),
    ("Takahashi^Kenji^^", " Takahashi ^ Kenji", True),
    ("Takahashi^Kenji=高橋^健二", "Takahashi^Kenji", True),   # the alphabetic group decides
    ("Takahashi Kenji", "Takahashi^Kenji", False),           # a near miss is another name
    ("Takahashi^Kenji", "Takahashi^Kenjiro", False),
    ("", "", False),
    ("=山田^太郎", "=山田 ^太郎", True),                         # no romaji: the kanji decide
    ("==ヤマダ^タロー", "==やまだ^たろｰ", True),                  # kana script and width, ー/ｰ
    ("=山田^太郎", "=山田^次郎", False),
    ("Sato^Hanako", "=佐藤^花子", False),                         # nothing in common to compare
])
def test_same_person_name(a: str, b: str, same: bool) -> None:
    assert same_person_name(a, b) is same
    assert same_person_name(PersonName(a), b) is same


def test_banner_form() -> None:
    assert display_name(JA) == "山田 太郎（やまだ たろう）"          # kanji with its kana reading
    assert display_name("Yamada^Tarou=山田^太郎") == "山田 太郎（Yamada Tarou）"  # no kana: romaji
    assert display_name("Kanja^Mei==カンジャ^メイ") == "カンジャ メイ（Kanja Mei）"
    assert display_name(JA, with_reading=False) == "山田 太郎"
    assert display_name(JA, ideographic_ok=False) == "Yamada Tarou"
    assert display_name("Sato^Jiro") == "Sato Jiro"
    assert display_name("") == ""


@pytest.mark.parametrize(("a", "b"), [
    ("ＹＡＭＡＤＡ", "yamada"),                # full-width romaji
    ("ﾔﾏﾀﾞ ﾀﾛｳ", "やまだ　たろう"),           # half-width katakana, ideographic space
    ("ｵｵﾉ〜", "おおの～"),                     # WAVE DASH vs FULLWIDTH TILDE (cp932 vs JIS tables)
    ("ハ－ト", "ハ−ト"), ("ハート", "ハ‐ト"),   # FULLWIDTH HYPHEN-MINUS, MINUS SIGN, ー, HYPHEN
    ("＼", "¥"),
])
def test_width_and_dash_variants_compare_equal(a: str, b: str) -> None:
    assert comparable_name(a) == comparable_name(b)


def test_different_names_stay_different() -> None:
    assert comparable_name("やまだ") != comparable_name("やまた")
    assert comparable_name("山田") != comparable_name("山口")


def test_report_form() -> None:
    assert localized_name(JA, "ja") == "山田 太郎（やまだ たろう）"
    assert localized_name(JA, "en") == "Yamada Tarou (山田 太郎)"
    assert localized_name("Sato^Jiro", "ja") == "Sato Jiro"
    assert localized_name("=山田^太郎", "en") == "山田 太郎"


@pytest.mark.parametrize(("query", "found"), [
    ("やまだ", True), ("ヤマダ", True), ("ﾔﾏﾀﾞ", True), ("やまだたろう", True), ("やまだ　たろう", True),
    ("山田", True), ("yamada t", True), ("YAMADA^TAROU", True),
    ("やまぐち", False), ("", False), ("  ", False),
])
def test_name_search_by_kana_kanji_or_romaji(query: str, found: bool) -> None:
    assert name_matches(JA, query) is found
