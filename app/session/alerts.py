"""The session's Security Alert events (110113), built with `app.audit.security_alert`.

One function per kind of alert, so each is one typed event (security.md rows 3, 13):
a tampered account store, a credential that does not match the site store, a failed
second factor, a missing role, an account locked out, and every admin change to the
accounts (the admin is the requestor, the changed account the subject).
"""
from __future__ import annotations

from app import audit
from app.audit import AuditLog, Code, Outcome
from app.session.errors import AccountStoreTampered, SecondFactorFailure

__all__ = ["SECURITY_CONFIGURATION", "USER_SECURITY_ATTRIBUTES_CHANGED", "SECURITY_ROLES_CHANGED",
           "store_tampered", "credential_mismatch", "second_factor_failed", "role_missing", "locked_out",
           "account_changed"]

# DICOM CID 403 Security Alert Type codes not (yet) in app.audit's vocabulary
SECURITY_CONFIGURATION = Code("110129", "DCM", "Security Configuration")
SECURITY_ROLES_CHANGED = Code("110136", "DCM", "Security Roles Changed")
USER_SECURITY_ATTRIBUTES_CHANGED = Code("110137", "DCM", "User security Attributes Changed")


def store_tampered(user_id: str, exc: AccountStoreTampered, log: AuditLog | None) -> None:
    audit.security_alert(user_id or "unknown", SECURITY_CONFIGURATION, exc.path.resolve().as_uri(),
                         f"account store signature check failed: {exc.detail}",
                         outcome=Outcome.SERIOUS_FAILURE, log=log)


def credential_mismatch(user_id: str, log: AuditLog | None) -> None:
    audit.security_alert(user_id, audit.C.USE_OF_RESTRICTED_FUNCTION, "yomi:login",
                         "credential key does not match the key IT signed for this account",
                         outcome=Outcome.SERIOUS_FAILURE, log=log)


def second_factor_failed(user_id: str, failure: SecondFactorFailure, log: AuditLog | None) -> None:
    audit.security_alert(user_id, audit.C.USE_OF_RESTRICTED_FUNCTION, "yomi:second-factor",
                         f"second factor refused: {failure.value}", log=log)


def role_missing(user_id: str, role: str, log: AuditLog | None) -> None:
    audit.security_alert(user_id, audit.C.USE_OF_RESTRICTED_FUNCTION, f"yomi:role:{role}",
                         f"account lacks the {role} role", log=log)


def locked_out(user_id: str, log: AuditLog | None) -> None:
    audit.security_alert(user_id, audit.C.USE_OF_RESTRICTED_FUNCTION, "yomi:login",
                         "account locked after repeated failed logins", log=log)


def account_changed(admin_id: str, action: str, target_user: str, store_path, log: AuditLog | None, *,
                    ok: bool = True, roles: bool = False) -> None:
    """An admin action (`action`: add, disable, enable, reset, roles, site-init) on `target_user`."""
    audit.security_alert(admin_id, SECURITY_ROLES_CHANGED if roles else USER_SECURITY_ATTRIBUTES_CHANGED,
                         store_path.resolve().as_uri(), f"yomi user {action} {target_user}",
                         outcome=Outcome.SUCCESS if ok else Outcome.MINOR_FAILURE, log=log)
