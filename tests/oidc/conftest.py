"""Fixtures for the OpenID Connect tests: the real provider (tests/fixtures/oidc_provider.py),
a requests session that records what the station sends to it, a clock tests can move, and
a client factory."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs

import pytest
import requests

from app.session.oidc import OidcClient, OidcSettings
from tests.fixtures.oidc_provider import OidcProvider, oidc_provider  # noqa: F401  (fixture)
from tests.fixtures.orthanc import orthanc  # noqa: F401  (fixture)
from tests.oidc.browser import FormBrowser

CLIENT_ID = "yomi-station"
CLIENT_SECRET = "station-secret"   # the mock accepts any secret but insists on one
READER_SUB = "reader-0042"
READER_CLAIMS = {"name": "Sato Hanako", "preferred_username": "hsato", "email": "hsato@centre.example"}


@dataclass
class Sent:
    method: str
    url: str
    form: dict[str, str]
    authorization: str


@dataclass
class Recorder:
    """Every request the station's OIDC session sent, as it went on the wire."""

    sent: list[Sent] = field(default_factory=list)

    def to(self, path_end: str) -> list[Sent]:
        return [s for s in self.sent if s.url.split("?")[0].endswith(path_end)]

    def hook(self, resp: requests.Response, **_: object) -> None:
        req = resp.request
        body = req.body.decode() if isinstance(req.body, bytes) else (req.body or "")
        form = {k: v[0] for k, v in parse_qs(body).items()} if req.method == "POST" else {}
        self.sent.append(Sent(req.method or "", req.url or "", form, req.headers.get("Authorization", "")))


class Clock:
    """Real time plus an offset the test moves (tokens then look older than they are)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def idp(oidc_provider: OidcProvider) -> OidcProvider:  # noqa: F811
    oidc_provider.set_user(READER_SUB, READER_CLAIMS)
    return oidc_provider


def recording_session(recorder: Recorder) -> requests.Session:
    s = requests.Session()
    s.trust_env = False
    s.hooks["response"].append(recorder.hook)
    return s


@pytest.fixture
def make_client(recorder: Recorder, clock: Clock) -> Callable[..., OidcClient]:
    def make(issuer: str, browser: Callable[[str], object] | None = None, *, client_id: str = CLIENT_ID,
             client_secret: str = CLIENT_SECRET, timeout_s: float = 5.0) -> OidcClient:
        settings = OidcSettings(issuer=issuer, client_id=client_id, client_secret=client_secret,
                                timeout_s=timeout_s)
        return OidcClient(settings, open_browser=browser or FormBrowser(READER_SUB),
                          clock=clock, session=recording_session(recorder))
    return make


def sign_in(make_client: Callable[..., OidcClient], issuer: str, sub: str = READER_SUB):
    """A complete sign-in through the real provider: (LoginResult, FormBrowser)."""
    browser = FormBrowser(sub)
    result = make_client(issuer, browser).begin().complete(timeout_s=15)
    browser.wait()
    return result, browser
