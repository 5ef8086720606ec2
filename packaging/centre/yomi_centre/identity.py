"""Who sent a request, from the headers Orthanc hands the HTTP filter.

Default mode: Orthanc has already checked the password (RegisteredUsers, HTTP basic) before
the filter runs, so the user name in the `authorization` header is authenticated. Bearer
tokens (OIDC) need the plugin to authenticate by itself ("Authentication": "plugin",
authn.py), which uses the header parsing below; `BearerResolver` stays as a seam for tests.
"""
from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping

__all__ = ["BearerResolver", "request_user", "authorization", "basic_credentials"]

# token -> Orthanc login, or None when the token is not valid (a seam; plugin mode uses authn.py).
BearerResolver = Callable[[str], "str | None"]


def request_user(headers: Mapping[str, str], bearer: BearerResolver | None = None, *,
                 trust_basic: bool = True) -> str | None:
    """The login of the request's sender, or None when it carries no usable identity.

    `trust_basic=False` when Orthanc does not check passwords (AuthenticationEnabled off):
    a basic header then names whoever the sender claims to be, so it is ignored.
    """
    scheme, credentials = authorization(headers)
    if scheme == "basic" and trust_basic:
        pair = basic_credentials(credentials)
        return pair[0] if pair else None
    if scheme == "bearer" and bearer is not None:
        return bearer(credentials)
    return None


def authorization(headers: Mapping[str, str]) -> tuple[str, str]:
    """(scheme in lower case, credentials) of the `authorization` header; ("", "") without one."""
    value = ""
    for key, v in headers.items():
        if key.lower() == "authorization":
            value = str(v).strip()
            break
    scheme, _, credentials = value.partition(" ")
    return scheme.lower(), credentials.strip()


def basic_credentials(credentials: str) -> tuple[str, str] | None:
    """(user, password) of HTTP basic credentials, or None when they do not decode."""
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep and user else None
