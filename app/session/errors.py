"""The session package's exceptions, in one place; messages are one line, no personal data.

Callers branch on the class (and on `SecondFactorFailed.failure`), never on message text.
"""
from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.session.second_factor import SecondFactorRequest

__all__ = ["SessionError", "AuthenticationFailed", "AccountLocked", "PolicyViolation", "NotLoggedIn",
           "SessionLocked", "AccountStoreTampered", "SiteNotInitialised", "SiteKeyUnavailable",
           "RoleMissing", "SecondFactorRequired", "SecondFactorFailure", "SecondFactorFailed"]


class SessionError(Exception):
    """A login or session operation failed; the message is one line, no personal data."""


class AuthenticationFailed(SessionError):
    """Unknown user ID, wrong password or a disabled account (the three are not told apart)."""


class AccountLocked(SessionError):
    """Too many failed attempts: the account is locked until `until` (epoch seconds)."""

    def __init__(self, reason: str, until: float) -> None:
        super().__init__(reason)
        self.until = until


class PolicyViolation(SessionError):
    """A new password does not meet the policy; `problems` lists each rule broken."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("password does not meet the policy: " + "; ".join(problems))
        self.problems = problems


class NotLoggedIn(SessionError):
    """The operation needs a logged-in reader."""


class SessionLocked(SessionError):
    """The session is locked; unlock with the password first."""


class AccountStoreTampered(SessionError):
    """The IT-signed account store is unsigned, signed by another key, or altered since."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(f"the account store {path} failed its signature check ({detail}); "
                         f"nobody can log in until IT restores it")
        self.path = path
        self.detail = detail


class SiteNotInitialised(SessionError):
    """The site dir has no signing key / account store yet (`yomi site init`)."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"no Yomi site at {path}: IT must run 'sudo yomi site init --admin ID' first")
        self.path = path


class SiteKeyUnavailable(SessionError):
    """The site's private signing key cannot be read (only IT, with sudo, may change accounts)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"cannot read the site signing key {path} ({reason}); "
                         f"account changes must be run by IT with sudo")
        self.path = path


class RoleMissing(SessionError):
    """The account is valid but lacks the role this action needs (e.g. admin)."""

    def __init__(self, user_id: str, role: str) -> None:
        super().__init__(f"user {user_id} does not have the {role} role")
        self.user_id = user_id
        self.role = role


class SecondFactorRequired(SessionError):
    """The password was right; a TOTP or recovery code (or a first enrolment) is needed now.

    `request` says which (`SecondFactorRequest.enrolment_uri` is set for a first enrolment);
    the session holds the half-finished login for `Session.complete_login(code)`.
    """

    def __init__(self, request: SecondFactorRequest) -> None:
        super().__init__("a one-time code from the authenticator app is needed")
        self.request = request


class SecondFactorFailure(enum.Enum):
    WRONG = "wrong"
    EXPIRED = "expired"
    REPLAYED = "replayed"
    RECOVERY_USED = "recovery code already used"
    SECRET_MISMATCH = "secret does not match the site store"


_FAILURE_TEXT = {
    SecondFactorFailure.WRONG: "the one-time code is wrong",
    SecondFactorFailure.EXPIRED: "the one-time code has expired; enter the current one",
    SecondFactorFailure.REPLAYED: "the one-time code was already used; wait for the next one",
    SecondFactorFailure.RECOVERY_USED: "that recovery code was already used",
    SecondFactorFailure.SECRET_MISMATCH: "the authenticator secret on this station does not match "
                                         "the one IT enrolled; ask IT to reset the account",
}


class SecondFactorFailed(SessionError):
    """A wrong, expired or replayed one-time code, or a used recovery code (`failure` says which)."""

    def __init__(self, failure: SecondFactorFailure) -> None:
        super().__init__(_FAILURE_TEXT[failure])
        self.failure = failure
