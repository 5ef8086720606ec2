"""Login and lock tests drive real dialogs and a real reading window on an X server (Xvfb).

The window fixture and the failure-screenshot hook come from tests/gui/conftest.py; the
user store uses a cheap scrypt cost so each login takes milliseconds, not half a second.
`store` is a local store without second factor (the password flows); `totp_site` a signed
site requiring TOTP, as IT installs it (tests.session_support.make_site).
"""
from __future__ import annotations

import os

import pytest

if not os.environ.get("DISPLAY"):
    pytest.skip("GUI tests need an X display (run through tests/run.sh, which starts Xvfb)",
                allow_module_level=True)

from app.audit import AuditLog
from app.session import UserStore, add_user
from tests.gui.conftest import pytest_runtest_makereport, windows  # noqa: F401
from tests.session_support import FAST, PW, Clock, TestSite, make_site  # noqa: F401  (imported from here)

IT_PW = "Initial-Pass 0001"     # set by IT for dr.new: must be changed at first login


@pytest.fixture
def store(tmp_path) -> UserStore:
    s = UserStore(tmp_path / "users.json", scrypt=FAST)
    add_user(s, "dr.sato", PW, "Sato Ichiro", "SATO^ICHIRO", must_change_password=False)
    add_user(s, "dr.new", IT_PW, "Kato Jiro", "KATO^JIRO")
    return s


@pytest.fixture
def audit_log(tmp_path) -> AuditLog:
    return AuditLog(tmp_path / "audit.jsonl")


@pytest.fixture
def totp_site(tmp_path) -> TestSite:
    return make_site(tmp_path / "it", totp_unlock_after_h=1.0)
