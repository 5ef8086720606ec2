"""Plugin mode ("Authentication": "plugin"): the centre plugin itself authenticates basic
credentials and the reader's OpenID Connect bearer token, with Orthanc's own check off.

Real parts only: the provider of tests/fixtures/oidc_provider.py (opaque access tokens that
`/userinfo` checks, expiry included), tokens got through the station's real sign-in
(app.session.oidc + the form-driving browser of tests/oidc), a real Orthanc with the plugin.

Orthanc 1.10's request filter can only answer 403, so a request the plugin cannot
authenticate gets 401 + WWW-Authenticate on the plugin's own routes (the UPS worklist, the
station's first call) and 403 everywhere else (README "Bearer tokens").
"""
from __future__ import annotations

import json
import re
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from app.session.oidc import OidcClient, OidcSettings, TokenHolder
from tests.centre.conftest import LoadedCentre, load_studies
from tests.centre.support import (NAME_A, PLUGIN_SCRIPT, README, READER_A, READER_B, REPO, STAFF, SUB_A, SUB_B, As,
                                  make_study, plugin_auth_section, require_centre, sr_into, start_bearer_centre,
                                  start_centre, uids_of)
from tests.fixtures.oidc_provider import OidcProvider, start_oidc_provider
from tests.fixtures.orthanc import NGINX_BIN, make_test_pki, start_nginx_tls, start_orthanc
from tests.oidc.browser import FormBrowser
from worklist.centre import Forbidden
from worklist.claims import ClaimStore
from worklist.dicomweb import ClientSettings, DicomWebClient
from worklist.ups import UpsSettings, UpsWorklist

sys.path.insert(0, str(REPO / "packaging" / "centre"))

from yomi_centre.config import ConfigError, OidcConfig, parse_config  # noqa: E402
from yomi_centre.userinfo import UserinfoVerifier, _jwt_exp  # noqa: E402

pytestmark = pytest.mark.orthanc

STUDY_ACCEPT = {"Accept": "application/dicom+json"}


def sign_in(issuer: str, sub: str, clock=time.time) -> TokenHolder:
    """The station's real sign-in (authorization code + PKCE) as `sub`: its TokenHolder."""
    settings = OidcSettings(issuer=issuer, client_id="yomi-station", client_secret="station-secret")
    session = requests.Session()
    session.trust_env = False
    browser = FormBrowser(sub)
    result = OidcClient(settings, open_browser=browser, session=session, clock=clock).begin().complete(timeout_s=15)
    browser.wait()
    return result.tokens


class Bearer(As):
    """Requests to the server with `Authorization: Bearer <token>` (or any raw header)."""

    def __init__(self, server, token: str | None = None, *, header: str | None = None) -> None:
        super().__init__(server, ("", ""))
        self.s.auth = None
        if header is not None or token is not None:
            self.s.headers["Authorization"] = header if header is not None else f"Bearer {token}"


def workitem_studies(answer: requests.Response) -> set[str]:
    if answer.status_code == 204:
        return set()
    assert answer.status_code == 200, answer.status_code
    return {w["0040A370"]["Value"][0]["0020000D"]["Value"][0] for w in answer.json()}


@dataclass
class BearerCentre:
    idp: OidcProvider
    c: LoadedCentre
    token_a: str
    token_b: str


@pytest.fixture(scope="module")
def bearer() -> Iterator[BearerCentre]:
    require_centre()
    workdir = Path(tempfile.mkdtemp(prefix="yomi-bearer-"))
    with start_oidc_provider(token_max_age_s=300) as idp:
        server = start_bearer_centre(workdir / "orthanc", idp.issuer)
        try:
            loaded = load_studies(server, workdir / "studies")
            yield BearerCentre(idp, loaded, sign_in(idp.issuer, SUB_A).access_token(),
                               sign_in(idp.issuer, SUB_B).access_token())
        finally:
            server.stop()
            shutil.rmtree(workdir, ignore_errors=True)


