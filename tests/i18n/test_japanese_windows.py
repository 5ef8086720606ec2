"""Every window and dialog in Japanese: driven as a reader drives them, every visible text
walked (tests/i18n/untranslated.py), a screenshot of each saved as tests/artifacts/ja-*.png.

A failure lists each text still in English, where it is and the words at fault: translate
them in resources/translations/yomi_ja.ts (after `build.py --update` for new strings).
"""
from __future__ import annotations

import os
import re
from dataclasses import astuple, fields, is_dataclass

import numpy as np
import pytest

if not os.environ.get("DISPLAY"):
    pytest.skip("window tests need an X display (run through tests/run.sh, which starts Xvfb)",
                allow_module_level=True)

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication, QDockWidget

from app.demo import DEMO_READER, prepare_demo
from app.windows.error_text import error_text
from app.windows.login_dialog import LoginDialog
from app.windows.main_window import MainWindow
from app.windows.prompts import Dialogs
from common.person_name import display_name
from tests.i18n.untranslated import english, visible_texts
from tests.report_gui.conftest import PASSWORD
from tests.report_gui.helpers import open_study
from tests.session_gui.conftest import IT_PW
from tests.session_support import wait_checked
from tests.session_gui.test_login_dialog import _type_login
from tests.centre.conftest import centre  # noqa: F401  (fixture: Orthanc + the centre plugin + studies)
from tests.double_reading.conftest import double, stations  # noqa: F401  (fixtures)
from tests.fixtures.orthanc import orthanc  # noqa: F401  (fixture)
from tests.fixtures.prior_pair import prior_pair  # noqa: F401  (fixture)
from viewer.views.link_model import Side
from worklist.centre import Forbidden
from tests.window_waits import wait_active, wait_exposed

pytestmark = pytest.mark.gui
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]")


def _shot(widget, path, *, screen: bool = False) -> None:
    """Save a picture of `widget` and check it is not blank: rendered by Qt, or taken from the
    screen (`screen`: the reading window, whose VTK views a widget grab leaves black)."""
    pix = QApplication.primaryScreen().grabWindow(widget.winId()) if screen else widget.grab()
    _saved_not_blank(pix, path)


def _shot_screen(rect: QRect, path) -> None:
    """Save the screen's pixels in `rect` (global coordinates: a menu popped up under its bar)."""
    _saved_not_blank(QApplication.primaryScreen().grabWindow(0, rect.x(), rect.y(), rect.width(), rect.height()),
                     path)


def _saved_not_blank(pix, path) -> None:
    pix.save(str(path))
    img = pix.toImage().convertToFormat(QImage.Format_RGB888)
    h, w = img.height(), img.width()
    rgb = np.frombuffer(img.constBits(), np.uint8, count=img.bytesPerLine() * h)
    rgb = rgb.reshape(h, img.bytesPerLine())[:, : w * 3].reshape(h, w, 3)
    assert w > 50 and h > 30, path
    grey = rgb.mean(axis=2)
    # text and frames: many pixels far from the background's value
    assert grey.std() > 8 and np.count_nonzero(np.abs(grey - np.median(grey)) > 60) > 200, f"blank: {path}"


def _shot_part(win, part, path) -> None:
    """A screenshot of one dock of the window (the screen's pixels, VTK included)."""
    top_left = part.mapTo(win, QPoint(0, 0))
    pix = QApplication.primaryScreen().grabWindow(win.winId()).copy(QRect(top_left, part.size()))
    pix.save(str(path))
    grey = np.array([pix.toImage().pixelColor(x, y).lightness() for x in range(0, pix.width(), 7)
                     for y in range(0, pix.height(), 7)])
    assert grey.std() > 8, f"blank: {path}"


def _screen_is_mostly(win, colour) -> bool:
    """Most of what the screen shows of `win` has `colour` (the lock screen's background)."""
    img = QApplication.primaryScreen().grabWindow(win.winId()).toImage()
    samples = [img.pixelColor(x, y) for x in range(0, img.width(), 37) for y in range(0, img.height(), 37)]
    near = sum(abs(c.red() - colour.red()) + abs(c.green() - colour.green()) + abs(c.blue() - colour.blue()) < 12
               for c in samples)
    return near > 0.6 * len(samples)


