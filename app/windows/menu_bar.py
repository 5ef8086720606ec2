"""The reading window's menu bar: File, Study, View, Tools, Report, Help, each listing its
actions in the keymap's order with their keys (the QAction's own shortcut, so a key changed
in the editor shows at once)."""
from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QMenuBar, QWidget

from app.keymap.defaults import ActionSpec, Menu


class ReadingMenuBar(QMenuBar):
    def __init__(self, parent: QWidget, order: list[str]) -> None:
        super().__init__(parent)
        self._order = {action_id: n for n, action_id in enumerate(order)}
        titles = {Menu.FILE: self.tr("&File"), Menu.STUDY: self.tr("&Study"), Menu.VIEW: self.tr("&View"),
                  Menu.TOOLS: self.tr("&Tools"), Menu.REPORT: self.tr("&Report"), Menu.HELP: self.tr("&Help")}
        self.menus: dict[Menu, QMenu] = {}
        for menu in Menu:
            m = self.addMenu(titles[menu])
            m.setObjectName(f"menu-{menu.value}")
            self.menus[menu] = m

    def place(self, spec: ActionSpec, action: QAction) -> None:
        """Put `action` in its menu, before the first action that comes after it in the keymap."""
        menu = self.menus[spec.menu]
        mine = self._order.get(spec.id, len(self._order))
        before = next((a for a in menu.actions() if self._order.get(a.objectName(), len(self._order)) > mine), None)
        menu.insertAction(before, action)
