"""A bearer token asked for at every request, renewed once when the centre answers 401.

The token comes from a plain callable (the shell builds it from its OpenID Connect session),
so this package knows nothing of how tokens are obtained:

    auth = BearerAuth(token=holder.access_token, refresh=holder.refresh)
    DicomWebClient(ClientSettings(url, auth_handler=auth))

`refresh(stale)` gets the token the 401 came back for and returns a newer one (a holder
shared by several threads refreshes once for all of them). A request whose body can be sent
again (none, bytes, text) is repeated once with the new token; a streamed body (a STOW
upload) cannot be, so the 401 stands and the outbox sends it again later, with the token
that is fresh by then. A token source that fails becomes `Unauthorised`, its own error kept
as `__cause__` for the shell.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import requests
from requests.auth import AuthBase
from requests.hooks import default_hooks

from worklist.centre import Unauthorised
from worklist.dicomweb import _safe_url

__all__ = ["BearerAuth"]

log = logging.getLogger(__name__)

_PREFIX = "Bearer "


class BearerAuth(AuthBase):
    """`Authorization: Bearer <token()>` on each request; on 401 one `refresh` and one retry."""

    def __init__(self, token: Callable[[], str], refresh: Callable[[str], str] | None = None) -> None:
        self._token = token
        self._refresh = refresh

    def __repr__(self) -> str:
        return "BearerAuth(<token source>)"

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = _PREFIX + _ask(self._token, r.url or "")
        if self._refresh is not None:
            r.register_hook("response", self._on_response)
        return r

    def _on_response(self, resp: requests.Response, **send_kwargs: Any) -> requests.Response:
        if resp.status_code != 401 or self._refresh is None:
            return resp
        sent = resp.request
        stale = (sent.headers.get("Authorization") or "")[len(_PREFIX):]
        refresh = self._refresh
        fresh = _ask(lambda: refresh(stale), sent.url or "")
        if not isinstance(sent.body, (type(None), bytes, str)):
            log.info("401 from %s: token renewed, the streamed request is not repeated", _safe_url(sent.url or ""))
            return resp
        resp.content  # read and release the 401 so its connection goes back to the pool
        resp.close()
        again = sent.copy()
        again.headers["Authorization"] = _PREFIX + fresh
        again.hooks = default_hooks()   # the repeat's own 401 is final: one retry, never a loop
        log.info("401 from %s: token renewed, request repeated once", _safe_url(sent.url or ""))
        answer = resp.connection.send(again, **send_kwargs)
        answer.history.append(resp)
        answer.request = again
        return answer


def _ask(source: Callable[[], str], url: str) -> str:
    try:
        token = source()
    except Exception as exc:  # any token source: its own typed error rides along as the cause
        raise Unauthorised(f"no valid sign-in token for {_safe_url(url)} ({type(exc).__name__})",
                           url=_safe_url(url)) from exc
    if not token:
        raise Unauthorised(f"no sign-in token for {_safe_url(url)}", url=_safe_url(url))
    return token