def _assert_japanese(widget, data=()) -> None:
    found = english(visible_texts(widget), data)
    assert not found, "English left in the Japanese interface:\n" + "\n".join(found)


def _on_modal(qtbot, name: str, artifacts, data=(), answer=None) -> dict:
    """When the next modal dialog is up: walk it, screenshot it as ja-<name>.png, then answer
    it (`answer(dialog)`, else Esc). The returned dict gets `english` (what was left) and
    `dialog` (its class and object name) once that happened."""
    seen: dict = {}

    def look() -> None:
        dlg = QApplication.activeModalWidget()
        if dlg is None or not dlg.isVisible() or not dlg.isActiveWindow():
            QTimer.singleShot(20, look)
            return
        QApplication.processEvents()
        seen["english"] = english(visible_texts(dlg), data)
        seen["dialog"] = (type(dlg).__name__, dlg.objectName())
        _shot(dlg, artifacts / f"ja-{name}.png")
        if answer is not None:
            answer(dlg)
        else:
            qtbot.keyClick(dlg, Qt.Key_Escape)

    QTimer.singleShot(0, look)
    return seen


def _checked(seen: dict) -> None:
    assert "english" in seen, "the dialog never showed"
    assert not seen["english"], f"English left in {seen['dialog']}:\n" + "\n".join(seen["english"])


def _values(*objs) -> list[str]:
    """The data values of dataclasses shown as they came (names, IDs, descriptions, UIDs)."""
    out = []
    for o in objs:
        if is_dataclass(o):
            out += [v for v in astuple(o) if isinstance(v, str)]
            name = getattr(o, "patient_name", "")
            if name:
                out.append(display_name(name))
            out += ["/".join(o.modalities)] if "modalities" in {f.name for f in fields(o)} else []
    return out


# ---- login ------------------------------------------------------------------------------
def _login_dialog(qtbot, windows, store) -> LoginDialog:
    dlg = LoginDialog(store)
    windows.append(dlg)
    qtbot.addWidget(dlg)
    dlg.show()
    wait_exposed(qtbot, dlg)
    return dlg


def test_login_dialog_in_japanese(qtbot, windows, japanese, store, artifacts):
    dlg = _login_dialog(qtbot, windows, store)
    assert dlg.windowTitle() == "Yomi — ログイン"
    _assert_japanese(dlg)
    _shot(dlg, artifacts / "ja-login.png")
    _type_login(qtbot, dlg, "dr.sato", "not the password")
    assert dlg.message.text() == "ユーザーIDまたはパスワードが正しくありません。"
    _assert_japanese(dlg)
    _shot(dlg, artifacts / "ja-login-wrong-password.png")

    _type_login(qtbot, dlg, "dr.new", IT_PW)  # IT set this password: the change page
    assert dlg.changing_password
    qtbot.keyClicks(dlg.new_password, "short")
    qtbot.keyClicks(dlg.repeat_password, "short")
    qtbot.keyClick(dlg.repeat_password, Qt.Key_Return)
    qtbot.waitUntil(lambda: not dlg.working, timeout=30000)
    assert "13文字以上" in dlg.message.text()
    _assert_japanese(dlg, data=["dr.new"])
    _shot(dlg, artifacts / "ja-login-change-password.png")


def test_enrolment_code_page_in_japanese(qtbot, windows, japanese, tmp_path, artifacts):
    from tests.session_support import make_site

    site = make_site(tmp_path / "it", totp_enrol_at_first_login=True)
    site.add("dr.new", IT_PW)
    dlg = _login_dialog(qtbot, windows, site.store)
    _type_login(qtbot, dlg, "dr.new", IT_PW)
    assert dlg.asking_code and dlg.showing_qr
    key = dlg.manual_key.text().split(":", 1)[1].split()  # the base32 key, typed by hand: data
    _assert_japanese(dlg, data=["dr.new", *key])
    _shot(dlg, artifacts / "ja-login-enrolment.png")
    qtbot.keyClicks(dlg.code, "000000")
    qtbot.keyClick(dlg.code, Qt.Key_Return)
    qtbot.waitUntil(lambda: not dlg.working, timeout=30000)
    assert dlg.message.text() and _CJK.search(dlg.message.text())
    _assert_japanese(dlg, data=["dr.new", *key])