def test_a_token_sees_a_worklist_and_studies_and_403_on_b(bearer: BearerCentre) -> None:
    c, a = bearer.c, Bearer(bearer.c.server, bearer.token_a)
    worklist = a.workitems()
    assert worklist.status_code == 200
    mine = workitem_studies(worklist)
    assert c.a1.uid in mine and c.b1.uid not in mine
    assert mine == workitem_studies(As(c.server, READER_A).workitems())   # same as A by password
    assert a.qido(f"studies?StudyInstanceUID={c.a1.uid}").status_code == 200
    assert a.get(f"/dicom-web/studies/{c.a1.uid}/series/{c.a1.series}/metadata").status_code == 200
    assert a.qido(f"studies/{c.a1_prior.uid}/series").status_code == 200     # a prior of A's patient
    for path in (f"studies?StudyInstanceUID={c.b1.uid}", f"studies/{c.b1.uid}/series",
                 f"studies/{c.b1.uid}/series/{c.b1.series}/metadata", "studies"):
        assert a.qido(path).status_code == 403, path
    assert a.get("/studies").status_code == 403                              # Orthanc's REST API: not for readers
    sop, sr = sr_into(c.a1, c.workdir / "sr-bearer")                      # A sends the report back
    stored = a.stow([sr], c.a1.uid)
    assert stored.status_code == 200 and sop in stored.text
    assert a.stow([sr_into(c.b1, c.workdir / "sr-bearer-b")[1]], c.b1.uid).status_code == 403
    b_list = Bearer(c.server, bearer.token_b).workitems()
    assert workitem_studies(b_list) == {c.b1.uid}
    b_uid = next(iter(uids_of(b_list)))
    assert a.get(f"/dicom-web/workitems/{b_uid}", headers=STUDY_ACCEPT).status_code == 403


def test_the_station_client_lists_a_ups_worklist_with_its_token(bearer: BearerCentre, tmp_path: Path) -> None:
    tokens = sign_in(bearer.idp.issuer, SUB_A)
    client = DicomWebClient(ClientSettings(bearer.c.server.dicomweb_url, auth_handler=tokens.bearer_auth(),
                                           backoff=0.01))
    with client:
        items = UpsWorklist(client, UpsSettings(reader_name=NAME_A), ClaimStore(tmp_path / "claims.json")).worklist()
    studies = {i.study_uid for i in items}
    assert bearer.c.a1.uid in studies and bearer.c.b1.uid not in studies
    assert studies == workitem_studies(As(bearer.c.server, READER_A).workitems())


def test_no_credentials_get_401_with_a_challenge(bearer: BearerCentre) -> None:
    anon = Bearer(bearer.c.server)
    answer = anon.workitems()
    assert answer.status_code == 401
    challenge = answer.headers.get("WWW-Authenticate", "")
    assert challenge.startswith("Bearer realm=") and "Basic realm=" in challenge
    assert anon.qido("studies").status_code == 403        # Orthanc 1.10's filter: 403 only
    assert anon.get("/studies").status_code == 403
    assert anon.get("/app/explorer.html").status_code == 403
    assert anon.s.request("PROPFIND", anon.server.base_url + "/webdav/", timeout=10).status_code == 403
    assert anon.post("/tools/execute-script", data="print(1)").status_code == 403
    assert anon.get("/yomi-centre/authn").status_code == 401      # nginx's auth_request question
    assert As(bearer.c.server, STAFF).get("/yomi-centre/authn").status_code == 204


def test_forged_or_random_tokens_are_refused(bearer: BearerCentre) -> None:
    c = bearer.c
    forged = [secrets.token_urlsafe(32), bearer.token_a[:-2] + "xy", "",
              # JWT-shaped, claiming A's subject: unsigned, and the provider does not know it
              "eyJhbGciOiJub25lIn0.eyJzdWIiOiJvaWRjLXJlYWRlci1hIn0."]
    for token in forged:
        answer = Bearer(c.server, token).workitems()
        assert answer.status_code == 401, token
        assert Bearer(c.server, token).qido(f"studies?StudyInstanceUID={c.a1.uid}").status_code == 403
    for header in ("Bearer a b", 'Bearer x"y', "Digest username=staff", "Basic " + "A" * 5000):
        assert Bearer(c.server, header=header).workitems().status_code == 401, header
        assert Bearer(c.server, header=header).get("/studies").status_code == 403, header
    # basic credentials that are not base64: Orthanc itself answers 400 before any plugin
    assert Bearer(c.server, header="Basic !!!").workitems().status_code == 400
    assert Bearer(c.server, header="Basic !!!").get("/studies").status_code == 400


