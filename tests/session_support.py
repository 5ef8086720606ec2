"""What the session tests (tests/infra, tests/session_gui) and every test that logs a reader in
share: a reader's password, cheap scrypt parameters for speed (the default cost is tested
once in tests/infra), a clock, and `make_site`, a real signed site dir with accounts.

    site = make_site(tmp_path)                     # TOTP required, as at a real site
    e = site.add("dr.sato", PW)                    # key pair, credential, signed entry
    Session(site.store).login("dr.sato", PW, site.code(e))
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pyotp

from app.session import Enrolment, ScryptParams, SiteSettings, SiteStore, UserStore, enrol
from app.session.site_store import SiteKey

PW = "Kumo-no-ue 2024"          # dr.sato's own password
FAST = ScryptParams(n=2 ** 10)  # tests only


class Clock:
    """The injected clock (monotonic seconds) a session and its lock guard both read."""

    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@dataclass
class TestSite:
    """A site dir signed with its own key, and a credentials dir: what IT's install holds."""

    __test__ = False  # not a pytest class

    store: UserStore
    key: SiteKey

    @property
    def site_dir(self) -> Path:
        return self.store.site.directory

    def add(self, user_id: str, password: str = PW, *, display_name: str = "", dicom_name: str = "",
            must_change_password: bool = False, **kw) -> Enrolment:
        return enrol(self.store, user_id, password, display_name or user_id,
                     dicom_name or f"{user_id.split('.')[-1].upper()}^READER",
                     must_change_password=must_change_password, key=self.key, **kw)

    @staticmethod
    def code(enrolment: Enrolment, at: float | None = None) -> str:
        """The authenticator app's current code (at epoch seconds `at`, default now)."""
        totp = pyotp.TOTP(enrolment.totp_secret)
        return totp.now() if at is None else totp.at(at)


def make_site(root: Path, *, totp: bool = True, scrypt: ScryptParams = FAST, **settings) -> TestSite:
    """A new site under `root` (site/ and credentials/); `settings` override `SiteSettings`."""
    s = replace(SiteSettings(totp_required=totp), **settings)
    site = SiteStore(root / "site")
    key = site.initialise(s, {})
    return TestSite(UserStore(site=root / "site", credentials_dir=root / "credentials", scrypt=scrypt), key)


def wait_checked(qtbot, lock_widget, timeout_ms: int = 10_000) -> None:
    """Wait for the lock screen's answer: its password check runs on a worker."""
    qtbot.waitUntil(lambda: not lock_widget.checking, timeout=timeout_ms)