# ---- the reading window -------------------------------------------------------------------
@pytest.fixture
def reading(qtbot, windows, japanese, shared_data, tmp_path, keyed_reader):
    """The reading window of a reader with a signing key, built in Japanese (as `yomi` starts
    it: the catalogue goes in before the first window), asking and warning with real dialogs."""
    setup = prepare_demo(tmp_path / "centre")
    win = MainWindow(setup.centre, DEMO_READER, "", session=keyed_reader.session, prompts=Dialogs())
    windows.append(win)
    qtbot.addWidget(win)
    win.resize(1270, 980)
    win.show()
    wait_exposed(qtbot, win)
    win.activateWindow()
    wait_active(qtbot, win)
    qtbot.waitUntil(lambda: not win.reading.refreshing, timeout=60000)
    return win


def _open_real_ct(qtbot, win) -> None:
    open_study(qtbot, win, "Lung_Dx-A0001")  # Enter on its worklist row, then its report opens


def _data(win) -> list[str]:
    """What the window shows as it came: centre and reader, the worklist's studies, the series
    on screen, the report's identifiers."""
    out = [win.centre.name, win.reader, *_values(*win.worklist.items)]
    if win.volume is not None:
        out += _values(win.volume.identity)
        out += [g.identity.series_description for g in win.groups]
    report = win.report_panel.report
    if report is not None:
        ident = report.identity
        out += [ident.patient_id, ident.study_uid, ident.accession_number, report.template.id, report.report_id]
    return out


def test_reading_window_in_japanese(qtbot, reading, artifacts):
    win = reading
    _assert_japanese(win, _data(win))
    _shot(win, artifacts / "ja-main-window-worklist.png", screen=True)
    _open_real_ct(qtbot, win)
    qtbot.wait(200)  # the views draw once more after the report opened (screenshot only)
    data = _data(win)
    _assert_japanese(win, data)
    assert win.report_panel.sign_button.text() == "署名 (Ctrl+Shift+S)"
    assert win.worklist.model.headerData(0, Qt.Horizontal) == "優先度"
    _shot(win, artifacts / "ja-main-window.png", screen=True)
    for dock in win.findChildren(QDockWidget):
        _shot_part(win, dock, artifacts / f"ja-{dock.objectName()}.png")  # worklist, report dock


def test_prompts_and_dialogs_of_the_reading_window_in_japanese(qtbot, reading, artifacts):
    win = reading
    _open_real_ct(qtbot, win)
    panel = win.report_panel
    data = _data(win)

    seen = _on_modal(qtbot, "confirm-give-back", artifacts, data,
                     answer=lambda d: qtbot.keyClick(d, Qt.Key_Escape))
    win.give_back()  # the question, answered No (Esc): the study stays
    _checked(seen)
    assert win.current is not None

    seen = _on_modal(qtbot, "error-message", artifacts, data)
    win.show_error(error_text(Forbidden("403 from QIDO", study_uid=win.current.study_uid)))
    _checked(seen)
    assert "割り当てられていません" in win.status_label.text()

    seen = _on_modal(qtbot, "sign-password", artifacts, data)
    assert panel.ask_password() is None  # Esc: nothing signed
    _checked(seen)

    # the account's own PKCS#12 key (the demo reader would sign with the demo PKI, unasked)
    from app.reading.certificates import choose_certificate

    choice = choose_certificate(demo_reader=False, account_key=win.session.user.signing_key, pkcs11_module=None)
    assert choice.needs_password
    seen = _on_modal(qtbot, "certificate-password", artifacts, data)
    assert panel.certificate(choice) is None
    _checked(seen)

    seen = _on_modal(qtbot, "short-axis", artifacts, data)
    assert panel.ask_short_axis(8.0) is None
    _checked(seen)

    # Sign with the report not filled in: the to-do list, in Japanese, in the status bar
    win.activateWindow()
    wait_active(qtbot, win)
    panel.editor.focus_first_field()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_S, Qt.ControlModifier | Qt.ShiftModifier)
    assert "まだ署名できません" in win.status_label.text() and "未入力" in win.status_label.text()
    _assert_japanese(win, data)