def test_unknown_subject_is_refused(bearer: BearerCentre) -> None:
    stranger = Bearer(bearer.c.server, sign_in(bearer.idp.issuer, "someone-else").access_token())
    assert stranger.workitems().status_code == 403             # signed in, but not a reader here
    assert stranger.qido(f"studies?StudyInstanceUID={bearer.c.a1.uid}").status_code == 403
    assert stranger.get("/studies").status_code == 403          # a token never makes anyone staff


def test_basic_auth_still_works_for_staff_and_readers(bearer: BearerCentre) -> None:
    c = bearer.c
    staff = As(c.server, STAFF)
    assert staff.get("/studies").status_code == 200
    assert {c.a1.uid, c.b1.uid} <= workitem_studies(staff.workitems())
    assert workitem_studies(As(c.server, READER_B).workitems()) == {c.b1.uid}
    assert As(c.server, READER_A).qido(f"studies/{c.b1.uid}/series").status_code == 403
    for who in ((STAFF[0], "wrong"), (STAFF[0], STAFF[1] + "x"), ("nobody", STAFF[1]), (READER_A[0], READER_B[1])):
        assert As(c.server, who).get("/studies").status_code == 403, who
        assert As(c.server, who).workitems().status_code == 401, who
    log = c.server.log_path.read_text(errors="replace")
    assert bearer.token_a not in log and STAFF[1] not in log


def test_expired_and_revoked_tokens_are_refused(tmp_path: Path) -> None:
    require_centre()
    with start_oidc_provider(token_max_age_s=4) as idp:
        server = start_bearer_centre(tmp_path / "o", idp.issuer, cache_seconds=2)
        try:
            a1 = make_study(tmp_path / "a1", patient_id="E-1", reading=[NAME_A])
            server.upload(a1.files)
            used, unused = sign_in(idp.issuer, SUB_A).access_token(), sign_in(idp.issuer, SUB_A).access_token()
            revoked = sign_in(idp.issuer, SUB_B).access_token()
            started = time.monotonic()
            assert Bearer(server, used).workitems().status_code == 200
            assert Bearer(server, revoked).workitems().status_code in (200, 204)
            idp.revoke_tokens(SUB_B)
            assert not idp.token_is_valid(revoked)
            # believed from the cache for at most CacheSeconds (2 s), then refused
            time.sleep(max(0.0, started + 2.3 - time.monotonic()))
            assert Bearer(server, revoked).workitems().status_code == 401
            time.sleep(max(0.0, started + 4.5 - time.monotonic()))    # past the provider's 4 s expiry
            assert not idp.token_is_valid(used)
            for token in (used, unused):
                assert Bearer(server, token).workitems().status_code == 401
                assert Bearer(server, token).qido(f"studies/{a1.uid}/series").status_code == 403
        finally:
            server.stop()


def test_a_provider_that_is_down_refuses_tokens_but_not_passwords(tmp_path: Path) -> None:
    require_centre()
    with start_oidc_provider(token_max_age_s=300) as idp:
        server = start_bearer_centre(tmp_path / "o", idp.issuer, cache_seconds=2, TimeoutSeconds=2)
        try:
            a1 = make_study(tmp_path / "a1", patient_id="D-1", reading=[NAME_A])
            server.upload(a1.files)
            cached, fresh = sign_in(idp.issuer, SUB_A).access_token(), sign_in(idp.issuer, SUB_A).access_token()
            assert Bearer(server, cached).qido(f"studies/{a1.uid}/series").status_code == 200
            started = time.monotonic()
            idp.stop()
            down = Bearer(server, fresh).workitems()
            assert down.status_code == 503 and down.headers.get("Retry-After")
            assert Bearer(server, fresh).qido(f"studies/{a1.uid}/series").status_code == 403
            time.sleep(max(0.0, started + 2.3 - time.monotonic()))    # the cached answer has run out
            assert Bearer(server, cached).qido(f"studies/{a1.uid}/series").status_code == 403
            assert As(server, READER_A).qido(f"studies/{a1.uid}/series").status_code == 200
            assert "provider" in server.log_path.read_text(errors="replace")
        finally:
            server.stop()


