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
from tests.fixtures.reading_station import PASSWORD, logged_in_reader  # noqa: F401  (PASSWORD: the tests')


@pytest.fixture
def reader_session(tmp_path):
    """A real account in a temporary user store, logged in: what signing re-authenticates."""
    return logged_in_reader(tmp_path, signing_key=False)[0]


@dataclass
class KeyedReader:
    session: object      # app.session.Session, logged in
    p12_password: str    # the password of the account's PKCS#12 key, as the reader types it


@pytest.fixture
def keyed_reader(tmp_path):
    """A logged-in reader whose account has a signing key bound (a test CA's PKCS#12): what
    signing in the window needs, since an account without a key signs nothing."""
    session, p12_password = logged_in_reader(tmp_path)
    return KeyedReader(session, p12_password)


@pytest.fixture
def demo(tmp_path):
    """The embedded demo centre (the real chest CT and the phantom) in this test's folder."""
    from app.demo import prepare_demo

    return prepare_demo(tmp_path / "centre")


@pytest.fixture
def outbox(tmp_path):
    """A real outbox of its own (no Sender: a test that delivers starts one)."""
    from worklist.outbox import Outbox

    box = Outbox(tmp_path / "outbox")
    yield box
    box.close()
