"""`yomi --config centre.toml` against a real Orthanc, started as a reader starts it.

The station account is made with the same code as `yomi user add`; the centre password
comes from YOMI_PASSWORD (no keyring backend here: shared/PLATFORM-NOTES.md). Through
app.main.main: login dialog, then the reader's assigned studies from Orthanc, one opened.
"""
from __future__ import annotations

from PySide6.QtWidgets import QApplication

from app.session import add_user, default_store
from tests.fixtures.orthanc import orthanc  # noqa: F401  (fixture)
from tests.gui.startup import run_logged_in, when_loaded
from tests.session_support import make_site
from tests.gui.test_centre_window import assigned  # noqa: F401  (fixture)
from tests.worklist.conftest import READER

STATION_PASSWORD = "Station-Pass-4711"


def test_config_start_lists_assigned_studies_from_orthanc(qtbot, orthanc, assigned, tmp_path,  # noqa: F811
                                                           monkeypatch, artifacts):
    mine, other, _ = assigned
    config = tmp_path / "centre.toml"
    config.write_text(f'[centre]\nname = "Test centre"\ndicomweb_url = "{orthanc.dicomweb_url}"\n'
                      f'user = "{orthanc.user}"\nreader_dicom_name = "{READER}"\nprefetch = 1\n',
                      encoding="utf-8")
    monkeypatch.setenv("YOMI_PASSWORD", orthanc.password)
    site = make_site(tmp_path / "it", totp=False)  # the site dir IT installs (/etc/yomi), signed
    monkeypatch.setenv("YOMI_SITE_DIR", str(site.site_dir))
    add_user(default_store(), "dr.kenji", STATION_PASSWORD, "Kenji Takahashi", READER,
             must_change_password=False, key=site.key, centre_user=orthanc.user)  # IT binds the centre user

    def use(win, seen):
        seen["title"] = win.windowTitle()
        seen["studies"] = [i.study_uid for i in win.worklist.items]
        win.open_item(next(i for i in win.worklist.items if i.study_uid == mine))

        def done():
            seen["shape"] = win.volume.shape
            QApplication.primaryScreen().grabWindow(win.winId()).save(str(artifacts / "config-start.png"))
            win.close()

        when_loaded(win, done)

    rc, seen = run_logged_in(qtbot, ["--config", str(config)], STATION_PASSWORD, use, user_id="dr.kenji")
    assert rc == 0
    assert seen["prefilled"] == ""  # nothing about any reader is shown before login
    assert "Test centre" in seen["title"] and "dr.kenji" in seen["title"]
    assert mine in seen["studies"] and other not in seen["studies"]
    assert seen["shape"] == (64, 512, 512)