@pytest.mark.parametrize("extra,section,why", [
    ({"AuthenticationEnabled": True}, "plugin", '"AuthenticationEnabled": false'),
    ({"AuthenticationEnabled": False, "RemoteAccessAllowed": True}, "default", '"RemoteAccessAllowed" is true'),
])
def test_a_misconfiguration_refuses_every_request(tmp_path: Path, extra: dict, section: str, why: str) -> None:
    require_centre()
    centre = plugin_auth_section("http://127.0.0.1:9") if section == "plugin" else None
    server = start_centre(tmp_path / "o", centre=centre, extra_config=extra)
    try:
        for who in (STAFF, READER_A, None):
            assert requests.get(f"{server.base_url}/studies", auth=who, timeout=10).status_code in (401, 403)
            worklist = requests.get(f"{server.base_url}/dicom-web/workitems", auth=who, timeout=10)
            assert worklist.status_code in (401, 403)
        assert why in server.log_path.read_text(errors="replace")
    finally:
        server.stop()


def _cfg(section: dict, **orthanc: object) -> dict:
    return {"AuthenticationEnabled": False, "RegisteredUsers": {"staff": "pw"}, **orthanc,
            "YomiCentre": {"Readers": {"r1": {"dicom_name": "A^B", "oidc_subject": "s1"}},
                           "Authentication": "plugin", **section}}


