"""The viewer's words for the reader, without Qt: source texts marked for Qt's lupdate and
translated by a function the Qt layer passes in.

viewer/ is Qt-free, so it cannot call `QCoreApplication.translate` itself. Its texts are
English source texts marked with `QT_TRANSLATE_NOOP(context, text)` (lupdate files them under
that context, resources/translations/build.py scans viewer/), and whatever turns them into
words on screen takes a `Translate`: `QCoreApplication.translate` in the reading window,
`untranslated` (the English source) in the headless renderer, `yomi inspect` and logs.
"""
from __future__ import annotations

from collections.abc import Callable

__all__ = ["QT_TRANSLATE_NOOP", "Translate", "untranslated"]

Translate = Callable[[str, str], str]   # (context, source text) -> text, as QCoreApplication.translate


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # noqa: N802 - the name lupdate looks for
    return text


def untranslated(_context: str, text: str) -> str:
    """The source text (headless renders, which have no Qt translator)."""
    return text
