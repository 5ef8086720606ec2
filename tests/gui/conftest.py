"""GUI tests drive real windows on a real (virtual) X server; VTK renders with Mesa.

`QT_QPA_PLATFORM=offscreen` cannot host VTK's OpenGL widget (shared/PLATFORM-NOTES.md),
so these tests need DISPLAY (tests/run.sh starts Xvfb) and skip with that reason otherwise.
"""
from __future__ import annotations

import os

import pytest

if not os.environ.get("DISPLAY"):
    pytest.skip("GUI tests need an X display (run through tests/run.sh, which starts Xvfb)",
                allow_module_level=True)


@pytest.fixture
def windows(qtbot, artifacts, request):
    """Track top-level windows; close them after the test and fail on leaked ones.

    A failing test leaves a screenshot of every open window in tests/artifacts.
    """
    from PySide6.QtWidgets import QApplication

    before = set(QApplication.topLevelWidgets())
    opened = []
    yield opened
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    app = QApplication.instance()
    for n, w in enumerate(opened):
        if failed and w.isVisible():
            app.primaryScreen().grabWindow(w.winId()).save(str(artifacts / f"FAILED-{request.node.name}-{n}.png"))
        w.close()
        w.deleteLater()
    qtbot.wait(50)
    leaked = [w for w in QApplication.topLevelWidgets()
              if w not in before and w.isVisible() and w not in opened]
    assert not leaked, f"windows left open: {leaked}"


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


@pytest.fixture(autouse=True)
def _no_personal_data_at_rest(_private_data_dir, tmp_path):
    """After the test (its windows closed): no test patient's name or birth date, in any
    encoding, in a file of the data dir or of a station store under tmp_path, outside an
    encrypted file; personal-data stores owner-only (tests/at_rest/scan.py)."""
    yield
    from pathlib import Path

    from tests.at_rest.scan import assert_nothing_leaks

    data = os.environ.get("YOMI_DATA_DIR")
    assert_nothing_leaks(Path(data) if data else None, tmp_path)
