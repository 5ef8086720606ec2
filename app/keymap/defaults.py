"""Every action of the reading window, its menu, where its key works and its default keys.

Adding an action is one line here plus `window.keys.bind("<id>", slot)` where the slot lives:
the menu bar, the F1 sheet and the keymap editor pick it up from this table. Ids are stable
(the site and user keymap files name them); titles are English source text the GUI
translates (context "Keymap"). The order here is the order in the menus.

Layouts were on F1/F2: F1 is the shortcut sheet now, layouts are Ctrl+1 (one view) and
Ctrl+2 (MPR), Ctrl+3 and up left for hanging-protocol layouts.

Sign and next is Ctrl+Shift+Return: Return is the "done" key of a dictation-era station, the
Ctrl+Shift family is the report's (Ctrl+Shift+S signs), and a chord with Ctrl cannot be typed
into a report field by mistake (plain or Shift+Return is a line break in free text, and
Ctrl+Return alone is too close to it). Previous study is Ctrl+Shift+P, beside Next (N).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = ["ActionSpec", "Context", "DEFAULTS", "Menu"]


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # noqa: N802  (the name lupdate looks for)
    return text


class Menu(Enum):
    FILE = "file"
    STUDY = "study"
    VIEW = "view"
    TOOLS = "tools"
    REPORT = "report"
    HELP = "help"


class Context(Enum):
    """Where a key works. WINDOW: anywhere in the reading window. IMAGES: only while the image
    views have the focus (plain keys such as Up or 1, which the worklist and the report's
    fields need for themselves)."""

    WINDOW = "window"
    IMAGES = "images"

    def overlaps(self, other: "Context") -> bool:
        """Two actions on one key collide where both contexts are live at once: a window-wide
        key is live inside the images too (Qt then fires neither)."""
        return self is other or Context.WINDOW in (self, other)


@dataclass(frozen=True)
class ActionSpec:
    id: str
    menu: Menu
    title: str
    keys: tuple[str, ...] = ()
    context: Context = Context.WINDOW


def _a(id: str, menu: Menu, title: str, *keys: str, context: Context = Context.WINDOW) -> ActionSpec:
    return ActionSpec(id, menu, title, tuple(keys), context)


F, S, V, T, R, H = Menu.FILE, Menu.STUDY, Menu.VIEW, Menu.TOOLS, Menu.REPORT, Menu.HELP
IMG = Context.IMAGES

DEFAULTS: tuple[ActionSpec, ...] = (
    _a("file.refresh_worklist", F, QT_TRANSLATE_NOOP("Keymap", "Refresh worklist"), "F5"),
    _a("file.focus_worklist", F, QT_TRANSLATE_NOOP("Keymap", "Go to the worklist"), "Ctrl+L"),
    _a("file.lock_screen", F, QT_TRANSLATE_NOOP("Keymap", "Lock screen"), "Ctrl+Alt+L", "Ctrl+Shift+L"),
    _a("file.close", F, QT_TRANSLATE_NOOP("Keymap", "Close Yomi"), "Ctrl+Q"),

    _a("study.next", S, QT_TRANSLATE_NOOP("Keymap", "Next study"), "Ctrl+Shift+N"),
    _a("study.previous", S, QT_TRANSLATE_NOOP("Keymap", "Previous study"), "Ctrl+Shift+P"),
    _a("study.give_back", S, QT_TRANSLATE_NOOP("Keymap", "Give back study"), "Ctrl+Shift+G"),
    _a("study.cancel_load", S, QT_TRANSLATE_NOOP("Keymap", "Cancel loading")),
    _a("study.comparison", S, QT_TRANSLATE_NOOP("Keymap", "Comparison reading (double reading's judge)"), "Ctrl+Shift+J"),
    _a("study.judge_category", S, QT_TRANSLATE_NOOP("Keymap", "Comparison reading: the judge's own category"),
       "Ctrl+Shift+K"),

    _a("view.layout_single", V, QT_TRANSLATE_NOOP("Keymap", "One view"), "Ctrl+1"),
    _a("view.layout_mpr", V, QT_TRANSLATE_NOOP("Keymap", "MPR (three views)"), "Ctrl+2"),
    _a("view.slice_next", V, QT_TRANSLATE_NOOP("Keymap", "Next slice"), "Up", context=IMG),
    _a("view.slice_previous", V, QT_TRANSLATE_NOOP("Keymap", "Previous slice"), "Down", context=IMG),
    _a("view.page_next", V, QT_TRANSLATE_NOOP("Keymap", "10 slices forward"), "PgUp", context=IMG),
    _a("view.page_previous", V, QT_TRANSLATE_NOOP("Keymap", "10 slices back"), "PgDown", context=IMG),
    _a("view.first_slice", V, QT_TRANSLATE_NOOP("Keymap", "First slice"), "Home", context=IMG),
    _a("view.last_slice", V, QT_TRANSLATE_NOOP("Keymap", "Last slice"), "End", context=IMG),
    _a("view.window_lung", V, QT_TRANSLATE_NOOP("Keymap", "Lung window"), "1", context=IMG),
    _a("view.window_mediastinum", V, QT_TRANSLATE_NOOP("Keymap", "Mediastinum window"), "2", context=IMG),
    _a("view.window_bone", V, QT_TRANSLATE_NOOP("Keymap", "Bone window"), "3", context=IMG),
    _a("view.window_brain", V, QT_TRANSLATE_NOOP("Keymap", "Brain window"), "4", context=IMG),
    _a("view.window_abdomen", V, QT_TRANSLATE_NOOP("Keymap", "Abdomen window"), "5", context=IMG),
    _a("view.window_series_1", V, QT_TRANSLATE_NOOP("Keymap", "Series window 1"), "6", context=IMG),
    _a("view.window_series_2", V, QT_TRANSLATE_NOOP("Keymap", "Series window 2"), "7", context=IMG),
    _a("view.window_series_3", V, QT_TRANSLATE_NOOP("Keymap", "Series window 3"), "8", context=IMG),
    _a("view.window_series_4", V, QT_TRANSLATE_NOOP("Keymap", "Series window 4"), "9", context=IMG),
    _a("view.window_series_default", V, QT_TRANSLATE_NOOP("Keymap", "Series default window"), "0", context=IMG),
    _a("view.reset_zoom", V, QT_TRANSLATE_NOOP("Keymap", "Reset zoom and pan"), "R", context=IMG),
    _a("view.reset_orientation", V, QT_TRANSLATE_NOOP("Keymap", "Reset MPR orientation"), "O", context=IMG),
    _a("view.slab_cycle", V, QT_TRANSLATE_NOOP("Keymap", "Slab: off, MIP, MinIP, average"), "M", context=IMG),
    _a("view.slab_thicker", V, QT_TRANSLATE_NOOP("Keymap", "Thicker slab"), "+", "=", context=IMG),
    _a("view.slab_thinner", V, QT_TRANSLATE_NOOP("Keymap", "Thinner slab"), "-", context=IMG),
    _a("view.rotate_back", V, QT_TRANSLATE_NOOP("Keymap", "Rotate other planes -5°"), "[", context=IMG),
    _a("view.rotate_forward", V, QT_TRANSLATE_NOOP("Keymap", "Rotate other planes +5°"), "]", context=IMG),
    _a("view.next_hanging", V, QT_TRANSLATE_NOOP("Keymap", "Next hanging protocol"), "H", context=IMG),
    _a("view.comparison_plane", V, QT_TRANSLATE_NOOP("Keymap", "Prior comparison: axial / coronal"), "V", context=IMG),
    _a("view.comparison_link", V, QT_TRANSLATE_NOOP("Keymap", "Prior comparison: link / unlink"), "U", context=IMG),
    _a("view.comparison_swap", V, QT_TRANSLATE_NOOP("Keymap", "Prior comparison: swap sides"), "S", context=IMG),
    _a("view.comparison_single", V, QT_TRANSLATE_NOOP("Keymap", "Prior comparison: one study / both"), "T",
       context=IMG),
    _a("view.comparison_find", V, QT_TRANSLATE_NOOP("Keymap", "Prior comparison: find the measured nodule in "
                                                              "the prior"), "G", context=IMG),
    _a("view.two_screens", V, QT_TRANSLATE_NOOP("Keymap", "Two screens: worklist and report on the other screen")),
    _a("view.reset_layout", V, QT_TRANSLATE_NOOP("Keymap", "Reset window layout")),

    _a("tools.window", T, QT_TRANSLATE_NOOP("Keymap", "Window/level"), "W", context=IMG),
    _a("tools.pan", T, QT_TRANSLATE_NOOP("Keymap", "Pan"), "P", context=IMG),
    _a("tools.zoom", T, QT_TRANSLATE_NOOP("Keymap", "Zoom"), "Z", context=IMG),
    _a("tools.length", T, QT_TRANSLATE_NOOP("Keymap", "Length"), "L", context=IMG),
    _a("tools.ellipse", T, QT_TRANSLATE_NOOP("Keymap", "Ellipse ROI"), "E", context=IMG),
    _a("tools.crosshair", T, QT_TRANSLATE_NOOP("Keymap", "Crosshair"), "C", context=IMG),
    _a("tools.delete_last", T, QT_TRANSLATE_NOOP("Keymap", "Delete last measurement"), "Del", "Backspace", context=IMG),
    _a("tools.cancel", T, QT_TRANSLATE_NOOP("Keymap", "Back to window/level"), "Esc", context=IMG),
    _a("tools.keymap_editor", T, QT_TRANSLATE_NOOP("Keymap", "Keyboard shortcuts…")),
    _a("tools.statistics", T, QT_TRANSLATE_NOOP("Keymap", "Centre statistics"), "Ctrl+Shift+T"),
    _a("tools.backlog", T, QT_TRANSLATE_NOOP("Keymap", "Backlog per reader"), "Ctrl+Shift+B"),

    _a("report.nodule_from_measurement", R, QT_TRANSLATE_NOOP("Keymap", "Measurement to nodule"), "Ctrl+M"),
    _a("report.sign", R, QT_TRANSLATE_NOOP("Keymap", "Sign report"), "Ctrl+Shift+S"),
    _a("report.sign_and_next", R, QT_TRANSLATE_NOOP("Keymap", "Sign report and open the next study"), "Ctrl+Shift+Return"),
    _a("report.flag_critical", R, QT_TRANSLATE_NOOP("Keymap", "Flag a critical result"), "Ctrl+Shift+U"),
    _a("report.compare_with_prior", R, QT_TRANSLATE_NOOP("Keymap", "Compare the measured nodule with the prior"), "Ctrl+Shift+C"),
    _a("report.key_image", R, QT_TRANSLATE_NOOP("Keymap", "Mark key image"), "K", context=IMG),
    _a("report.undo", R, QT_TRANSLATE_NOOP("Keymap", "Undo report change"), "Ctrl+Z"),
    _a("report.redo", R, QT_TRANSLATE_NOOP("Keymap", "Redo report change"), "Ctrl+Shift+Z", "Ctrl+Y"),
    _a("report.focus_editor", R, QT_TRANSLATE_NOOP("Keymap", "Go to the report editor"), "Ctrl+E"),

    _a("help.shortcuts", H, QT_TRANSLATE_NOOP("Keymap", "Keyboard shortcut sheet"), "F1"),
)
