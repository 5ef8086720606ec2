"""OpenID Connect sign-in for a station whose reading centre has an identity provider (no Qt).

The native-app pattern of RFC 8252 with the code flow and PKCE (RFC 7636, S256):

    client = OidcClient(OidcSettings(issuer, client_id, client_secret))
    pending = client.begin()          # discovery, loopback listener, system browser opened
    result = pending.complete()       # waits for the redirect, exchanges the code, checks the ID token
    result.identity                   # Identity(subject, name, preferred_username, email)
    auth = result.tokens.bearer_auth()    # worklist.bearer_auth.BearerAuth for ClientSettings.auth_handler
    pending.cancel()                  # from another thread (the dialog's Cancel button)

The redirect goes to `http://127.0.0.1:{port}/callback`, a one-shot listener on an
ephemeral loopback port (RFC 8252 7.3); the first request to /callback decides the login and
the listener closes. A wrong `state` ends the login (it may be a forged redirect) before any
code is exchanged. The ID token's signature is checked against the provider's JWKS (PyJWT),
then `iss`, `aud` (and `azp` if several audiences), `exp`, `iat`, `nonce` and `at_hash` here,
with an injectable clock.

Tokens (access, refresh, ID) and the authorization code live in memory only: never logged,
never in a repr, never written anywhere. Nothing is persisted; after a restart the reader
signs in again (the provider's own browser session usually makes that one click).

A client secret is sent when configured (client_secret_basic, or _post if that is all the
provider lists): many providers register desktop apps as confidential clients, although
a secret shipped with an application protects nothing (RFC 8252 8.5); PKCE is what binds the
code to this station.
"""
from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import http.server
import ipaddress
import logging
import secrets
import threading
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import jwt
import requests

from app.session.errors import SessionError

if TYPE_CHECKING:
    from worklist.bearer_auth import BearerAuth

__all__ = [
    "OidcSettings", "ProviderMetadata", "Identity", "LoginResult", "OidcClient", "PendingLogin", "TokenHolder",
    "discover", "validate_id_token", "pkce_challenge",
    "OidcError", "ProviderUnreachable", "DiscoveryInvalid", "LoginCancelled", "LoginTimedOut", "StateMismatch",
    "IssuerMismatch", "AuthorizationDenied", "TokenEndpointError", "IdTokenInvalid", "IdTokenProblem",
    "TokenRefreshFailed", "RefreshFailure",
]

log = logging.getLogger(__name__)

# Asymmetric algorithms only: "none" and HS* (keyed with the client secret, which a desktop
# application cannot keep) are refused whatever the provider advertises.
_ALLOWED_ALGS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"})
_CALLBACK_PATH = "/callback"
_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
# Refresh when less than this is left, capped at a tenth of the token's lifetime so a
# short-lived token is not renewed at every request.
_REFRESH_MARGIN_S = 60.0
_REFRESH_FRACTION = 0.1
# A token answer without expires_in: assume this short life and let the 401 path do the rest.
_DEFAULT_LIFETIME_S = 300.0


# --- errors ---------------------------------------------------------------------------------

