"""One keymap for every shortcut, driven as a reader does: the menu bar lists each action with
its key, the editor changes a key and the new key works at once (on screen), a key another
action holds is refused unless reassigned, reset brings the defaults back, F1 shows the sheet,
and the reader's keys come back in a new window for them only."""
from __future__ import annotations

import json

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QKeySequence
from PySide6.QtWidgets import QApplication

from app.demo import prepare_demo
from app.keymap.defaults import DEFAULTS, Menu
from app.keymap.files import user_keymap_path
from app.windows.keymap_editor import KeymapEditor
from app.windows.shortcut_sheet import ShortcutSheet
from tests.report_gui.helpers import make_window, open_study
from tests.window_waits import wait_active, wait_exposed

READER = "dr.keys"


def _grab(widget) -> np.ndarray:
    img = QApplication.primaryScreen().grabWindow(widget.winId()).toImage().convertToFormat(QImage.Format_RGB888)
    w, h = img.width(), img.height()
    buf = np.frombuffer(img.constBits(), np.uint8, count=img.bytesPerLine() * h)
    return buf.reshape(h, img.bytesPerLine())[:, : w * 3].reshape(h, w, 3).copy()


def _visible(kind):
    return next(w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible())


def _editor(qtbot, win) -> KeymapEditor:
    win.menuBar().menus[Menu.TOOLS]  # the editor is the Tools menu's
    win.keys.action("tools.keymap_editor").trigger()
    editor = _visible(KeymapEditor)
    wait_exposed(qtbot, editor)
    return editor


def _press_in_editor(qtbot, editor, key, modifiers=Qt.NoModifier) -> None:
    editor.capture.clear()
    qtbot.keyClick(editor.capture, key, modifiers)


def _back_to_images(qtbot, win):
    win.activateWindow()
    wait_active(qtbot, win)
    win.mpr.axial.setFocus()
    return win.mpr.axial


def test_menu_bar_lists_every_action_with_its_key(qtbot, windows, tmp_path):
    win = make_window(qtbot, windows, prepare_demo(tmp_path / "centre").centre, READER)
    bar = win.menuBar()
    assert [a.text() for a in bar.actions()] == ["&File", "&Study", "&View", "&Tools", "&Report", "&Help"]
    # every action of the keymap is in this window but the lock (no lock guard in a bare window)
    assert set(win.keys.bound()) == {s.id for s in DEFAULTS} - {"file.lock_screen"}
    for spec in DEFAULTS:
        act = win.keys.action(spec.id)
        if act is None:
            continue
        assert act in bar.menus[spec.menu].actions(), f"{spec.id} is not in its menu"
        # Qt reads the keymap's spelling as the same keys (the menus show them)
        assert [s.toString(QKeySequence.PortableText) for s in act.shortcuts()] == list(spec.keys), spec.id
    menu_ids = [a.objectName() for a in bar.menus[Menu.VIEW].actions()]
    assert menu_ids == [s.id for s in DEFAULTS if s.menu is Menu.VIEW]  # in the keymap's order