def test_lock_screen_in_japanese(qtbot, reading, keyed_reader, artifacts):
    from app.windows.lock_screen import BACKGROUND, LockGuard

    win = reading
    _open_real_ct(qtbot, win)
    guard = LockGuard(win, keyed_reader.session, timeout_s=3600)
    try:
        guard.lock_now()
        qtbot.waitUntil(lambda: guard.lock_widget.isVisible())
        qtbot.waitUntil(lambda: _screen_is_mostly(win, BACKGROUND), timeout=10000)  # the views gone
        assert win.windowTitle() == "Yomi — ロック中"
        _assert_japanese(win, ["sato"])
        _shot(win, artifacts / "ja-lock-screen.png", screen=True)
        qtbot.keyClicks(guard.lock_widget.password, "wrong")
        qtbot.keyClick(guard.lock_widget.password, Qt.Key_Return)
        wait_checked(qtbot, guard.lock_widget)
        assert guard.lock_widget.message.text() == "パスワードが正しくありません。"
        qtbot.keyClicks(guard.lock_widget.password, PASSWORD)
        qtbot.keyClick(guard.lock_widget.password, Qt.Key_Return)
        wait_checked(qtbot, guard.lock_widget)
        qtbot.waitUntil(lambda: not guard.locked)
        assert win.windowTitle().startswith("Yomi — ") and "ロック" not in win.windowTitle()
    finally:
        guard.stop()


def test_a_japanese_screen_writes_an_english_report(qtbot, reading, artifacts):
    win = reading
    _open_real_ct(qtbot, win)
    panel = win.report_panel
    panel.language_box.setFocus()
    qtbot.keyClick(panel.language_box, Qt.Key_Down)  # 日本語 -> 英語
    qtbot.waitUntil(lambda: panel.report.language == "en")
    preview = panel.preview.toPlainText()
    name = panel.report.identity.patient_name
    assert "Patient" in preview and "Basis" in preview
    assert [line for line in preview.splitlines() if _CJK.search(line) and name not in line] == []
    # the screen itself stays Japanese: buttons, status, worklist
    assert panel.sign_button.text() == "署名 (Ctrl+Shift+S)"
    assert panel.language_box.currentText() == "英語"
    qtbot.wait(300)  # the rebuilt editor and the preview paint (for the screenshot only)
    _shot(win, artifacts / "ja-main-window-english-report.png", screen=True)


def test_oidc_wait_dialog_in_japanese(qtbot, windows, japanese, artifacts):
    from app.session.oidc import OidcClient, OidcSettings
    from app.windows.oidc_wait import OidcWaitDialog

    # not run(): its worker would sign in at the provider; the dialog's own texts are walked
    client = OidcClient(OidcSettings("https://id.centre.example", "yomi-station"), open_browser=lambda url: False)
    dlg = OidcWaitDialog(None, client, user_id="sato", oidc_subject="sub-1")
    windows.append(dlg)
    dlg.show()
    wait_exposed(qtbot, dlg)
    _assert_japanese(dlg)
    _shot(dlg, artifacts / "ja-oidc-wait.png")
    dlg._relay.started.emit("https://id.centre.example/authorize?client_id=yomi-station")
    assert "ウェブブラウザーを開けませんでした" in dlg.label.text()
    _assert_japanese(dlg)
    _shot(dlg, artifacts / "ja-oidc-no-browser.png")
    dlg.error = RuntimeError("closed by the test")  # lets reject() close it without a worker
    dlg.reject()


# ---- what the merged branches added to the reading window ---------------------------------
def _menu_area(bar, menu) -> QRect:
    """The menu bar and the menu popped up under it, in global coordinates."""
    return QRect(bar.mapToGlobal(QPoint(0, 0)), bar.size()).united(menu.geometry())


