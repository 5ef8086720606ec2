"""The interface language setting: "auto" follows the OS locale, "ja" / "en" are taken as set,
and the report's language is not touched by it."""
from __future__ import annotations

from types import SimpleNamespace

from PySide6.QtCore import QCoreApplication, QLocale

from app.windows.translation import UiLanguage, configured_language, install_translators, resolve_language


def test_auto_follows_the_os_and_explicit_values_win():
    japan, us = QLocale(QLocale.Japanese, QLocale.Japan), QLocale(QLocale.English, QLocale.UnitedStates)
    assert resolve_language("auto", japan) is UiLanguage.JA
    assert resolve_language("auto", us) is UiLanguage.EN
    assert resolve_language(None, japan) is UiLanguage.JA
    assert resolve_language("en", japan) is UiLanguage.EN
    assert resolve_language(" JA ", us) is UiLanguage.JA
    assert resolve_language("fr", japan) is UiLanguage.JA  # not offered: the OS decides


def test_the_setting_is_read_from_the_config_where_the_schema_puts_it():
    assert configured_language(SimpleNamespace(language="ja", centre=SimpleNamespace())) == "ja"
    assert configured_language(SimpleNamespace(centre=SimpleNamespace(language="en"))) == "en"
    assert configured_language(SimpleNamespace(centre=SimpleNamespace())) == "auto"
    assert configured_language(None) == "auto"


def test_installing_japanese_then_english_switches_the_texts(qapp, catalogue):
    text = lambda: QCoreApplication.translate("Keymap", "Next study")  # the keymap's titles (app/keymap/defaults.py)  # noqa: E731
    try:
        assert install_translators(qapp, "ja") is UiLanguage.JA
        assert text() == "次の検査"
        assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "キャンセル"  # Qt's own (qtbase_ja)
    finally:
        assert install_translators(qapp, "en") is UiLanguage.EN
    assert text() == "Next study"
