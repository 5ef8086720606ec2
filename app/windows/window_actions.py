"""The keymap made live: one QAction per action id, owning its keys, in the menu bar.

`window.keys.bind("study.next", slot)` is all a feature needs once its id is in
app/keymap/defaults.py. Keys changed in the editor are set on the QActions at once.
IMAGES actions are live only while the image views have the focus (their QAction belongs to
the views' container, Qt.WidgetWithChildrenShortcut); WINDOW actions anywhere in the window.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QWidget

from app.keymap.defaults import ActionSpec, Context
from app.keymap.model import Keymap, KeymapError, KeymapProblem, LoadedKeymap, save_user_keymap
from app.windows.menu_bar import ReadingMenuBar

log = logging.getLogger(__name__)


def action_title(spec: ActionSpec) -> str:
    return QCoreApplication.translate("Keymap", spec.title)


def key_text(key: str) -> str:
    """A keymap key as the reader's platform writes it (Ctrl+Shift+N, ⌘⇧N)."""
    return QKeySequence(key, QKeySequence.PortableText).toString(QKeySequence.NativeText)


def problem_text(error: KeymapError) -> str:
    words = {
        KeymapProblem.UNREADABLE: QCoreApplication.translate("Keymap", "the file cannot be read"),
        KeymapProblem.NOT_JSON: QCoreApplication.translate("Keymap", "the file is not JSON"),
        KeymapProblem.BAD_SHAPE: QCoreApplication.translate(
            "Keymap", "the file is not a \"bindings\" table of action: list of keys"),
        KeymapProblem.UNKNOWN_ACTION: QCoreApplication.translate("Keymap", "unknown action {0}"),
        KeymapProblem.BAD_KEY: QCoreApplication.translate("Keymap", "{0}: no such key “{1}”"),
        KeymapProblem.CONFLICT: QCoreApplication.translate("Keymap", "{0}: key {1} is given to two actions"),
    }
    what = words[error.problem].format(error.action_id, error.key)
    return QCoreApplication.translate("Keymap", "Shortcuts in {0} not used ({1}); the other shortcuts apply.").format(
        error.path, what)


class WindowActions(QObject):
    """The window's actions by id; `keymap` is the one model they follow."""

    keysChanged = Signal()

    def __init__(self, window: QMainWindow, images: QWidget, loaded: LoadedKeymap, user_file: Path | None) -> None:
        super().__init__(window)
        self.window = window
        self.images = images
        self.keymap: Keymap = loaded.keymap
        self.errors: list[KeymapError] = loaded.errors
        self.user_file = user_file
        self._actions: dict[str, QAction] = {}
        self.menu_bar = ReadingMenuBar(window, list(self.keymap.specs))
        window.setMenuBar(self.menu_bar)

    def bind(self, action_id: str, slot: Callable[[], object]) -> QAction:
        """The QAction of `action_id` (made on first call), triggering `slot`, in its menu."""
        spec = self.keymap.spec(action_id)  # KeyError: the id is not in app/keymap/defaults.py
        act = self._actions.get(action_id)
        if act is None:
            act = QAction(action_title(spec), self.window)
            act.setObjectName(action_id)
            if spec.context is Context.IMAGES:
                act.setShortcutContext(Qt.WidgetWithChildrenShortcut)
                self.images.addAction(act)
            else:
                act.setShortcutContext(Qt.WindowShortcut)
                self.window.addAction(act)
            self._actions[action_id] = act
            self._set_shortcuts(action_id)
            self.menu_bar.place(spec, act)
        act.triggered.connect(lambda _checked=False: slot())
        return act

    def action(self, action_id: str) -> QAction | None:
        return self._actions.get(action_id)

    def bound(self) -> list[str]:
        """Ids that have a QAction in this window, in keymap order."""
        return [a for a in self.keymap.specs if a in self._actions]

    def set_keymap(self, keymap: Keymap, *, save: bool = True) -> None:
        """Adopt `keymap` (the editor's result): every QAction's keys change at once."""
        self.keymap = keymap
        for action_id in self._actions:
            self._set_shortcuts(action_id)
        if save and self.user_file is not None:
            save_user_keymap(keymap, self.user_file)
        self.keysChanged.emit()

    def _set_shortcuts(self, action_id: str) -> None:
        act, keys = self._actions[action_id], self.keymap.keys(action_id)
        act.setShortcuts([QKeySequence(k, QKeySequence.PortableText) for k in keys])
        title = action_title(self.keymap.spec(action_id))
        act.setToolTip(f"{title} ({', '.join(key_text(k) for k in keys)})" if keys else title)