def _visible_window(kind):
    return next(w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible())


def test_menu_bar_and_its_menus_in_japanese(qtbot, reading, artifacts):
    win = reading
    _open_real_ct(qtbot, win)
    data = _data(win)
    bar = win.menuBar()
    assert [a.text() for a in bar.actions()] == ["ファイル(&F)", "検査(&S)", "表示(&V)", "ツール(&T)",
                                                  "レポート(&R)", "ヘルプ(&H)"]
    assert win.keys.action("study.comparison").text() == "比較読影（二重読影の最終判定）"
    for menu, qmenu in bar.menus.items():
        qmenu.popup(bar.mapToGlobal(bar.actionGeometry(qmenu.menuAction()).bottomLeft()))
        wait_exposed(qtbot, qmenu)
        qtbot.wait(150)   # the popup paints (screenshot only)
        try:
            assert qmenu.actions(), menu
            _assert_japanese(qmenu, data)
            _shot_screen(_menu_area(bar, qmenu), artifacts / f"ja-menu-{menu.value}.png")
        finally:
            qmenu.hide()


def test_keymap_editor_and_shortcut_sheet_in_japanese(qtbot, reading, artifacts):
    from app.windows.keymap_editor import KeymapEditor
    from app.windows.shortcut_sheet import ShortcutSheet

    win = reading
    win.keys.action("tools.keymap_editor").trigger()   # Tools > Keyboard shortcuts…
    editor = _visible_window(KeymapEditor)
    wait_exposed(qtbot, editor)
    try:
        assert editor.windowTitle() == "キーボードショートカット"
        assert editor.table.model().headerData(1, Qt.Horizontal) == "操作"
        _assert_japanese(editor)
        _shot(editor, artifacts / "ja-keymap-editor.png")
        # a key another action holds: the refusal names that action, in Japanese
        editor.select("study.next")
        editor.capture.clear()
        qtbot.keyClick(editor.capture, Qt.Key_F5)
        editor.set_button.click()
        assert "「ワークリストを更新」" in editor.message.text() and editor.reassign_button.isEnabled()
        _assert_japanese(editor)
        _shot(editor, artifacts / "ja-keymap-editor-conflict.png")
    finally:
        editor.reject()

    win.activateWindow()
    wait_active(qtbot, win)
    qtbot.keyClick(win, Qt.Key_F1)                       # the shortcut sheet
    sheet = _visible_window(ShortcutSheet)
    wait_exposed(qtbot, sheet)
    try:
        groups = [sheet.tree.topLevelItem(n).text(0) for n in range(sheet.tree.topLevelItemCount())]
        assert groups[0] == "ファイル(F)" and "ヘルプ(H)" in groups
        assert sheet.row_of("help.shortcuts").text(0) == "ショートカット一覧"
        assert sheet.row_of("view.slice_next").text(0).endswith("（画像上）")
        _assert_japanese(sheet)
        _shot(sheet, artifacts / "ja-shortcut-sheet.png")
    finally:
        sheet.close()


def test_critical_result_dialog_in_japanese(qtbot, reading, artifacts):
    from app.windows.critical_flag import CriticalDialog

    win = reading
    _open_real_ct(qtbot, win)
    panel = win.report_panel
    data = _data(win)
    win.activateWindow()
    wait_active(qtbot, win)
    panel.editor.focus_first_field()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_U, Qt.ControlModifier | Qt.ShiftModifier)
    qtbot.waitUntil(lambda: isinstance(getattr(panel, "critical_dialog", None), CriticalDialog)
                    and panel.critical_dialog.isVisible())
    dlg = panel.critical_dialog
    wait_exposed(qtbot, dlg)
    try:
        assert dlg.windowTitle() == "緊急所見"
        assert dlg.kinds.item(1).text() == "2  気胸"
        _assert_japanese(dlg, data)
        _shot(dlg, artifacts / "ja-critical-result.png")
        qtbot.keyClick(dlg.kinds, Qt.Key_4)              # "other" without a description: refused
        dlg._accept()
        assert dlg.error.text() == "「その他」の場合は所見の内容を記入してください。" and dlg.isVisible()
        _assert_japanese(dlg, data)
        _shot(dlg, artifacts / "ja-critical-result-other.png")
    finally:
        dlg.reject()


