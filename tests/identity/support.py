"""A station as IT installs it for the identity tests: a signed site store (tests/session_support)
whose credentials dir is the station's own (`<YOMI_DATA_DIR>/credentials`), the environment a
script sets for `yomi pull` / `yomi report export`, and a look at the audit trail."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from app.session import Enrolment
from tests.session_support import PW, TestSite, make_site


@dataclass
class Station:
    """The station's data dir and IT's site; `login_env` is what a script exports to log in."""

    data: Path
    site: TestSite

    def add(self, user_id: str, *, dicom_name: str, centre_user: str = "", **kw) -> Enrolment:
        return self.site.add(user_id, dicom_name=dicom_name, centre_user=centre_user, **kw)

    def bind_oidc(self, user_id: str, subject: str) -> None:
        """What `yomi user oidc ID --subject SUB` signs into the store (IT's key)."""
        def bind(_settings, accounts) -> None:
            accounts[user_id].oidc_subject = subject

        self.site.store.site.change(self.site.key, bind)

    @staticmethod
    def login_env(monkeypatch: pytest.MonkeyPatch, enrolment: Enrolment, *, password: str = PW,
                  code: str | None = None) -> None:
        monkeypatch.setenv("YOMI_USER", enrolment.user.user_id)
        monkeypatch.setenv("YOMI_PASSWORD", password)
        if code is None and enrolment.recovery_codes:
            code = enrolment.recovery_codes.pop()  # single use: each login takes a fresh one
        if code is None:
            monkeypatch.delenv("YOMI_CODE", raising=False)
        else:
            monkeypatch.setenv("YOMI_CODE", code)


def make_station(root: Path, monkeypatch: pytest.MonkeyPatch, *, totp: bool = True) -> Station:
    """YOMI_DATA_DIR = root (so the default store's credentials dir is the site's), YOMI_SITE_DIR
    its signed site, no site config file and no stray login variables."""
    site = make_site(root, totp=totp)
    monkeypatch.setenv("YOMI_DATA_DIR", str(root))
    monkeypatch.setenv("YOMI_SITE_DIR", str(site.site_dir))
    monkeypatch.setenv("YOMI_SITE_CONFIG", str(root / "no-site.toml"))
    for name in ("YOMI_USER", "YOMI_PASSWORD", "YOMI_CODE", "YOMI_CENTRE_PASSWORD", "YOMI_P12_PASSWORD",
                 "YOMI_PKCS11_PIN"):
        monkeypatch.delenv(name, raising=False)
    return Station(root, site)


def audit_events(event_code: str) -> list:
    """The events of the station's audit trail with this EventID code (e.g. 110113)."""
    from app.audit import default_log

    return [r.event for r in default_log().records() if r.event.event_id.code == event_code]


def study_alerts(study_uid: str) -> list:
    """Security Alerts written about this study (audit.study_refused)."""
    return [e for e in audit_events("110113")
            if any(o.object_id == study_uid for o in e.objects)]
