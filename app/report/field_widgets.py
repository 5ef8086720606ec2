"""One input widget per template field type, all keyboard-first, none holding report logic.

Each `Binding` shows a model value (`show`) and reports the reader's input through its
`commit(field_id, value)` callback; the editor passes that to EditSession, which validates,
records undo, autosaves, and tells the editor to re-read the model. Choices take type-ahead
in Japanese or English; free text is a QPlainTextEdit whose input method events are never
touched (IME commits arrive as ordinary text changes).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QStringListModel, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from .templates import Field, Option

__all__ = [
    "Binding",
    "ChoiceBinding",
    "FlagBinding",
    "LabelBinding",
    "NumberBinding",
    "TextBinding",
    "UndoKeys",
    "make_binding",
    "resolve_option",
]

Commit = Callable[[str, Any], None]
_MACRO_TYPING = re.compile(r"(?:^|\s)\.[a-z]*$")  # a macro word being typed right before the cursor
_INVALID = "background: #ffd6d6;"


def resolve_option(text: str, options: tuple[Option, ...]) -> str | None:
    """The option code `text` names: exact ja/en label or code (case-insensitive), else the one
    option whose label starts with it, else the one whose label contains it; '' clears; None
    when nothing or more than one option matches."""
    t = text.strip().casefold()
    if not t:
        return ""
    for o in options:
        if t in (o.code.casefold(), o.ja.casefold(), o.en.casefold()):
            return o.code
    for test in (lambda s: s.startswith(t), lambda s: t in s):
        hits = {o.code for o in options if test(o.ja.casefold()) or test(o.en.casefold())}
        if len(hits) == 1:
            return hits.pop()
    return None


class UndoKeys(QObject):
    """Routes Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y in an input widget to the model's undo/redo.

    Text widgets have their own undo, which would disagree with the model's; they claim these
    keys in ShortcutOverride, so this filter claims them first and handles the key press.
    Input method events pass untouched.
    """

    def __init__(self, undo: Callable[[], None], redo: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._undo, self._redo = undo, redo

    @staticmethod
    def kind(ev: QKeyEvent) -> str | None:
        mods = ev.modifiers() & ~Qt.KeypadModifier
        if ev.key() == Qt.Key_Z and mods == Qt.ControlModifier:
            return "undo"
        if (ev.key() == Qt.Key_Z and mods == (Qt.ControlModifier | Qt.ShiftModifier)) or \
                (ev.key() == Qt.Key_Y and mods == Qt.ControlModifier):
            return "redo"
        return None

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:
        if ev.type() in (QEvent.ShortcutOverride, QEvent.KeyPress):
            kind = self.kind(ev)  # type: ignore[arg-type]
            if kind is None:
                return False
            ev.accept()
            if ev.type() == QEvent.KeyPress:
                (self._undo if kind == "undo" else self._redo)()
            return True
        return False

    def watch(self, widget: QWidget) -> None:
        widget.installEventFilter(self)


class Binding:
    """A field's widget: `widget` goes in the form, `focus` is what Tab reaches."""

    def __init__(self, field: Field, lang: str, commit: Commit) -> None:
        self.field = field
        self.lang = lang
        self._commit = commit
        self.updating = False  # set while showing a model value: no commit then
        self.widget: QWidget
        self.focus: QWidget

    def commit(self, value: Any) -> None:
        if not self.updating:
            self._commit(self.field.id, value)

    def show(self, value: Any) -> None:
        self.updating = True
        try:
            self._show(value)
        finally:
            self.updating = False

    def _show(self, value: Any) -> None:
        raise NotImplementedError

    def set_read_only(self, read_only: bool) -> None:
        self.widget.setEnabled(not read_only)

    def mark_invalid(self, why: str) -> None:
        self.focus.setStyleSheet(_INVALID)
        self.focus.setToolTip(why)

    def clear_invalid(self) -> None:
        self.focus.setStyleSheet("")
        self.focus.setToolTip("")