def test_worklist_filter_bar_and_turnaround_columns_in_japanese(qtbot, reading, artifacts):
    from app.windows.worklist_panel import COLUMNS, DUE_COLUMN, LEFT_COLUMN

    win = reading
    wl = win.worklist
    bar = wl.filter_bar
    assert bar.status.itemText(0) == "すべての状態" and bar.priority.itemText(1) == "至急"
    assert bar.search.placeholderText().startswith("検索: 患者ID")
    model = wl.model
    assert [model.headerData(c, Qt.Horizontal) for c in (COLUMNS.index("Role"), DUE_COLUMN, LEFT_COLUMN)] == [
        "担当", "報告期限", "残り時間"]
    lefts = [wl.text_at(r, LEFT_COLUMN) for r in range(wl.proxy.rowCount())]
    assert any(lefts), "no row has a turnaround clock"
    assert all(_CJK.search(t) for t in lefts if t), lefts   # "2時間 05分", "期限超過 1日 3時間"
    total = len(wl.items)
    assert win.worklist_counts.text().startswith(f"{total}件")   # "2件 · 至急 1件"
    bar.dates.setCurrentIndex(1)   # today: the demo's studies are older
    qtbot.waitUntil(lambda: win.worklist_counts.text().startswith(f"{total}件中 "))
    _assert_japanese(win, _data(win))
    _shot(wl, artifacts / "ja-worklist-filters.png")
    bar.dates.setCurrentIndex(0)


def test_centre_views_of_a_centre_without_dicomweb_say_so_in_japanese(qtbot, reading):
    win = reading
    win.activateWindow()
    wait_active(qtbot, win)
    qtbot.keyClick(win, Qt.Key_T, Qt.ControlModifier | Qt.ShiftModifier)   # Tools > Centre statistics
    assert win.status_label.text() == "この読影センターでは統計を利用できません（DICOMweb非対応）。"
    _assert_japanese(win, _data(win))


def _chart_texts(*charts) -> list:
    """What a bar chart paints (QPainter text, which the widget walk cannot see)."""
    from tests.i18n.untranslated import Seen

    out = []
    for c in charts:
        out.append(Seen(f"BarChart({c.objectName()}).title", c.title))
        out += [Seen(f"BarChart({c.objectName()}).series", s) for s in c.series]
        out += [Seen(f"BarChart({c.objectName()}).group", label) for label, _ in c.groups]
    return out


@pytest.mark.orthanc
def test_statistics_view_in_japanese(qtbot, windows, japanese, orthanc, artifacts):  # noqa: F811
    from PySide6.QtCore import QDate

    from tests.gui.centre_view_setup import statistics_view

    # the centre's signed readings, as tests/gui/test_statistics_view.py
    with statistics_view(qtbot, windows, orthanc) as view:
        assert view.windowTitle() == "センター統計"
        _assert_japanese(view)
        view.date_from.setDate(QDate(2031, 1, 1))
        view.date_to.setDate(QDate(2031, 12, 31))
        with qtbot.waitSignal(view.loaded, timeout=60000):
            qtbot.mouseClick(view.compute, Qt.LeftButton)
        assert view.summary.text().startswith("受診者 4人、読影 7件、緊急所見 2件、比較読影 1件。")
        qtbot.wait(100)
        _assert_japanese(view)
        found = english(_chart_texts(view.ages, view.judgements, view.rates))
        assert not found, "English painted in the charts:\n" + "\n".join(found)
        _shot(view, artifacts / "ja-statistics-view.png")
        view.date_to.setDate(QDate(2030, 1, 1))
        qtbot.mouseClick(view.compute, Qt.LeftButton)
        assert view.summary.text() == "終了日が開始日より前です。"
        _assert_japanese(view)


