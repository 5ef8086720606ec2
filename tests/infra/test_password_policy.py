"""The password policy as a table (security.md row 2: >= 13 mixed characters) and the key
derivation under it. Qt-free: imports no PySide6."""
from __future__ import annotations

import pytest

from app.session import PasswordPolicy, PasswordRule, ScryptParams
from app.session.key_derivation import derive_cache_key, master_secret, password_verifier, verifier_matches

L, C, U = PasswordRule.MIN_LENGTH, PasswordRule.MIN_CLASSES, PasswordRule.NO_USER_ID


@pytest.mark.parametrize("password,broken", [
    ("", [L, C]),
    ("Abcdefghij1!", [L]),                     # 12 characters, four classes: one short
    ("abcdefghij1!x", []),                     # 13 exactly, three classes (lower, digit, symbol)
    ("ABCDEFGHIJ1!X", []),                     # upper, digit, symbol
    ("Abcdefghijklm", [C]),                    # 13, two classes
    ("abcdefghijklmnopqrstuvwxyz", [C]),       # long but one class
    ("1234567890123!", [C]),                   # digits and a symbol only
    ("Abcdefghijk1m", []),                     # upper, lower, digit; no symbol needed
    ("abc def ghi 12", []),                    # a space is a symbol
    ("東京の空は青いですね12a", []),            # non-ASCII counts as a symbol
    ("ＡＢＣＤＥＦｇｈｉｊｋ１２", []),          # full-width: NFKC makes it upper, lower, digits
    ("Ａｂｃｄｅｆｇｈｉｊｋｌｍ", [C]),          # full-width letters are not symbols after NFKC
    ("my dr.sato Pass1", [U]),                 # contains the user ID
    ("my DR.SATO Pass1", [U]),                 # in any case
    ("drsato", [L, C]),                        # "dr.sato" is not in it: the dot is part of the ID
    ("x dr.sato", [L, C, U]),                  # every rule broken, in a fixed order
])
def test_policy_table(password: str, broken: list[PasswordRule]) -> None:
    assert PasswordPolicy().broken_rules(password, "dr.sato") == broken


def test_problems_are_the_phrases_a_reader_sees() -> None:
    policy = PasswordPolicy()
    assert policy.problems("x dr.sato", "dr.sato") == [
        "at least 13 characters",
        "at least 3 of: lower case, upper case, digits, symbols",
        "must not contain the user ID",
    ]
    assert policy.problems("Kumo-no-ue 2024", "dr.sato") == []


def test_without_a_user_id_only_length_and_classes_apply() -> None:
    assert PasswordPolicy().broken_rules("dr.sato-Pass1") == []


def test_a_stricter_policy_moves_the_thresholds() -> None:
    strict = PasswordPolicy(min_length=16, min_classes=4)
    assert strict.broken_rules("Kumo-no-ue 2024") == [L]          # 15 characters
    assert strict.broken_rules("kumo-no-ue 20245") == [C]         # no upper case
    assert strict.problems("kumo-no-ue 20245")[0].startswith("at least 4 of")


FAST = ScryptParams(n=2 ** 10)
SALT, OTHER_SALT = b"s" * 16, b"t" * 16


def test_verifier_matches_only_the_same_password_and_salt() -> None:
    m = master_secret("Kumo-no-ue 2024", SALT, FAST)
    v = password_verifier(m)
    assert len(m) == 32 and len(v) == 32 and v != m
    assert verifier_matches(master_secret("Kumo-no-ue 2024", SALT, FAST), v)
    assert not verifier_matches(master_secret("Kumo-no-ue 2025", SALT, FAST), v)
    assert not verifier_matches(master_secret("Kumo-no-ue 2024", OTHER_SALT, FAST), v)
    assert master_secret("Kumo-no-ue 2024", SALT, ScryptParams(n=2 ** 11)) != m  # cost is part of it


def test_password_is_normalised_before_derivation() -> None:
    """Full-width and half-width forms of the same password are the same password, as the
    policy already counts them."""
    assert master_secret("Ｋｕｍｏ-no-ue ２０２４", SALT, FAST) == master_secret("Kumo-no-ue 2024", SALT, FAST)


def test_cache_key_depends_on_reader_and_salt_and_is_not_the_verifier() -> None:
    m = master_secret("Kumo-no-ue 2024", SALT, FAST)
    k = derive_cache_key(m, SALT, "dr.sato")
    assert len(k) == 32 and k == derive_cache_key(m, SALT, "dr.sato")
    assert k != derive_cache_key(m, SALT, "dr.kato")
    assert k != derive_cache_key(m, OTHER_SALT, "dr.sato")
    assert k != password_verifier(m)