class _FocusOut(QObject):
    """Calls back when the reader leaves a combo: Tab/Shift+Tab or a focus change.

    While the completer popup is open Qt sends the combo no FocusOut on Tab, so Tab itself
    is watched too (the key is not consumed: focus still moves on).
    """

    def __init__(self, callback: Callable[[], None], parent: QObject) -> None:
        super().__init__(parent)
        self._callback = callback

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:
        if ev.type() == QEvent.FocusOut and ev.reason() != Qt.PopupFocusReason or ev.type() == QEvent.KeyPress and ev.key() in (Qt.Key_Tab, Qt.Key_Backtab):
            self._callback()
        return False


class ChoiceBinding(Binding):
    """An editable combo: pick from the list, or type part of a ja or en label (type-ahead)."""

    def __init__(self, field: Field, lang: str, commit: Commit) -> None:
        super().__init__(field, lang, commit)
        box = QComboBox()
        box.setEditable(True)
        box.setInsertPolicy(QComboBox.NoInsert)
        box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)  # long labels must not widen the dock
        box.setMinimumContentsLength(8)
        box.addItem("", "")
        for o in field.options:
            box.addItem(o.label(lang), o.code)
        words = [o.ja for o in field.options] + [o.en for o in field.options]
        completer = QCompleter(QStringListModel(words, box), box)
        completer.setCaseSensitivity(Qt.CaseInsensitive)
        completer.setFilterMode(Qt.MatchContains)
        completer.setCompletionMode(QCompleter.PopupCompletion)
        box.setCompleter(completer)
        box.activated.connect(lambda i: self.commit(box.itemData(i)))
        box.lineEdit().returnPressed.connect(self._typed)
        box.lineEdit().textEdited.connect(self._normal_macro)
        completer.activated.connect(lambda _text: self._typed())
        # The combo, not its line edit, holds the focus, and the line edit's editingFinished
        # did not fire on Tab while the completer popup was open: watch the combo's focus-out.
        self._leave_watch = _FocusOut(self._left, box)
        box.installEventFilter(self._leave_watch)
        self.box = box
        self.widget = box
        self.focus = box.lineEdit()
        self._shown = ""

    def _left(self) -> None:
        self.box.completer().popup().hide()
        self._typed()

    def _normal_macro(self, text: str) -> None:
        """'.nl' then a space, as in free text: the normal report (the model fills it)."""
        if text.endswith((" ", "\u3000")) and text.strip() == ".nl" and not self.updating:
            self.commit(".nl")
            self.box.completer().popup().hide()  # the label shown now is the model's choice, not a search

    def _typed(self) -> None:
        if self.updating:
            return
        text = self.box.currentText()
        code = resolve_option(text, self.field.options)
        if code is None:
            self.mark_invalid(QCoreApplication.translate("ReportEditor", "No single option matches “{0}”").format(text))
            return
        self.clear_invalid()
        if code != self._shown:
            self.commit(code)
        else:  # same value: show the full label again in place of the typed part
            self.show(code)

    def _show(self, value: Any) -> None:
        code = value or ""
        self._shown = code
        i = self.box.findData(code)
        self.box.setCurrentIndex(max(i, 0))
        self.box.setEditText(self.box.itemText(max(i, 0)))
        self.clear_invalid()


class MacroTextEdit(QPlainTextEdit):
    """Multi-line free text: Tab leaves the field; leaving it commits (and so expands a macro)."""

    def __init__(self, on_leave: Callable[[], None]) -> None:
        super().__init__()
        self.setTabChangesFocus(True)
        self.setUndoRedoEnabled(False)  # the model's undo is the only one
        self._on_leave = on_leave

    def focusOutEvent(self, ev) -> None:
        self._on_leave()
        super().focusOutEvent(ev)


