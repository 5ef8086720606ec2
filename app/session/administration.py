"""What IT does to accounts, each behind an admin login and each audited (security.md row 4).

Every function takes the admin's logged-in `Session` (made with ``required_role="admin"``,
i.e. password and second factor of an account holding the admin role) and the site's
private key, which only IT can read (`yomi ...` run with sudo). The change is signed into
the site store and audited as a Security Alert (User Security Attributes Changed, or
Security Roles Changed) with the admin as requestor and the account in the description;
a refused change is audited as a failure. The last enabled admin cannot be disabled or
lose the role: that would leave a site nobody can administer.

`init_site` is the exception: it creates the site key and the first admin, so there is no
admin to log in yet; it needs root's access to the site dir, which is its authentication.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from app.audit import AuditLog
from app.session import alerts
from app.session.accounts import Enrolment, User, UserStore, check_roles, enrol, new_factors, rekey
from app.session.credentials import CredentialFile
from app.session.errors import NotLoggedIn, RoleMissing, SessionError
from app.session.second_factor import otpauth_uri, recovery_hash, secret_sha256
from app.session.site_store import Account, SigningKeyRef, SiteSettings, SiteStore, now_iso
from app.session.state_machine import Session, SessionState

__all__ = ["init_site", "add_account", "disable_account", "reset_account", "set_roles", "set_oidc_subject",
           "require_admin"]

log = logging.getLogger(__name__)

T = TypeVar("T")


def require_admin(admin: Session) -> str:
    """The admin's user ID; raises unless `admin` is an active session of an admin account."""
    if admin.user is None or admin.state is not SessionState.ACTIVE:
        raise NotLoggedIn("an admin must log in first")
    if "admin" not in admin.user.roles:
        raise RoleMissing(admin.user.user_id, "admin")
    return admin.user.user_id


def _audited(admin: Session, store: UserStore, action: str, target: str, do: Callable[[], T], *,
             roles: bool = False) -> T:
    admin_id = require_admin(admin)
    try:
        result = do()
    except SessionError:
        alerts.account_changed(admin_id, action, target, store.path, admin.audit_log, ok=False, roles=roles)
        raise
    alerts.account_changed(admin_id, action, target, store.path, admin.audit_log, roles=roles)
    log.info("admin %s: user %s %s", admin_id, action, target)
    return result


def _keeps_an_admin(accounts: dict[str, Account]) -> None:
    if not any("admin" in a.roles and not a.disabled for a in accounts.values()):
        raise SessionError("refused: the site would have no enabled admin account left")


def add_account(admin: Session, store: UserStore, user_id: str, password: str, display_name: str,
                dicom_name: str, *, centre_user: str = "", signing_key: SigningKeyRef | None = None,
                roles: list[str] | None = None) -> Enrolment:
    """A new account; the returned enrolment (QR URI, recovery codes) is shown once."""
    def do() -> Enrolment:
        key = store.site_key()
        return enrol(store, user_id, password, display_name, dicom_name, roles=roles, centre_user=centre_user,
                     signing_key=signing_key, key=key)

    return _audited(admin, store, "add", user_id, do)


def _change(admin: Session, store: UserStore, user_id: str, action: str, change: Callable[[Account], None], *,
            roles: bool = False) -> User:
    def do() -> User:
        key = store.site_key()

        def apply(_s: SiteSettings, accounts: dict[str, Account]) -> None:
            if user_id not in accounts:
                raise SessionError(f"no user {user_id!r} in {store.path}")
            change(accounts[user_id])
            accounts[user_id].updated = now_iso()
            _keeps_an_admin(accounts)

        store.site.change(key, apply)
        return store.get(user_id)

    return _audited(admin, store, action, user_id, do, roles=roles)


def disable_account(admin: Session, store: UserStore, user_id: str, *, disabled: bool = True) -> User:
    def flag(a: Account) -> None:
        a.disabled = disabled

    return _change(admin, store, user_id, "disable" if disabled else "enable", flag)


def set_roles(admin: Session, store: UserStore, user_id: str, roles: list[str]) -> User:
    checked = check_roles(roles)

    def assign(a: Account) -> None:
        a.roles = checked

    return _change(admin, store, user_id, "roles", assign, roles=True)


def set_oidc_subject(admin: Session, store: UserStore, user_id: str, subject: str) -> User:
    """Bind (or with '' unbind) the identity provider's `sub` of the reader to the account."""
    def bind(a: Account) -> None:
        a.oidc_subject = subject

    return _change(admin, store, user_id, "oidc-subject", bind)


def reset_account(admin: Session, store: UserStore, user_id: str, password: str) -> Enrolment:
    """New key pair, TOTP secret and recovery codes (lost phone, forgotten password)."""
    return _audited(admin, store, "reset", user_id, lambda: rekey(store, user_id, password, key=store.site_key()))


def init_site(site_dir: Path, credentials_dir: Path, admin_id: str, password: str, display_name: str,
              dicom_name: str, *, settings: SiteSettings = SiteSettings(), centre_user: str = "",
              audit_log: AuditLog | None = None, store_kw: dict | None = None) -> Enrolment:
    """`yomi site init`: the site key pair and the first admin account (roles admin)."""
    store = UserStore(site=site_dir, credentials_dir=credentials_dir, **(store_kw or {}))
    site = SiteStore(site_dir)
    if site.path.exists():
        raise SessionError(f"{site.path} already exists; this site is already initialised")
    cred, secret, codes = new_factors(store, admin_id, password, settings.totp_required, must_change_password=True,
                                      settings=SiteSettings(**{**settings.__dict__, "totp_enrol_at_first_login": False}))
    account = Account(user_id=admin_id, display_name=display_name, dicom_name=dicom_name, public_key=cred.public_key,
                      roles=["admin"], centre_user=centre_user, totp_required=settings.totp_required,
                      totp_secret_sha256=secret_sha256(secret) if secret else None,
                      recovery_code_hashes=[recovery_hash(admin_id, c) for c in codes],
                      created=now_iso(), updated=now_iso())
    cf = CredentialFile(credentials_dir, admin_id)
    with cf.locked():
        cf.write(cred)
    site.initialise(settings, {admin_id: account})
    alerts.account_changed(admin_id, "site-init", admin_id, site.path, audit_log, roles=True)
    uri = otpauth_uri(secret, admin_id, settings.label) if secret else None
    return Enrolment(User.of(account, cred), password, secret, uri, codes)
