"""The reader session core (no Qt): accounts, password policy, key derivation, login and lock.

Authentication method (security.md rows 1, 2, 5; documented here as row 1 asks): each
reader has a local account (`accounts`, ``users.json`` in the data dir) holding no password,
only a scrypt+HKDF verifier (`key_derivation`); new passwords must meet the policy
(`password_policy`: >= 13 characters, 3 of 4 character classes, not the user ID); repeated
failures lock the account for a while (`authentication`); `state_machine.Session` is one
reader's login, idle lock, unlock, re-authentication for signing and logout, and holds the
study-cache key while active. Exceptions are in `errors`.

Callers use this package's names (`from app.session import Session, UserStore, add_user`).
"""
from __future__ import annotations

from app.session.accounts import User, UserStore, add_user, default_store
from app.session.authentication import Lockout
from app.session.errors import (AccountLocked, AuthenticationFailed, NotLoggedIn, PolicyViolation, SessionError,
                                SessionLocked)
from app.session.key_derivation import ScryptParams
from app.session.password_policy import PasswordPolicy, PasswordRule
from app.session.state_machine import Session, SessionState

__all__ = [
    "PasswordPolicy", "PasswordRule", "ScryptParams", "User", "UserStore", "Session", "SessionState",
    "Lockout", "SessionError", "AuthenticationFailed", "AccountLocked", "PolicyViolation", "NotLoggedIn",
    "SessionLocked", "add_user", "default_store",
]
