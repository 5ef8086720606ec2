"""The session package's exceptions, in one place; messages are one line, no personal data."""
from __future__ import annotations

__all__ = ["SessionError", "AuthenticationFailed", "AccountLocked", "PolicyViolation", "NotLoggedIn",
           "SessionLocked"]


class SessionError(Exception):
    """A login or session operation failed; the message is one line, no personal data."""


class AuthenticationFailed(SessionError):
    """Unknown user ID or wrong password (the two are not told apart)."""


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
