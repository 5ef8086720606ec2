"""The token holder against the real provider: renewal before expiry (moved clock and a real
3-second token), one renewal for many threads, and each way renewal ends the sign-in."""
from __future__ import annotations

import threading
import time

import pytest

from app.session.oidc import RefreshFailure, TokenRefreshFailed
from tests.fixtures.oidc_provider import start_oidc_provider
from tests.oidc.conftest import READER_SUB, sign_in


def _refreshes(recorder) -> int:
    return sum(1 for s in recorder.to("/oauth2/token") if s.form.get("grant_type") == "refresh_token")


def test_token_is_renewed_shortly_before_it_expires(idp, make_client, recorder, clock):
    result, _ = sign_in(make_client, idp.issuer)
    tokens = result.tokens
    first = tokens.access_token()
    # 120 s token: the margin is min(60 s, 12 s); 20 s before expiry nothing happens
    clock.offset = tokens.expires_at - time.time() - 20
    assert tokens.access_token() == first and _refreshes(recorder) == 0
    clock.offset = tokens.expires_at - time.time() - 5
    second = tokens.access_token()
    assert second != first and tokens.refresh_count == 1 and _refreshes(recorder) == 1
    (sent,) = [s for s in recorder.to("/oauth2/token") if s.form.get("grant_type") == "refresh_token"]
    assert sent.authorization.startswith("Basic ") and sent.form["refresh_token"]
    assert idp.token_is_valid(second)
    assert not idp.token_is_valid(first)          # this provider revokes the token it replaces
    assert tokens.access_token() == second        # fresh again: no second renewal
    assert _refreshes(recorder) == 1


def test_a_real_short_lived_token_is_renewed(make_client):
    with start_oidc_provider(token_max_age_s=3) as short:
        result, _ = sign_in(make_client, short.issuer)
        old = result.tokens.access_token()
        assert short.token_is_valid(old)
        time.sleep(3.3)
        assert not short.token_is_valid(old)       # the provider's expiry is real
        new = result.tokens.access_token()
        assert new != old and short.token_is_valid(new)


def test_many_threads_share_one_renewal(idp, make_client, recorder, clock):
    result, _ = sign_in(make_client, idp.issuer)
    tokens = result.tokens
    clock.offset = tokens.expires_at - time.time() - 1
    got: list[str] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        got.append(tokens.access_token())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(got) == 8 and len(set(got)) == 1
    assert _refreshes(recorder) == 1
    # a 401 seen by several threads with the same stale token renews once too
    stale = got[0]
    fresh = tokens.refresh(stale)
    assert tokens.refresh(stale) == fresh and _refreshes(recorder) == 2


def test_a_revoked_sign_in_raises_and_keeps_raising_without_asking_again(idp, make_client, recorder):
    result, _ = sign_in(make_client, idp.issuer, sub="reader-revoked")
    idp.revoke_tokens("reader-revoked")
    with pytest.raises(TokenRefreshFailed) as info:
        result.tokens.refresh()
    assert info.value.failure is RefreshFailure.REJECTED and info.value.error == "invalid_grant"
    asked = len(recorder.sent)
    with pytest.raises(TokenRefreshFailed):
        result.tokens.access_token()
    assert len(recorder.sent) == asked


def test_without_a_refresh_token_the_sign_in_ends_at_expiry(make_client, recorder, clock):
    with start_oidc_provider(token_max_age_s=120, no_refresh_token=True) as idp:
        result, _ = sign_in(make_client, idp.issuer)
        tokens = result.tokens
        assert not tokens.has_refresh_token
        clock.offset = tokens.expires_at - time.time() - 5      # due, still valid: kept
        assert idp.token_is_valid(tokens.access_token())
        clock.offset = tokens.expires_at - time.time() + 1
        with pytest.raises(TokenRefreshFailed) as info:
            tokens.access_token()
        assert info.value.failure is RefreshFailure.NO_REFRESH_TOKEN
        assert _refreshes(recorder) == 0


def test_provider_down_at_renewal_keeps_a_valid_token_then_fails(make_client, clock):
    with start_oidc_provider(token_max_age_s=120) as idp:
        result, _ = sign_in(make_client, idp.issuer)
        tokens = result.tokens
        current = tokens.access_token()
        idp.stop()
        clock.offset = tokens.expires_at - time.time() - 5
        assert tokens.access_token() == current               # still valid: used, renewal retried later
        clock.offset = tokens.expires_at - time.time() + 1
        t0 = time.monotonic()
        with pytest.raises(TokenRefreshFailed) as info:
            tokens.access_token()
        assert info.value.failure is RefreshFailure.UNREACHABLE and time.monotonic() - t0 < 2


def test_forget_ends_the_tokens(idp, make_client):
    result, _ = sign_in(make_client, idp.issuer)
    token = result.tokens.access_token()
    result.tokens.forget()
    with pytest.raises(TokenRefreshFailed):
        result.tokens.access_token()
    assert token not in repr(result.tokens) and READER_SUB not in repr(result.tokens)