@pytest.mark.parametrize("section,match", [
    ({"Oidc": {"Issuer": "http://idp.example.org"}}, "must use https"),
    ({"Oidc": {"Issuer": "https://idp.example.org", "UserinfoUrl": "http://idp.example.org/u"}}, "UserinfoUrl"),
    ({"Oidc": {"Issuer": "https://idp.example.org", "CacheSeconds": 3600}}, "CacheSeconds"),
    ({"Oidc": {"Issuer": "https://idp.example.org", "CaBundle": "/no/such/ca.pem"}}, "CaBundle"),
    ({"Oidc": {"Issuer": "https://idp.example.org", "ReaderClaim": ""}}, "ReaderClaim"),
    ({}, '"Oidc" object'),
    ({"Authentication": "Plugin", "Oidc": {"Issuer": "https://idp.example.org"}}, '"Authentication" must be'),
])
def test_plugin_mode_configuration_errors_name_the_key(section: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        parse_config(_cfg(section))


def test_configuration_rules_around_modes() -> None:
    ok = parse_config(_cfg({"Oidc": {"Issuer": "https://idp.example.org/"}}))
    assert ok.authentication == "plugin" and ok.oidc.issuer == "https://idp.example.org"
    assert ok.oidc.cache_seconds == 30 and ok.readers["r1"].oidc_subject == "s1"
    assert "pw" not in repr(ok)                               # passwords stay out of log lines
    twins = _cfg({"Oidc": {"Issuer": "https://idp.example.org"}})
    twins["YomiCentre"]["Readers"]["r2"] = {"dicom_name": "C^D", "oidc_subject": "s1"}
    with pytest.raises(ConfigError, match="same"):
        parse_config(twins)
    default = {"AuthenticationEnabled": True, "YomiCentre": {"Readers": {"r1": {"dicom_name": "A^B"}}}}
    assert parse_config(default).authentication == "orthanc"
    with pytest.raises(ConfigError, match="only with"):
        parse_config({**default, "YomiCentre": {**default["YomiCentre"], "Oidc": {"Issuer": "https://x.org"}}})
    assert parse_config({**default, "RemoteAccessAllowed": True}).authentication == "orthanc"
    absent = _cfg({"Oidc": {"Issuer": "https://idp.example.org"}})
    del absent["AuthenticationEnabled"]     # Orthanc turns its check on by itself with remote access
    with pytest.raises(ConfigError, match='"AuthenticationEnabled": false'):
        parse_config(absent)


def test_verifier_caches_at_most_cache_seconds_and_never_past_a_jwt_exp() -> None:
    now = [1000.0]
    with start_oidc_provider(token_max_age_s=300) as idp:
        verifier = UserinfoVerifier(OidcConfig(issuer=idp.issuer, cache_seconds=10), clock=lambda: now[0])
        token = sign_in(idp.issuer, SUB_A).access_token()
        assert verifier.claim(token) == SUB_A                 # from discovery, then userinfo
        idp.revoke_tokens(SUB_A)
        now[0] += 9.5
        assert verifier.claim(token) == SUB_A                 # the cached answer, still in its 10 s
        now[0] += 1.0
        assert verifier.claim(token) is None                  # asked again: the provider says no
        assert verifier.claim("not a token") is None
    assert _jwt_exp("eyJhbGciOiJub25lIn0.eyJleHAiOjE3MDAwMDAwMDB9.") == 1700000000.0
    assert _jwt_exp("opaque-token") is None


def readme_block(fence: str) -> str:
    blocks = re.findall(rf"```{fence}\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) == 1, f"the README must hold exactly one {fence} block"
    return blocks[0]


def test_readme_plugin_mode_configuration_works_as_written(tmp_path: Path) -> None:
    require_centre()
    config = json.loads("\n".join(line for line in readme_block("jsonc").splitlines()
                                   if not line.strip().startswith("//")))
    section = config["YomiCentre"]
    (reader, entry), = section["Readers"].items()
    staff = next(u for u in config["RegisteredUsers"] if u != reader)
    with start_oidc_provider(token_max_age_s=300) as idp:
        section["Oidc"]["Issuer"] = idp.issuer          # the only key a test must own
        server = start_orthanc(tmp_path / "o", user=staff, password=config["RegisteredUsers"][staff],
                               python_script=PLUGIN_SCRIPT, extra_config=config)
        try:
            mine = make_study(tmp_path / "m", patient_id="R-1", reading=[entry["dicom_name"]])
            other = make_study(tmp_path / "x", patient_id="R-2", reading=["Someone^Else"], start=3)
            server.upload(mine.files + other.files)
            token = Bearer(server, sign_in(idp.issuer, entry["oidc_subject"]).access_token())
            assert workitem_studies(token.workitems()) == {mine.uid}
            assert token.qido(f"studies/{other.uid}/series").status_code == 403
            assert As(server, (reader, config["RegisteredUsers"][reader])).qido(f"studies/{mine.uid}/series").ok
            assert "authentication by the plugin" in server.log_path.read_text(errors="replace")
        finally:
            server.stop()


def test_behind_nginx_every_route_answers_401_and_the_station_renews(tmp_path: Path) -> None:
    """The README's auth_request step: 401 on DICOMweb and REST routes too, so the station's
    BearerAuth renews an expired token and repeats the request."""
    require_centre()
    if not NGINX_BIN.exists():
        pytest.skip("nginx not installed (Debian nginx-light)")
    with start_oidc_provider(token_max_age_s=3) as idp:
        server = start_bearer_centre(tmp_path / "o", idp.issuer, cache_seconds=1)
        front = None
        try:
            a1 = make_study(tmp_path / "a1", patient_id="N-1", reading=[NAME_A])
            b1 = make_study(tmp_path / "b1", patient_id="N-2", reading=["Sato^Jiro"], start=3)
            server.upload(a1.files + b1.files)
            snippet = readme_block("nginx").replace("127.0.0.1:8042", f"127.0.0.1:{server.port}")
            front = start_nginx_tls(tmp_path / "nginx", server.port, make_test_pki(tmp_path / "pki"),
                                    extra_locations=snippet)
            ca = str(front.pki.ca_cert)

            def get(path: str, **kw) -> requests.Response:
                return requests.get(front.base_url + path, verify=ca, timeout=30, **kw)

            for path in ("/dicom-web/studies", f"/dicom-web/studies/{a1.uid}/series", "/studies",
                         "/dicom-web/workitems"):
                answer = get(path)
                assert answer.status_code == 401, path
                assert answer.headers.get("WWW-Authenticate", "").startswith("Bearer realm="), path
            assert get("/studies", auth=STAFF).status_code == 200
            assert get(f"/dicom-web/studies/{b1.uid}/series", auth=READER_A).status_code == 403
            stranger = sign_in(idp.issuer, "someone-else").access_token()
            assert get("/studies", headers={"Authorization": f"Bearer {stranger}"}).status_code == 403

            lagging = lambda: time.time() - 30   # noqa: E731  the station believes its token fresh
            tokens = sign_in(idp.issuer, SUB_A, clock=lagging)
            first = tokens.access_token()
            with DicomWebClient(ClientSettings(front.dicomweb_url, auth_handler=tokens.bearer_auth(),
                                               ca_bundle=Path(ca), backoff=0.01)) as client:
                assert client.search_series(a1.uid)
                time.sleep(3.3)                  # the provider lets it expire; the cache (1 s) too
                assert Bearer(server, first).workitems().status_code == 401
                assert client.search_series(a1.uid)       # 401 from nginx, renewed once, repeated
                assert tokens.refresh_count == 1 and tokens.access_token() != first
                with pytest.raises(Forbidden):
                    client.search_series(b1.uid)          # signed in, still only A's studies
        finally:
            if front is not None:
                front.stop()
            server.stop()
