"""A reader who starts Yomi from the menu (`yomi --error-dialog`, no terminal) sees a wrong
site file in a window: the refusal names the file and the key, closing it ends the start."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app.main import main

pytestmark = pytest.mark.gui


def test_a_wrong_site_file_is_shown_in_a_window(qtbot, tmp_path: Path, monkeypatch, artifacts: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text("[centre]\nidle_lok_s = 60\n", encoding="utf-8")
    monkeypatch.setenv("YOMI_SITE_CONFIG", str(site))
    monkeypatch.setenv("YOMI_DATA_DIR", str(tmp_path / "data"))
    seen: dict = {}

    def read_and_close() -> None:
        box = next((w for w in QApplication.topLevelWidgets()
                    if isinstance(w, QMessageBox) and w.objectName() == "startupError" and w.isVisible()), None)
        if box is None:
            QTimer.singleShot(50, read_and_close)
            return
        seen["detail"] = box.informativeText()
        image = box.grab().toImage()
        image.save(str(artifacts / "startup-error-dialog.png"))
        seen["colours"] = len({image.pixel(x, y) for x in range(0, image.width(), 3)
                               for y in range(0, image.height(), 3)})
        qtbot.mouseClick(box.button(QMessageBox.Ok), Qt.LeftButton)

    QTimer.singleShot(50, read_and_close)
    assert main(["--demo", "--error-dialog"]) == 2
    assert str(site) in seen["detail"] and "centre.idle_lok_s" in seen["detail"]
    assert "did you mean centre.idle_lock_s?" in seen["detail"]
    assert seen["colours"] > 5  # the dialog drew its icon and text, not an empty frame


def test_without_the_flag_no_window_opens(tmp_path: Path, monkeypatch, capsys) -> None:
    site = tmp_path / "site.toml"
    site.write_text('[station]\nlanguage = "fr"\n', encoding="utf-8")
    monkeypatch.setenv("YOMI_SITE_CONFIG", str(site))
    assert main(["--demo"]) == 2
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    assert "station.language must be one of auto, ja, en" in capsys.readouterr().err
