"""Plugin mode ("Authentication": "plugin"): the plugin, not Orthanc, authenticates a request.

Orthanc runs with "AuthenticationEnabled": false (its own check would answer 401 to every
bearer request before the filter runs), so this module is the only password and token
check there is. It must therefore never answer "authenticated" for a request it could not
check: basic credentials are compared with RegisteredUsers in constant time, bearer tokens
are asked of the provider (userinfo.py), and a provider that cannot answer is a refusal.
"""
from __future__ import annotations

import enum
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from .identity import authorization, basic_credentials
from .userinfo import ProviderUnavailable, UserinfoVerifier

__all__ = ["Outcome", "Authn", "PluginAuthenticator"]

# compared against when the user is unknown, so that a wrong name costs what a wrong password does
_DUMMY = b"yomi-centre-no-such-user-padding"


class Outcome(enum.Enum):
    OK = "authenticated"
    NO_CREDENTIALS = "no credentials"
    BAD_PASSWORD = "wrong user or password"
    BAD_SCHEME = "unsupported authorization scheme"
    INVALID_TOKEN = "token refused by the provider"
    UNKNOWN_SUBJECT = "token of no configured reader"
    PROVIDER_UNAVAILABLE = "provider unavailable"


# What each outcome answers where the plugin can choose (its own routes): 401 asks the
# client to sign in (again), 403 says signing in again would not help, 503 says try later.
_STATUS = {Outcome.NO_CREDENTIALS: 401, Outcome.BAD_PASSWORD: 401, Outcome.BAD_SCHEME: 401,
           Outcome.INVALID_TOKEN: 401, Outcome.UNKNOWN_SUBJECT: 403, Outcome.PROVIDER_UNAVAILABLE: 503}


@dataclass(frozen=True)
class Authn:
    outcome: Outcome
    login: str | None = None       # the Orthanc user (RegisteredUsers key / reader login) when OK
    bearer: bool = False           # the request came with a bearer token
    detail: str = ""               # why the provider could not answer (no token, no claims)

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK

    @property
    def status(self) -> int:
        return _STATUS.get(self.outcome, 200)

    def challenge(self, realm: str) -> str:
        """WWW-Authenticate for a 401 (RFC 7235 / 6750): both schemes this centre accepts."""
        error = ', error="invalid_token"' if self.bearer else ""
        return f'Bearer realm="{realm}"{error}, Basic realm="{realm}", charset="UTF-8"'


class PluginAuthenticator:
    def __init__(self, passwords: Mapping[str, str], subjects: Mapping[str, str],
                 verifier: UserinfoVerifier | None) -> None:
        self._passwords = {u: p.encode("utf-8") for u, p in passwords.items()}
        self._subjects = dict(subjects)        # ReaderClaim value -> reader login
        self._verifier = verifier

    def authenticate(self, headers: Mapping[str, str]) -> Authn:
        scheme, credentials = authorization(headers)
        if not scheme:
            return Authn(Outcome.NO_CREDENTIALS)
        if scheme == "basic":
            return self._basic(credentials)
        if scheme == "bearer":
            return self._bearer(credentials)
        return Authn(Outcome.BAD_SCHEME)

    def _basic(self, credentials: str) -> Authn:
        pair = basic_credentials(credentials)
        if pair is None:
            return Authn(Outcome.BAD_PASSWORD)
        user, password = pair
        expected = self._passwords.get(user)
        same = hmac.compare_digest(password.encode("utf-8"), expected if expected is not None else _DUMMY)
        return Authn(Outcome.OK, user) if same and expected is not None else Authn(Outcome.BAD_PASSWORD)

    def _bearer(self, token: str) -> Authn:
        if self._verifier is None:
            return Authn(Outcome.INVALID_TOKEN, bearer=True)
        try:
            claim = self._verifier.claim(token)
        except ProviderUnavailable as exc:
            return Authn(Outcome.PROVIDER_UNAVAILABLE, bearer=True, detail=str(exc))
        if claim is None:
            return Authn(Outcome.INVALID_TOKEN, bearer=True)
        login = self._subjects.get(claim) if claim else None
        if login is None:
            return Authn(Outcome.UNKNOWN_SUBJECT, bearer=True)
        return Authn(Outcome.OK, login, bearer=True)
