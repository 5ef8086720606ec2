"""The reader session core (no Qt): accounts, two factors, lockout, login and lock.

Authentication method (security.md rows 1-5; documented here as row 1 asks):

- Accounts are IT's: ``<site dir>/accounts.json`` (`site_store`; site dir ``/etc/yomi``,
  YOMI_SITE_DIR in tests), which readers cannot write, signed with the site's Ed25519 key
  (private half root-only, used by `yomi site init` / `yomi user ...` run by IT with sudo).
  It binds each account's DICOM name, centre user name, report-signing certificate
  (PKCS#12 path or PKCS#11 URI/label), roles (reader, admin) and disabled flag, and the
  account's public key, TOTP secret hash and recovery code hashes. The station checks the
  signature on every read; a bad or missing one is `AccountStoreTampered` (audited as a
  Security Alert) and nobody logs in.
- Factor 1, something known: the password opens the reader's Ed25519 private key in
  ``<data dir>/credentials/<user_id>.json`` (`credentials`; scrypt + HKDF + AES-GCM,
  `key_derivation`); its public key must be the one IT signed. New passwords meet the
  policy (`password_policy`: >= 13 characters, 3 of 4 classes, not the user ID).
- Factor 2, something held: a TOTP code from an authenticator app (RFC 6238, `second_factor`;
  replayed and expired codes refused) or one of 10 single-use recovery codes; at login, and
  at unlock once the site's ``totp_unlock_after_h`` have passed. Enrolment shows the QR code
  once, at `yomi user add` (terminal) or, when the site defers it, at first login (dialog).
- Repeated failures lock the account; each attempt is reserved atomically before it is
  checked (`authentication`). Roles are enforced at login (`Session(required_role=...)`).
  `state_machine.Session` is one reader's login, idle lock, unlock, re-authentication for
  signing and logout, and holds the study-cache key while active. Admin actions are
  `administration`, audited with the admin as requestor. Exceptions are in `errors`.

Residual risk: the station runs as the reader's OS user, so anyone who can read another
reader's credential file *and* knows that reader's password can open their private key and
derive their TOTP secret, i.e. holds both factors. The second factor then protects only
against a password learnt without access to the file. Sites where readers share an OS
account should use the centre's identity provider (OIDC) or give each reader an OS account
(home directories 0700). Likewise a reader controls their own process: YOMI_SITE_DIR can
point the station at a site of their own making, so the site store protects the station's
accounts against file tampering, not against a reader running their own code; what a
reader may see and send is enforced by the reading centre (security.md row 4).

Callers use this package's names (`from app.session import Session, UserStore, add_user`).
"""
from __future__ import annotations

from app.session.accounts import Enrolment, User, UserStore, add_user, default_store, enrol
from app.session.authentication import Lockout
from app.session.errors import (AccountLocked, AccountStoreTampered, AuthenticationFailed, NotLoggedIn,
                                PolicyViolation, RoleMissing, SecondFactorFailed, SecondFactorFailure,
                                SecondFactorRequired, SessionError, SessionLocked, SiteKeyUnavailable,
                                SiteNotInitialised)
from app.session.key_derivation import ScryptParams
from app.session.password_policy import PasswordPolicy, PasswordRule
from app.session.second_factor import SecondFactorRequest
from app.session.site_store import Account, SigningKeyRef, SiteSettings, SiteStore
from app.session.state_machine import Session, SessionState

__all__ = [
    "PasswordPolicy", "PasswordRule", "ScryptParams", "User", "UserStore", "Session", "SessionState",
    "Lockout", "SessionError", "AuthenticationFailed", "AccountLocked", "PolicyViolation", "NotLoggedIn",
    "SessionLocked", "AccountStoreTampered", "SiteNotInitialised", "SiteKeyUnavailable", "RoleMissing",
    "SecondFactorRequired", "SecondFactorFailed", "SecondFactorFailure", "SecondFactorRequest",
    "Account", "SigningKeyRef", "SiteSettings", "SiteStore", "Enrolment", "add_user", "enrol", "default_store",
]
