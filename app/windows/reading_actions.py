"""The reading window's own actions on the keymap: worklist, study, layouts, view keys, tools,
help. The report panel and the lock guard bind theirs where they live."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer

from app.keymap.files import load_reader_keymap, user_keymap_path
from app.windows.window_actions import WindowActions, problem_text
from viewer.tools.tool import Tool
from viewer.views.view_commands import ViewCommand

_VIEW_COMMANDS = {
    "view.slice_next": ViewCommand.SLICE_NEXT, "view.slice_previous": ViewCommand.SLICE_PREVIOUS,
    "view.page_next": ViewCommand.PAGE_NEXT, "view.page_previous": ViewCommand.PAGE_PREVIOUS,
    "view.first_slice": ViewCommand.FIRST_SLICE, "view.last_slice": ViewCommand.LAST_SLICE,
    "view.window_lung": ViewCommand.WINDOW_LUNG, "view.window_mediastinum": ViewCommand.WINDOW_MEDIASTINUM,
    "view.window_bone": ViewCommand.WINDOW_BONE, "view.window_brain": ViewCommand.WINDOW_BRAIN,
    "view.window_abdomen": ViewCommand.WINDOW_ABDOMEN,
    "view.window_series_1": ViewCommand.WINDOW_SERIES_1, "view.window_series_2": ViewCommand.WINDOW_SERIES_2,
    "view.window_series_3": ViewCommand.WINDOW_SERIES_3, "view.window_series_4": ViewCommand.WINDOW_SERIES_4,
    "view.window_series_default": ViewCommand.WINDOW_SERIES_DEFAULT,
    "view.reset_zoom": ViewCommand.RESET_ZOOM, "view.slab_cycle": ViewCommand.SLAB_CYCLE,
    "view.slab_thicker": ViewCommand.SLAB_THICKER, "view.slab_thinner": ViewCommand.SLAB_THINNER,
    "view.rotate_back": ViewCommand.ROTATE_BACK, "view.rotate_forward": ViewCommand.ROTATE_FORWARD,
    "tools.delete_last": ViewCommand.DELETE_LAST,
}
_TOOLS = {"tools.window": Tool.WINDOW, "tools.pan": Tool.PAN, "tools.zoom": Tool.ZOOM, "tools.length": Tool.LENGTH,
          "tools.ellipse": Tool.ELLIPSE, "tools.crosshair": Tool.CROSSHAIR, "tools.cancel": Tool.WINDOW}


def view_command_of_key(window: Any, event: Any) -> ViewCommand | None:
    """The view command the reader's keymap gives this key press, for image views outside the
    reading window's own (the prior comparison), whose keys the window's actions do not reach."""
    from PySide6.QtGui import QKeySequence

    pressed = QKeySequence(event.keyCombination()).toString(QKeySequence.PortableText)
    for action_id, command in _VIEW_COMMANDS.items():
        if pressed in window.keys.keymap.keys(action_id):
            return command
    return None


def focused_view(window: Any):
    """The view a view key is for: the one with the focus, else (from a menu) the axial."""
    focus = window.focusWidget()
    return next((w for w in window.mpr.views.values() if w is focus), window.mpr.axial)


def install_reading_actions(window: Any) -> WindowActions:
    """`window.keys`: the reader's keymap (defaults < site < their own file) on the window."""
    loaded = load_reader_keymap(window.reader)
    keys = WindowActions(window, window.mpr, loaded, user_keymap_path(window.reader))
    bind = keys.bind
    bind("file.refresh_worklist", window.refresh_worklist)
    bind("file.focus_worklist", lambda: window.worklist.table.setFocus())
    bind("file.close", window.close)
    bind("study.next", window.next_study)
    bind("study.previous", window.previous_study)
    bind("study.give_back", window.give_back)
    bind("study.cancel_load", window.cancel_load)
    bind("view.layout_single", lambda: window.mpr.set_layout("axial"))
    bind("view.layout_mpr", lambda: window.mpr.set_layout("mpr"))
    bind("view.reset_orientation", lambda: window.mpr.reset_orientation())
    for action_id, command in _VIEW_COMMANDS.items():
        bind(action_id, lambda c=command: focused_view(window).perform(c))
    for action_id, tool in _TOOLS.items():
        bind(action_id, lambda t=tool: window._set_tool(t))

    def open_editor() -> None:
        from app.windows.keymap_editor import open_keymap_editor

        open_keymap_editor(window, keys)

    def open_sheet() -> None:
        from app.windows.shortcut_sheet import show_shortcut_sheet

        show_shortcut_sheet(window, keys)

    bind("tools.keymap_editor", open_editor)
    bind("help.shortcuts", open_sheet)
    for error in keys.errors:  # told once the window is up; the other layers apply meanwhile
        QTimer.singleShot(0, window, lambda e=error: window.show_error(problem_text(e)))
    return keys
