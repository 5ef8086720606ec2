"""Japanese names in the reading window as a reader meets them: kanji with kana on the
worklist, filters and kana search driven by keys, counts in the status bar, and the banner's
flag on a name decoded by guess.

The studies are real slices of the chest CT (../shared/data/ct, TCIA Lung-PET-CT-Dx) carrying
the real names of pydicom's charset samples (chrH31: 山田^太郎=やまだ^たろう; chrJapMulti:
やまだ^たろう) re-encoded as mislabelling devices write them, in a local centre under tmp_path.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pydicom
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication

from app.windows.main_window import MainWindow
from app.windows.prompts import Unattended
from common.charset_guess import GuessedEncoding
from tests.fixtures.mislabelled import write_mislabelled
from tests.gui.test_reading_window import _grab
from worklist.centre import WorkItem
from worklist.local import LocalCentre
from tests.window_waits import wait_exposed

READER = "dr.yamada"
SLICES = 4
PATIENT_COLUMN = 2


def _study(src_files, folder, name, codec, declared, *, patient_id, modality, study_date) -> str:
    folder.mkdir(parents=True)
    study_uid = pydicom.uid.generate_uid()
    series_uid = pydicom.uid.generate_uid()
    for path in src_files:
        write_mislabelled(path, folder / path.name, name, codec, declared, series_uid=series_uid,
                          StudyInstanceUID=study_uid, SOPInstanceUID=pydicom.uid.generate_uid(),
                          PatientID=patient_id, Modality=modality, StudyDate=study_date)
    return study_uid


@pytest.fixture
def japanese(qtbot, windows, shared_data, tmp_path):
    charset = shared_data / "charset"
    kanji_kana = str(pydicom.dcmread(charset / "chrH31.dcm").PatientName)
    kana_only = str(pydicom.dcmread(charset / "chrJapMulti.dcm").PatientName)
    src = sorted((shared_data / "ct" / "lung-dx-a0001" / "series-2-5mm").glob("*.dcm"))[30:30 + SLICES]
    root = tmp_path / "centre"
    today = dt.date.today().strftime("%Y%m%d")
    sjis = _study(src, root / "studies" / "sjis", kanji_kana, "cp932", ["", "ISO 2022 IR 87"],
                  patient_id="JP-0001", modality="CT", study_date=today)
    euc = _study(src, root / "studies" / "euc", kana_only, "euc_jp", "ISO_IR 100",
                 patient_id="JP-0002", modality="MR", study_date="20240105")
    latin = _study(src, root / "studies" / "latin", "Smith^John", "ascii", "ISO_IR 100",
                   patient_id="GB-0003", modality="CT", study_date="20240105")
    centre = LocalCentre(root, READER, name="test (local)")
    now = dt.datetime.now()
    for minutes, (folder, uid, priority) in enumerate((("sjis", sjis, "STAT"), ("euc", euc, "ROUTINE"),
                                                       ("latin", latin, "ROUTINE"))):
        arrived = (now - dt.timedelta(minutes=10 - minutes)).isoformat(timespec="seconds")
        centre.add_study(folder, uid, READER, priority, arrived)   # the worklist's order: by arrival
    centre.claim(WorkItem(euc))   # in progress
    win = MainWindow(centre, READER, "")
    win.prompts = Unattended()
    windows.append(win)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    wait_exposed(qtbot, win)
    qtbot.waitUntil(lambda: not win.reading.refreshing and win.worklist.row_count() == 3, timeout=60000)
    return win


def _ime_commit(widget, text: str) -> None:
    """Japanese typed as a reader types it: the input method commits the converted text
    (QTest's key clicks carry Latin-1 key codes only)."""
    event = QInputMethodEvent("", [])
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def _patients(win) -> list[str]:
    return [win.worklist.text_at(r, PATIENT_COLUMN) for r in range(win.worklist.row_count())]


def test_worklist_shows_kanji_with_kana_and_filters_by_keys(qtbot, japanese, artifacts):
    win, wl = japanese, japanese.worklist
    assert _patients(win) == ["山田 太郎（やまだ たろう）", "やまだ たろう", "Smith John"]
    assert win.worklist_counts.text() == "3 studies · 1 STAT · 1 in progress"
    shot = _grab(win)
    QApplication.primaryScreen().grabWindow(win.winId()).save(str(artifacts / "worklist-japanese-names.png"))
    # the kanji cell is drawn (glyph pixels unlike the cell's background), unlike the kana one
    rect0 = wl.table.visualRect(wl.proxy.index(0, PATIENT_COLUMN))
    rect1 = wl.table.visualRect(wl.proxy.index(1, PATIENT_COLUMN))
    at0 = wl.table.viewport().mapTo(win, rect0.topLeft())
    at1 = wl.table.viewport().mapTo(win, rect1.topLeft())
    h, w = rect0.height(), min(rect0.width(), 160)
    cell0 = shot[at0.y():at0.y() + h, at0.x():at0.x() + w].astype(int)
    cell1 = shot[at1.y():at1.y() + h, at1.x():at1.x() + w].astype(int)
    for cell in (cell0, cell1):
        background = np.median(cell.reshape(-1, 3), axis=0)
        assert (np.abs(cell - background).max(axis=-1) > 80).sum() > 60, "a Japanese name is not drawn"
    assert np.abs(cell0 - cell1).max(axis=-1).astype(bool).sum() > 60

    wl.filter.setFocus()
    _ime_commit(wl.filter, "ﾀﾛｳ")                    # half-width katakana finds both readings
    assert [wl.text_at(r, 3) for r in range(wl.row_count())] == ["JP-0001", "JP-0002"]
    assert win.worklist_counts.text() == "2 of 3 studies · 1 STAT · 1 in progress"
    wl.filter.clear()
    qtbot.keyClicks(wl.filter, "GB-")                 # the patient ID
    assert [wl.text_at(r, 3) for r in range(wl.row_count())] == ["GB-0003"]
    wl.filter.clear()

    bar = wl.filter_bar
    bar.status.setFocus()
    qtbot.keyClick(bar.status, Qt.Key_Down)          # Scheduled
    qtbot.keyClick(bar.status, Qt.Key_Down)          # In progress
    assert [wl.text_at(r, 3) for r in range(wl.row_count())] == ["JP-0002"]
    qtbot.keyClick(bar.status, Qt.Key_Home)          # All statuses
    qtbot.keyClick(bar.priority, Qt.Key_Down)        # STAT
    assert [wl.text_at(r, 3) for r in range(wl.row_count())] == ["JP-0001"]
    qtbot.keyClick(bar.priority, Qt.Key_Home)
    assert [bar.modality.itemText(i) for i in range(bar.modality.count())][1:] == ["CT", "MR"]
    qtbot.keyClick(bar.modality, Qt.Key_End)         # MR
    assert [wl.text_at(r, 3) for r in range(wl.row_count())] == ["JP-0002"]
    assert win.worklist_counts.text() == "1 of 3 studies · 1 in progress"
    qtbot.keyClick(bar.modality, Qt.Key_Home)
    qtbot.keyClick(bar.dates, Qt.Key_Down)           # Today
    assert [wl.text_at(r, 3) for r in range(wl.row_count())] == ["JP-0001"]
    qtbot.keyClick(bar.dates, Qt.Key_Home)
    assert wl.row_count() == 3


def _orange_in_banner(win) -> int:
    """Pixels of the axial view's top-left band in the notices' orange (anti-aliased glyphs
    too); the band stops short of the centre, where the orange crosshair line runs."""
    shot = _grab(win).astype(int)
    view = win.mpr.axial
    at = view.mapTo(win, QPoint(0, 0))
    band = shot[at.y():at.y() + 120, at.x():at.x() + int(view.width() * 0.4)]
    r, g, b = band[..., 0], band[..., 1], band[..., 2]
    return int(((r > 150) & (g > 50) & (g < 170) & (b < 110) & (r - b > 100)).sum())


def _open_row(qtbot, win, row: int) -> None:
    win.worklist.table.setFocus()
    win.worklist.table.selectRow(row)
    qtbot.keyClick(win.worklist.table, Qt.Key_Return)
    qtbot.waitUntil(lambda: win.volume is not None and not win.is_loading()
                    and win.volume.identity.patient_id == win.worklist.text_at(row, 3), timeout=60000)
    qtbot.wait(100)


def test_a_name_decoded_by_guess_is_flagged_on_the_banner(qtbot, japanese, artifacts):
    win = japanese
    _open_row(qtbot, win, 2)            # a correct file first: no flag
    assert win.volume.identity.charset_guess is None
    unflagged = _orange_in_banner(win)
    _open_row(qtbot, win, 0)
    assert win.volume.identity.charset_guess is GuessedEncoding.SHIFT_JIS
    assert win.volume.identity.patient_name.split("=")[1] == "山田^太郎"
    QApplication.primaryScreen().grabWindow(win.winId()).save(str(artifacts / "reading-window-charset-flag.png"))
    flagged = _orange_in_banner(win)
    assert unflagged < 10 and flagged > 60, (unflagged, flagged)
