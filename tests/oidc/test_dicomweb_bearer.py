"""The sign-in's access token as the DICOMweb bearer, against the real Orthanc behind a gate
that checks each token with the real provider (tests/oidc/bearer_gate.py)."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from app.session.oidc import TokenRefreshFailed
from tests.fixtures.oidc_provider import start_oidc_provider
from tests.oidc.bearer_gate import BearerGate
from tests.oidc.conftest import sign_in
from worklist.centre import Unauthorised
from worklist.dicomweb import ClientSettings, DicomWebClient

CT_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "ct" / "lung-dx-a0001" / "series-2-5mm"


def _client(gate: BearerGate, tokens) -> DicomWebClient:
    return DicomWebClient(ClientSettings(f"{gate.url}/dicom-web", auth_handler=tokens.bearer_auth(), backoff=0.01))


def test_requests_carry_the_current_token(orthanc, idp, make_client):
    result, _ = sign_in(make_client, idp.issuer)
    with BearerGate(orthanc.base_url, orthanc.auth, idp.userinfo_url) as gate, _client(gate, result.tokens) as client:
        assert isinstance(client.search_studies(), list)
        assert [s.authorization for s in gate.seen] == [f"Bearer {result.tokens.access_token()}"]
        assert gate.seen[0].let_through
        assert "Bearer" not in repr(client.settings)


def test_an_expired_token_gets_one_renewal_and_one_retry(orthanc, make_client, clock):
    with start_oidc_provider(token_max_age_s=3) as short:
        result, _ = sign_in(make_client, short.issuer)
        tokens = result.tokens
        old = tokens.access_token()
        clock.offset = -30.0       # the station's clock lags: it believes its token is still fresh
        time.sleep(3.3)            # ... while the provider has let it expire
        with BearerGate(orthanc.base_url, orthanc.auth, short.userinfo_url) as gate, _client(gate, tokens) as client:
            assert isinstance(client.search_studies(), list)
            assert [(s.authorization, s.let_through) for s in gate.seen] == [
                (f"Bearer {old}", False), (f"Bearer {tokens.access_token()}", True)]
            assert tokens.refresh_count == 1 and tokens.access_token() != old


def test_a_centre_that_keeps_refusing_gets_one_retry_only(orthanc, idp, make_client):
    result, _ = sign_in(make_client, idp.issuer)
    with BearerGate(orthanc.base_url, orthanc.auth, idp.userinfo_url) as gate, _client(gate, result.tokens) as client:
        gate.refuse_all = True
        with pytest.raises(Unauthorised):
            client.search_studies()
        assert len(gate.seen) == 2 and result.tokens.refresh_count == 1
        assert gate.seen[0].authorization != gate.seen[1].authorization


def test_a_streamed_upload_is_not_repeated_but_the_next_one_has_a_fresh_token(orthanc, idp, make_client):
    files = sorted(CT_DIR.glob("*.dcm"))[:1] if CT_DIR.is_dir() else []
    if not files:
        pytest.skip(f"real test data absent: {CT_DIR}")
    result, _ = sign_in(make_client, idp.issuer)
    body = files[0].read_bytes()
    with BearerGate(orthanc.base_url, orthanc.auth, idp.userinfo_url) as gate, _client(gate, result.tokens) as client:
        gate.refuse_next = 1
        with pytest.raises(Unauthorised):
            client.store([body])
        assert len(gate.seen) == 1 and result.tokens.refresh_count == 1
        stored = client.store([body])               # what the outbox's next attempt does
        assert stored.status == 200 and len(stored.stored) == 1
        assert gate.seen[1].authorization == f"Bearer {result.tokens.access_token()}" and gate.seen[1].let_through


def test_an_ended_sign_in_is_unauthorised_before_anything_is_sent(orthanc, idp, make_client):
    result, _ = sign_in(make_client, idp.issuer)
    result.tokens.forget()
    with BearerGate(orthanc.base_url, orthanc.auth, idp.userinfo_url) as gate, _client(gate, result.tokens) as client:
        with pytest.raises(Unauthorised) as info:
            client.search_studies()
        assert isinstance(info.value.__cause__, TokenRefreshFailed)
        assert gate.seen == []
