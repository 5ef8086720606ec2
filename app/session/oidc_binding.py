"""The identity provider's sign-in, tied to the station account IT made (security.md rows 1, 3, 4).

After the station login, a station whose centre has an identity provider (`[centre]
oidc_issuer`) signs the reader in there too; the ID token's `sub` must equal the
`oidc_subject` IT bound to the account in the signed site store. Another subject (someone
else's provider session in the browser, or an account IT bound to nobody) is refused: the
tokens are forgotten at once, and a Security Alert is written under the station user. The
subject is compared in constant time and never logged.

No Qt here: the reading window runs `bound_sign_in` on a worker (app/windows/oidc_wait.py).
"""
from __future__ import annotations

import hmac
import logging
from typing import Any

from app import audit
from app.session.oidc import LoginResult, OidcError, PendingLogin

__all__ = ["OidcSubjectMismatch", "OidcSubjectNotBound", "account_subject", "bound_sign_in"]

log = logging.getLogger(__name__)


class OidcSubjectMismatch(OidcError):
    """The provider signed in another identity than the one bound to the station account."""


class OidcSubjectNotBound(OidcError):
    """IT bound no provider identity (`oidc_subject`) to the station account."""


def account_subject(store: Any, user_id: str) -> str:
    """The `oidc_subject` IT bound to `user_id` in the signed site store ('' when none)."""
    account = store.accounts().get(user_id)
    return getattr(account, "oidc_subject", "") if account is not None else ""


def bound_sign_in(pending: PendingLogin, *, user_id: str, oidc_subject: str, issuer: str,
                  audit_log: Any = None, timeout_s: float | None = None) -> LoginResult:
    """Wait for the sign-in `pending` (blocking: call it on a worker), then check its subject
    against the account's. Raises OidcSubjectNotBound / OidcSubjectMismatch (audited) or the
    sign-in's own OidcError."""
    result = pending.complete(timeout_s)
    if not oidc_subject:
        result.tokens.forget()
        audit.security_alert(user_id, audit.C.USE_OF_RESTRICTED_FUNCTION, issuer,
                             "identity provider sign-in refused: no provider identity bound to the account",
                             log=audit_log)
        raise OidcSubjectNotBound(f"station account {user_id} has no identity at {issuer} bound by IT "
                                  "(yomi user oidc --subject)", issuer=issuer)
    if not hmac.compare_digest(result.identity.subject.encode("utf-8"), oidc_subject.encode("utf-8")):
        result.tokens.forget()
        log.warning("sign-in at %s refused: another identity than the account %s's", issuer, user_id)
        audit.security_alert(user_id, audit.C.USE_OF_RESTRICTED_FUNCTION, issuer,
                             "identity provider signed in another identity than the station account's",
                             log=audit_log)
        raise OidcSubjectMismatch(f"{issuer} signed in another person than station account {user_id}; "
                                  "sign out at the provider in the browser and try again", issuer=issuer)
    return result
