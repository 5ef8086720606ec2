"""common.person_name: PN groups (pydicom), equality, and the banner and report forms."""
from __future__ import annotations

import pytest
from pydicom.valuerep import PersonName

from common.person_name import (
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
])
def test_same_person_name(a: str, b: str, same: bool) -> None:
    assert same_person_name(a, b) is same
    assert same_person_name(PersonName(a), b) is same


def test_banner_form() -> None:
    assert display_name(JA) == "山田 太郎 (Yamada Tarou)"
    assert display_name(JA, with_alphabetic=False) == "山田 太郎"
    assert display_name(JA, ideographic_ok=False) == "Yamada Tarou"
    assert display_name("Sato^Jiro") == "Sato Jiro"
    assert display_name("") == ""


def test_report_form() -> None:
    assert localized_name(JA, "ja") == "山田 太郎（やまだ たろう）"
    assert localized_name(JA, "en") == "Yamada Tarou (山田 太郎)"
    assert localized_name("Sato^Jiro", "ja") == "Sato Jiro"
    assert localized_name("=山田^太郎", "en") == "山田 太郎"
