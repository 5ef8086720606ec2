"""F1: every shortcut of the window, grouped by menu, written from the live keymap."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from app.keymap.defaults import Context
from app.windows.window_actions import WindowActions, action_title, key_text

_SHEET = "shortcut-sheet"


class ShortcutSheet(QDialog):
    def __init__(self, parent: QWidget, keys: WindowActions) -> None:
        super().__init__(parent, Qt.Tool)
        self.setObjectName(_SHEET)
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        self.keys = keys
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels([self.tr("Action"), self.tr("Keys")])
        self.tree.setRootIsDecorated(False)
        lay = QVBoxLayout(self)
        lay.addWidget(self.tree)
        self.resize(560, 640)
        keys.keysChanged.connect(self.fill)
        self.fill()

    def fill(self) -> None:
        """One group per menu (its title as the menu bar shows it), its actions with their keys."""
        self.tree.clear()
        menus = self.keys.menu_bar.menus
        images = self.tr(" (in the images)")
        for menu, qmenu in menus.items():
            ids = [a for a in self.keys.bound() if self.keys.keymap.spec(a).menu is menu]
            if not ids:
                continue
            group = QTreeWidgetItem(self.tree, [qmenu.title().replace("&", "")])
            group.setFirstColumnSpanned(True)
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            for action_id in ids:
                spec = self.keys.keymap.spec(action_id)
                keys = ", ".join(key_text(k) for k in self.keys.keymap.keys(action_id))
                title = action_title(spec) + (images if spec.context is Context.IMAGES else "")
                row = QTreeWidgetItem(group, [title, keys or "—"])
                row.setData(0, Qt.UserRole, action_id)
        self.tree.expandAll()
        self.tree.resizeColumnToContents(0)

    def row_of(self, action_id: str) -> QTreeWidgetItem | None:
        for n in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(n)
            for m in range(group.childCount()):
                if group.child(m).data(0, Qt.UserRole) == action_id:
                    return group.child(m)
        return None


def show_shortcut_sheet(window: QWidget, keys: WindowActions) -> ShortcutSheet:
    """Show the window's sheet (one per window; F1 again brings it forward)."""
    sheet = window.findChild(ShortcutSheet, _SHEET)
    if sheet is None:
        sheet = ShortcutSheet(window, keys)
    sheet.fill()
    sheet.show()
    sheet.raise_()
    return sheet
