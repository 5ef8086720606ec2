"""The reader's window layout, remembered per reader: window geometry and docks, splitters,
worklist columns, the last tool and the window/level per modality, and the two-screen mode.

Kept with QSettings in one INI file per reader (app.paths.reader_config_file: named by a hash
of the user id; it holds sizes and names of views, nothing about a patient). Restored when the
window first shows (after login), saved when it locks and when it closes (quit); a logout from
the lock screen closes a window whose docks are hidden, so what was saved at the lock stands.

Two screens: the images stay on the window's screen, every dock (worklist, report, ...)
floats on the other screen side by side. Each floating dock's screen is remembered by name
and position in the screen list, and its geometry relative to that screen, because separate
X screens (or monitors plugged in another order) share coordinates that saveState alone
cannot tell apart.
"""
from __future__ import annotations

import logging

from PySide6.QtCore import QByteArray, QEvent, QObject, QRect, QSettings, Qt
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QDockWidget, QMainWindow, QSplitter

from app.paths import reader_config_file
from viewer.tools.tool import Tool
from viewer.tools.window_level import Window

log = logging.getLogger(__name__)

_STATE_VERSION = 1  # saveState's version: a layout from an incompatible build is not restored


def screen_key(screen: QScreen) -> str:
    return f"{QGuiApplication.screens().index(screen)}:{screen.name()}"


def find_screen(key: str) -> QScreen | None:
    """The screen `key` named: by name when that name is unique, else by its place in the list."""
    index, _, name = str(key).partition(":")
    screens = QGuiApplication.screens()
    named = [s for s in screens if s.name() == name]
    if len(named) == 1:
        return named[0]
    if index.isdigit() and int(index) < len(screens):
        return screens[int(index)]
    return None