class OidcError(SessionError):
    """Sign-in with the centre's identity provider failed; one line naming the provider."""

    def __init__(self, reason: str, *, issuer: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.issuer = issuer


class ProviderUnreachable(OidcError):
    """The identity provider did not answer (refused, timed out, TLS failed)."""


class DiscoveryInvalid(OidcError):
    """The provider's discovery document is missing, not JSON, incomplete or for another issuer."""


class LoginCancelled(OidcError):
    """The reader (or the shell) cancelled the sign-in before the browser came back."""


class LoginTimedOut(OidcError):
    """The browser did not come back to the station in time."""


class StateMismatch(OidcError):
    """The redirect's `state` is not the one this login sent: refused, nothing exchanged."""


class IssuerMismatch(OidcError):
    """The redirect names another issuer (RFC 9207 `iss`): a mix-up attack; nothing exchanged."""


class AuthorizationDenied(OidcError):
    """The provider answered the redirect with an error (`error` is its code, e.g. access_denied)."""

    def __init__(self, reason: str, *, issuer: str = "", error: str = "") -> None:
        super().__init__(reason, issuer=issuer)
        self.error = error


class TokenEndpointError(OidcError):
    """The token endpoint refused the exchange (`error` is the OAuth code, `status` the HTTP one)."""

    def __init__(self, reason: str, *, issuer: str = "", error: str = "", status: int = 0) -> None:
        super().__init__(reason, issuer=issuer)
        self.error = error
        self.status = status


class IdTokenProblem(enum.Enum):
    MALFORMED = "malformed"
    ALGORITHM = "algorithm not allowed"
    UNKNOWN_KEY = "signed with a key the provider does not publish"
    SIGNATURE = "signature does not verify"
    ISSUER = "issued by another provider"
    AUDIENCE = "issued for another client"
    EXPIRED = "expired"
    NOT_YET_VALID = "issued in the future"
    NONCE = "nonce does not match this login"
    AT_HASH = "does not belong to the access token"
    SUBJECT = "names no subject or another subject"


class IdTokenInvalid(OidcError):
    """The ID token failed a check; `problem` says which."""

    def __init__(self, problem: IdTokenProblem, *, issuer: str = "") -> None:
        super().__init__(f"ID token from {issuer or 'the provider'} refused: {problem.value}", issuer=issuer)
        self.problem = problem


class RefreshFailure(enum.Enum):
    NO_REFRESH_TOKEN = "the provider gave no refresh token"
    REJECTED = "the provider refused the refresh token"
    UNREACHABLE = "the provider did not answer"
    BAD_ANSWER = "the provider's answer was not a token"


class TokenRefreshFailed(OidcError):
    """No valid access token can be had without signing in again; `failure` says why."""

    def __init__(self, failure: RefreshFailure, *, issuer: str = "", error: str = "") -> None:
        super().__init__(f"sign-in at {issuer or 'the provider'} has ended: {failure.value}"
                         + (f" ({error})" if error else ""), issuer=issuer)
        self.failure = failure
        self.error = error


# --- plain data -----------------------------------------------------------------------------

@dataclass(frozen=True)
class OidcSettings:
    """The centre's provider as configured by IT: `[centre] oidc_*` keys."""

    issuer: str
    client_id: str
    client_secret: str = field(default="", repr=False)
    scopes: tuple[str, ...] = ("openid", "profile", "email")
    ca_bundle: Path | None = None
    timeout_s: float = 5.0              # each HTTP call to the provider
    login_timeout_s: float = 300.0      # how long the browser may take
    leeway_s: float = 60.0              # clock skew allowed on exp / iat


@dataclass(frozen=True)
class ProviderMetadata:
    """What discovery says (OpenID Connect Discovery 1.0), the fields this client uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str = ""
    end_session_endpoint: str = ""
    id_token_algs: tuple[str, ...] = ("RS256",)
    token_auth_methods: tuple[str, ...] = ("client_secret_basic",)
    code_challenge_methods: tuple[str, ...] = ()


@dataclass(frozen=True)
class Identity:
    """Who signed in. Names and e-mail are personal data: kept out of the repr (logs)."""

    issuer: str
    subject: str
    name: str = field(default="", repr=False)
    preferred_username: str = field(default="", repr=False)
    email: str = field(default="", repr=False)

    @property
    def display_name(self) -> str:
        return self.name or self.preferred_username or self.email or self.subject


@dataclass
class LoginResult:
    identity: Identity
    tokens: "TokenHolder"
    id_token: str = field(repr=False)   # the end-session endpoint's id_token_hint


# --- helpers --------------------------------------------------------------------------------

def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def pkce_challenge(verifier: str) -> str:
    """The S256 code challenge of a verifier (RFC 7636 4.2)."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_url(url: str, what: str, issuer: str) -> str:
    """https, or http on loopback only (a test provider): tokens never cross a network in clear."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return url
    raise DiscoveryInvalid(f"{what} of {issuer} must be an https URL (got {parts.scheme or 'no'} scheme"
                           f" for {parts.hostname or 'no host'})", issuer=issuer)


def _session(settings: OidcSettings) -> requests.Session:
    s = requests.Session()
    s.trust_env = False                 # no proxies, .netrc or CA bundle from the environment
    s.verify = str(settings.ca_bundle) if settings.ca_bundle else True
    s.headers["User-Agent"] = "Yomi-OIDC/0.1"
    return s


def _send(session: requests.Session, method: str, url: str, *, issuer: str, timeout_s: float,
          **kwargs: Any) -> requests.Response:
    where = urlsplit(url)._replace(query="", fragment="").geturl()
    try:
        return session.request(method, url, timeout=timeout_s, allow_redirects=False, **kwargs)
    except requests.exceptions.SSLError:
        raise ProviderUnreachable(f"TLS with identity provider {where} failed", issuer=issuer) from None
    except requests.exceptions.Timeout:
        raise ProviderUnreachable(f"identity provider {where} gave no answer within {timeout_s:g} s",
                                  issuer=issuer) from None
    except requests.exceptions.RequestException as exc:
        raise ProviderUnreachable(f"cannot reach identity provider {where} ({type(exc).__name__})",
                                  issuer=issuer) from None


def _json_object(resp: requests.Response, what: str, issuer: str) -> dict[str, Any]:
    try:
        body = resp.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise DiscoveryInvalid(f"{what} of {issuer} is not a JSON object (HTTP {resp.status_code})", issuer=issuer)
    return body


def _str_tuple(value: Any, default: tuple[str, ...]) -> tuple[str, ...]:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return default


# --- discovery ------------------------------------------------------------------------------

def discover(settings: OidcSettings, session: requests.Session | None = None) -> ProviderMetadata:
    """Fetch and check `{issuer}/.well-known/openid-configuration`."""
    issuer = settings.issuer.rstrip("/")
    _check_url(issuer, "issuer", issuer)
    s = session or _session(settings)
    resp = _send(s, "GET", f"{issuer}/.well-known/openid-configuration", issuer=issuer, timeout_s=settings.timeout_s)
    if resp.status_code != 200:
        raise DiscoveryInvalid(f"{issuer} has no OpenID discovery document (HTTP {resp.status_code})", issuer=issuer)
    doc = _json_object(resp, "the discovery document", issuer)
    # Discovery 4.3: the document must name the issuer it was fetched for, exactly.
    if str(doc.get("issuer", "")).rstrip("/") != issuer:
        raise DiscoveryInvalid(f"the discovery document of {issuer} names another issuer", issuer=issuer)
    missing = [k for k in ("authorization_endpoint", "token_endpoint", "jwks_uri")
               if not isinstance(doc.get(k), str) or not doc.get(k)]
    if missing:
        raise DiscoveryInvalid(f"the discovery document of {issuer} lacks {', '.join(missing)}", issuer=issuer)
    meta = ProviderMetadata(
        issuer=str(doc["issuer"]),
        authorization_endpoint=_check_url(doc["authorization_endpoint"], "authorization endpoint", issuer),
        token_endpoint=_check_url(doc["token_endpoint"], "token endpoint", issuer),
        jwks_uri=_check_url(doc["jwks_uri"], "JWKS URI", issuer),
        userinfo_endpoint=str(doc.get("userinfo_endpoint") or ""),
        end_session_endpoint=str(doc.get("end_session_endpoint") or ""),
        id_token_algs=_str_tuple(doc.get("id_token_signing_alg_values_supported"), ("RS256",)),
        token_auth_methods=_str_tuple(doc.get("token_endpoint_auth_methods_supported"), ("client_secret_basic",)),
        code_challenge_methods=_str_tuple(doc.get("code_challenge_methods_supported"), ()),
    )
    if meta.code_challenge_methods and "S256" not in meta.code_challenge_methods:
        raise DiscoveryInvalid(f"{issuer} does not offer PKCE with S256", issuer=issuer)
    if not meta.code_challenge_methods:
        # Sent anyway (RFC 9700 2.1.1); a provider that ignores it loses that protection.
        log.info("identity provider %s does not advertise PKCE methods", issuer)
    return meta


# --- ID token -------------------------------------------------------------------------------

def validate_id_token(id_token: str, *, metadata: ProviderMetadata, client_id: str, jwks: dict[str, Any],
                      nonce: str | None, now: float, leeway_s: float = 60.0,
                      access_token: str | None = None) -> dict[str, Any]:
    """The ID token's claims once signature, iss, aud/azp, exp, iat, nonce and at_hash pass.

    `nonce=None` skips the nonce check (an ID token from a refresh carries none).
    """
    issuer = metadata.issuer

    def bad(problem: IdTokenProblem) -> IdTokenInvalid:
        return IdTokenInvalid(problem, issuer=issuer)

    try:
        header = jwt.get_unverified_header(id_token)
    except jwt.PyJWTError:
        raise bad(IdTokenProblem.MALFORMED) from None
    alg = header.get("alg")
    if alg not in _ALLOWED_ALGS or alg not in metadata.id_token_algs:
        raise bad(IdTokenProblem.ALGORITHM)
    key = _key_for(jwks, header.get("kid"), alg)
    if key is None:
        raise bad(IdTokenProblem.UNKNOWN_KEY)
    try:
        # Signature only here; the claims are checked below with our clock and typed outcomes.
        claims = jwt.decode(id_token, key=key, algorithms=[alg],
                            options={"verify_aud": False, "verify_iss": False, "verify_exp": False,
                                     "verify_iat": False, "verify_nbf": False, "verify_sub": False,
                                     "verify_jti": False})
    except jwt.InvalidSignatureError:
        raise bad(IdTokenProblem.SIGNATURE) from None
    except jwt.PyJWTError:
        raise bad(IdTokenProblem.MALFORMED) from None
    if claims.get("iss") != issuer:
        raise bad(IdTokenProblem.ISSUER)
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if client_id not in audiences:
        raise bad(IdTokenProblem.AUDIENCE)
    if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != client_id:
        raise bad(IdTokenProblem.AUDIENCE)
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, (int, float)) or not isinstance(iat, (int, float)):
        raise bad(IdTokenProblem.MALFORMED)
    if now > exp + leeway_s:
        raise bad(IdTokenProblem.EXPIRED)
    if iat > now + leeway_s:
        raise bad(IdTokenProblem.NOT_YET_VALID)
    if nonce is not None:
        got = claims.get("nonce")
        if not isinstance(got, str) or not hmac.compare_digest(got.encode(), nonce.encode()):
            raise bad(IdTokenProblem.NONCE)
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise bad(IdTokenProblem.SUBJECT)
    if access_token is not None and "at_hash" in claims:
        if claims["at_hash"] != _at_hash(access_token, alg):
            raise bad(IdTokenProblem.AT_HASH)
    return claims


def _key_for(jwks: dict[str, Any], kid: str | None, alg: str) -> Any:
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list):
        return None
    for jwk in keys:
        if not isinstance(jwk, dict) or (kid is not None and jwk.get("kid") != kid):
            continue
        if jwk.get("use", "sig") != "sig":
            continue
        try:
            return jwt.PyJWK(jwk, algorithm=alg).key
        except jwt.PyJWTError:
            continue
    return None


def _at_hash(access_token: str, alg: str) -> str:
    # OIDC Core 3.1.3.6: left half of the hash named by the alg's size, base64url.
    bits = alg[-3:]
    digest = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}.get(bits, hashlib.sha512)
    h = digest(access_token.encode("ascii")).digest()
    return _b64url(h[: len(h) // 2])


# --- loopback listener ----------------------------------------------------------------------

_PAGE = ("<!doctype html><html><head><meta charset='utf-8'><title>Yomi</title></head><body>"
         "<p>{en}</p><p lang='ja'>{ja}</p></body></html>")
_PAGE_DONE = _PAGE.format(en="Sign-in received. You can close this tab and return to Yomi.",
                          ja="サインインを受け付けました。このタブを閉じて Yomi に戻ってください。")
_PAGE_FAILED = _PAGE.format(en="Sign-in failed. Return to Yomi for details.",
                            ja="サインインできませんでした。詳細は Yomi の画面をご覧ください。")


@dataclass
class _Callback:
    params: dict[str, str]


class _CallbackServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # one-shot: set by the first request to /callback, read by PendingLogin
    expected_state: str
    arrived: threading.Event
    callback: _Callback | None = None
    lock: threading.Lock


class _CallbackHandler(http.server.BaseHTTPRequestHandler):
    server: _CallbackServer
    timeout = 10   # a browser's idle pre-connection must not hold a thread for ever

    def log_message(self, *args: object) -> None:  # the query holds the code: never logged
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        parts = urlsplit(self.path)
        if parts.path != _CALLBACK_PATH:
            self._answer(404, "")
            return
        params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        with self.server.lock:
            first = self.server.callback is None
            if first:
                self.server.callback = _Callback(params)
        ok = (first and "code" in params
              and hmac.compare_digest(params.get("state", "").encode(), self.server.expected_state.encode()))
        self._answer(200 if ok else 400, _PAGE_DONE if ok else _PAGE_FAILED)
        if first:
            self.server.arrived.set()

    def _answer(self, status: int, page: str) -> None:
        body = page.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.end_headers()
        self.wfile.write(body)


# --- the login ------------------------------------------------------------------------------

class OidcClient:
    """Sign-in with one provider. `open_browser(url)` opens the system browser (injectable)."""

    def __init__(self, settings: OidcSettings, *, open_browser: Callable[[str], object] = webbrowser.open,
                 clock: Callable[[], float] = time.time, session: requests.Session | None = None) -> None:
        if "openid" not in settings.scopes:
            raise ValueError("OidcSettings.scopes must include 'openid'")
        self.settings = settings
        self._open_browser = open_browser
        self._clock = clock
        self._session = session or _session(settings)
        self._metadata: ProviderMetadata | None = None
        self._jwks: dict[str, Any] | None = None
        self._lock = threading.Lock()

    @property
    def issuer(self) -> str:
        return self.settings.issuer.rstrip("/")

    def metadata(self) -> ProviderMetadata:
        with self._lock:
            if self._metadata is None:
                self._metadata = discover(self.settings, self._session)
            return self._metadata

    def jwks(self, *, reload: bool = False) -> dict[str, Any]:
        meta = self.metadata()
        with self._lock:
            if self._jwks is None or reload:
                resp = _send(self._session, "GET", meta.jwks_uri, issuer=self.issuer, timeout_s=self.settings.timeout_s)
                if resp.status_code != 200:
                    raise DiscoveryInvalid(f"the JWKS of {self.issuer} is not available (HTTP {resp.status_code})",
                                           issuer=self.issuer)
                self._jwks = _json_object(resp, "the JWKS", self.issuer)
            return self._jwks

    def begin(self) -> "PendingLogin":
        """Discover, start the loopback listener, open the browser at the authorization URL."""
        meta = self.metadata()
        pending = PendingLogin(self, meta)
        try:
            opened = self._open_browser(pending.authorization_url)
        except Exception as exc:  # webbrowser and desktop launchers raise many kinds
            pending.close()
            raise LoginCancelled(f"the system browser could not be opened ({type(exc).__name__})",
                                 issuer=self.issuer) from None
        # webbrowser.open answers False when it found no browser: the shell then shows
        # `authorization_url` for the reader to open by hand; the listener keeps waiting.
        pending.browser_opened = opened is not False
        log.info("sign-in started at %s", self.issuer)
        return pending

    def login(self, timeout_s: float | None = None) -> LoginResult:
        return self.begin().complete(timeout_s)

    # used by PendingLogin and TokenHolder

    def _client_auth(self, meta: ProviderMetadata, data: dict[str, str]) -> tuple[str, str] | None:
        data["client_id"] = self.settings.client_id
        secret = self.settings.client_secret
        if not secret:
            return None
        if "client_secret_basic" not in meta.token_auth_methods and "client_secret_post" in meta.token_auth_methods:
            data["client_secret"] = secret
            return None
        # RFC 6749 2.3.1: both parts form-encoded before Basic.
        return (quote(self.settings.client_id, safe=""), quote(secret, safe=""))

    def _token_request(self, data: dict[str, str]) -> requests.Response:
        meta = self.metadata()
        auth = self._client_auth(meta, data)
        return _send(self._session, "POST", meta.token_endpoint, issuer=self.issuer, timeout_s=self.settings.timeout_s,
                     data=data, auth=auth, headers={"Accept": "application/json"})

    def _validate(self, id_token: str, *, nonce: str | None, access_token: str | None) -> dict[str, Any]:
        meta = self.metadata()
        kwargs = dict(metadata=meta, client_id=self.settings.client_id, nonce=nonce, now=self._clock(),
                      leeway_s=self.settings.leeway_s, access_token=access_token)
        try:
            return validate_id_token(id_token, jwks=self.jwks(), **kwargs)  # type: ignore[arg-type]
        except IdTokenInvalid as exc:
            if exc.problem is not IdTokenProblem.UNKNOWN_KEY:
                raise
            # The provider may have rotated its keys since we fetched them: fetch once more.
            return validate_id_token(id_token, jwks=self.jwks(reload=True), **kwargs)  # type: ignore[arg-type]


class PendingLogin:
    """One sign-in between `begin()` and `complete()`; the listener runs until then."""

    def __init__(self, client: OidcClient, meta: ProviderMetadata) -> None:
        self._client = client
        self._meta = meta
        self._state = secrets.token_urlsafe(32)
        self._nonce = secrets.token_urlsafe(32)
        self._verifier = secrets.token_urlsafe(64)          # 86 characters, RFC 7636 4.1 allows 43..128
        self._cancelled = False
        self.browser_opened = False
        server = _CallbackServer(("127.0.0.1", 0), _CallbackHandler)
        server.expected_state = self._state
        server.arrived = threading.Event()
        server.lock = threading.Lock()
        self._server = server
        self.redirect_uri = f"http://127.0.0.1:{server.server_address[1]}{_CALLBACK_PATH}"
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="oidc-loopback", daemon=True)
        self._thread.start()
        query = urlencode({
            "response_type": "code",
            "client_id": client.settings.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": " ".join(client.settings.scopes),
            "state": self._state,
            "nonce": self._nonce,
            "code_challenge": pkce_challenge(self._verifier),
            "code_challenge_method": "S256",
        })
        sep = "&" if urlsplit(meta.authorization_endpoint).query else "?"
        self.authorization_url = f"{meta.authorization_endpoint}{sep}{query}"

    def __repr__(self) -> str:
        return f"PendingLogin(issuer={self._client.issuer!r}, redirect_uri={self.redirect_uri!r})"

    def cancel(self) -> None:
        """Stop waiting (any thread): `complete()` raises LoginCancelled."""
        self._cancelled = True
        self._server.arrived.set()

    def close(self) -> None:
        """Stop the loopback listener and free its port (idempotent)."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> "PendingLogin":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def complete(self, timeout_s: float | None = None) -> LoginResult:
        """Wait for the browser's redirect, exchange the code, check the ID token."""
        issuer = self._client.issuer
        limit = self._client.settings.login_timeout_s if timeout_s is None else timeout_s
        try:
            arrived = self._server.arrived.wait(limit)
        finally:
            self.close()
        if self._cancelled:
            raise LoginCancelled(f"sign-in at {issuer} cancelled", issuer=issuer)
        callback = self._server.callback
        if not arrived or callback is None:
            raise LoginTimedOut(f"the browser did not return from {issuer} within {limit:g} s", issuer=issuer)
        params = callback.params
        # An error answer without a state (oidc-provider-mock's "deny" sends none, against
        # RFC 6749 4.1.2.1) is taken as a refusal: it carries no code, so believing it can
        # at worst end a login, never open one. A state that is there must be ours.
        if "error" in params and "state" not in params and "code" not in params:
            error = params["error"][:64]
            raise AuthorizationDenied(f"{issuer} did not sign the reader in ({error})", issuer=issuer, error=error)
        if not hmac.compare_digest(params.get("state", "").encode(), self._state.encode()):
            log.warning("sign-in at %s refused: the redirect carried another state", issuer)
            raise StateMismatch(f"the answer said to come from {issuer} does not belong to this sign-in", issuer=issuer)
        if "iss" in params and params["iss"] != self._meta.issuer:
            raise IssuerMismatch(f"the answer to this sign-in names another provider than {issuer}", issuer=issuer)
        if "error" in params:
            error = params["error"][:64]
            raise AuthorizationDenied(f"{issuer} did not sign the reader in ({error})", issuer=issuer, error=error)
        code = params.get("code", "")
        if not code:
            raise AuthorizationDenied(f"{issuer} answered without an authorization code", issuer=issuer)
        return self._exchange(code)

    def _exchange(self, code: str) -> LoginResult:
        client = self._client
        issuer = client.issuer
        sent_at = client._clock()
        resp = client._token_request({"grant_type": "authorization_code", "code": code,
                                      "redirect_uri": self.redirect_uri, "code_verifier": self._verifier})
        body = _token_answer(resp, issuer)
        id_token = body.get("id_token")
        if not isinstance(id_token, str) or not id_token:
            raise TokenEndpointError(f"{issuer} answered without an ID token", issuer=issuer, status=resp.status_code)
        claims = client._validate(id_token, nonce=self._nonce, access_token=body["access_token"])
        identity = Identity(
            issuer=issuer, subject=claims["sub"],
            name=_claim(claims, "name"), preferred_username=_claim(claims, "preferred_username"),
            email=_claim(claims, "email"))
        holder = TokenHolder(client, body, sent_at=sent_at, subject=identity.subject)
        log.info("sign-in completed at %s", issuer)
        return LoginResult(identity, holder, id_token)


def _claim(claims: dict[str, Any], name: str) -> str:
    value = claims.get(name)
    return value if isinstance(value, str) else ""


def _token_answer(resp: requests.Response, issuer: str) -> dict[str, Any]:
    """The token endpoint's JSON, or TokenEndpointError carrying the OAuth error code."""
    try:
        body = resp.json()
    except ValueError:
        body = None
    if resp.status_code != 200:
        error = str(body.get("error", ""))[:64] if isinstance(body, dict) else ""
        raise TokenEndpointError(f"the token endpoint of {issuer} refused the request "
                                 f"(HTTP {resp.status_code}{', ' + error if error else ''})",
                                 issuer=issuer, error=error, status=resp.status_code)
    if not isinstance(body, dict) or not isinstance(body.get("access_token"), str) or not body["access_token"]:
        raise TokenEndpointError(f"the token endpoint of {issuer} answered without an access token",
                                 issuer=issuer, status=resp.status_code)
    if str(body.get("token_type", "")).lower() != "bearer":
        raise TokenEndpointError(f"the token endpoint of {issuer} issued a token that is not a bearer token",
                                 issuer=issuer, status=resp.status_code)
    return body


# --- tokens ---------------------------------------------------------------------------------

class TokenHolder:
    """The access and refresh tokens of one sign-in, in memory only; thread-safe.

    `access_token()` renews the access token with the refresh token when less than
    min(60 s, a tenth of its lifetime) is left. If the provider cannot be reached while the
    current token is still valid, that token is returned and renewal is tried again at the
    next call; once it has expired, or the provider refuses the refresh token,
    TokenRefreshFailed is raised (and, after a refusal, raised again at once).
    """

    def __init__(self, client: OidcClient, answer: dict[str, Any], *, sent_at: float, subject: str) -> None:
        self._client = client
        self._subject = subject
        self._lock = threading.Lock()
        self._dead: TokenRefreshFailed | None = None
        self._refresh_token: str = ""
        self._access_token = ""
        self._expires_at = 0.0
        self._lifetime = 0.0
        self._refreshes = 0
        self._take(answer, sent_at)

    def __repr__(self) -> str:
        return f"TokenHolder(issuer={self._client.issuer!r}, expires_at={self._expires_at:.0f})"

    @property
    def expires_at(self) -> float:
        return self._expires_at

    @property
    def refresh_count(self) -> int:
        return self._refreshes

    @property
    def has_refresh_token(self) -> bool:
        return bool(self._refresh_token)

    def _take(self, answer: dict[str, Any], sent_at: float) -> None:
        expires_in = answer.get("expires_in")
        # Counted from when the request left: the answer may have been slow to come back.
        lifetime = float(expires_in) if isinstance(expires_in, (int, float)) and expires_in > 0 else _DEFAULT_LIFETIME_S
        self._access_token = answer["access_token"]
        self._lifetime = lifetime
        self._expires_at = sent_at + lifetime
        new_refresh = answer.get("refresh_token")
        if isinstance(new_refresh, str) and new_refresh:
            self._refresh_token = new_refresh       # a rotating provider sends a new one each time

    def _due(self, now: float) -> bool:
        margin = min(_REFRESH_MARGIN_S, _REFRESH_FRACTION * self._lifetime)
        return now >= self._expires_at - margin

    def access_token(self) -> str:
        """The current access token, renewed first if it is about to expire."""
        with self._lock:
            if self._dead is not None:
                raise self._dead
            now = self._client._clock()
            if self._due(now):
                self._renew_locked(now)
            return self._access_token

    def refresh(self, stale: str | None = None) -> str:
        """Renew now, e.g. after a 401; `stale` is the token refused: if another thread has
        already replaced it, the newer token is returned without asking the provider again."""
        with self._lock:
            if self._dead is not None:
                raise self._dead
            if stale is not None and not hmac.compare_digest(stale.encode(), self._access_token.encode()):
                return self._access_token
            self._renew_locked(self._client._clock(), forced=True)
            return self._access_token

    def forget(self) -> None:
        """Logout: drop the tokens; later calls raise TokenRefreshFailed."""
        with self._lock:
            self._access_token = self._refresh_token = ""
            self._dead = TokenRefreshFailed(RefreshFailure.NO_REFRESH_TOKEN, issuer=self._client.issuer)

    def bearer_auth(self) -> "BearerAuth":
        """A requests auth for worklist.dicomweb.ClientSettings(auth_handler=...)."""
        from worklist.bearer_auth import BearerAuth

        return BearerAuth(token=self.access_token, refresh=self.refresh)

    def _renew_locked(self, now: float, forced: bool = False) -> None:
        issuer = self._client.issuer
        still_valid = now < self._expires_at and not forced
        if not self._refresh_token:
            if still_valid:
                return
            raise TokenRefreshFailed(RefreshFailure.NO_REFRESH_TOKEN, issuer=issuer)
        try:
            resp = self._client._token_request({"grant_type": "refresh_token", "refresh_token": self._refresh_token})
        except ProviderUnreachable:
            if still_valid:
                log.warning("token renewal at %s failed (unreachable); the current token is kept for now", issuer)
                return
            raise TokenRefreshFailed(RefreshFailure.UNREACHABLE, issuer=issuer) from None
        try:
            body = _token_answer(resp, issuer)
        except TokenEndpointError as exc:
            failure = RefreshFailure.REJECTED if 400 <= exc.status < 500 else RefreshFailure.BAD_ANSWER
            err = TokenRefreshFailed(failure, issuer=issuer, error=exc.error)
            if failure is RefreshFailure.REJECTED:
                self._dead = err
                self._access_token = self._refresh_token = ""
            elif still_valid:
                log.warning("token renewal at %s failed (HTTP %s); the current token is kept for now",
                            issuer, exc.status)
                return
            raise err from None
        id_token = body.get("id_token")
        if isinstance(id_token, str) and id_token:
            # OIDC Core 12.2: same issuer, client and subject as the sign-in; no nonce.
            claims = self._client._validate(id_token, nonce=None, access_token=body["access_token"])
            if claims["sub"] != self._subject:
                raise IdTokenInvalid(IdTokenProblem.SUBJECT, issuer=issuer)
        self._take(body, now)
        self._refreshes += 1
        log.info("access token renewed at %s", issuer)
