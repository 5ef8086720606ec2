"""Tools > Keyboard shortcuts: change, add, clear and reset keys; a key another action holds is
refused, with that action named, unless the reader reassigns it. OK makes the keys live and
writes the reader's own keymap file; Cancel changes nothing."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QKeySequenceEdit,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.keymap.keys import BadKey, normalize_key
from app.keymap.model import KeyConflict
from app.windows.window_actions import WindowActions, action_title, key_text


class KeymapEditor(QDialog):
    def __init__(self, parent: QWidget, keys: WindowActions) -> None:
        super().__init__(parent)
        self.setObjectName("keymap-editor")
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        self.keys = keys
        self.keymap = keys.keymap.copy()  # edited here; the window's only on OK
        self._pending: tuple[str, tuple[str, ...]] | None = None  # refused for a conflict
        self.ids = list(self.keymap.specs)
        menus = keys.menu_bar.menus

        self.table = QTableWidget(len(self.ids), 3, self)
        self.table.setHorizontalHeaderLabels([self.tr("Menu"), self.tr("Action"), self.tr("Keys")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().hide()
        for row, action_id in enumerate(self.ids):
            spec = self.keymap.spec(action_id)
            self.table.setItem(row, 0, QTableWidgetItem(menus[spec.menu].title().replace("&", "")))
            self.table.setItem(row, 1, QTableWidgetItem(action_title(spec)))
            self.table.setItem(row, 2, QTableWidgetItem())
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._clear_message)

        self.capture = QKeySequenceEdit(self)
        self.capture.setMaximumSequenceLength(1)
        self.set_button = QPushButton(self.tr("Set key"), self)
        self.add_button = QPushButton(self.tr("Add key"), self)
        self.clear_button = QPushButton(self.tr("No key"), self)
        self.reset_button = QPushButton(self.tr("Reset"), self)
        self.reset_all_button = QPushButton(self.tr("Reset all"), self)
        self.reassign_button = QPushButton(self.tr("Reassign"), self)
        self.reassign_button.setEnabled(False)
        self.message = QLabel("", self)
        self.message.setObjectName("keymap-editor-message")
        self.message.setWordWrap(True)
        self.set_button.clicked.connect(lambda: self._change(replace=True))
        self.add_button.clicked.connect(lambda: self._change(replace=False))
        self.clear_button.clicked.connect(lambda: self._apply_to_selected(()))
        self.reset_button.clicked.connect(self._reset_selected)
        self.reset_all_button.clicked.connect(self._reset_all)
        self.reassign_button.clicked.connect(self._reassign)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.Ok)

        row1 = QHBoxLayout()
        row1.addWidget(QLabel(self.tr("New key:"), self))
        row1.addWidget(self.capture, 1)
        for b in (self.set_button, self.add_button, self.clear_button, self.reset_button):
            row1.addWidget(b)
        row2 = QHBoxLayout()
        row2.addWidget(self.message, 1)
        row2.addWidget(self.reassign_button)
        row2.addWidget(self.reset_all_button)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table)
        lay.addLayout(row1)
        lay.addLayout(row2)
        lay.addWidget(buttons)
        self.resize(720, 640)
        self._refresh()

    # ---- what the reader does --------------------------------------------------------
    def select(self, action_id: str) -> None:
        self.table.selectRow(self.ids.index(action_id))

    def selected(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.ids[rows[0].row()] if rows else None

    def _change(self, *, replace: bool) -> None:
        action_id = self.selected()
        seq = self.capture.keySequence()
        if action_id is None or seq.isEmpty():
            self._say(self.tr("Choose an action, then press the new key."))
            return
        try:
            key = normalize_key(seq.toString(QKeySequence.PortableText))
        except BadKey:
            self._say(self.tr("{0} cannot be used as a shortcut.").format(seq.toString(QKeySequence.NativeText)))
            return
        have = () if replace else self.keymap.keys(action_id)
        self._apply_to_selected(tuple(dict.fromkeys((*have, key))))

    def _apply_to_selected(self, keys: tuple[str, ...]) -> None:
        action_id = self.selected()
        if action_id is None:
            return
        try:
            self.keymap.bind(action_id, keys)
        except KeyConflict as exc:
            self._pending = (action_id, keys)
            self.reassign_button.setEnabled(True)
            holders = "; ".join(self.tr("{0} is used by “{1}”").format(
                key_text(c.key), action_title(self.keymap.spec(c.action_id))) for c in exc.conflicts)
            self._say(holders + " — " + self.tr("not changed. Reassign takes the key from it."))
            return
        self._clear_message()
        self.capture.clear()
        self._refresh()

    def _reassign(self) -> None:
        if self._pending is None:
            return
        action_id, keys = self._pending
        self.keymap.bind(action_id, keys, take=True)
        self._clear_message()
        self.capture.clear()
        self._refresh()

    def _reset_selected(self) -> None:
        action_id = self.selected()
        if action_id is not None:
            self.keymap.reset(action_id)
            self._clear_message()
            self._refresh()

    def _reset_all(self) -> None:
        self.keymap.reset()
        self._clear_message()
        self._refresh()

    def accept(self) -> None:
        self.keys.set_keymap(self.keymap)
        super().accept()

    # ---- display ---------------------------------------------------------------------
    def _say(self, text: str) -> None:
        self.message.setText(text)

    def _clear_message(self) -> None:
        self._pending = None
        self.reassign_button.setEnabled(False)
        self.message.setText("")

    def _refresh(self) -> None:
        for row, action_id in enumerate(self.ids):
            keys = self.keymap.keys(action_id)
            item = self.table.item(row, 2)
            item.setText(", ".join(key_text(k) for k in keys))
            changed = keys != self.keymap.base_keys(action_id)
            font = item.font()
            font.setBold(changed)  # the reader's own keys stand out from the site's
            item.setFont(font)
            item.setData(Qt.UserRole, action_id)


def open_keymap_editor(window: QWidget, keys: WindowActions) -> KeymapEditor:
    """Window-modal, not blocking: the idle lock hides and restores it like any dialog."""
    editor = KeymapEditor(window, keys)
    editor.setAttribute(Qt.WA_DeleteOnClose)
    editor.open()
    return editor