class LayoutMemory(QObject):
    def __init__(self, window: QMainWindow, reader_id: str) -> None:
        super().__init__(window)
        self.window = window
        self.path = reader_config_file("layout", reader_id, ".ini")
        self.settings = QSettings(str(self.path), QSettings.IniFormat)
        self._defaults: tuple[QByteArray, QByteArray] | None = None  # (geometry, state) before restoring
        self._shown: str | None = None   # modality of the study on screen
        self._restored = False
        self._held = False       # locked: the docks are hidden, the layout saved at the lock stands
        window.installEventFilter(self)
        window.on_study_opened(self._on_study_opened)
        keys = window.keys
        keys.bind("view.reset_layout", self.reset)
        self.two_screens_action = keys.bind("view.two_screens", lambda: self.set_two_screens(
            self.two_screens_action.isChecked()))
        self.two_screens_action.setCheckable(True)

    # ---- events ----------------------------------------------------------------------
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.window:
            if event.type() == QEvent.Show and not self._restored:
                self._restored = True
                self.restore()
            elif event.type() == QEvent.Close:
                self.save()
        return False

    def _on_study_opened(self, volume, _item) -> None:
        self._remember_window()
        same_study = volume.identity.study_uid == getattr(self, "_study_uid", None)
        self._study_uid = volume.identity.study_uid
        self._shown = volume.identity.modality or None
        if same_study:
            return  # another series of the study on screen (series box, hanging protocol): its window stays
        saved = self.settings.value(f"window_level/{self._shown}") if self._shown else None
        if isinstance(saved, list) and len(saved) == 2:
            self.window.mpr.set_window(Window(float(saved[0]), float(saved[1]), "saved"))

    def _remember_window(self) -> None:
        if self._shown and self.window.mpr.volume is not None:
            w = self.window.mpr.axial.view.state.window
            self.settings.setValue(f"window_level/{self._shown}", [w.center, w.width])

    def _docks(self) -> list[QDockWidget]:
        return [d for d in self.window.findChildren(QDockWidget) if d.objectName() and d.parent() is self.window]

    def _splitters(self) -> list[QSplitter]:
        return [s for s in self.window.findChildren(QSplitter) if s.objectName()]

    # ---- save and restore ------------------------------------------------------------
    def hold(self, locked: bool) -> None:
        """The lock guard's word: while locked nothing on screen is the reader's layout."""
        self._held = locked

    def save(self) -> None:
        if self._held:
            return
        w, s = self.window, self.settings
        s.setValue("window/geometry", w.saveGeometry())
        s.setValue("window/state", w.saveState(_STATE_VERSION))
        s.setValue("window/screen", screen_key(w.screen()))
        s.remove("floating")
        for d in self._docks():
            if d.isFloating() and d.isVisible():
                screen = d.screen()
                g = d.geometry().translated(-screen.geometry().topLeft())
                s.setValue(f"floating/{d.objectName()}/screen", screen_key(screen))
                s.setValue(f"floating/{d.objectName()}/rect", [g.x(), g.y(), g.width(), g.height()])
        for sp in self._splitters():
            s.setValue(f"splitters/{sp.objectName()}", sp.saveState())
        s.setValue("worklist/header", w.worklist.table.horizontalHeader().saveState())
        s.setValue("viewer/tool", w.mpr.axial.tool.value)
        s.setValue("view/two_screens", self.two_screens_action.isChecked())
        self._remember_window()
        s.sync()
        log.info("layout saved (%s)", self.path.name)

    def restore(self) -> None:
        w, s = self.window, self.settings
        self._pin_docks()
        self._defaults = (w.saveGeometry(), w.saveState(_STATE_VERSION))
        geometry, state = s.value("window/geometry"), s.value("window/state")
        if not isinstance(geometry, QByteArray):
            return  # nothing saved for this reader: the window's defaults
        screen = find_screen(s.value("window/screen", ""))
        if screen is not None and screen is not w.screen() and w.windowHandle() is not None:
            w.windowHandle().setScreen(screen)
        w.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            w.restoreState(state, _STATE_VERSION)
        for d in self._docks():
            self._place_floating(d)
        for sp in self._splitters():
            v = s.value(f"splitters/{sp.objectName()}")
            if isinstance(v, QByteArray):
                sp.restoreState(v)
        header = s.value("worklist/header")
        if isinstance(header, QByteArray) and w.worklist.table.horizontalHeader().restoreState(header):
            w.worklist._sized = True  # the reader's widths: not sized to the first rows' contents
        try:
            w._set_tool(Tool.parse(s.value("viewer/tool", Tool.WINDOW.value)))
        except ValueError:
            pass  # a tool this build no longer has: the default stays
        self.two_screens_action.setChecked(str(s.value("view/two_screens", "false")).lower() == "true")

    def _pin_docks(self) -> None:
        """Fix each docked dock at the size its contents ask for now, as if the reader had set
        it. A dock no one has sized follows its contents' size hint as they change: the report
        dock widened when the first study's form showed, which resized the three views, and
        their redraws in one paint kept the GUI thread 100-130 ms at the end of the opening
        (bench/bench_gui_stall.py)."""
        w = self.window
        docked = [d for d in self._docks() if not d.isFloating() and not d.isHidden()]
        sides = [d for d in docked if w.dockWidgetArea(d) in (Qt.LeftDockWidgetArea, Qt.RightDockWidgetArea)]
        rows = [d for d in docked if d not in sides]   # top and bottom: their height
        if sides:
            w.resizeDocks(sides, [d.sizeHint().width() for d in sides], Qt.Horizontal)
        if rows:
            w.resizeDocks(rows, [d.sizeHint().height() for d in rows], Qt.Vertical)

    def _place_floating(self, dock: QDockWidget) -> None:
        key = f"floating/{dock.objectName()}"
        rect = self.settings.value(f"{key}/rect")
        screen = find_screen(self.settings.value(f"{key}/screen", ""))
        if not dock.isFloating() or screen is None or not isinstance(rect, list) or len(rect) != 4:
            return
        self._float_on(dock, screen, QRect(*(int(v) for v in rect)))

    def _float_on(self, dock: QDockWidget, screen: QScreen, rect: QRect) -> None:
        """Float `dock` at `rect` (relative to `screen`), moving its window to that screen."""
        if not dock.isFloating():
            dock.setFloating(True)
        if dock.screen() is not screen:
            # hidden first: moved while shown to another X screen, Qt remakes the window with
            # its content hidden and its size stuck at the title's
            dock.hide()
            dock.setScreen(screen)
        dock.show()
        dock.setGeometry(rect.translated(screen.geometry().topLeft()))  # after show: a new window's size is its own

    # ---- modes -----------------------------------------------------------------------
    def set_two_screens(self, on: bool) -> bool:
        """Images on this screen, the docks on another; False if there is no other screen."""
        w = self.window
        docks = [d for d in self._docks() if not d.isHidden() or d.isFloating()]
        others = [s for s in QGuiApplication.screens() if s is not w.screen()]
        if on and not others:
            self.two_screens_action.setChecked(False)
            w.status(self.tr("Only one screen: the worklist and the report stay in the window"))
            return False
        self.two_screens_action.setChecked(on)
        if not on:
            for d in docks:
                d.setFloating(False)
            return True
        other = others[0]
        area = other.availableGeometry().translated(-other.geometry().topLeft())
        width = area.width() // max(1, len(docks))
        for n, d in enumerate(docks):
            self._float_on(d, other, QRect(area.x() + n * width, area.y(), width, area.height()))
        return True

    def reset(self) -> None:
        """Forget this reader's layout and show the window's defaults again."""
        self.settings.clear()
        self.settings.sync()
        w = self.window
        for d in self._docks():
            d.setFloating(False)
        if self._defaults is not None:
            w.restoreGeometry(self._defaults[0])
            w.restoreState(self._defaults[1], _STATE_VERSION)
        self.two_screens_action.setChecked(False)
        w._set_tool(Tool.WINDOW)
        w.status(self.tr("Window layout reset"))
