"""The interface language: Qt's translators for Yomi's own strings and Qt's standard ones
(Yes/No, Cancel), chosen from the `language` setting ("auto", "ja", "en").

The source text is English, so English needs no catalogue; Japanese comes from
resources/translations/yomi_ja.qm, compiled from yomi_ja.ts by resources/translations/build.py.
The report's language is a separate choice (the report dock's language box).
"""
from __future__ import annotations

import enum
import functools
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

__all__ = ["UiLanguage", "CATALOGUE_DIR", "resolve_language", "install_translators", "configured_language",
           "translator_for", "interface_language"]

log = logging.getLogger(__name__)

CATALOGUE_DIR = Path(__file__).resolve().parents[2] / "resources" / "translations"


class UiLanguage(str, enum.Enum):
    JA = "ja"
    EN = "en"


def resolve_language(setting: str | None, system: QLocale | None = None) -> UiLanguage:
    """"ja" / "en" as set; "auto" (or nothing, or a value not offered) follows the OS locale."""
    value = (setting or "auto").strip().lower()
    if value in (UiLanguage.JA.value, UiLanguage.EN.value):
        return UiLanguage(value)
    if value != "auto":
        log.warning("language setting %r is not one of auto, ja, en: following the OS", setting)
    locale = system if system is not None else QLocale.system()
    return UiLanguage.JA if locale.language() == QLocale.Japanese else UiLanguage.EN


def configured_language(config: object | None) -> str:
    """The `language` setting of a loaded app.config.Config ("auto" when it has none)."""
    for holder in (config, getattr(config, "centre", None)):
        value = getattr(holder, "language", None)
        if isinstance(value, str) and value:
            return value
    return "auto"


_installed: list[QTranslator] = []


def interface_language() -> UiLanguage:
    """The language tr() answers in now: Japanese while Yomi's Japanese catalogue is installed
    (data with names in both languages, such as a hanging protocol's, is shown in it)."""
    return UiLanguage.JA if any(t.language().startswith("ja") for t in _installed) else UiLanguage.EN


def install_translators(app: QCoreApplication, setting: str | None) -> UiLanguage:
    """Replace the application's translators by those of the language `setting` resolves to."""
    for t in _installed:
        app.removeTranslator(t)
    _installed.clear()
    language = resolve_language(setting)
    if language is UiLanguage.EN:
        return language
    qt_dir = QLibraryInfo.path(QLibraryInfo.TranslationsPath)
    for name, folder in ((f"qtbase_{language.value}", qt_dir), (f"yomi_{language.value}", str(CATALOGUE_DIR))):
        translator = QTranslator(app)
        if translator.load(name, folder):
            app.installTranslator(translator)
            _installed.append(translator)
        else:  # the window still works, in English; the install step builds the .qm
            log.warning("translation catalogue %s.qm not found in %s", name, folder)
    return language


@functools.cache
def _catalogue(language: str) -> QTranslator | None:
    translator = QTranslator()
    if translator.load(f"yomi_{language}", str(CATALOGUE_DIR)):
        return translator
    log.warning("translation catalogue yomi_%s.qm not found in %s", language, CATALOGUE_DIR)
    return None


def translator_for(language: str) -> Callable[[str, str], str]:
    """(context, source) -> text in `language` ("ja", "en"), whatever the interface's language:
    for words that go into the report, whose language is the report's own choice."""
    catalogue = _catalogue(language) if language != UiLanguage.EN.value else None
    if catalogue is None:
        return lambda _context, text: text

    def translate(context: str, text: str) -> str:
        return catalogue.translate(context, text) or text
    return translate
