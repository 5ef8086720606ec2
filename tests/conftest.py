"""Shared test set-up: where the real data is, a private user data dir, artefacts folder."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = (REPO.parent / "shared" / "data").resolve()
ARTIFACTS = REPO / "tests" / "artifacts"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real test data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session", autouse=True)
def _one_qt_application():
    """Qt allows one application object per process: make it a QApplication from the start.

    The PDF writer creates a bare QGuiApplication when none exists (as `yomi report export`
    needs); if a report test did that first, later widget tests in the same run would abort.
    """
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    yield QApplication.instance() or QApplication([])


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory, monkeypatch):
    """Every test gets its own user data dir: no test sees another's drafts or cache."""
    if "YOMI_DATA_DIR" not in os.environ or os.environ.get("YOMI_TEST_KEEP_DATA_DIR") != "1":
        monkeypatch.setenv("YOMI_DATA_DIR", str(tmp_path_factory.mktemp("yomi-data")))
