"""Interface-language tests: the Japanese catalogue is complete, every window shows Japanese.

The catalogue is compiled here from the .ts (resources/translations/build.py) exactly as the
install step does, so the tests check what a station runs. The window tests need an X display
(skipped without one, like tests/gui); the catalogue and report-language tests do not.
"""
from __future__ import annotations

import os

import pytest

if os.environ.get("DISPLAY"):  # those conftests skip their whole folder without a display
    from tests.gui.conftest import _no_personal_data_at_rest, pytest_runtest_makereport, windows  # noqa: F401
    from tests.report_gui.conftest import keyed_reader  # noqa: F401  (fixtures reused)
    from tests.session_gui.conftest import audit_log, store, totp_site  # noqa: F401


@pytest.fixture(scope="session")
def catalogue():
    """yomi_ja.qm built from yomi_ja.ts by the project's build step."""
    from resources.translations import build

    return build.compile_all()


@pytest.fixture
def japanese(qapp, catalogue):
    """The interface in Japanese for this test (as `language = "ja"` sets it), English after."""
    from app.windows.translation import UiLanguage, install_translators

    assert install_translators(qapp, "ja") is UiLanguage.JA
    yield
    install_translators(qapp, "en")