@pytest.mark.orthanc
def test_backlog_view_in_japanese(qtbot, windows, japanese, centre, artifacts):  # noqa: F811
    from tests.gui.centre_view_setup import backlog_view

    # the centre staff's account, as tests/gui/test_backlog_view.py
    with backlog_view(qtbot, windows, centre) as view:
        with qtbot.waitSignal(view.loaded, timeout=60000) as got:
            qtbot.mouseClick(view.refresh_button, Qt.LeftButton)
        readers = [b.reader for b in got.args[0]]
        assert view.windowTitle() == "読影医別の未処理件数"
        assert [view.table.horizontalHeaderItem(c).text() for c in range(view.table.columnCount())] == [
            "読影医", "未完了", "読影中", "至急", "期限超過", "期限間近"]
        assert view.message.text().startswith("未完了 ") and "うち期限超過" in view.message.text()
        qtbot.wait(100)
        _assert_japanese(view, readers)
        _shot(view, artifacts / "ja-backlog-view.png")


@pytest.mark.orthanc
def test_comparison_window_of_double_reading_in_japanese(qtbot, windows, japanese, double, stations,  # noqa: F811
                                                         tmp_path, artifacts):
    from app.windows.worklist_panel import COLUMNS
    from common.person_name import localized_name
    from tests.double_reading.judge_station import judge_window, open_comparison, sign_both
    from tests.gui.test_reading_window import _open

    # as tests/double_reading/test_comparison_gui.py: both readings signed, the judge opens the study
    sign_both(double, stations, tmp_path)
    with judge_window(qtbot, windows, double, stations, tmp_path) as (win, _centre):
        assert win.worklist.text_at(0, COLUMNS.index("Role")) == "最終判定医"
        _assert_japanese(win, _data(win))   # the worklist of a real centre: role and turnaround columns
        _open(qtbot, win, 0)
        cmp = open_comparison(qtbot, win)
        data = _data(win)
        for reading in (cmp.pair.first, cmp.pair.second):
            s = reading.ref.signer
            data += [s.id, s.name, localized_name(s.name, cmp.lang), reading.ref.signed_at]
        assert cmp.windowTitle().startswith("比較読影 — 検査 ")
        assert cmp.first_label.text().startswith("第一読影: ")
        _assert_japanese(cmp, data)
        qtbot.wait(200)
        _shot(cmp, artifacts / "ja-comparison-window.png", screen=True)
        # a decision: the status line asks for the reason, in Japanese
        open_rows = [r for r, (_k, d, _i) in enumerate(cmp._rows) if d is not None]
        cmp.table.selectRow(open_rows[0])
        cmp.table.setFocus()
        qtbot.keyClick(cmp.table, Qt.Key_1)
        assert "第一読影を採用" in cmp.status.text()
        qtbot.keyClick(cmp.reason, Qt.Key_Return)       # no reason: refused
        assert "理由が必要です" in cmp.status.text()
        _assert_japanese(cmp, data)
        qtbot.wait(150)   # the status line paints (screenshot only)
        _shot(cmp, artifacts / "ja-comparison-window-decision.png", screen=True)
        cmp.close()


def test_prior_comparison_dock_in_japanese(qtbot, windows, japanese, prior_pair, tmp_path_factory,  # noqa: F811
                                           artifacts):
    from tests.gui.test_prior_comparison import _centre, _open_current

    pair = prior_pair   # the real chest CT and its prior a year before (tests/fixtures/prior_pair.py)
    win = _open_current(qtbot, windows, _centre(tmp_path_factory.mktemp("local-centre"), pair), pair)
    comp = win.prior_comparison
    qtbot.waitUntil(lambda: comp.view.registration is not None, timeout=300000)
    dock = comp.parentWidget()
    assert isinstance(dock, QDockWidget) and dock.windowTitle() == "前回比較"
    qtbot.wait(200)
    _assert_japanese(win, _data(win) + _values(comp.chosen.study))
    view = comp.view
    assert view.titles[Side.CURRENT].text().startswith("今回 ") and view.titles[Side.PRIOR].text().startswith("前回 ")
    assert view.state_label.text().startswith("前回画像"), view.state_label.text()   # registered, or linked by table
    _shot_part(win, dock, artifacts / "ja-prior-comparison.png")
    comp._stop()
