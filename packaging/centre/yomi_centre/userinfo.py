"""A bearer token checked at the OpenID Connect provider's userinfo endpoint (OIDC Core 5.3).

The station's access tokens may be opaque (they are with the test provider), so the only
check that works for every provider is to ask it: `GET userinfo` with the token answers 200
and the user's claims while the token is valid, 401 once it has expired or been revoked.
Standard library only (Orthanc's embedded Python has no requests).

Caching: each answer, good or bad, is kept at most `CacheSeconds`, and a good one never past
the token's `exp` when the token is a JWT that carries one (read without checking the
signature, so it can only shorten the time, never lengthen it). Keys are SHA-256 digests,
so no token is kept. A provider that cannot be asked raises `ProviderUnavailable`; that
outcome is never cached, and never lets a request through.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable

from .config import ConfigError, OidcConfig, provider_url

__all__ = ["ProviderUnavailable", "UserinfoVerifier"]

# RFC 6750 2.1 b64token; anything else is refused without bothering the provider
_TOKEN_RE = re.compile(r"^[A-Za-z0-9\-._~+/]+=*$")
_MAX_TOKEN = 8192
_MAX_ANSWER = 256 * 1024
_MAX_ENTRIES = 4096


class ProviderUnavailable(Exception):
    """The provider could not say whether the token is valid (down, slow, wrong answer)."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # urllib would send the Authorization header on to wherever a redirect points
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001
        return None


def _jwt_exp(token: str) -> float | None:
    """The `exp` of a JWT-shaped token, unverified (used only to shorten caching)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None
    exp = payload.get("exp") if isinstance(payload, dict) else None
    return float(exp) if isinstance(exp, (int, float)) and not isinstance(exp, bool) else None


class UserinfoVerifier:
    """`claim(token)`: the ReaderClaim of a valid token ("" if it has none), None for a token
    the provider refuses."""

    def __init__(self, config: OidcConfig, *, clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time) -> None:
        self.config = config
        self._clock, self._wall = clock, wall
        context = ssl.create_default_context(cafile=config.ca_bundle or None)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),        # no proxy from Orthanc's environment
            urllib.request.HTTPSHandler(context=context), _NoRedirect())
        self._userinfo = config.userinfo_url
        self._lock = threading.Lock()
        self._cache: dict[bytes, tuple[float, str | None]] = {}

    def claim(self, token: str) -> str | None:
        if not token or len(token) > _MAX_TOKEN or not _TOKEN_RE.match(token):
            return None
        key = hashlib.sha256(token.encode("ascii")).digest()
        now = self._clock()
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and hit[0] > now:
                return hit[1]
        value = self._ask(token)          # raises ProviderUnavailable: nothing cached
        ttl = self.config.cache_seconds
        exp = _jwt_exp(token)
        if exp is not None:
            ttl = min(ttl, exp - self._wall())
        if ttl > 0:
            with self._lock:
                if len(self._cache) >= _MAX_ENTRIES:
                    self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
                    if len(self._cache) >= _MAX_ENTRIES:
                        self._cache.clear()    # costs only new questions to the provider
                self._cache[key] = (now + ttl, value)
        return value

    def _get(self, url: str, headers: dict[str, str]) -> tuple[int, bytes, str]:
        request = urllib.request.Request(url, headers={"Accept": "application/json", **headers})
        try:
            with self._opener.open(request, timeout=self.config.timeout_seconds) as answer:
                return answer.status, answer.read(_MAX_ANSWER + 1), answer.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            exc.close()
            return exc.code, b"", ""
        except (urllib.error.URLError, OSError, ValueError) as exc:   # refused, timeout, TLS, bad URL
            raise ProviderUnavailable(f"cannot reach the provider ({type(exc).__name__})") from None

    def _userinfo_url(self) -> str:
        if self._userinfo:
            return self._userinfo
        issuer = self.config.issuer
        status, body, _ = self._get(issuer + "/.well-known/openid-configuration", {})
        try:
            doc = json.loads(body) if status == 200 else None
        except ValueError:
            doc = None
        if not isinstance(doc, dict):
            raise ProviderUnavailable(f"no discovery document at the issuer (HTTP {status})")
        # OIDC Discovery 4.3: the document must name the issuer it was fetched for
        if str(doc.get("issuer", "")).rstrip("/") != issuer:
            raise ProviderUnavailable("the discovery document names another issuer")
        try:   # the same rule as for a configured URL: https, or http to this machine only
            url = provider_url(doc.get("userinfo_endpoint"), "UserinfoUrl (from discovery)")
        except ConfigError as exc:
            raise ProviderUnavailable(str(exc)) from None
        self._userinfo = url
        return url

    def _ask(self, token: str) -> str | None:
        status, body, content_type = self._get(self._userinfo_url(), {"Authorization": f"Bearer {token}"})
        if status in (400, 401, 403):
            # RFC 6750 3.1: invalid_request / invalid_token / insufficient_scope; some providers
            # (the test one included) answer 400 to an unknown, expired or revoked token
            return None
        if status != 200 or len(body) > _MAX_ANSWER or "json" not in content_type.lower():
            raise ProviderUnavailable(f"unusable userinfo answer (HTTP {status})")
        try:
            claims = json.loads(body)
        except ValueError:
            raise ProviderUnavailable("userinfo answer is not JSON") from None
        if not isinstance(claims, dict):
            raise ProviderUnavailable("userinfo answer is not a JSON object")
        value = claims.get(self.config.reader_claim)
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            return ""                    # a valid token of someone this centre cannot name
        return str(value)