def test_a_key_changed_in_the_editor_works_at_once_and_is_the_readers_only(qtbot, windows, tmp_path, artifacts):
    demo = prepare_demo(tmp_path / "centre")
    win = make_window(qtbot, windows, demo.centre, READER)
    open_study(qtbot, win, "Lung_Dx-A0001")
    ax = _back_to_images(qtbot, win)
    k0 = ax.view.slice_index()
    qtbot.keyClick(ax, Qt.Key_Up)
    assert ax.view.slice_index() == k0 + 1

    editor = _editor(qtbot, win)
    editor.select("view.slice_next")
    _press_in_editor(qtbot, editor, Qt.Key_J)
    editor.set_button.click()
    assert editor.table.item(editor.ids.index("view.slice_next"), 2).text() == "J"
    assert win.keys.action("view.slice_next").shortcuts() == [QKeySequence("Up")]  # not before OK
    editor.ok_button.click()
    assert not editor.isVisible()

    ax = _back_to_images(qtbot, win)
    k1 = ax.view.slice_index()
    qtbot.wait(50)
    before = _grab(ax)
    qtbot.keyClick(ax, Qt.Key_J)
    assert ax.view.slice_index() == k1 + 1
    qtbot.wait(50)
    after = _grab(ax)
    QApplication.primaryScreen().grabWindow(win.winId()).save(str(artifacts / "keymap-j-scrolled.png"))
    changed = np.abs(after.astype(int) - before.astype(int)).max(axis=-1) > 20
    assert changed.mean() > 0.01, "the slice the new key showed must be on screen"
    qtbot.keyClick(ax, Qt.Key_Up)
    assert ax.view.slice_index() == k1 + 1  # Up is nobody's now
    assert win.menuBar().menus[Menu.VIEW].actions()[
        [s.id for s in DEFAULTS if s.menu is Menu.VIEW].index("view.slice_next")].shortcut() == QKeySequence("J")

    # F1: the sheet, written from the keymap, says J
    qtbot.keyClick(ax, Qt.Key_F1)
    sheet = _visible(ShortcutSheet)
    wait_exposed(qtbot, sheet)
    assert sheet.row_of("view.slice_next").text(1) == "J"
    assert sheet.row_of("help.shortcuts").text(1) == "F1"
    groups = [sheet.tree.topLevelItem(n).text(0) for n in range(sheet.tree.topLevelItemCount())]
    assert groups == ["File", "Study", "View", "Tools", "Report", "Help"]
    shot = _grab(sheet)
    QApplication.primaryScreen().grabWindow(sheet.winId()).save(str(artifacts / "keymap-shortcut-sheet.png"))
    assert (shot.min(axis=-1) < 100).mean() > 0.005, "the sheet shows its text"
    sheet.close()

    saved = json.loads(user_keymap_path(READER).read_text(encoding="utf-8"))
    assert saved == {"bindings": {"view.slice_next": ["J"]}}
    win.close()

    again = make_window(qtbot, windows, demo.centre, READER)
    assert again.keys.action("view.slice_next").shortcuts() == [QKeySequence("J")]
    other = make_window(qtbot, windows, demo.centre, "dr.other")
    assert other.keys.action("view.slice_next").shortcuts() == [QKeySequence("Up")]


def test_a_taken_key_is_refused_then_reassigned_and_reset_restores_the_site_keys(qtbot, windows, tmp_path,
                                                                                 monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    (site / "keymap.json").write_text(json.dumps({"bindings": {"study.next": ["Ctrl+Right"]}}), encoding="utf-8")
    monkeypatch.setenv("YOMI_SITE_DIR", str(site))
    win = make_window(qtbot, windows, prepare_demo(tmp_path / "centre").centre, READER)
    assert win.keys.action("study.next").shortcuts() == [QKeySequence("Ctrl+Right")]  # IT's key

    editor = _editor(qtbot, win)
    editor.select("study.next")
    _press_in_editor(qtbot, editor, Qt.Key_F5)  # refresh's
    editor.set_button.click()
    assert "Refresh worklist" in editor.message.text() and editor.reassign_button.isEnabled()
    assert editor.keymap.keys("study.next") == ("Ctrl+Right",)
    editor.reassign_button.click()
    assert editor.keymap.keys("study.next") == ("F5",) and editor.keymap.keys("file.refresh_worklist") == ()
    editor.ok_button.click()
    assert win.keys.action("file.refresh_worklist").shortcuts() == []

    hits = []
    win.keys.action("study.next").triggered.connect(lambda: hits.append("next"))
    _back_to_images(qtbot, win)
    qtbot.keyClick(win.worklist.table, Qt.Key_F5)
    assert hits == ["next"] and not win.reading.refreshing  # F5 is "next study" now, not a refresh

    editor = _editor(qtbot, win)
    editor.reset_all_button.click()
    editor.ok_button.click()
    assert win.keys.action("study.next").shortcuts() == [QKeySequence("Ctrl+Right")]   # the site's, not the default
    assert win.keys.action("file.refresh_worklist").shortcuts() == [QKeySequence("F5")]
    assert json.loads(user_keymap_path(READER).read_text(encoding="utf-8")) == {"bindings": {}}


def test_a_bad_keymap_file_is_named_and_the_rest_still_applies(qtbot, windows, tmp_path):
    path = user_keymap_path(READER)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"bindings": {"study.next": ["Ctrl+Banana"]}}', encoding="utf-8")
    win = make_window(qtbot, windows, prepare_demo(tmp_path / "centre").centre, READER)
    qtbot.waitUntil(lambda: bool(win.prompts.warnings))
    [warning] = win.prompts.warnings
    assert str(path) in warning and "Ctrl+Banana" in warning and "study.next" in warning
    assert win.keys.action("study.next").shortcuts() == [QKeySequence("Ctrl+Shift+N")]
    assert path.read_text(encoding="utf-8") == '{"bindings": {"study.next": ["Ctrl+Banana"]}}'  # kept