class TextBinding(Binding):
    """Free text. Every change goes to the model, except while a macro word ('.nl') is being
    typed: it goes when a space, a line break or leaving the field ends the word, and the
    model expands it."""

    def __init__(self, field: Field, lang: str, commit: Commit) -> None:
        super().__init__(field, lang, commit)
        if field.type == "multiline":
            edit = MacroTextEdit(self._leave)
            edit.setMinimumHeight(54)
            edit.setMaximumHeight(90)
            edit.textChanged.connect(self._changed)
        else:
            edit = QLineEdit()
            edit.textEdited.connect(lambda _t: self._changed())
            edit.editingFinished.connect(self._leave)
        self.edit = edit
        self.widget = edit
        self.focus = edit

    def text(self) -> str:
        e = self.edit
        return e.toPlainText() if isinstance(e, QPlainTextEdit) else e.text()

    def _cursor(self) -> int:
        e = self.edit
        return e.textCursor().position() if isinstance(e, QPlainTextEdit) else e.cursorPosition()

    def _changed(self) -> None:
        if self.updating:
            return
        text = self.text()
        if self.field.macros and _MACRO_TYPING.search(text[: self._cursor()]):
            return  # wait for the end of the macro word
        self.commit(text)

    def _leave(self) -> None:
        if not self.updating:
            self.commit(self.text())

    def _show(self, value: Any) -> None:
        new = value or ""
        old = self.text()
        if new == old:
            return  # never rewrite what the reader is typing (and an input method composing)
        pos = self._cursor() + len(new) - len(old)  # a macro expanded before the cursor
        e = self.edit
        if isinstance(e, QPlainTextEdit):
            e.setPlainText(new)
            c = e.textCursor()
            c.setPosition(max(0, min(pos, len(new))))
            e.setTextCursor(c)
        else:
            e.setText(new)
            e.setCursorPosition(max(0, min(pos, len(new))))

    def set_read_only(self, read_only: bool) -> None:
        self.edit.setReadOnly(read_only)


class NumberBinding(Binding):
    def __init__(self, field: Field, lang: str, commit: Commit) -> None:
        super().__init__(field, lang, commit)
        edit = QLineEdit()
        edit.setPlaceholderText(field.unit)
        edit.textEdited.connect(self._changed)
        self.edit = edit
        self.widget = edit
        self.focus = edit

    def _changed(self, text: str) -> None:
        t = text.strip()
        if not t:
            self.clear_invalid()
            self.commit(None)
            return
        try:
            d = Decimal(t)
            ok = d.is_finite() and d >= 0
        except InvalidOperation:
            ok = False
        if not ok:
            self.mark_invalid(QCoreApplication.translate("ReportEditor", "A number ≥ 0"))
            return
        self.clear_invalid()
        self.commit(t)

    def _show(self, value: Any) -> None:
        new = "" if value is None else str(value)
        try:
            same = Decimal(self.edit.text().strip()) == Decimal(new) if new else not self.edit.text().strip()
        except InvalidOperation:
            same = False
        if not same:  # keep '8.' while typing '8.2'
            self.edit.setText(new)

    def set_read_only(self, read_only: bool) -> None:
        self.edit.setReadOnly(read_only)


class FlagBinding(Binding):
    def __init__(self, field: Field, lang: str, commit: Commit) -> None:
        super().__init__(field, lang, commit)
        box = QCheckBox()
        box.toggled.connect(lambda on: self.commit(bool(on)))
        self.widget = box
        self.focus = box

    def _show(self, value: Any) -> None:
        self.widget.setChecked(bool(value))


class LabelBinding(Binding):
    """Computed or fixed values: shown, never typed, not a Tab stop."""

    def __init__(self, field: Field, lang: str, commit: Commit) -> None:
        super().__init__(field, lang, commit)
        label = QLabel()
        label.setTextFormat(Qt.PlainText)  # values from data are never markup
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.widget = label
        self.focus = label

    def _show(self, value: Any) -> None:
        self.widget.setText("" if value is None else str(value))

    def set_read_only(self, read_only: bool) -> None:
        pass


def make_binding(field: Field, lang: str, commit: Commit, *, fixed: bool = False) -> Binding:
    if fixed or field.type == "computed":
        return LabelBinding(field, lang, commit)
    cls = {"choice": ChoiceBinding, "text": TextBinding, "multiline": TextBinding,
           "number": NumberBinding, "flag": FlagBinding}[field.type]
    return cls(field, lang, commit)
