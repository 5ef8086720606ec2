"""Report-panel GUI tests: real reading windows on Xvfb, the real chest CT, a real reader
session, a real outbox and Sender, the demo PKI, and a real Orthanc for the DICOMweb case.

Run: xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python -m pytest tests/report_gui -q
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

if not os.environ.get("DISPLAY"):
    pytest.skip("GUI tests need an X display (xvfb-run, see this file's docstring)", allow_module_level=True)

from tests.fixtures.orthanc import orthanc  # noqa: F401
# the leak scan after each test, as for the reading window's tests
from tests.gui.conftest import _no_personal_data_at_rest, pytest_runtest_makereport, windows  # noqa: F401

PASSWORD = "Correct-Horse-Battery-42"  # meets the 13-character policy


@pytest.fixture
def reader_session(tmp_path):
    """A real account in a temporary user store, logged in: what signing re-authenticates."""
    from app.audit import AuditLog
    from app.session import Session, UserStore, add_user

    store = UserStore(tmp_path / "users.json")
    add_user(store, "sato", PASSWORD, "Sato Hanako", "Sato^Hanako=佐藤^花子", must_change_password=False)
    session = Session(store, audit_log=AuditLog(tmp_path / "audit.jsonl"))
    session.login("sato", PASSWORD)
    return session


@dataclass
class KeyedReader:
    session: object      # app.session.Session, logged in
    p12_password: str    # the password of the account's PKCS#12 key, as the reader types it


@pytest.fixture
def keyed_reader(tmp_path):
    """A logged-in reader whose account has a signing key bound (a test CA's PKCS#12): what
    signing in the window needs, since an account without a key signs nothing."""
    from app.audit import AuditLog
    from app.session import Session, SigningKeyRef, UserStore, add_user
    from tests.report.pki import make_pki

    (tmp_path / "pki").mkdir()
    pki = make_pki(tmp_path / "pki")
    store = UserStore(tmp_path / "users.json")
    add_user(store, "sato", PASSWORD, "Sato Hanako", "Sato^Hanako=佐藤^花子", must_change_password=False,
             signing_key=SigningKeyRef("pkcs12", str(pki.p12)))
    session = Session(store, audit_log=AuditLog(tmp_path / "audit.jsonl"))
    session.login("sato", PASSWORD)
    return KeyedReader(session, pki.password.decode())
